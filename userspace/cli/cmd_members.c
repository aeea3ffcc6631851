// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * cmd_members.c - `vigil members`: the agent's member table, like `consul
 * members`, optionally only the members in some states (-status) or of a
 * role (-role).
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"
#include "log.h"

/* The states -status takes; "stalled" is a member whose kernel answers
 * while its agent does not (alive or suspect, agent stalled). */
static const char *const states[] = {"alive", "suspect", "dead", "left", "stalled"};
#define STALLED (1u << 4)

/* "suspect|dead" or "suspect,dead" into a mask of states; 0 if one is unknown. */
static unsigned parse_states(const char *list)
{
	unsigned mask = 0;

	for (const char *p = list; *p; p += strspn(p, "|,")) {
		size_t n = strcspn(p, "|,"), i;

		for (i = 0; i < sizeof(states) / sizeof(states[0]); i++)
			if (strlen(states[i]) == n && !strncmp(p, states[i], n))
				break;
		if (i == sizeof(states) / sizeof(states[0]))
			return 0;
		mask |= 1u << i;
		p += n;
	}
	return mask;
}

static int matches(json_t *m, unsigned mask, const char *role)
{
	const char *st = json_string_value(json_object_get(m, "state"));
	const char *r = json_string_value(json_object_get(m, "role"));
	size_t n = st ? strcspn(st, " ") : 0; /* "alive (agent stalled)": alive */

	if (role && (!r || strcmp(r, role)))
		return 0;
	if (!mask)
		return 1;
	if ((mask & STALLED) && json_is_true(json_object_get(m, "agent_stalled")))
		return 1;
	for (unsigned i = 0; i < sizeof(states) / sizeof(states[0]); i++)
		if ((mask & (1u << i)) && st && strlen(states[i]) == n &&
		    !strncmp(st, states[i], n))
			return 1;
	return 0;
}

static int run(int argc, char **argv)
{
	const char *status = NULL, *role = NULL;
	const struct cmd_option opts[] = {
		{"status", &status, NULL}, {"role", &role, NULL}, {NULL, NULL, NULL}};
	struct cli_api api;
	struct cmd_args a;
	json_t *arr, *shown, *m;
	unsigned mask = 0;
	size_t i;

	if (cmd_parse_ex(argc, argv, OPT_CONFIG | OPT_HTTP_ADDR | OPT_JSON, opts, &cmd_members,
			 &a) ||
	    a.nargs)
		return a.nargs ? cmd_usage(&cmd_members) : EXIT_USAGE;
	if (status && !(mask = parse_states(status))) {
		log_err("-status %s: give one or more of alive, suspect, dead, left, stalled "
			"(e.g. -status suspect|dead)",
			status);
		return EXIT_USAGE;
	}
	if (role && strcmp(role, "client") && strcmp(role, "server")) {
		log_err("-role %s: client or server", role);
		return EXIT_USAGE;
	}
	if (cli_api_open(&a, &api))
		return EXIT_USAGE;
	arr = cli_api_request(&api, "GET", "/v1/members");
	if (!arr)
		return EXIT_USAGE;
	shown = json_array();
	json_array_foreach(arr, i, m)
	{
		if (matches(m, mask, role))
			json_array_append(shown, m);
	}
	if (a.json)
		cli_print_json(shown);
	else
		cli_print_members(stdout, shown);
	json_decref(shown);
	json_decref(arr);
	return 0;
}

const struct cmd cmd_members = {
	"members",
	run,
	"members [-config FILE] [-http-addr ADDR] [-status STATE[|STATE...]] [-role ROLE] [-j]",
	"list the cluster's members as this host's agent sees them",
};
