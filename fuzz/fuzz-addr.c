/* SPDX-License-Identifier: MIT */
/* Fuzz target: the address parser must never crash, leak or misread:
 * every scheme's target and options, as an address and as a pair's
 * "SCHEME?OPTS", then what the public view of it says. */
#include "internal.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), *defaults;
	struct ipcx_addr a, *pa;
	long long v;

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
	if (ipcx_addr_parse(text, defaults, &pa) == 0) {
		const struct ipcx_facility *f = ipcx_addr_facility(pa);
		(void)ipcx_addr_target(pa);
		(void)ipcx_addr_text(pa);
		for (size_t i = 0; ipcx_facility_option(f, i); i++)
			(void)ipcx_addr_option(
				pa, ipcx_facility_option(f, i)->name, &v);
		ipcx_addr_free(pa);
	}
	free(text);
	return 0;
}
