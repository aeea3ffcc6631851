// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * cmd_status.c - `vigil status`: this agent, Raft, decided hosts, the outbox.
 * Exits 1 on a server that sees no Raft leader (nothing is decided or
 * notified then), 2 if the agent cannot be asked.
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"

static long long num(json_t *o, const char *k)
{
	return (long long)json_integer_value(json_object_get(o, k));
}

static const char *str(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "";
}

/* This host's isolation, watchdog and storage heartbeat; a server's view of
 * every host's storage heartbeat. */
static void print_isolation(json_t *st)
{
	json_t *is = json_object_get(st, "isolation"), *w, *sh, *o;
	size_t i;

	if (!is)
		return;
	w = json_object_get(is, "watchdog");
	sh = json_object_get(is, "storage");
	printf("isolation   %s (%lld of %lld hosts reachable)", str(is, "state"),
	       num(is, "reached"), num(is, "zone"));
	if (num(is, "timeout_ms"))
		printf(", response %s after %lld ms%s", str(is, "response"), num(is, "timeout_ms"),
		       json_is_true(json_object_get(is, "response_running")) ? ", running now"
									     : "");
	else
		printf(", detection off");
	printf("\n");
	if (w)
		printf("watchdog    %s%s %s, timeout %lld ms\n", str(w, "device"),
		       !strcmp(str(w, "identity"), "stand-in") ? " (stand-in)" : "",
		       json_is_true(json_object_get(w, "feeding")) ? "fed" : "NOT FED (withheld)",
		       num(w, "timeout_ms"));
	if (sh)
		printf("storage     %s %s, records %s, last written %.0f ms ago%s%s\n",
		       str(sh, "dir"),
		       json_is_true(json_object_get(sh, "healthy")) ? "ok" : "FAILING",
		       str(sh, "state"), json_real_value(json_object_get(sh, "last_write_age_ms")),
		       *str(sh, "error") ? ": " : "", str(sh, "error"));
	json_array_foreach(json_object_get(st, "storage_hosts"), i, o)
	{
		if (i == 0)
			printf("\n%-16s %-12s %-12s %10s %12s\n", "Host", "Storage", "Record",
			       "Counter", "Unchanged");
		printf("%-16s %-12s %-12s %10lld %10.0fms\n", str(o, "name"), str(o, "evidence"),
		       str(o, "state"), num(o, "counter"),
		       json_real_value(json_object_get(o, "unchanged_ms")));
	}
}

/* The Raft connections refused, by reason: "none" or "unknown_key 2, ..." */
static void print_refused(json_t *refused)
{
	const char *reason;
	json_t *n;
	int any = 0;

	printf("refused     ");
	json_object_foreach(refused, reason, n)
	{
		if (json_integer_value(n))
			printf("%s%s %lld", any++ ? ", " : "", reason,
			       (long long)json_integer_value(n));
	}
	printf("%s\n", any ? " (Raft connections)" : "no Raft connection");
}

/* The zone kept in sync (reconcile.*): a line, and the hosts with findings. */
static void zone_lines(json_t *z)
{
	json_t *h, *f;
	size_t i, k;

	if (!json_is_true(json_object_get(z, "enabled")))
		return;
	printf("reconcile   segment %s%s%s", str(z, "segment"),
	       *str(z, "aggregate") ? ", aggregate " : "", str(z, "aggregate"));
	if (!json_is_true(json_object_get(z, "leader")))
		printf(" (the leader reconciles)\n");
	else
		printf(", last read %s%s%s\n", str(z, "last_read"),
		       *str(z, "error") ? ", FAILING: " : "", str(z, "error"));
	json_array_foreach(json_object_get(z, "hosts"), i, h)
	{
		json_array_foreach(json_object_get(h, "findings"), k, f)
			printf("            %s: %s\n", str(h, "hostname"), json_string_value(f));
	}
}

/* A decided host's note: who put it into maintenance, and why; Masakari's
 * own on_maintenance flag when the leader's notifier met it (vigil's
 * maintenance and Masakari's are two flags: docs/operations.md section 3). */
static void print_note(json_t *h)
{
	int any = 0;

	if (!strcmp(str(h, "state"), "maintenance") && *str(h, "maint_by")) {
		printf("maintenance by %s at %s%s%s", str(h, "maint_by"), str(h, "maint_at"),
		       *str(h, "maint_reason") ? ": " : "", str(h, "maint_reason"));
		any = 1;
	}
	if (json_is_true(json_object_get(h, "needs_operator")))
		printf("%sNEEDS AN OPERATOR (Masakari set it on maintenance: `vigil maint disable` "
		       "once repaired)",
		       any++ ? "; " : "");
	if (json_is_true(json_object_get(h, "masakari_on_maintenance")))
		printf("%sMasakari: on_maintenance (refuses its notifications)", any++ ? "; " : "");
	printf("%s\n", any ? "" : "-");
}

