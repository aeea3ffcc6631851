// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * cmd_config.c - `vigil config`: every key with its range and default, or a
 * file checked as the agent reads it, without this host's checks (`vigil
 * agent -config-test` adds them: the interface exists, ...), so a file can
 * be checked anywhere.
 */
#include <stdio.h>

#include "cli.h"
#include "log.h"

static int run(int argc, char **argv)
{
	struct vigil_config c;
	struct cmd_args a;
	char err[512];

	if (cmd_parse(argc, argv, OPT_CONFIG | OPT_CONFIG_TEST, &cmd_config, &a))
		return EXIT_USAGE;
	if (a.nargs)
		return cmd_usage(&cmd_config);
	if (!a.config_test) {
		config_print_reference(stdout);
		return 0;
	}
	if (config_load(&c, a.config))
		return EXIT_USAGE;
	if (config_check_agent(&c, a.config ? a.config : VIGIL_DEFAULT_CONFIG, err, sizeof(err))) {
		log_err("%s", err);
		return EXIT_USAGE;
	}
	config_warn(&c, a.config ? a.config : VIGIL_DEFAULT_CONFIG);
	printf("%s: configuration is valid (node %s, id %u, cluster %s)\n",
	       a.config ? a.config : VIGIL_DEFAULT_CONFIG, c.node_name, c.node_id, c.cluster);
	return 0;
}

const struct cmd cmd_config = {
	"config",
	run,
	"config [-config FILE -config-test]",
	"list every configuration key, or validate a file",
};
