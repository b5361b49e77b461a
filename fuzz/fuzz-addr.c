/* SPDX-License-Identifier: MIT */
/* Fuzz target: the address parser must never crash, leak or misread. */
#include "internal.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), *defaults;
	struct ipcx_addr a;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	/* A NUL splits the input into an address and its defaults. */
	defaults = strlen(text) < size ? text + strlen(text) + 1 : NULL;
	if (ipcx__addr_parse(text, defaults, false, &a) == 0)
		ipcx__addr_release(&a);
	if (ipcx__addr_parse(text, defaults, true, &a) == 0)
		ipcx__addr_release(&a);
	free(text);
	return 0;
}

#ifndef IPCX_LIBFUZZER
#include <stdio.h>

/* Without libFuzzer: run every file named on the command line once, so
 * that the corpus is a regression test under the sanitizers. */
int main(int argc, char **argv)
{
	static uint8_t buf[1 << 16];

	for (int i = 1; i < argc; i++) {
		FILE *f = fopen(argv[i], "rb");
		if (!f) {
			perror(argv[i]);
			return 1;
		}
		size_t n = fread(buf, 1, sizeof(buf), f);
		fclose(f);
		LLVMFuzzerTestOneInput(buf, n);
	}
	printf("fuzz-addr: %d inputs parsed\n", argc - 1);
	return 0;
}
#endif
