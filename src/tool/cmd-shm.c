/* SPDX-License-Identifier: MIT */
/* ipcx shm: shared-memory regions from the shell. */
#include "tool.h"

#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage[] =
	"Usage: ipcx shm ADDRESS create --size N [--mode MODE]\n"
	"       ipcx shm ADDRESS read [--offset O] [--length L] [-x]\n"
	"       ipcx shm ADDRESS write [--offset O]     (data on stdin)\n"
	"       ipcx shm ADDRESS rm\n"
	"\n"
	"Create, read, write and remove a shared-memory region: "
	"posixshm:/name,\n"
	"sysvshm:KEY or mmap:PATH (anon: lives only inside one process "
	"tree).\n"
	"create makes a new region (mode 0600) of N bytes (K, M, G "
	"suffixes),\n"
	"zero-filled, and fails if it exists.  read copies bytes to stdout "
	"(-x:\n"
	"a hex dump, as hexdump -C); write copies stdin in at the offset and "
	"fails\n"
	"rather than write past the end.\n"
	"\n"
	"Options:\n"
	"  -s, --size N       size to create\n"
	"      --mode MODE    permissions to create with (octal)\n"
	"  -o, --offset O     where to start (default 0)\n"
	"  -l, --length L     how much to read (default: to the end)\n"
	"  -x, --hex          read as a hex dump\n"
	"  -h, --help         show this help\n"
	"  -V, --version      show the version\n"
	"\n"
	"Examples:\n"
	"  ipcx shm posixshm:/board create --size 4K\n"
	"  echo hello | ipcx shm posixshm:/board write --offset 100\n"
	"  ipcx shm posixshm:/board read -x --offset 96 --length 16\n"
	"  ipcx shm posixshm:/board rm\n";

