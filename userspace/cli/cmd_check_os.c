// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * cmd_check_os.c - `vigil check openstack`: the one screen an operator reads
 * before enabling HA for a zone. For every host of the zone (vigil's
 * decided hosts, the Masakari segment's, the Nova aggregate's): in the
 * aggregate, in the segment (and on maintenance), vigil's state, fencing
 * (configured, last `vigil fence test`), Nova's compute service; then each
 * finding with what to do. Through the configuration's Keystone client, as
 * the leader's reconciler reads the same (core/azsync.c's rows); vigil's
 * hosts from the local agent, which must be a server. Exit 0 without
 * findings, 1 with.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "azsync.h"
#include "cli.h"
#include "fencer.h"
#include "log.h"
#include "masakari_seg.h"
#include "util.h"

struct preflight {
	json_t *hosts;	  /* one object per host */
	json_t *findings; /* {host, finding, fix} */
};

static void finding(struct preflight *pf, const char *host, const char *what, const char *todo)
{
	json_array_append_new(pf->findings, json_pack("{s:s, s:s, s:s}", "host", host, "finding",
						      what, "fix", todo));
}

static const char *str(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "";
}

/* The screen: the hosts' table, then each finding and what to do. */
static void print(const struct preflight *pf)
{
	json_t *x;
	size_t i;

	printf("%-20s %-9s %-14s %-12s %-40s %s\n", "HOST", "AGGREGATE", "SEGMENT", "VIGIL",
	       "FENCING", "NOVA");
	json_array_foreach(pf->hosts, i, x)
		printf("%-20s %-9s %-14s %-12s %-40s %s\n", str(x, "host"), str(x, "aggregate"),
		       str(x, "segment"), str(x, "vigil"), str(x, "fencing"), str(x, "nova"));
	printf("\n%zu finding%s%s\n", json_array_size(pf->findings),
	       json_array_size(pf->findings) == 1 ? "" : "s",
	       json_array_size(pf->findings) ? ":" : "");
	json_array_foreach(pf->findings, i, x) printf("  %-20s %s\n  %-20s -> %s\n", str(x, "host"),
						      str(x, "finding"), "", str(x, "fix"));
}

/* vigil's decided hosts, from the local agent (a server): 0, or -1 (why in err). */
static int decided_hosts(const struct cmd_args *a, struct fsm *f, char *err, size_t n)
{
	struct cli_api api;
	json_t *st, *hosts, *h, *text;
	char *dump;
	size_t i;
	int rc = -1;

	if (cli_api_open(a, &api)) {
		snprintf(err, n, "no agent address (-http-addr, or a readable configuration)");
		return -1;
	}
	st = cli_http_json("GET", api.addr, "/v1/status", NULL, 5000, err, n);
	if (!st)
		return -1;
	hosts = json_object_get(st, "hosts");
	if (!json_is_array(hosts)) {
		snprintf(err, n,
			 "the agent at %s is a client: run `vigil check openstack` on a server "
			 "(-http-addr), which holds the decided hosts",
			 api.addr);
		json_decref(st);
		return -1;
	}
	/* The decided state as a snapshot: what fsm_load reads. */
	json_array_foreach(hosts, i, h)
	{
		json_object_set(h, "id", json_integer((json_int_t)i + 1));
		json_object_set(h, "maint_masakari", json_object_get(h, "needs_operator"));
	}
	text = json_pack("{s:O}", "hosts", hosts);
	dump = json_dumps(text, JSON_COMPACT);
	if (dump && !fsm_load(f, dump))
		rc = 0;
	else
		snprintf(err, n, "the agent's decided hosts do not read");
	free(dump);
	json_decref(text);
	json_decref(st);
	return rc;
}

static const char *yesno(int v)
{
	return v < 0 ? "?" : v ? "yes" : "no";
}

/* Fencing of hostname, as a column and, if wrong, a finding. */
static void fencing(struct preflight *pf, const struct vigil_config *c, const char *hostname,
		    const char *name, char *col, size_t n)
{
	struct fence_target t;
	char msg[256], result[32], todo[400];
	long long when;

	if (c->fencing.mode == FENCE_MODE_NONE) {
		snprintf(col, n, "none");
		finding(pf, hostname, "fencing mode none: detection only, Masakari never evacuates",
			"configure fencing (docs/operations.md section 5), or accept detection only");
		return;
	}
	if (c->fencing.mode == FENCE_MODE_ASSUME_OFF) {
		snprintf(col, n, "assume-off");
		return;
	}
	if (fence_target_for(&c->fencing, hostname, name, &t, msg, sizeof(msg))) {
		snprintf(col, n, "NOT CONFIGURED");
		finding(pf, hostname, msg,
			"give it a fence agent (fencing.agent or fencing.hosts): a failure of it "
			"would never be notified");
		return;
	}
	if (fence_test_record(c->data_dir, hostname, 0, &when, result, sizeof(result))) {
		snprintf(col, n, "%.40s, untested", t.agent);
		snprintf(todo, sizeof(todo), "run `vigil fence test %s` here", hostname);
		finding(pf, hostname, "fence agent never tested from this host", todo);
		return;
	}
	snprintf(col, n, "%.40s, test %s %llds ago", t.agent, result, (long long)time(NULL) - when);
	if (strcmp(result, "ok")) {
		snprintf(todo, sizeof(todo),
			 "fix the BMC's address or credentials; `vigil fence test %s` says why",
			 hostname);
		finding(pf, hostname, "the last fence test failed", todo);
	}
}

static const struct nova_host *nova_find(const struct nova_host *nh, long n, const char *host)
{
	for (long i = 0; i < n; i++)
		if (!strcmp(nh[i].host, host))
			return &nh[i];
	return NULL;
}

