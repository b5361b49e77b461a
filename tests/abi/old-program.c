/* SPDX-License-Identifier: MIT */
/*
 * A program built against this release's ipcx.h.  Run against this
 * release's library, and against one built from a header whose structs
 * grew (grow.py): it must work the same, and the library must write
 * nothing past the structs as this program knows them.
 */
#include <ipcx.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define CHECK(cond)                                                      \
	do {                                                             \
		if (!(cond)) {                                           \
			fprintf(stderr, "old-program: %s:%d: %s (%s)\n", \
				__FILE__, __LINE__, #cond,               \
				ipcx_error_detail());                    \
			return 1;                                        \
		}                                                        \
	} while (0)

/* Each struct with a canary right behind it. */
static struct {
	struct ipcx_meta m;
	unsigned char canary[64];
} meta;
static struct {
	struct ipcx_chan_info i;
	unsigned char canary[64];
} info;

static int canary_intact(const unsigned char *c)
{
	for (int i = 0; i < 64; i++)
		if (c[i] != 0xA5)
			return 0;
	return 1;
}

int main(void)
{
	struct ipcx_chan *a, *b;
	char buf[16];

	CHECK(ipcx_pair("unix-dgram", &a, &b) == 0);
	for (int init = 0; init < 2; init++) {
		/* Zero-initialised, or with this release's sizeof. */
		memset(&meta, 0, sizeof(meta.m));
		memset(meta.canary, 0xA5, sizeof(meta.canary));
		if (init)
			meta.m = (struct ipcx_meta)IPCX_META_INIT;
		CHECK(ipcx_send(a, "hello", 5, &meta.m) == 5);
		CHECK(ipcx_recv(b, buf, sizeof(buf), &meta.m) == 5);
		CHECK(!memcmp(buf, "hello", 5));
		CHECK(meta.m.size == 5);
		CHECK(meta.m.valid & IPCX_META_PID);
		CHECK(canary_intact(meta.canary));

		memset(&info, 0, sizeof(info.i));
		memset(info.canary, 0xA5, sizeof(info.canary));
		if (init)
			info.i = (struct ipcx_chan_info)IPCX_CHAN_INFO_INIT;
		CHECK(ipcx_chan_get(b, &info.i) == 0);
		CHECK(!strcmp(info.i.facility->scheme, "unix-dgram"));
		CHECK(info.i.semantics == IPCX_MESSAGE);
		CHECK(info.i.peer_pid == -1 || info.i.peer_pid > 0);
		CHECK(canary_intact(info.canary));
	}
	/* A size the library does not know is refused, not guessed. */
	meta.m.struct_size = 3;
	CHECK(ipcx_send(a, "x", 1, &meta.m) == -EINVAL);
	CHECK(ipcx_recv(b, buf, sizeof(buf), &meta.m) == -EINVAL);
	info.i.struct_size = sizeof(info.i) + 4096;
	CHECK(ipcx_chan_get(b, &info.i) == -EINVAL);
	ipcx_close(a);
	ipcx_close(b);
	printf("old-program: ok\n");
	return 0;
}
