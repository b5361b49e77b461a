/* SPDX-License-Identifier: MIT */
/* The address parser: good addresses decode, bad ones say what is wrong. */
#include "internal.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <sys/un.h>

#include <cmocka.h>

/* The value of A's facility option NAME (its default when not given). */
static long long opt(const struct ipcx_addr *a, const char *name)
{
	for (size_t i = 0; a->ops->opts && a->ops->opts[i]; i++)
		if (!strcmp(a->ops->opts[i]->pub.name, name))
			return ipcx__opt(a, a->ops->opts[i]);
	fail_msg("%s takes no option '%s'", a->ops->info.scheme, name);
	return 0;
}

static void parse_ok(const char *text, struct ipcx_addr *a)
{
	int r = ipcx__addr_parse(text, NULL, false, a);

	if (r != 0)
		fail_msg("'%s' did not parse: %s", text, ipcx_error_detail());
}

/* TEXT fails with -EINVAL and a detail containing WANT. */
static void parse_bad(const char *text, const char *want)
{
	struct ipcx_addr a;
	int r = ipcx__addr_parse(text, NULL, false, &a);

	if (r != -EINVAL)
		fail_msg("'%s' gave %d, not -EINVAL", text, r);
	if (!strstr(ipcx_error_detail(), want))
		fail_msg("'%s': detail '%s' lacks '%s'", text,
			 ipcx_error_detail(), want);
}

static void t_schemes_and_targets(void **state)
{
	struct ipcx_addr a;

	(void)state;
	parse_ok("fifo:/tmp/x", &a);
	assert_string_equal(a.ops->info.scheme, "fifo");
	assert_string_equal(a.target, "/tmp/x");
	assert_int_equal(a.create, IPCX__UNSET);
	ipcx__addr_release(&a);

	/* What a facility makes of its target is its own (the
	 * conformance tests open them); here: they parse. */
	parse_ok("unix:@abstract", &a);
	ipcx__addr_release(&a);
	parse_ok("unix-seqpacket:/run/x.sock", &a);
	ipcx__addr_release(&a);
	parse_ok("tcp:[::1]:8080", &a);
	ipcx__addr_release(&a);
	parse_ok("udp:localhost:domain", &a);
	ipcx__addr_release(&a);
	parse_ok("tcp::9000", &a);
	ipcx__addr_release(&a);
	parse_ok("tcp:*:9000", &a);
	ipcx__addr_release(&a);

	/* exec: keeps everything, options syntax included. */
	parse_ok("exec:grep -c 'a?b&c=d'", &a);
	assert_string_equal(a.target, "grep -c 'a?b&c=d'");
	ipcx__addr_release(&a);

	parse_ok("pty:", &a);
	assert_string_equal(a.target, "");
	ipcx__addr_release(&a);

	parse_ok("stdio:", &a);
	ipcx__addr_release(&a);

	parse_ok("sysvmq:0x1f", &a);
	assert_int_equal(opt(&a, "type"), 0);
	assert_int_equal(opt(&a, "proj"), 1);
	ipcx__addr_release(&a);
	parse_ok("sysvmq:31?type=-5", &a);
	assert_int_equal(opt(&a, "type"), -5);
	ipcx__addr_release(&a);
	parse_ok("sysvmq:0xffffffff", &a);
	ipcx__addr_release(&a);
	parse_ok("sysvmq:/etc/hostname?proj=7", &a);
	assert_int_equal(opt(&a, "proj"), 7);
	ipcx__addr_release(&a);
	parse_ok("sysvmq:private", &a);
	ipcx__addr_release(&a);
	parse_ok("posixshm:/board?size=4K", &a);
	assert_int_equal(opt(&a, "size"), 4096);
	ipcx__addr_release(&a);
	parse_ok("anon:?size=2MiB", &a);
	assert_int_equal(opt(&a, "size"), 2 << 20);
	ipcx__addr_release(&a);
	parse_ok("sysvshm:0x1f?size=1G", &a);
	assert_int_equal(opt(&a, "size"), 1LL << 30);
	ipcx__addr_release(&a);
	parse_ok("mmap:/tmp/f?size=100", &a);
	assert_int_equal(opt(&a, "size"), 100);
	ipcx__addr_release(&a);
	parse_ok("posixmq:/jobs?maxmsg=5&msgsize=128&prio=3", &a);
	assert_string_equal(a.target, "/jobs");
	assert_int_equal(opt(&a, "maxmsg"), 5);
	assert_int_equal(opt(&a, "msgsize"), 128);
	assert_int_equal(opt(&a, "prio"), 3);
	ipcx__addr_release(&a);
}

