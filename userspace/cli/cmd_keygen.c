// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* cmd_keygen.c - `vigil keygen`: a fresh random cluster key. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "log.h"

static int run(int argc, char **argv)
{
	char out[64];
	int rc;

	(void)argv;
	if (argc > 1)
		return cmd_usage(&cmd_keygen);
	rc = cli_keygen(out);
	if (rc) {
		log_err("getrandom: %s", strerror(-rc));
		return EXIT_USAGE;
	}
	printf("%s\n", out);
	return 0;
}

const struct cmd cmd_keygen = {
	"keygen",
	run,
	"keygen",
	"print a fresh random cluster key (base64)",
};
