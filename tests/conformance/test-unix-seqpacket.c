/* SPDX-License-Identifier: MIT */
/* Pipes: the conformance suite over ipcx_pair("unix-seqpacket"), and pipe quirks. */
#include "conformance.h"

#include <errno.h>
#include <limits.h>
#include <string.h>

static const struct fixture fix = {
	.scheme = "unix-seqpacket",
	.coalesce = true,
	.large = 64u << 20,
	.setup = conf_pair_setup,
	.end_a = conf_pair_a,
	.end_b = conf_pair_b,
	.teardown = conf_pair_teardown,
};

int main(void)
{
	const struct CMUnitTest quirks[] = {
		cmocka_unit_test(t_placeholder_never),
	};

	return conf_run(&fix, quirks, sizeof(quirks) / sizeof(*quirks));
}
