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
#include "util.h"

int fence_test_record(const char *data_dir, const char *hostname, int write, long long *when,
		      char *result, size_t n)
{
	char path[600], line[128], fmt[32];

	if (!*hostname || strchr(hostname, '/') || *hostname == '.')
		return -1;
	snprintf(path, sizeof(path), "%s/fence-tests", data_dir);
	if (write) {
		snprintf(line, sizeof(line), "%lld %s\n", *when, result);
		if (mkdir_p(path, 0700))
			return -1;
		snprintf(path, sizeof(path), "%s/fence-tests/%s", data_dir, hostname);
		return file_replace(path, line, strlen(line), 0600) ? -1 : 0;
	}
	snprintf(path, sizeof(path), "%s/fence-tests/%s", data_dir, hostname);
	snprintf(fmt, sizeof(fmt), "%%lld %%%zus", n - 1);
	if (file_read(path, line, sizeof(line)) <= 0 || sscanf(line, fmt, when, result) != 2)
		return -1;
	return 0;
}

/* Keep the test's result for `vigil check openstack`. */
static void record_test(const struct vigil_config *c, const char *host, const char *result)
{
	long long when = (long long)(now_real_ns() / NSEC_PER_SEC);
	char what[32];

	snprintf(what, sizeof(what), "%s", result);
	if (fence_test_record(c->data_dir, host, 1, &when, what, sizeof(what)))
		log_warn(
			"cannot record the test in %s/fence-tests (vigil check openstack reads it)",
			c->data_dir);
}

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
	record_test(&c, host, ok ? "ok" : fence_result_name(r));
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