static void t_options(void **state)
{
	struct ipcx_addr a;

	(void)state;
	parse_ok("fifo:/tmp/x?create=1&excl=yes&mode=0640&timeout=2s&"
		 "nonblock=false&framing=length",
		 &a);
	assert_int_equal(a.create, 1);
	assert_int_equal(a.excl, 1);
	assert_int_equal(a.mode, 0640);
	assert_int_equal(a.timeout, 2000);
	assert_int_equal(a.nonblock, 0);
	assert_int_equal(opt(&a, "framing"), 1);
	assert_int_equal(ipcx__addr_flags(&a, IPCX_NONBLOCK) &
				 (IPCX_CREATE | IPCX_EXCL | IPCX_NONBLOCK),
			 IPCX_CREATE | IPCX_EXCL);
	ipcx__addr_release(&a);

	parse_ok("unix:/x?allow-uid=root&listen", &a);
	assert_int_equal(opt(&a, "allow-uid"), 0);
	assert_int_equal(opt(&a, "listen"), 1);
	assert_int_equal(ipcx__addr_flags(&a, IPCX_CONNECT) &
				 (IPCX_LISTEN | IPCX_CONNECT),
			 IPCX_LISTEN);
	ipcx__addr_release(&a);

	parse_ok("unix:/x?allow-uid=1000&timeout=250ms", &a);
	assert_int_equal(opt(&a, "allow-uid"), 1000);
	assert_int_equal(a.timeout, 250);
	ipcx__addr_release(&a);

	/* Percent escapes in targets and values. */
	parse_ok("fifo:/tmp/a%3Fb%20c", &a);
	assert_string_equal(a.target, "/tmp/a?b c");
	ipcx__addr_release(&a);
}

static void t_defaults(void **state)
{
	struct ipcx_addr a;

	(void)state;
	/* Defaults fill in; the address wins where it speaks. */
	assert_int_equal(ipcx__addr_parse("fifo:/x?timeout=5",
					  "timeout=9&"
					  "create=1",
					  false, &a),
			 0);
	assert_int_equal(a.timeout, 5);
	assert_int_equal(a.create, 1);
	ipcx__addr_release(&a);
	/* ...and reach schemes that take no options in the address. */
	assert_int_equal(ipcx__addr_parse("exec:cat", "timeout=7", false, &a),
			 0);
	assert_int_equal(a.timeout, 7);
	ipcx__addr_release(&a);
	assert_int_equal(ipcx__addr_parse("exec:cat", "mode=0600", false, &a),
			 -EINVAL);
	assert_non_null(strstr(ipcx_error_detail(), "does not apply to exec"));
	assert_int_equal(ipcx_addr_check("tcp:h:1", "type=2"), -EINVAL);
}

/* Formatting escapes what the parser would misread, parses back, and a
 * cut one is a whole prefix: no torn escape, no unwritten byte. */
