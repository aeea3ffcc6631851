// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* agents.c - the demo's agents: their configurations, their start at random
 * offsets, and whether the cluster has converged. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "log.h"
#include "util.h"
#include "world.h"

static int agents_write_config(struct demo *d, int i, const char *key)
{
	struct demo_host *h = &d->h[i];
	json_t *servers = json_array(), *c;
	char pins[PATH_MAX + 16], data[PATH_MAX + 16], hv[32], url[64];
	int rc, min_healthy = d->nhosts - 1 < 3 ? d->nhosts - 1 : 3;

	for (int s = 1; s <= DEMO_SERVERS; s++) {
		char sv[48];

		snprintf(sv, sizeof(sv), "%s@%s", d->h[s].name, d->h[s].ip);
		json_array_append_new(servers, json_string(sv));
	}
	snprintf(pins, sizeof(pins), "%s/%s", d->bpffs, h->name);
	snprintf(data, sizeof(data), "%s/data/%s", d->dir, h->name);
	snprintf(hv, sizeof(hv), "compute-%d", i);
	c = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:[s], s:o, s:s, s:s, s:i, s:i, s:s}",
		      "node_name", h->name, "cluster", "demo", "interface", "eth0", "key", key,
		      "bpffs", pins, "data_dir", data, "join", d->h[1].ip, "servers", servers,
		      "role", h->server ? "server" : "client", "hypervisor_hostname", hv,
		      "wait_period_ms", 0, "min_healthy_hosts", min_healthy, "log_level", "info");
	if (!c)
		return -1;
	if (d->mk_addr[0]) {
		snprintf(url, sizeof(url), "http://%s/v1", d->mk_addr);
		json_object_set_new(c, "masakari", json_pack("{s:s}", "url", url));
	}
	rc = json_dump_file(c, h->cfg, JSON_INDENT(2));
	json_decref(c);
	if (rc)
		log_err("cannot write %s", h->cfg);
	return rc ? -1 : 0;
}

int agents_start(struct demo *d)
{
	char key[64];
	int rc = cli_keygen(key);

	if (rc) {
		log_err("getrandom: %s", strerror(-rc));
		return -1;
	}
	for (int i = 1; i <= d->nhosts; i++)
		if (agents_write_config(d, i, key))
			return -1;
	for (int i = 1; i <= d->nhosts && !demo_stop; i++) {
		struct demo_host *h = &d->h[i];
		pid_t pid = procs_spawn((char *const[]){"ip", "netns", "exec", h->ns, d->exe,
							"agent", "-config", h->cfg, NULL},
					h->log);

		if (pid < 0) {
			log_err("cannot start the agent of %s: %s", h->name, strerror(-pid));
			return -1;
		}
		h->pid = pid;
		/* Random offsets: agents started together align their probe timers. */
		usleep(20000 + (useconds_t)(random() % 80000));
	}
	return demo_stop ? -1 : 0;
}

/* An agent that exited on its own: say so, with its last log line. */
int agents_alive(struct demo *d)
{
	for (int i = 1; i <= d->nhosts; i++) {
		struct demo_host *h = &d->h[i];
		char why[400];
		int st;

		if (!h->pid || waitpid(h->pid, &st, WNOHANG) != h->pid)
			continue;
		h->pid = 0;
		if (i == d->victim)
			continue;
		procs_last_line(h->log, why, sizeof(why));
		log_err("the agent of %s exited: %s (log: %s)", h->name, why, h->log);
		return 0;
	}
	return 1;
}

static int agents_count_state(json_t *members, const char *prefix)
{
	size_t i;
	json_t *m;
	int n = 0;

	json_array_foreach(members, i, m)
	{
		const char *st = json_string_value(json_object_get(m, "state"));

		n += st && !strncmp(st, prefix, strlen(prefix));
	}
	return n;
}

/* Every agent sees every host alive, a leader exists, and its Raft state has
 * every host as a member (so a verdict can be counted against all of them). */
int agents_converged(struct demo *d)
{
	d->leader = 0;
	for (int i = 1; i <= d->nhosts; i++) {
		json_t *m = netns_get(d, d->h[i].nsfd, DEMO_API, "/v1/members");
		int ok = m && agents_count_state(m, "alive") == d->nhosts;

		json_decref(m);
		if (!ok)
			return 0;
	}
	for (int i = 1; i <= DEMO_SERVERS; i++) {
		json_t *st = netns_get(d, d->h[i].nsfd, DEMO_API, "/v1/status");
		const char *role =
			json_string_value(json_object_get(json_object_get(st, "raft"), "role"));

		if (role && !strcmp(role, "leader")) {
			json_t *hosts = json_object_get(st, "hosts"), *o;
			size_t k;
			int members = 0;

			json_array_foreach(hosts, k, o)
			{
				members += !strcmp(json_string_value(json_object_get(o, "state"))
							   ?: "",
						   "member");
			}
			if (members == d->nhosts)
				d->leader = i;
		}
		json_decref(st);
	}
	return d->leader != 0;
}
