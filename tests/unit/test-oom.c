/* SPDX-License-Identifier: MIT */
/* Out of memory where the library must keep state: linked with
 * -Wl,--wrap=malloc, so that the library's malloc() can be made to fail. */
#include <ipcx.h>

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

void *__real_malloc(size_t size);
void *__wrap_malloc(size_t size);

/* A malloc() of exactly this many bytes fails (0: none does). */
static size_t fail_size;

void *__wrap_malloc(size_t size)
{
	if (fail_size && size == fail_size)
		return NULL;
	return __real_malloc(size);
}

/*
 * framing=length: a read stops in the middle of a message (the rest has
 * not arrived) and the stash for what did arrive cannot be allocated.
 * The receive says so, and every later one says the stream is broken:
 * none reads from a stash that is not there.
 */
static void t_framed_stash(void **state)
{
	struct ipcx_chan *a, *b;
	uint8_t msg[4 + 777] = {0x09, 0x03, 0, 0}; /* 777 bytes follow */
	char buf[1024];

	(void)state;
	assert_int_equal(ipcx_pair("unix:?framing=length&nonblock=1", &a, &b),
			 0);
	memset(msg + 4, 'x', 777);
	/* The header and 100 bytes of the body: the rest never comes. */
	assert_int_equal(write(ipcx_fd(a), msg, 104), 104);
	fail_size = 777;
	assert_int_equal(ipcx_recv(b, buf, sizeof(buf), NULL), -ENOMEM);
	fail_size = 0;
	assert_non_null(strstr(ipcx_error_detail(), "broken"));
	assert_int_equal(write(ipcx_fd(a), msg + 104, 677), 677);
	assert_int_equal(ipcx_recv(b, buf, sizeof(buf), NULL), -EPROTO);
	assert_int_equal(ipcx_recv(b, buf, sizeof(buf), NULL), -EPROTO);

	/* With memory, the same cut message is resumed whole. */
	ipcx_close(a);
	ipcx_close(b);
	assert_int_equal(ipcx_pair("unix:?framing=length&nonblock=1", &a, &b),
			 0);
	assert_int_equal(write(ipcx_fd(a), msg, 104), 104);
	assert_int_equal(ipcx_recv(b, buf, sizeof(buf), NULL), -EAGAIN);
	assert_int_equal(write(ipcx_fd(a), msg + 104, 677), 677);
	assert_int_equal(ipcx_recv(b, buf, sizeof(buf), NULL), 777);
	assert_memory_equal(buf, msg + 4, 777);
	ipcx_close(a);
	ipcx_close(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_framed_stash),
	};

	return cmocka_run_group_tests_name("oom", tests, NULL, NULL);
}