static void print_status(json_t *st)
{
	json_t *r = json_object_get(st, "raft"), *m = json_object_get(st, "members"), *o;
	size_t i;

	printf("node        %s (%s), cluster %s, %s\n", str(st, "node"),
	       str(st, "hypervisor_hostname"), str(st, "cluster"), str(st, "role"));
	printf("members     %lld alive, %lld suspect, %lld dead, %lld left\n", num(m, "alive"),
	       num(m, "suspect"), num(m, "dead"), num(m, "left"));
	printf("xdp         %s, %s\n", str(st, "xdp_mode"),
	       json_is_true(json_object_get(st, "xdp_attached"))
		       ? "attached"
		       : "NOT ATTACHED: this host answers no probe (`vigil xdp status`)");
	printf("raft        %s", str(r, "role"));
	if (json_object_get(r, "term")) {
		printf(", term %lld, ", num(r, "term"));
		if (num(r, "leader_id"))
			printf("leader %s (%s)", *str(r, "leader") ? str(r, "leader") : "?",
			       str(r, "leader_address"));
		else
			printf("NO LEADER (no verdict, no notification until one is elected)");
		printf(", commit %lld, %lld voters\n", num(r, "commit_index"), num(r, "voters"));
		print_refused(json_object_get(r, "connections_refused"));
	} else {
		printf("\n");
	}
	printf("wait period %lld ms\n", num(st, "wait_period_ms"));
	if (json_object_get(st, "fencing"))
		printf("fencing     %s%s\n", str(json_object_get(st, "fencing"), "mode"),
		       json_is_true(
			       json_object_get(json_object_get(st, "fencing"), "nova_force_down"))
			       ? ", then Nova force_down"
			       : "");
	zone_lines(json_object_get(st, "reconcile"));
	json_array_foreach(json_object_get(st, "hosts"), i, o)
	{
		if (i == 0)
			printf("\n%-16s %-24s %-12s %-27s %s\n", "Host", "Hypervisor", "State",
			       "Failed at (UTC)", "Note");
		printf("%-16s %-24s %-12s %-27s ", str(o, "name"), str(o, "hostname"),
		       str(o, "state"),
		       json_is_true(json_object_get(o, "failed")) ? str(o, "failed_at") : "-");
		print_note(o);
	}
	json_array_foreach(json_object_get(st, "audit"), i, o)
	{
		if (i == 0)
			printf("\n%-27s %-8s %-16s %-12s %-16s %s\n", "Audit (UTC)", "Action",
			       "Host", "Was", "By", "Reason");
		printf("%-27s %-8s %-16s %-12s %-16s %s\n", str(o, "at"), str(o, "action"),
		       *str(o, "host") ? str(o, "host") : "-", *str(o, "was") ? str(o, "was") : "-",
		       str(o, "by"), *str(o, "reason") ? str(o, "reason") : "-");
	}
	json_array_foreach(json_object_get(st, "outbox"), i, o)
	{
		if (i == 0)
			printf("\n%-4s %-24s %-8s %-10s %-9s %-5s %-27s %s\n", "Id", "Hypervisor",
			       "Event", "Status", "Fence", "Tries", "Generated at (UTC)",
			       "Last error");
		/* A pending entry Masakari refuses (host on_maintenance there) reads
		 * "refused": it waits for an operator, not for a retry. */
		printf("%-4lld %-24s %-8s %-10s %-9s %-5lld %-27s %s\n", num(o, "id"),
		       str(o, "hostname"), str(o, "event"),
		       !strcmp(str(o, "status"), "pending") &&
				       !strcmp(str(o, "last_result"), "on_maintenance")
			       ? "refused"
			       : str(o, "status"),
		       str(o, "fence"), num(o, "tries"), str(o, "generated_at"),
		       *str(o, "fence_hold") ? str(o, "fence_hold")
		       : *str(o, "fence_error") && !strcmp(str(o, "fence"), "failed")
			       ? str(o, "fence_error")
			       : str(o, "last_error"));
	}
	print_isolation(st);
}

/* A server that sees no Raft leader: nothing is decided or notified. */
static int no_leader(json_t *st)
{
	json_t *r = json_object_get(st, "raft");

	return strcmp(str(r, "role"), "client") && !num(r, "leader_id");
}

static int run(int argc, char **argv)
{
	struct cli_api api;
	struct cmd_args a;
	json_t *st;
	int rc;

	if (cmd_parse(argc, argv, OPT_CONFIG | OPT_HTTP_ADDR | OPT_JSON, &cmd_status, &a))
		return EXIT_USAGE;
	if (a.nargs)
		return cmd_usage(&cmd_status);
	if (cli_api_open(&a, &api))
		return EXIT_USAGE;
	st = cli_api_request(&api, "GET", "/v1/status");
	if (!st)
		return EXIT_USAGE;
	if (a.json)
		cli_print_json(st);
	else
		print_status(st);
	rc = no_leader(st) ? EXIT_CHECK : 0;
	json_decref(st);
	return rc;
}

const struct cmd cmd_status = {
	"status",
	run,
	"status [-config FILE] [-http-addr ADDR] [-j]",
	"this agent, the Raft state, decided hosts and the outbox; exit 1 without a leader",
};
