// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* cmd_members.c - `vigil members`: the agent's member table, like `consul members`. */
#include <jansson.h>

#include "cli.h"

static int run(int argc, char **argv)
{
	struct cli_api api;
	struct cmd_args a;
	json_t *arr;

	if (cmd_parse(argc, argv, OPT_CONFIG | OPT_HTTP_ADDR | OPT_JSON, &cmd_members, &a) ||
	    a.nargs)
		return a.nargs ? cmd_usage(&cmd_members) : EXIT_USAGE;
	if (cli_api_open(&a, &api))
		return EXIT_USAGE;
	arr = cli_api_request(&api, "GET", "/v1/members");
	if (!arr)
		return EXIT_USAGE;
	if (a.json)
		cli_print_json(arr);
	else
		cli_print_members(stdout, arr);
	json_decref(arr);
	return 0;
}

const struct cmd cmd_members = {
	"members",
	run,
	"members [-config FILE] [-http-addr ADDR] [-j]",
	"list the cluster's members as this host's agent sees them",
};
