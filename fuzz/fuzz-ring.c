/* SPDX-License-Identifier: MIT */
/* Fuzz target: a ring's header and read path facing hostile memory.  The
 * input is written over the start of a ring's region (header, records),
 * then the ring is opened (attach checks the header) and read: receive,
 * peek and release, non-blocking, until it says no.  Nothing may read or
 * write outside the region, whatever the bytes say. */
#include <ipcx.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REGION 8192

static char addr[128];
static int fd = -1;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char buf[REGION];
	static const char zeros[REGION];
	struct ipcx_chan *c;

	if (fd < 0) {
		/* A memory file: nothing to remove, even after a crash. */
		fd = memfd_create("ipcx-fuzz-ring", MFD_CLOEXEC);
		if (fd < 0 || ftruncate(fd, REGION) < 0)
			abort();
		snprintf(addr, sizeof(addr),
			 "mmap:/proc/self/fd/%d?nonblock=1&follow=1", fd);
	}
	if (size > REGION)
		size = REGION;
	if (pwrite(fd, zeros, REGION, 0) != REGION ||
	    pwrite(fd, data, size, 0) != (ssize_t)size)
		abort();
	if (ipcx_open(addr, 0, &c) < 0)
		return 0;
	for (int i = 0; i < 32; i++) {
		const void *p;
		size_t len;
		if (i % 2) {
			if (ipcx_peek(c, &p, &len) < 0)
				break;
			/* Every byte of it must be inside the region. */
			volatile char sum = 0;
			for (size_t k = 0; k < len; k++)
				sum ^= ((const char *)p)[k];
			(void)sum;
			ipcx_release(c);
		} else if (ipcx_recv(c, buf, sizeof(buf), NULL) < 0) {
			break;
		}
	}
	/* And the write path over the same hostile header. */
	(void)ipcx_send(c, "x", 1, NULL);
	ipcx_close(c);
	return 0;
}