/* What to do about a finding of core/azsync.h. */
static const char *const fixes[AZ_FINDINGS] = {
	[AZ_UNPROTECTED] = "install and start vigil on it (same cluster and key), or take it out "
			   "of the aggregate",
	[AZ_NOT_IN_AGGREGATE] = "add it to the aggregate, or decommission it (`vigil leave` there)",
	[AZ_NOT_IN_SEGMENT] = "with reconcile.enabled the leader adds it; else add it to the "
			      "segment under this exact name",
	[AZ_NEEDS_OPERATOR] = "Masakari recovered it and set on_maintenance: repair it, then "
			      "`vigil maint disable` it",
	[AZ_NOT_IN_VIGIL] = "start vigil on it, or remove it from the segment (the leader does "
			    "after reconcile.grace_ms)",
};

static int by_hostname(const void *x, const void *y)
{
	return strcmp(((const struct az_row *)x)->hostname, ((const struct az_row *)y)->hostname);
}

int check_openstack(const struct cmd_args *a)
{
	static struct vigil_config c;
	struct preflight pf = {json_array(), json_array()};
	struct az_view v = {0};
	struct mk_result r;
	struct mk_client mk;
	struct nova_host *nh = NULL;
	struct az_row *rows = NULL;
	struct fsm f;
	char segment[CFG_NAME_MAX], err[512], col[128], nova[64];
	long nn, nrows;
	int rc;
	struct az_params p = {0};

	if (config_load(&c, a->config))
		return EXIT_USAGE;
	snprintf(segment, sizeof(segment), "%s",
		 c.reconcile.segment[0] ? c.reconcile.segment : c.cluster);
	p.use_aggregate = c.reconcile.aggregate[0] != '\0';
	fsm_init(&f);
	mk_client_init(&mk, &c.masakari);
	if (!a->json)
		printf("zone %s: segment %s, aggregate %s, reconciliation %s\n", c.cluster, segment,
		       p.use_aggregate ? c.reconcile.aggregate : "(none)",
		       c.reconcile.enabled ? "on" : "off");
	if (mk_segment_read(&mk, segment, &v, &r))
		finding(&pf, "-", r.msg, "check masakari.* (auth_url, credentials, interface)");
	else if (!v.seg_uuid[0])
		finding(&pf, "-", "Masakari has no segment of that name",
			c.reconcile.create_segment
				? "the leader creates it (reconcile.create_segment)"
				: "create it, or set reconcile.create_segment");
	if (p.use_aggregate &&
	    nova_aggregate_read(&mk, c.fencing.nova_url, c.reconcile.aggregate, &v, &r))
		finding(&pf, "-", r.msg, "check Nova's endpoint and the user's roles");
	else if (p.use_aggregate && (!v.agg_found || !v.nagg))
		finding(&pf, "-", "Nova has no such aggregate, or it is empty",
			"fix reconcile.aggregate (an aggregate's name or availability zone)");
	nn = nova_compute_hosts(&mk, c.fencing.nova_url, &nh, &r);
	if (nn < 0)
		finding(&pf, "-", r.msg, "check Nova's endpoint and the user's roles");
	if (decided_hosts(a, &f, err, sizeof(err)))
		finding(&pf, "-", err, "start the agent, or point -http-addr at a server");
	nrows = az_rows(&p, &f, &v, &rows);
	if (nrows > 1)
		qsort(rows, (size_t)nrows, sizeof(*rows), by_hostname);
	for (long i = 0; i < nrows; i++) {
		const struct az_row *w = &rows[i];
		const struct fsm_host *h = fsm_host_by_name(&f, w->hostname);
		const struct nova_host *n = nn >= 0 ? nova_find(nh, nn, w->hostname) : NULL;
		char seg[16];

		for (int k = 0; k < AZ_FINDINGS; k++)
			if (w->findings & (1u << k))
				finding(&pf, w->hostname, az_finding_name((enum az_finding)k),
					fixes[k]);
		fencing(&pf, &c, w->hostname, h ? h->name : w->hostname, col, sizeof(col));
		snprintf(seg, sizeof(seg), "%s%s", yesno(w->in_segment),
			 w->in_segment == 1 && w->seg_maint ? " (maint)" : "");
		if (nn < 0)
			snprintf(nova, sizeof(nova), "?");
		else if (!n)
			snprintf(nova, sizeof(nova), "no nova-compute");
		else
			snprintf(nova, sizeof(nova), "%s %s%s", n->state, n->status,
				 n->forced_down ? " forced_down" : "");
		if (nn >= 0 && (!n || strcmp(n->state, "up") || strcmp(n->status, "enabled")))
			finding(&pf, w->hostname, nova,
				!n ? "its hypervisor_hostname must be its nova-compute's host name"
				   : "Masakari cannot evacuate to or from it as it is: check its "
				     "nova-compute");
		json_array_append_new(
			pf.hosts,
			json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "host", w->hostname,
				  "aggregate", yesno(w->in_aggregate), "segment", seg, "vigil",
				  w->state < 0 ? "none"
					       : fsm_host_state_name((enum fsm_host_state)w->state),
				  "fencing", col, "nova", nova));
	}
	rc = json_array_size(pf.findings) ? EXIT_CHECK : 0;
	if (a->json) {
		json_t *j = json_pack("{s:O, s:O}", "hosts", pf.hosts, "findings", pf.findings);

		cli_print_json(j);
		json_decref(j);
	} else {
		print(&pf);
	}
	json_decref(pf.hosts);
	json_decref(pf.findings);
	free(rows);
	free(nh);
	az_view_free(&v);
	fsm_free(&f);
	return rc;
}
