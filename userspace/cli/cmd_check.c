// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * cmd_check.c - `vigil check`: one line and an exit status for a monitoring
 * system, in the Nagios plugin convention (0 OK, 1 WARN, 2 CRIT, 3 UNKNOWN),
 * like `crm_mon -s`. It asks the local agent's /v1/health (which knows when
 * the event loop stalls) and /v1/status.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "cli.h"
#include "util.h"

enum { CHECK_OK, CHECK_WARN, CHECK_CRIT, CHECK_UNKNOWN };

static const char *const check_names[] = {"OK", "WARN", "CRIT", "UNKNOWN"};

#define CHECK_PENDING_S 60 /* -pending default */
#define CHECK_HEALTH	2  /* -health default */

struct check {
	int level;	 /* worst so far */
	char text[1024]; /* the problems, "; "-separated */
};

static void problem(struct check *ck, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void problem(struct check *ck, int level, const char *fmt, ...)
{
	size_t n = strlen(ck->text);
	va_list ap;

	if (level > ck->level)
		ck->level = level;
	if (n && n < sizeof(ck->text) - 2)
		n += (size_t)snprintf(ck->text + n, sizeof(ck->text) - n, "; ");
	va_start(ap, fmt);
	vsnprintf(ck->text + n, sizeof(ck->text) - n, fmt, ap);
	va_end(ap);
}

static const char *str(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "";
}

static long long num(json_t *o, const char *k)
{
	return (long long)json_integer_value(json_object_get(o, k));
}

/* Seconds since a status time ("2026-12-01T10:00:00.123456Z"), or -1. */
static long long age_s(const char *utc)
{
	struct tm tm = {0};
	time_t t;

	if (!strptime(utc, "%Y-%m-%dT%H:%M:%S", &tm) || (t = timegm(&tm)) == (time_t)-1)
		return -1;
	return (long long)(time(NULL) - t);
}

/* What /v1/status says is wrong. */
static void check_status(struct check *ck, json_t *st, long pending_s, long health)
{
	json_t *r = json_object_get(st, "raft"), *o;
	size_t i;

	if (!json_is_true(json_object_get(st, "xdp_attached")))
		problem(ck, CHECK_CRIT, "XDP not attached to %s: no probe is answered",
			str(st, "node"));
	if (strcmp(str(r, "role"), "client") && !num(r, "leader_id"))
		problem(ck, CHECK_CRIT,
			"no Raft leader (term %lld): nothing is decided or notified",
			num(r, "term"));
	json_array_foreach(json_object_get(st, "outbox"), i, o)
	{
		long long age = age_s(str(o, "generated_at"));

		if ((!strcmp(str(o, "status"), "pending") || !strcmp(str(o, "status"), "held")) &&
		    age >= pending_s)
			problem(ck, CHECK_CRIT, "notification %lld for %s %s for %lld s%s%s",
				num(o, "id"), str(o, "hostname"), str(o, "status"), age,
				*str(o, "last_error") ? ": " : "", str(o, "last_error"));
	}
	if (num(st, "local_health") >= health)
		problem(ck, CHECK_WARN,
			"local health %lld: this host misses answers others get (its network or "
			"CPU)",
			num(st, "local_health"));
}

/* A non-negative integer option, or -1. */
static long count_arg(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);

	return *s && !*end && v >= 0 ? v : -1;
}

/* The options; 0, or -1 with the usage printed. */
static int parse(int argc, char **argv, struct cmd_args *a, long *pending_s, long *health)
{
	const char *pending_arg = NULL, *health_arg = NULL;
	const struct cmd_option opts[] = {
		{"pending", &pending_arg, NULL}, {"health", &health_arg, NULL}, {NULL, NULL, NULL}};

	if (cmd_parse_ex(argc, argv, OPT_CONFIG | OPT_HTTP_ADDR | OPT_JSON, opts, &cmd_check, a))
		return -1;
	if (a->nargs == 1 && !strcmp(argv[a->first], "openstack"))
		return 1;
	*pending_s = pending_arg ? count_arg(pending_arg) : CHECK_PENDING_S;
	*health = health_arg ? count_arg(health_arg) : CHECK_HEALTH;
	if (!a->nargs && *pending_s >= 0 && *health >= 1)
		return 0;
	cmd_usage(&cmd_check);
	return -1;
}

static int run(int argc, char **argv)
{
	struct check ck = {CHECK_OK, ""};
	long pending_s, health, code;
	struct cli_api api;
	struct cmd_args a;
	json_t *h, *st = NULL, *m, *r;
	char err[512];

	switch (parse(argc, argv, &a, &pending_s, &health)) {
	case 0:
		break;
	case 1:
		return check_openstack(&a);
	default:
		printf("UNKNOWN: vigil: bad arguments\n");
		return CHECK_UNKNOWN;
	}
	if (cli_api_open(&a, &api)) {
		printf("UNKNOWN: vigil: no agent address (VIGIL_HTTP_ADDR, -http-addr, or a "
		       "readable configuration)\n");
		return CHECK_UNKNOWN;
	}
	h = cli_http_answer("GET", api.addr, "/v1/health", NULL, 5000, &code, err, sizeof(err));
	if (!h) {
		printf("CRIT: vigil: %s\n", err);
		return CHECK_CRIT;
	}
	if (code == 200) {
		st = cli_http_json("GET", api.addr, "/v1/status", NULL, 5000, err, sizeof(err));
		if (!st)
			problem(&ck, CHECK_CRIT, "%s", err);
		else
			check_status(&ck, st, pending_s, health);
	} else {
		/* A stalled agent's status is as old as the stall: not judged. */
		if (!strcmp(str(h, "reason"), "stalled"))
			problem(&ck, CHECK_CRIT,
				"agent stalled: its event loop did not answer (waited %lld ms)",
				num(h, "loop_ms"));
		else
			problem(&ck, CHECK_CRIT, "agent %s",
				*str(h, "reason") ? str(h, "reason") : "unhealthy");
	}
	json_decref(h);
	m = json_object_get(st, "members");
	r = json_object_get(st, "raft");
	if (!ck.text[0])
		snprintf(ck.text, sizeof(ck.text), "agent running, XDP attached%s%s",
			 num(r, "leader_id") ? ", Raft leader " : "", str(r, "leader"));
	printf("%s: vigil %s: %s", check_names[ck.level], st ? str(st, "node") : api.addr, ck.text);
	if (m)
		printf(" | alive=%lld suspect=%lld dead=%lld left=%lld local_health=%lld",
		       num(m, "alive"), num(m, "suspect"), num(m, "dead"), num(m, "left"),
		       num(st, "local_health"));
	printf("\n");
	json_decref(st);
	return ck.level;
}

const struct cmd cmd_check = {
	"check",
	run,
	"check [-config FILE] [-http-addr ADDR] [-pending SECONDS] [-health N] | check openstack "
	"[-config FILE] [-http-addr ADDR] [-j]",
	"one line and exit 0/1/2 (OK/WARN/CRIT) for monitoring, as Nagios plugins do; "
	"openstack: the zone's hosts in Nova, Masakari and vigil, fencing, and what to fix",
};
