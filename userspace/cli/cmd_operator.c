// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * cmd_operator.c - `vigil operator raft ...`, like `consul operator raft`,
 * and `vigil operator snapshot ...`, like `consul snapshot`:
 *
 *   raft list-peers          the Raft configuration, as this server sees it
 *   raft remove-peer NAME    remove a server that is gone for good (on the leader)
 *   raft recover [NAME...]   on a stopped server, after the quorum is lost for
 *                            good: a new configuration of the surviving voters
 *   snapshot save FILE       the decided state, from the leader (-stale: from
 *                            any server, as far as it applied), to FILE (0600)
 *   snapshot restore FILE    replace the decided state by FILE's (on the leader)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "cli.h"
#include "log.h"
#include "raft_conf.h"
#include "util.h"

#define REMOVE_WAIT_S 10 /* how long remove-peer waits to see the removal committed */

static const char *str(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "";
}

static json_int_t num(json_t *o, const char *k)
{
	return json_integer_value(json_object_get(o, k));
}

#define API_SNAPSHOT_MAX (16L << 20) /* what the agent takes (API_UPLOAD_MAX) */

/* The "raft" object of the agent's /v1/status, or NULL (logged). */
static json_t *raft_status(struct cli_api *api, json_t **st)
{
	json_t *r;

	*st = cli_api_request(api, "GET", "/v1/status");
	if (!*st)
		return NULL;
	r = json_object_get(*st, "raft");
	if (!json_object_get(r, "configuration")) {
		log_err("the agent at %s is not a Raft server (role %s)", api->addr,
			str(r, "role"));
		return NULL;
	}
	return r;
}

static int in_configuration(json_t *r, const char *who)
{
	size_t i;
	json_t *p;
	char id[32];

	json_array_foreach(json_object_get(r, "configuration"), i, p)
	{
		snprintf(id, sizeof(id), "%lld",
			 (long long)json_integer_value(json_object_get(p, "id")));
		if (!strcmp(str(p, "name"), who) || !strcmp(id, who))
			return 1;
	}
	return 0;
}

static int list_peers(struct cli_api *api, int as_json)
{
	json_t *st, *r = raft_status(api, &st), *p;
	size_t i;

	if (!r) {
		json_decref(st);
		return EXIT_USAGE;
	}
	if (as_json) {
		cli_print_json(json_object_get(r, "configuration"));
		json_decref(st);
		return 0;
	}
	printf("%-16s %-12s %-24s %-8s %-8s %s\n", "Node", "ID", "Address", "State", "Voter",
	       "Leader");
	json_array_foreach(json_object_get(r, "configuration"), i, p)
	{
		printf("%-16s %-12lld %-24s %-8s %-8s %s\n", *str(p, "name") ? str(p, "name") : "?",
		       (long long)json_integer_value(json_object_get(p, "id")), str(p, "address"),
		       str(p, "state"), !strcmp(str(p, "role"), "voter") ? "true" : "false",
		       json_is_true(json_object_get(p, "leader")) ? "true" : "false");
	}
	json_decref(st);
	return 0;
}

static int remove_peer(struct cli_api *api, const char *who)
{
	const struct timespec tick = {0, 200 * 1000 * 1000};
	char path[160];
	json_t *j, *st, *r;

	snprintf(path, sizeof(path), "/v1/operator/raft/peer/%s", who);
	j = cli_api_request(api, "DELETE", path);
	if (!j)
		return EXIT_CHECK;
	printf("%s\n", str(j, "status"));
	json_decref(j);
	for (int i = 0; i < REMOVE_WAIT_S * 5; i++) {
		r = raft_status(api, &st);
		if (r && !in_configuration(r, who)) {
			printf("%s is no longer in the Raft configuration\n", who);
			json_decref(st);
			return 0;
		}
		json_decref(st);
		nanosleep(&tick, NULL);
	}
	log_err("%s is still in the Raft configuration after %d s (is there a leader? see "
		"`vigil operator raft list-peers`)",
		who, REMOVE_WAIT_S);
	return EXIT_CHECK;
}

static int recover(const struct cmd_args *a, char **voters, int n)
{
	struct vigil_config c;
	char err[512];
	char *self[1];

	if (config_load(&c, a->config))
		return EXIT_USAGE;
	if (c.role != VIGIL_ROLE_SERVER) {
		log_err("this host is not a server (role client): nothing to recover");
		return EXIT_USAGE;
	}
	if (!n) {
		self[0] = c.node_name;
		voters = self;
		n = 1;
	}
	if (raft_conf_recover(&c, voters, n, err, sizeof(err))) {
		log_err("recover: %s", err);
		return EXIT_USAGE;
	}
	printf("the Raft configuration of %s's log is now:", c.node_name);
	for (int i = 0; i < n; i++)
		printf(" %s", voters[i]);
	printf("\nnext, before any server starts: copy %s/raft over the raft directory of\n"
	       "every other server that will run (agents stopped); then start this agent\n"
	       "first (the voters listed elect a leader), the others after it. A server\n"
	       "started with its own old or empty Raft state could elect apart from it.\n",
	       c.data_dir);
	return 0;
}

