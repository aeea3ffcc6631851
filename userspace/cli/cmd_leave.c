// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * cmd_leave.c - `vigil leave`, like `consul leave`: the agent tells the
 * members it leaves (they show it "left", never failed) and exits 0. Waits
 * until it no longer answers.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "cli.h"
#include "log.h"

#define LEAVE_WAIT_S 10 /* how long to wait for the agent to exit */

static int run(int argc, char **argv)
{
	const struct timespec tick = {0, 100 * 1000 * 1000};
	struct cli_api api;
	struct cmd_args a;
	json_t *r;

	if (cmd_parse(argc, argv, OPT_CONFIG | OPT_HTTP_ADDR, &cmd_leave, &a))
		return EXIT_USAGE;
	if (a.nargs)
		return cmd_usage(&cmd_leave);
	if (cli_api_open(&a, &api))
		return EXIT_USAGE;
	r = cli_api_request(&api, "PUT", "/v1/agent/leave");
	if (!r)
		return EXIT_USAGE;
	json_decref(r);
	printf("leaving the cluster: the agent at %s told its members\n", api.addr);
	for (int i = 0; i < LEAVE_WAIT_S * 10; i++) {
		char err[512];
		json_t *h =
			cli_http_json("GET", api.addr, "/v1/health", NULL, 1000, err, sizeof(err));

		json_decref(h);
		if (!h && !strncmp(err, CLI_UNREACHABLE, strlen(CLI_UNREACHABLE))) {
			printf("graceful leave complete: the agent exited\n");
			return 0;
		}
		nanosleep(&tick, NULL);
	}
	log_err("the agent at %s still answers %d s after the leave request", api.addr,
		LEAVE_WAIT_S);
	return EXIT_CHECK;
}

const struct cmd cmd_leave = {
	"leave",
	run,
	"leave [-config FILE] [-http-addr ADDR]",
	"make the agent leave the cluster gracefully (members see it left) and exit",
};
