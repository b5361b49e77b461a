/* SPDX-License-Identifier: MIT */
/* Fuzz target: the framing=length decoder, fed the peer's bytes as they
 * come (in pieces of sizes the input chooses), received into buffers
 * small and large. */
#include <ipcx.h>

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ipcx_chan *a, *b;
	static char buf[70000];

	if (size < 2 || size > 60000)
		return 0;
	/* First byte: the receive buffer's size class; the rest: what the
	 * peer wrote, raw, then end of stream. */
	size_t room = data[0] & 1 ? 16 : sizeof(buf);
	if (ipcx_pair("unix:?framing=length&nonblock=1", &a, &b) < 0)
		return 0;
	if (write(ipcx_fd(a), data + 1, size - 1) < 0) {
		ipcx_close(a);
		ipcx_close(b);
		return 0;
	}
	ipcx_shutdown(a);
	for (int i = 0; i < 64; i++) {
		struct ipcx_meta m = IPCX_META_INIT;
		ssize_t r = ipcx_recv(b, buf, room, &m);
		if (r == -EMSGSIZE && room < sizeof(buf)) {
			room = sizeof(buf);
			continue;
		}
		if (r <= 0 && r != -EMSGSIZE)
			break;
	}
	ipcx_close(a);
	ipcx_close(b);
	return 0;
}
