// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * cmd_forget.c - `vigil forget HOST [-reason TEXT]`, like `consul
 * force-leave`, but through Raft: a host that is gone for good leaves the
 * decided state (no longer counted, probed or notified about), recorded
 * with who and why; every agent is told it left. Refused (exit 1) for a
 * host that runs (`vigil leave` on it), one with a notification still to
 * go, and a member without a verdict (fsm_forget_check); exit 3 for an
 * unknown host, 4 when no leader answered.
 */
#include <stdio.h>

#include <jansson.h>

#include "cli.h"

static int run(int argc, char **argv)
{
	const char *reason = NULL, *host;
	struct cmd_option opts[] = {{"reason", &reason, NULL}, {NULL, NULL, NULL}};
	struct cli_api api;
	struct cmd_args a;
	char path[128];
	json_t *r;
	int rc;

	if (cmd_parse_ex(argc, argv, OPT_CONFIG | OPT_HTTP_ADDR | OPT_JSON, opts, &cmd_forget, &a))
		return EXIT_USAGE;
	if (a.nargs != 1)
		return cmd_usage(&cmd_forget);
	host = argv[a.first];
	if (cli_api_open(&a, &api))
		return EXIT_USAGE;
	snprintf(path, sizeof(path), "/v1/forget/%s", host);
	rc = cli_request(&api, "PUT", path, reason, &r);
	if (rc)
		return rc;
	if (a.json) {
		cli_print_json(r);
	} else {
		printf("%s forgotten: removed from the decided state by the Raft leader %s; every "
		       "agent is told it left\n",
		       host, json_string_value(json_object_get(r, "leader")));
		if (json_is_true(json_object_get(r, "voter")))
			printf("%s is still a Raft voter: `vigil operator raft remove-peer %s` on "
			       "the leader removes it\n",
			       host, host);
	}
	json_decref(r);
	return 0;
}

const struct cmd cmd_forget = {
	"forget",
	run,
	"forget HOST [-reason TEXT] [-config FILE] [-http-addr ADDR] [-j]",
	"remove a host that is gone for good from the decided state, through Raft: exit 0 "
	"forgotten, 1 refused (it runs, a notification is still to go, or no verdict), 3 unknown "
	"host, 4 no leader",
};