static void t_format(void **state)
{
	char full[64], buf[64];
	struct ipcx_addr a;
	int need;

	(void)state;
	need = ipcx__addr_format(full, sizeof(full), "fifo", "/a?b c%d");
	assert_string_equal(full, "fifo:/a%3Fb%20c%25d");
	assert_int_equal(need, (int)strlen(full));
	parse_ok(full, &a);
	assert_string_equal(a.target, "/a?b c%d");
	ipcx__addr_release(&a);
	for (size_t n = 1; n <= strlen(full) + 1; n++) {
		memset(buf, 0xAA, sizeof(buf));
		assert_int_equal(ipcx__addr_format(buf, n, "fifo", "/a?b c%d"),
				 need);
		size_t len = strnlen(buf, n);
		assert_true(len < n); /* terminated inside the buffer */
		assert_memory_equal(buf, full, len); /* a prefix */
		/* ...that ends between pieces, never inside "%3F". */
		bool whole = len == 0 || len == 5;
		for (size_t i = 5; i < strlen(full) && !whole;) {
			i += full[i] == '%' ? 3 : 1;
			whole = i == len;
		}
		assert_true(whole);
		for (size_t i = len + 1; i < sizeof(buf); i++)
			assert_int_equal((unsigned char)buf[i], 0xAA);
	}
}

/* The capability bits a program reads say which roles a facility has,
 * and every option a facility declares is listed once. */
static void t_roles_and_caps(void **state)
{
	(void)state;
	for (size_t i = 0; ipcx__facility_nth(i); i++) {
		const struct ipcx__facility *f = ipcx__facility_nth(i);
		unsigned caps = f->info.caps;
		assert_true(!!(caps & IPCX_CAP_CHANNEL) == !!f->chan);
		assert_true(!!(caps & IPCX_CAP_REGION) == !!f->region);
		assert_true(!!(caps & IPCX_CAP_SEM) == !!f->sem);
		assert_true(!!(caps & IPCX_CAP_LOCK) == !!f->lock);
		/* A queue is a named channel of messages. */
		if (caps & IPCX_CAP_QUEUE)
			assert_true((caps & IPCX_CAP_NAMED) && f->chan);
		/* A listener accepts (fd: opens channels of the facility
		 * the descriptor is, a listener's included: it has no I/O
		 * of its own); binding to receive is a channel's. */
		if (f->chan && f->chan->send)
			assert_true(!!(caps & IPCX_CAP_LISTEN) ==
				    !!f->chan->accept);
		if (caps & IPCX_CAP_LISTEN)
			assert_true(f->chan != NULL);
		if (caps & IPCX_CAP_BIND)
			assert_true(f->chan != NULL);
		assert_ptr_equal(ipcx_facility_find(f->info.scheme), &f->info);
		for (size_t k = 0; ipcx_facility_option(&f->info, k); k++)
			for (size_t j = 0; j < k; j++)
				assert_string_not_equal(
					ipcx_facility_option(&f->info, k)->name,
					ipcx_facility_option(&f->info, j)
						->name);
	}
}

/* The public parsed address: what it resolved, once. */
static void t_public_addr(void **state)
{
	struct ipcx_addr *a;
	long long v = -1;

	(void)state;
	assert_int_equal(
		ipcx_addr_parse("fifo:/tmp/a%20b?mode=0640", "timeout=5", &a),
		0);
	assert_string_equal(ipcx_addr_facility(a)->scheme, "fifo");
	assert_true(ipcx_addr_facility(a)->caps & IPCX_CAP_CHANNEL);
	assert_string_equal(ipcx_addr_target(a), "/tmp/a b");
	assert_string_equal(ipcx_addr_text(a), "fifo:/tmp/a%20b?mode=0640");
	assert_int_equal(ipcx_addr_option(a, "mode", &v), 1);
	assert_int_equal(v, 0640);
	assert_int_equal(ipcx_addr_option(a, "timeout", &v), 1);
	assert_int_equal(v, 5);
	assert_int_equal(ipcx_addr_option(a, "framing", &v), 0);
	assert_int_equal(ipcx_addr_option(a, "create", NULL), 0);
	assert_int_equal(ipcx_addr_option(a, "size", &v), -EINVAL);
	assert_non_null(strstr(ipcx_error_detail(), "no option 'size'"));
	ipcx_addr_free(a);
	assert_int_equal(
		ipcx_addr_parse("posixshm:/x?size=4K&wait=futex", NULL, &a), 0);
	assert_int_equal(ipcx_addr_option(a, "size", &v), 1);
	assert_int_equal(v, 4096);
	assert_int_equal(ipcx_addr_option(a, "wait", &v), 1);
	assert_int_equal(v, 2); /* the index of futex in its VALUES */
	ipcx_addr_free(a);
	a = (struct ipcx_addr *)1;
	assert_int_equal(ipcx_addr_parse("frob:x", NULL, &a), -EINVAL);
	assert_ptr_equal(a, (struct ipcx_addr *)1); /* not written */
	assert_int_equal(ipcx_addr_parse(NULL, NULL, &a), -EINVAL);
	ipcx_addr_free(NULL);
	assert_null(ipcx_addr_facility(NULL));
}

