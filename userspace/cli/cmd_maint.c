// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * cmd_maint.c - `vigil maint enable|disable HOST [-reason TEXT]`, through the
 * local agent, which asks the servers and waits for the Raft leader's
 * answer, each with its exit code (lib/cmdline.h): applied (who and why
 * recorded in the decided state) 0, already so 5, unknown host 3, no leader
 * answered 4.
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"

static int run(int argc, char **argv)
{
	const char *reason = NULL, *verb, *host;
	struct cmd_option opts[] = {{"reason", &reason, NULL}, {NULL, NULL, NULL}};
	struct cli_api api;
	struct cmd_args a;
	char path[128];
	json_t *r;
	int on, rc;

	if (cmd_parse_ex(argc, argv, OPT_CONFIG | OPT_HTTP_ADDR | OPT_JSON, opts, &cmd_maint, &a))
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
	rc = cli_request(&api, on ? "PUT" : "DELETE", path, reason, &r);
	if (!r)
		return rc;
	if (a.json)
		cli_print_json(r);
	else
		printf("maintenance %s for %s: %s by the Raft leader %s (now %s)\n",
		       on ? "on" : "off", host,
		       rc ? "already so, nothing changed, said" : "applied",
		       json_string_value(json_object_get(r, "leader")),
		       json_string_value(json_object_get(r, "state")));
	json_decref(r);
	return rc;
}

const struct cmd cmd_maint = {
	"maint",
	run,
	"maint enable|disable HOST [-reason TEXT] [-config FILE] [-http-addr ADDR] [-j]",
	"put a host into or out of maintenance (never notified about while in it); waits for the "
	"Raft leader: exit 0 applied, 5 already so, 3 unknown host, 4 no leader",
};
