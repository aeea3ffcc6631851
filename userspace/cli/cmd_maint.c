// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* cmd_maint.c - `vigil maint enable|disable HOST`, through the local agent. */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"

static int run(int argc, char **argv)
{
	struct cli_api api;
	struct cmd_args a;
	const char *verb, *host;
	char path[128];
	json_t *r;
	int on;

	if (cmd_parse(argc, argv, OPT_CONFIG | OPT_HTTP_ADDR, &cmd_maint, &a))
		return EXIT_USAGE;
	if (a.nargs != 2)
		return cmd_usage(&cmd_maint);
	verb = argv[a.first];
	host = argv[a.first + 1];
	on = !strcmp(verb, "enable");
	if (!on && strcmp(verb, "disable"))
		return cmd_usage(&cmd_maint);
	if (cli_api_open(&a, &api))
		return EXIT_USAGE;
	snprintf(path, sizeof(path), "/v1/maintenance/%s", host);
	r = cli_api_request(&api, on ? "PUT" : "DELETE", path);
	if (!r)
		return EXIT_USAGE;
	printf("maintenance %s for %s: forwarded to the servers (check `vigil status` on a "
	       "server)\n",
	       on ? "on" : "off", host);
	json_decref(r);
	return 0;
}

const struct cmd cmd_maint = {
	"maint",
	run,
	"maint enable|disable HOST [-config FILE] [-http-addr ADDR]",
	"put a host into or out of maintenance (never notified about while in it)",
};