struct limits_seen {
	int rows, counted, stop_at;
};

static int count_limit(const struct ipcx_limit *l, void *arg)
{
	struct limits_seen *s = arg;

	s->rows++;
	if (l->used_known) {
		assert_true(l->used >= 0);
		assert_true(l->value < 0 || l->used <= l->value ||
			    !strcmp(l->unit, "bytes"));
		s->counted++;
	}
	return s->rows == s->stop_at ? 7 : 0; /* a non-zero return stops */
}

/* Limits come by callback, which can stop them; System V ids say how
 * many are in use (ipcx ls's closing line and ipcx info -l's USED). */
static void t_limits(void **state)
{
	struct limits_seen s = {0};
	const struct ipcx_facility *f = ipcx_facility_find("sysvshm");

	(void)state;
	assert_int_equal(ipcx_facility_limits(f, count_limit, &s), 0);
	assert_int_equal(s.rows, 3);
	assert_int_equal(s.counted, 1); /* segments on the system */
	s = (struct limits_seen){.stop_at = 2};
	f = ipcx_facility_find("pipe");
	assert_int_equal(ipcx_facility_limits(f, count_limit, &s), 7);
	assert_int_equal(s.rows, 2);
	assert_int_equal(ipcx_facility_limits(NULL, count_limit, &s), -EINVAL);
	struct ipcx_facility copy = *f; /* not one of the library's rows */
	assert_int_equal(ipcx_facility_limits(&copy, count_limit, &s), -EINVAL);
}

static void t_pair_specs(void **state)
{
	struct ipcx_addr a;

	(void)state;
	assert_int_equal(ipcx__addr_parse("unix", NULL, true, &a), 0);
	ipcx__addr_release(&a);
	assert_int_equal(
		ipcx__addr_parse("unix:?framing=length", NULL, true, &a), 0);
	assert_int_equal(opt(&a, "framing"), 1);
	ipcx__addr_release(&a);
	assert_int_equal(ipcx__addr_parse("unix:/x", NULL, true, &a), -EINVAL);
}

/* Details never carry control bytes: an address's are written \xHH,
 * and a cut never leaves half an escape. */
static void t_detail_escaped(void **state)
{
	struct ipcx_chan *c;
	char out[7];

	(void)state;
	assert_int_equal(ipcx_open("fifo:/nonexistent-dir/a\033[2J\nb",
				   IPCX_RECV | IPCX_CREATE, &c),
			 -ENOENT);
	const char *d = ipcx_error_detail();
	assert_non_null(strstr(d, "a\\x1b[2J\\x0ab"));
	for (const char *p = d; *p; p++)
		assert_true((unsigned char)*p >= 0x20 && *p != 0x7f);
	assert_int_equal(ipcx__escape(out, sizeof(out), "ab\033cd"), 6);
	assert_string_equal(out, "ab\\x1b");
	assert_int_equal(ipcx__escape(out, sizeof(out), "abcd\033"), 4);
	assert_string_equal(out, "abcd"); /* no room for all of \x1b */
}

