// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * cmd_fence.c - `vigil fence test HOST`: the host's fence agent, from this
 * configuration, asked for the power status only - exactly the call the
 * leader makes first when it fences. Never "off".
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "fencer.h"
#include "log.h"

static int run(int argc, char **argv)
{
	static struct vigil_config c;
	struct fence_target t;
	struct cmd_args a;
	const char *host;
	char msg[256], params[FENCE_PARAMS_MAX];
	enum fence_result r;
	uint64_t ns = 0;
	int ok;

	if (cmd_parse(argc, argv, OPT_CONFIG | OPT_JSON, &cmd_fence, &a))
		return EXIT_USAGE;
	if (a.nargs != 2 || strcmp(argv[a.first], "test"))
		return cmd_usage(&cmd_fence);
	host = argv[a.first + 1];
	if (config_load(&c, a.config))
		return EXIT_USAGE;
	if (fence_target_for(&c.fencing, host, host, &t, msg, sizeof(msg))) {
		log_err("%s", msg);
		return EXIT_USAGE;
	}
	/* The parameters as the agent gets them, one line, the password named
	 * by where it comes from. */
	snprintf(params, sizeof(params), "%s", t.params);
	for (char *p = params; (p = strchr(p, '\n'));)
		*p = p[1] ? ' ' : '\0';
	signal(SIGPIPE, SIG_IGN); /* an agent that exits before reading its stdin */
	r = fencer_call(&c.fencing, host, host, FENCE_OP_STATUS, msg, sizeof(msg), &ns);
	ok = r == FENCE_R_ON || r == FENCE_R_OFF;
	if (a.json) {
		json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:f}", "host", host, "agent",
				      t.agent, "mode", fence_mode_name(c.fencing.mode),
				      "parameters", params, "result", fence_result_name(r),
				      "message", msg, "seconds", (double)ns / 1e9);

		char *text = json_dumps(j, JSON_INDENT(2));

		printf("%s\n", text ? text : "{}");
		free(text);
		json_decref(j);
	} else {
		printf("%s: %s status: %s (%.2f s)%s%s\n", host, t.agent,
		       r == FENCE_R_ON	  ? "powered ON"
		       : r == FENCE_R_OFF ? "powered OFF"
					  : "FAILED",
		       (double)ns / 1e9, msg[0] ? ": " : "", msg);
		printf("  parameters: %s%s%s%s\n", params,
		       t.password_file[0] ? " password from " : "", t.password_file,
		       t.password_credential[0] ? " password from credential " : "");
		if (t.password_credential[0])
			printf("  credential: %s\n", t.password_credential);
		printf("  fencing mode: %s%s\n", fence_mode_name(c.fencing.mode),
		       c.fencing.mode == FENCE_MODE_POWER
			       ? ""
			       : " (the leader does not fence in this mode)");
	}
	return ok ? 0 : EXIT_CHECK;
}

const struct cmd cmd_fence = {
	"fence",
	run,
	"fence test HOST [-config FILE] [-j]",
	"run HOST's fence agent with action status (never off), as the leader would",
};