static const struct option longopts[] = {
	{"size", required_argument, NULL, 's'},
	{"mode", required_argument, NULL, 'm'},
	{"offset", required_argument, NULL, 'o'},
	{"length", required_argument, NULL, 'l'},
	{"hex", no_argument, NULL, 'x'},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

/* Bytes with K, M, G (powers of 1024), exactly as an address's size=
 * takes them: the library's own parser reads them. */
static bool parse_bytes(const char *s, size_t *out)
{
	char text[64];
	struct ipcx_addr *a;
	long long v = -1;

	if (strlen(s) > 32 || strpbrk(s, "&?%") ||
	    snprintf(text, sizeof(text), "anon:?size=%s", s) < 0 ||
	    ipcx_addr_parse(text, NULL, &a) < 0)
		return false;
	ipcx_addr_option(a, "size", &v);
	ipcx_addr_free(a);
	*out = (size_t)v;
	return v >= 0;
}

static void hexdump(const unsigned char *p, size_t n, size_t base)
{
	for (size_t i = 0; i < n; i += 16) {
		printf("%08zx ", base + i);
		for (size_t j = 0; j < 16; j++) {
			if (j == 8)
				putchar(' ');
			if (i + j < n)
				printf(" %02x", p[i + j]);
			else
				printf("   ");
		}
		printf("  |");
		for (size_t j = 0; j < 16 && i + j < n; j++)
			putchar(p[i + j] >= 0x20 && p[i + j] < 0x7f ? p[i + j]
								    : '.');
		printf("|\n");
	}
	printf("%08zx\n", base + n);
}

static int do_read(struct ipcx_region *r, const char *addr, size_t off,
		   size_t len, bool have_len, bool hex)
{
	size_t size = ipcx_region_size(r);
	unsigned char *buf;
	ssize_t n;

	if (!have_len)
		len = off <= size ? size - off : 0;
	buf = malloc(len ? len : 1);
	if (!buf)
		return EXIT_FAIL;
	n = ipcx_region_read(r, off, buf, len);
	if (n < 0) {
		free(buf);
		return tool_fail((int)n, addr);
	}
	if (hex)
		hexdump(buf, len, off);
	else if (!tool_write_out(buf, len)) {
		free(buf);
		return EXIT_FAIL;
	}
	free(buf);
	return EXIT_OK;
}

static int do_write(struct ipcx_region *r, const char *addr, size_t off)
{
	size_t size = ipcx_region_size(r), cap = 65536, len = 0;
	unsigned char *buf = malloc(cap);

	/* Read all of stdin first: a write past the end is refused whole,
	 * not half done. */
	while (buf) {
		if (len == cap) {
			unsigned char *b = realloc(buf, cap * 2);
			if (!b)
				break;
			buf = b;
			cap *= 2;
		}
		ssize_t n = read(0, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			perror("ipcx: stdin");
			free(buf);
			return EXIT_FAIL;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (off + len > size)
			break;
	}
	if (!buf)
		return EXIT_FAIL;
	if (off > size || len > size - off) {
		tool_err("ipcx: %s: %zu%s bytes at offset %zu do not fit the "
			 "region's %zu; nothing written\n",
			 addr, len, off + len > size ? " or more" : "", off,
			 size);
		free(buf);
		return EXIT_FAIL;
	}
	ssize_t n = ipcx_region_write(r, off, buf, len);
	free(buf);
	return n < 0 ? tool_fail((int)n, addr) : EXIT_OK;
}

static int run(int argc, char **argv)
{
	size_t size = 0, off = 0, len = 0;
	bool have_size = false, have_len = false, hex = false;
	const char *mode = NULL, *addr, *verb;
	struct ipcx_region *r;
	struct ipcx_addr *a;
	char spec[512];
	int opt, st;

	int ost = EXIT_USAGE;
	while ((opt = tool_getopt(&cmd_shm, argc, argv, "s:o:l:xh", longopts,
				  &ost)) != -1) {
		switch (opt) {
		case 's':
			if (!parse_bytes(optarg, &size))
				return tool_usage(&cmd_shm, "bad size '%s'",
						  optarg);
			have_size = true;
			break;
		case 'm': mode = optarg; break;
		case 'o':
			if (!parse_bytes(optarg, &off))
				return tool_usage(&cmd_shm, "bad offset '%s'",
						  optarg);
			break;
		case 'l':
			if (!parse_bytes(optarg, &len))
				return tool_usage(&cmd_shm, "bad length '%s'",
						  optarg);
			have_len = true;
			break;
		case 'x': hex = true; break;
		case 'h': tool_help(&cmd_shm, stdout); return EXIT_OK;
		default: return ost;
		}
	}
	if (!tool_args_ok(&cmd_shm, argc - optind))
		return EXIT_USAGE;
	addr = argv[optind];
	verb = argv[optind + 1];
	if (strcmp(verb, "create") && strcmp(verb, "read") &&
	    strcmp(verb, "write") && strcmp(verb, "rm"))
		return tool_usage(&cmd_shm,
				  "unknown action '%s' (create, read, write, "
				  "rm)",
				  verb);
	/* Only shared memory: rm must not remove a queue or a socket that
	 * an address of another kind names.  --mode travels as the address
	 * option it mirrors (the address's own mode= wins). */
	if (mode)
		snprintf(spec, sizeof(spec), "mode=%s", mode);
	if ((st = tool_parse(
		     &cmd_shm, addr, mode ? spec : NULL, IPCX_CAP_REGION,
		     "shared memory (posixshm, sysvshm, mmap, anon)", &a)))
		return st;
	if (!strcmp(verb, "rm")) {
		st = ipcx_unlink_addr(a);
		ipcx_addr_free(a);
		return st < 0 ? tool_fail(st, addr) : EXIT_OK;
	}
	if (!strcmp(verb, "create")) {
		/* The size is --size or the address's size= (not both); a
		 * region that exists is refused unless the address says
		 * excl=0. */
		long long asize;
		int given = ipcx_addr_option(a, "size", &asize);
		if (given == 1 && have_size && (size_t)asize != size) {
			ipcx_addr_free(a);
			return tool_usage(&cmd_shm,
					  "the size is given twice (--size "
					  "and size=)");
		}
		if (given != 1 && !have_size) {
			ipcx_addr_free(a);
			return tool_usage(&cmd_shm, "create needs --size (or "
						    "size= in the address)");
		}
		st = ipcx_region_open_addr(a, IPCX_CREATE | IPCX_EXCL, size,
					   &r);
		ipcx_addr_free(a);
		if (st < 0)
			return tool_fail(st, addr);
		/* What names it, when that is not what was given (a private
		 * System V segment: its id), as ipcmk prints the id: nothing
		 * else could find it. */
		struct ipcx_region_info ri = IPCX_REGION_INFO_INIT;
		if (ipcx_region_get(r, &ri) == 0 && ri.address[0] &&
		    strcmp(ri.address, addr))
			printf("%s\n", ri.address);
		ipcx_region_close(r);
		return EXIT_OK;
	}
	st = ipcx_region_open_addr(a, 0, 0, &r);
	ipcx_addr_free(a);
	if (st < 0)
		return tool_fail(st, addr);
	st = verb[0] == 'r' ? do_read(r, addr, off, len, have_len, hex)
			    : do_write(r, addr, off);
	ipcx_region_close(r);
	return st;
}

const struct command cmd_shm = {
	.name = "shm",
	.fn = run,
	.min_args = 2,
	.max_args = 2,
	.summary = "create, read, write and remove shared-memory regions",
	.usage = usage,
};