static void t_bad(void **state)
{
	(void)state;
	parse_bad(NULL, "no address");
	parse_bad("", "no scheme");
	parse_bad("/tmp/x", "no scheme");
	parse_bad(":x", "empty scheme");
	parse_bad("frob:/x", "unknown scheme 'frob'");
	parse_bad("posixshm:/x?sise=1",
		  "unknown option 'sise' in 'posixshm:/x?sise=1'");
	parse_bad("posixshm:/x?size=12Q", "wants bytes");
	parse_bad("sysvshm:0x1f?size=-1", "wants bytes");
	parse_bad("anon:x", "takes no name");
	parse_bad("mmap:", "names no path");
	parse_bad("fifo:/x?sise=1",
		  "unknown option 'sise' in 'fifo:/x?sise=1'");
	parse_bad("fifo:/x?mode=999", "octal");
	parse_bad("fifo:/x?mode=", "empty value");
	parse_bad("fifo:/x?mode", "needs a value");
	parse_bad("fifo:/x?create=maybe", "wants 0 or 1");
	parse_bad("fifo:/x?create=1&create=0", "given twice");
	parse_bad("fifo:/x?timeout=-1", "milliseconds");
	parse_bad("fifo:/x?timeout=10m", "milliseconds");
	parse_bad("fifo:/x?timeout=99999999999", "milliseconds");
	parse_bad("fifo:/x?framing=lines", "wants none or length");
	parse_bad("fifo:/x?create=0&excl=1", "excl=1 needs create");
	parse_bad("fifo:/x?&", "empty option name");
	parse_bad("fifo:", "names no path");
	parse_bad("fifo:/a%zz", "bad escape");
	parse_bad("fifo:/a%00b", "bad escape");
	parse_bad("fifo:/a%4", "bad escape");
	parse_bad("unix:/x?listen=1&connect=1", "contradict");
	parse_bad("unix:/x?allow-uid=no-such-user-ipcx", "allow-uid");
	parse_bad("unix:", "names no socket");
	parse_bad("unix:@", "names no socket");
	parse_bad("unix-dgram:/x?framing=length", "does not apply");
	parse_bad("tcp:127.0.0.1", "HOST:PORT");
	parse_bad("tcp:[::1]8080", "missing ':PORT'");
	parse_bad("tcp:[::1:8080", "missing ']'");
	parse_bad("tcp:[]:80", "empty IPv6");
	parse_bad("tcp:::1:80", "brackets");
	parse_bad("tcp:host:", "missing port");
	parse_bad("tcp:host:70000", "out of range");
	parse_bad("tcp:host:a/b", "bad port");
	parse_bad("udp:host:1?mode=0600", "does not apply to udp");
	parse_bad("exec:", "no command");
	parse_bad("stdio:x", "takes no target");
	parse_bad("pipe:?mode=0600", "does not apply to pipe");
	parse_bad("sysvmq:", "names no key");
	parse_bad("sysvmq:0", "IPC_PRIVATE");
	parse_bad("sysvmq:0x100000000", "bad key");
	parse_bad("sysvmq:-1", "bad key");
	parse_bad("sysvmq:jobs", "bad key");
	parse_bad("sysvmq:0x1f?proj=2",
		  "proj= applies to a key made from a path");
	parse_bad("sysvmq:/x?proj=0", "wants an integer from 1 to 255");
	parse_bad("sysvmq:0x1f?type=x", "wants an integer");
	parse_bad("sysvmq:0x1f?prio=1", "does not apply to sysvmq");
	parse_bad("posixmq:jobs", "/name");
	parse_bad("posixmq:/a/b", "no slash may follow");
	parse_bad("posixmq:/a?prio=-1", "out of range");
	parse_bad("posixmq:/a?maxmsg=0", "at least 1");
	parse_bad("posixmq:/a?type=1", "does not apply to posixmq");

	char big[300];
	memset(big, 'a', sizeof(big));
	memcpy(big, "unix:/", 6);
	big[sizeof(big) - 1] = '\0';
	parse_bad(big, "too long");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_schemes_and_targets),
		cmocka_unit_test(t_options),
		cmocka_unit_test(t_defaults),
		cmocka_unit_test(t_pair_specs),
		cmocka_unit_test(t_format),
		cmocka_unit_test(t_roles_and_caps),
		cmocka_unit_test(t_public_addr),
		cmocka_unit_test(t_limits),
		cmocka_unit_test(t_bad),
		cmocka_unit_test(t_detail_escaped),
	};

	return cmocka_run_group_tests_name("address parser", tests, NULL, NULL);
}