/* The snapshot's description, from its metadata. */
static void describe(json_t *d)
{
	printf("cluster %s, taken by %s at %s: term %lld, index %lld, %lld hosts, %lld "
	       "notifications",
	       str(d, "cluster"), str(d, "node"), str(d, "time"), (long long)num(d, "term"),
	       (long long)num(d, "index"), (long long)num(d, "hosts"),
	       (long long)num(d, "notifications"));
}

static int snapshot_save(struct cli_api *api, const char *file, int stale)
{
	long status = 0;
	json_t *d = cli_api_call(api, "GET",
				 stale ? "/v1/operator/snapshot?stale=1" : "/v1/operator/snapshot",
				 NULL, CLI_REQUEST_WAIT_MS, &status);
	char *text;
	int rc;

	if (!d)
		return EXIT_USAGE;
	if (status != 200 || !json_object_get(d, "vigil_snapshot")) {
		log_err("no snapshot: %s", cli_answer_error(d, status));
		json_decref(d);
		return EXIT_CHECK;
	}
	text = json_dumps(d, JSON_INDENT(1));
	rc = text ? file_replace(file, text, strlen(text), 0600) : -ENOMEM;
	free(text);
	if (rc) {
		log_err("cannot write %s: %s", file, strerror(-rc));
		json_decref(d);
		return EXIT_USAGE;
	}
	printf("saved %s (mode 0600): ", file);
	describe(d);
	printf("\n");
	json_decref(d);
	return 0;
}

static int snapshot_restore(struct cli_api *api, const char *file, const char *reason)
{
	char *text = malloc(API_SNAPSHOT_MAX + 1), path[1024];
	long n, status = 0;
	json_t *d, *r;
	int rc = EXIT_CHECK;

	if (!text)
		return EXIT_USAGE;
	n = file_read(file, text, API_SNAPSHOT_MAX + 1);
	if (n < 0 || n > API_SNAPSHOT_MAX) {
		log_err("cannot read %s: %s", file,
			n < 0 ? strerror((int)-n) : "larger than 16 MiB");
		free(text);
		return EXIT_USAGE;
	}
	cli_reason_path("/v1/operator/snapshot", reason, path, sizeof(path));
	r = cli_api_call(api, "PUT", path, text, CLI_REQUEST_WAIT_MS, &status);
	d = json_loads(text, 0, NULL);
	free(text);
	if (!r) {
		json_decref(d);
		return EXIT_USAGE;
	}
	if (status == 200) {
		printf("restored through Raft: the decided state is now the snapshot of ");
		describe(d);
		printf("\n");
		rc = 0;
	} else {
		log_err("not restored: %s", cli_answer_error(r, status));
	}
	json_decref(r);
	json_decref(d);
	return rc;
}

static int run(int argc, char **argv)
{
	const char *reason = NULL;
	int stale = 0;
	struct cmd_option opts[] = {
		{"reason", &reason, NULL}, {"stale", NULL, &stale}, {NULL, NULL, NULL}};
	struct cli_api api;
	struct cmd_args a;
	char **ops;

	if (cmd_parse_ex(argc, argv, OPT_CONFIG | OPT_HTTP_ADDR | OPT_JSON, opts, &cmd_operator,
			 &a))
		return EXIT_USAGE;
	ops = argv + a.first;
	if (a.nargs == 3 && !strcmp(ops[0], "snapshot") &&
	    (!strcmp(ops[1], "save") || !strcmp(ops[1], "restore"))) {
		if (cli_api_open(&a, &api))
			return EXIT_USAGE;
		return !strcmp(ops[1], "save") ? snapshot_save(&api, ops[2], stale)
					       : snapshot_restore(&api, ops[2], reason);
	}
	if (a.nargs < 2 || strcmp(ops[0], "raft"))
		return cmd_usage(&cmd_operator);
	if (!strcmp(ops[1], "recover"))
		return recover(&a, ops + 2, a.nargs - 2);
	if (cli_api_open(&a, &api))
		return EXIT_USAGE;
	if (!strcmp(ops[1], "list-peers") && a.nargs == 2)
		return list_peers(&api, a.json);
	if (!strcmp(ops[1], "remove-peer") && a.nargs == 3)
		return remove_peer(&api, ops[2]);
	return cmd_usage(&cmd_operator);
}

const struct cmd cmd_operator = {
	"operator",
	run,
	"operator raft list-peers [-j] | raft remove-peer NAME | raft recover [NAME[@ADDR]...] | "
	"snapshot save FILE [-stale] | snapshot restore FILE [-reason TEXT] [-config FILE] "
	"[-http-addr ADDR]",
	"Raft among the servers: list the voters, remove a server gone for good, recover a "
	"lost quorum (agent stopped); save the decided state to a file, restore it",
};
