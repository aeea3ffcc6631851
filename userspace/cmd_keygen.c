// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* cmd_keygen.c - `vigil keygen` and `vigil config`. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "cli.h"
#include "log.h"
#include "util.h"

int cli_keygen(char *out)
{
	uint8_t key[VIGIL_KEY_LEN];

	if (getrandom(key, sizeof(key), 0) != (ssize_t)sizeof(key))
		return -errno;
	base64_encode(key, sizeof(key), out);
	return 0;
}

int cmd_keygen(int argc, char **argv)
{
	char out[64];
	int rc;

	if (argc > 1) {
		fprintf(stderr, "usage: vigil keygen\n");
		return EXIT_USAGE;
	}
	rc = cli_keygen(out);
	if (rc) {
		log_err("getrandom: %s", strerror(-rc));
		return EXIT_USAGE;
	}
	printf("%s\n", out);
	return 0;
}

int cmd_config(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'f' },
		{ "config-test", no_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = NULL;
	struct vigil_config c;
	int opt, test = 0;

	while ((opt = getopt_long_only(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'f':
			path = optarg;
			break;
		case 't':
			test = 1;
			break;
		default:
			fprintf(stderr, "usage: vigil config [-config FILE -config-test]\n");
			return EXIT_USAGE;
		}
	}
	if (!test) {
		config_print_reference(stdout);
		return 0;
	}
	if (cli_load_config(&c, path))
		return EXIT_USAGE;
	printf("%s: configuration is valid (node %s, id %u, cluster %s)\n",
	       path ? path : VIGIL_DEFAULT_CONFIG, c.node_name, c.node_id, c.cluster);
	return 0;
}
