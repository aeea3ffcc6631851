// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* fence.c - fencing configuration, modes and the leader's fencing stage. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "fence.h"
#include "fsm.h"
#include "log.h"
#include "util.h"

#define NS_PER_MS 1000000ULL

/* ---- names ----------------------------------------------------------------------- */

static const char *const mode_names[] = {"auto", "power", "none", "assume-off", "watchdog"};

const char *fence_mode_name(int mode)
{
	return name_at(mode_names, ARRAY_SIZE(mode_names), mode);
}

int fence_mode_parse(const char *s)
{
	return name_index(mode_names, ARRAY_SIZE(mode_names), s);
}

const char *fence_op_name(enum fence_op op)
{
	return op == FENCE_OP_OFF ? "off" : "status";
}

const char *fence_result_name(enum fence_result r)
{
	static const char *const n[] = {"on", "off", "done", "error", "timeout"};

	return (unsigned)r < FENCE_RESULTS ? n[r] : "?";
}

/* ---- configuration --------------------------------------------------------------- */

/* Keys vigil itself reads from a parameter set; the others go to the agent. */
#define KEY_AGENT     "agent"
#define KEY_PASS_FILE "password_file"
#define KEY_PASS_CRED "password_credential"

static int key_ok(const char *k)
{
	if (!*k)
		return 0;
	for (; *k; k++)
		if (!islower((unsigned char)*k) && !isdigit((unsigned char)*k) && *k != '_')
			return 0;
	return 1;
}

/* One parameter set (a JSON object) checked; host: "agent" allowed. */
static int params_check(json_t *o, const char *what, int host, char *err, size_t errsz)
{
	const char *k;
	json_t *v;

	if (!json_is_object(o)) {
		snprintf(err, errsz, "\"%s\" must be an object of fence agent parameters", what);
		return -1;
	}
	json_object_foreach(o, k, v)
	{
		const char *sv = json_string_value(v);

		if (!key_ok(k)) {
			snprintf(err, errsz,
				 "\"%s\": parameter \"%s\" must be lower case letters, digits and "
				 "_ (the fence agent's stdin names, e.g. ip, username, lanplus)",
				 what, k);
			return -1;
		}
		if (!strcmp(k, "action")) {
			snprintf(err, errsz,
				 "\"%s\": \"action\" is vigil's to choose (status, off), not a "
				 "parameter",
				 what);
			return -1;
		}
		if (!strcmp(k, KEY_AGENT) && (!host || !sv || !*sv)) {
			snprintf(err, errsz,
				 host ? "\"%s\": \"agent\" must be a non-empty string"
				      : "\"%s\": the default agent is \"fencing.agent\", not a "
					"parameter",
				 what);
			return -1;
		}
		if (!json_is_string(v) && !json_is_integer(v) && !json_is_boolean(v)) {
			snprintf(
				err, errsz,
				"\"%s\": parameter \"%s\" must be a string, an integer or a boolean",
				what, k);
			return -1;
		}
		if (sv && strpbrk(sv, "\r\n")) {
			snprintf(
				err, errsz,
				"\"%s\": parameter \"%s\" must not contain a line break (the fence "
				"agent reads one key=value per line)",
				what, k);
			return -1;
		}
	}
	return 0;
}

int fence_params_check(const char *json_text, const char *what, char *err, size_t errsz)
{
	json_t *o = json_loads(json_text, 0, NULL);
	int rc = params_check(o, what, 0, err, errsz);

	json_decref(o);
	return rc;
}

static void warn_password(const char *where)
{
	log_warn("fencing: a BMC password is written in the configuration (%s); prefer "
		 "\"password_file\" or \"password_credential\"",
		 where);
}

int fence_config_finish(struct fence_config *c, const char **key, char *err, size_t errsz)
{
	json_t *params = json_loads(c->params[0] ? c->params : "{}", 0, NULL);
	json_t *hosts = json_loads(c->hosts[0] ? c->hosts : "{}", 0, NULL), *h;
	const char *name;
	int rc = -1, every_host_has_agent = 1;

	*key = "fencing.params";
	if (params_check(params, "fencing.params", 0, err, errsz))
		goto out;
	*key = "fencing.hosts";
	if (!json_is_object(hosts)) {
		snprintf(err, errsz, "\"fencing.hosts\" must be an object: {\"HOST\": {...}, ...}");
		goto out;
	}
	json_object_foreach(hosts, name, h)
	{
		char what[160];

		snprintf(what, sizeof(what), "fencing.hosts.%s", name);
		if (params_check(h, what, 1, err, errsz))
			goto out;
		if (!json_object_get(h, KEY_AGENT))
			every_host_has_agent = 0;
		if (json_object_get(h, "password"))
			warn_password(what);
	}
	if (json_object_get(params, "password"))
		warn_password("fencing.params");
	if (c->mode == FENCE_MODE_AUTO)
		c->mode =
			c->agent[0] || json_object_size(hosts) ? FENCE_MODE_POWER : FENCE_MODE_NONE;
	*key = "fencing.mode";
	if (c->mode == FENCE_MODE_POWER && !c->agent[0] &&
	    (!json_object_size(hosts) || !every_host_has_agent)) {
		snprintf(err, errsz,
			 "\"fencing.mode\" power needs a fence agent: \"fencing.agent\" (e.g. "
			 "fence_ipmilan), or \"agent\" in every entry of \"fencing.hosts\"");
		goto out;
	}
	*key = "fencing.retry_min_ms";
	if (c->retry_min_ms > c->retry_max_ms) {
		snprintf(err, errsz,
			 "\"fencing.retry_min_ms\" must not exceed \"fencing.retry_max_ms\"");
		goto out;
	}
	rc = 0;
out:
	json_decref(params);
	json_decref(hosts);
	return rc;
}

/* s with {hostname} and {name} replaced, into out. */
static void expand(const char *s, const char *hostname, const char *name, char *out, size_t n)
{
	size_t o = 0;

	while (*s && o + 1 < n) {
		const char *with = NULL;
		size_t skip = 0;

		if (!strncmp(s, "{hostname}", 10))
			with = hostname, skip = 10;
		else if (!strncmp(s, "{name}", 6))
			with = name, skip = 6;
		if (with) {
			o += (size_t)snprintf(out + o, n - o, "%s", with);
			if (o >= n)
				o = n - 1;
			s += skip;
		} else {
			out[o++] = *s++;
		}
	}
	out[o] = '\0';
}

/* Append "key=value\n" (a value as the agent reads it) to t, or take a key
 * that vigil reads itself. -1 if the parameters do not fit. */
static int target_add(struct fence_target *t, const char *k, json_t *v, const char *hostname,
		      const char *name)
{
	char val[1024];
	size_t len = strlen(t->params);
	int w;

	if (json_is_false(v))
		return 0; /* a flag left off */
	if (json_is_true(v))
		snprintf(val, sizeof(val), "1");
	else if (json_is_integer(v))
		snprintf(val, sizeof(val), "%lld", (long long)json_integer_value(v));
	else
		expand(json_string_value(v), hostname, name, val, sizeof(val));
	if (!strcmp(k, KEY_AGENT))
		return snprintf(t->agent, sizeof(t->agent), "%s", val) >= (int)sizeof(t->agent);
	if (!strcmp(k, "password"))
		return snprintf(t->password, sizeof(t->password), "%s", val) >=
		       (int)sizeof(t->password);
	if (!strcmp(k, KEY_PASS_FILE))
		return snprintf(t->password_file, sizeof(t->password_file), "%s", val) >=
		       (int)sizeof(t->password_file);
	if (!strcmp(k, KEY_PASS_CRED))
		return snprintf(t->password_credential, sizeof(t->password_credential), "%s",
				val) >= (int)sizeof(t->password_credential);
	w = snprintf(t->params + len, sizeof(t->params) - len, "%s=%s\n", k, val);
	return w < 0 || (size_t)w >= sizeof(t->params) - len ? -1 : 0;
}

int fence_target_for(const struct fence_config *c, const char *hostname, const char *name,
		     struct fence_target *t, char *err, size_t errsz)
{
	json_t *params = json_loads(c->params[0] ? c->params : "{}", 0, NULL);
	json_t *hosts = json_loads(c->hosts[0] ? c->hosts : "{}", 0, NULL);
	json_t *h = json_object_get(hosts, hostname), *v;
	const char *k;
	int rc = -1;

	memset(t, 0, sizeof(*t));
	if (!h && name)
		h = json_object_get(hosts, name);
	if (!json_is_object(params) || !json_is_object(hosts)) {
		snprintf(err, errsz, "the fencing configuration is unreadable");
		goto out;
	}
	/* The defaults, each overridden by the host's own value; then the host's others. */
	expand(c->agent, hostname, name ? name : hostname, t->agent, sizeof(t->agent));
	json_object_foreach(params, k, v)
	{
		json_t *own = h ? json_object_get(h, k) : NULL;

		if (target_add(t, k, own ? own : v, hostname, name ? name : hostname))
			goto toolong;
	}
	if (h)
		json_object_foreach(h, k, v)
		{
			if (!json_object_get(params, k) &&
			    target_add(t, k, v, hostname, name ? name : hostname))
				goto toolong;
		}
	if (!t->agent[0]) {
		snprintf(
			err, errsz,
			"no fence agent for %s: set \"fencing.agent\", or \"agent\" in its entry of "
			"\"fencing.hosts\"",
			hostname);
		goto out;
	}
	if (c->mode == FENCE_MODE_POWER && !h && !json_object_size(params)) {
		snprintf(err, errsz,
			 "%s has no entry in \"fencing.hosts\" and there are no "
			 "default \"fencing.params\"",
			 hostname);
		goto out;
	}
	rc = 0;
	goto out;
toolong:
	snprintf(err, errsz, "the fence parameters of %s are longer than %d bytes", hostname,
		 FENCE_PARAMS_MAX - 1);
out:
	json_decref(params);
	json_decref(hosts);
	return rc;
}

int fence_stdin(const struct fence_target *t, enum fence_op op, const char *password, char *out,
		size_t n)
{
	int w;

	if (!password && t->password[0])
		password = t->password;
	w = snprintf(out, n, "action=%s\n%s%s%s%s", fence_op_name(op), t->params,
		     password ? "password=" : "", password ? password : "", password ? "\n" : "");

	return w < 0 || (size_t)w >= n ? -1 : 0;
}

enum fence_result fence_classify(enum fence_op op, int exited, int code, int timed_out)
{
	if (timed_out)
		return FENCE_R_TIMEOUT;
	if (!exited)
		return FENCE_R_ERROR;
	if (op == FENCE_OP_STATUS)
		return code == 0 ? FENCE_R_ON : code == 2 ? FENCE_R_OFF : FENCE_R_ERROR;
	return code == 0 ? FENCE_R_DONE : FENCE_R_ERROR;
}

static const struct {
	const char *says, *means;
} hints[] = {
	{"Activate Session command failed", "the BMC refused the credentials (username, password, "
					    "privilege level)"},
	{"RAKP", "the BMC refused the credentials (username, password, privilege level)"},
	{"Unable to establish", "no IPMI session with the BMC (address, port, network, lanplus)"},
};

void fence_output_reason(const char *output, const char *secret, char *out, size_t n)
{
	const char *p = output ? output : "", *best = NULL, *e;
	size_t bl = 0;

	/* The last line that says something: not a Python warning, not the
	 * source line such a warning quotes (indented). */
	for (; *p; p = *e ? e + 1 : e) {
		e = strchr(p, '\n');
		if (!e)
			e = p + strlen(p);
		if (e > p && !isspace((unsigned char)*p) &&
		    !memmem(p, (size_t)(e - p), "Warning", 7))
			best = p, bl = (size_t)(e - p);
	}
	if (best) {
		/* "2026-12-01 10:35:52,974 ERROR: Failed: …" -> "Failed: …" */
		const char *m = memmem(best, bl, "ERROR: ", 7);

		if (m)
			bl -= (size_t)(m + 7 - best), best = m + 7;
	}
	snprintf(out, n, "%.*s", (int)bl, best ? best : "");
	/* What ipmitool says in the agent's verbose output, in plain words first. */
	for (size_t i = 0; i < sizeof(hints) / sizeof(hints[0]); i++)
		if (output && strstr(output, hints[i].says)) {
			snprintf(out, n, "%s (%.*s)", hints[i].means, (int)bl, best ? best : "");
			break;
		}
	if (secret && *secret) {
		char *s;

		while ((s = strstr(out, secret))) {
			size_t sl = strlen(secret);

			memmove(s + 3, s + sl, strlen(s + sl) + 1);
			memcpy(s, "***", 3);
		}
	}
}

/* ---- modes ------------------------------------------------------------------------- */

/* power: status first (a host already off needs no "off"), off, then status
 * until it says off. Everything else fails the round. */
static int power_after(int phase, enum fence_result r)
{
	switch (phase) {
	case FENCE_PH_CHECK:
		return r == FENCE_R_OFF	 ? FENCE_PH_FENCED
		       : r == FENCE_R_ON ? FENCE_PH_OFF
					 : FENCE_PH_FAIL;
	case FENCE_PH_OFF:
		return r == FENCE_R_DONE ? FENCE_PH_CONFIRM : FENCE_PH_FAIL;
	case FENCE_PH_CONFIRM:
		/* A BMC may be slow to answer while the power changes: keep asking
		 * until the confirmation deadline. */
		return r == FENCE_R_OFF ? FENCE_PH_FENCED : FENCE_PH_CONFIRM;
	}
	return FENCE_PH_FAIL;
}

static enum fence_op power_op(int phase)
{
	return phase == FENCE_PH_OFF ? FENCE_OP_OFF : FENCE_OP_STATUS;
}

/* Any mode that fences: a host whose own record, still being written, says
 * its VMs are stopped has fenced itself (its isolation response ran). A
 * record that stopped advancing proves nothing about when it was written. */
static const char *power_self(enum fence_evidence ev, int cut_off)
{
	(void)cut_off;
	return ev == FENCE_EV_STOPPED ? "vms-stopped" : NULL;
}

uint64_t fence_watchdog_safe_ms(const struct fence_timing *t)
{
	return t->isolation_timeout_ms + t->watchdog_timeout_ms + t->margin_ms;
}

/* watchdog: the verdict took wait_period_ms >= the safe time since a
 * majority last heard the host, so by the rule the host has stopped its VMs
 * or been reset -- unless its storage record says otherwise: one that
 * still advances without "vms-stopped" is a host alive on the storage side
 * (isolated with a response that hangs and a watchdog that did not fire, or
 * not isolated by its own account): no NORMAL. Without a record to read,
 * the rule alone decides. Hosts in maintenance, which the verdict does not
 * count but the host's own judgement does, must not be what keeps it
 * connected: the rule needs a majority of every host. */
static const char *watchdog_self(enum fence_evidence ev, int cut_off)
{
	switch (ev) {
	case FENCE_EV_STOPPED:
		return "vms-stopped";
	case FENCE_EV_NONE:
	case FENCE_EV_UNREADABLE:
	case FENCE_EV_NO_RECORD:
	case FENCE_EV_SILENT:
		return cut_off ? "watchdog" : NULL;
	default:
		return NULL;
	}
}

static int watchdog_check(const struct fence_timing *t, const char **key, char *err, size_t errsz)
{
	uint64_t safe = fence_watchdog_safe_ms(t);

	if (!t->watchdog) {
		*key = "watchdog_device";
		snprintf(err, errsz,
			 "\"fencing.mode\" watchdog needs a hardware watchdog on every host: set "
			 "\"watchdog_device\" (e.g. /dev/watchdog)");
		return -1;
	}
	if (!t->isolation_timeout_ms || !t->response) {
		*key = t->isolation_timeout_ms ? "isolation_response" : "isolation_timeout_ms";
		snprintf(
			err, errsz,
			"\"fencing.mode\" watchdog needs every host to act on its isolation: "
			"\"isolation_timeout_ms\" above 0 and an \"isolation_response\" other than "
			"none");
		return -1;
	}
	if (t->wait_period_ms < safe) {
		*key = "wait_period_ms";
		snprintf(err, errsz,
			 "\"wait_period_ms\" = %llu is too short for \"fencing.mode\" watchdog: it "
			 "must be at least isolation_timeout_ms + watchdog_timeout_ms + "
			 "fencing.watchdog_margin_ms = %llu + %llu + %llu = %llu ms",
			 (unsigned long long)t->wait_period_ms,
			 (unsigned long long)t->isolation_timeout_ms,
			 (unsigned long long)t->watchdog_timeout_ms,
			 (unsigned long long)t->margin_ms, (unsigned long long)safe);
		return -1;
	}
	return 0;
}

/* (what each mode means for a new STOPPED entry is fsm.c's fsm_fence_mode) */
static const struct fence_mode modes[] = {
	{"none", NULL, NULL, NULL, NULL},
	{"power", power_op, power_after, power_self, NULL},
	{"assume-off", NULL, NULL, NULL, NULL},
	{"watchdog", NULL, NULL, watchdog_self, watchdog_check},
};

const char *fence_evidence_name(enum fence_evidence e)
{
	static const char *const n[FENCE_EVIDENCES] = {"none",	      "unreadable", "no_record",
						       "unknown",     "running",    "isolated",
						       "vms-stopped", "silent"};

	return name_at(n, ARRAY_SIZE(n), (int)e);
}

const struct fence_mode *fence_mode_get(const char *name)
{
	for (size_t i = 0; name && i < sizeof(modes) / sizeof(modes[0]); i++)
		if (!strcmp(modes[i].name, name))
			return &modes[i];
	return &modes[0];
}

/* ---- the stage ---------------------------------------------------------------------- */

void fence_stage_init(struct fence_stage *s, const struct fence_config *c)
{
	memset(s, 0, sizeof(*s));
	/* Entries that wait for a fence were decided by a fencing mode; a leader
	 * configured without one still fences them (and fails loudly if it has
	 * no agent), never sends them unconfirmed. */
	s->mode = fence_mode_get(fence_mode_name(c->mode));
	if (!s->mode->after)
		s->mode = fence_mode_get("power");
	s->retry_min_ms = c->retry_min_ms ? c->retry_min_ms : 1;
	s->retry_max_ms = c->retry_max_ms < s->retry_min_ms ? s->retry_min_ms : c->retry_max_ms;
	s->status_interval_ms = c->status_interval_ms;
	s->confirm_timeout_ms = c->confirm_timeout_ms;
	s->gen = 1;
}

void fence_stage_reset(struct fence_stage *s)
{
	s->gen++;
	s->nattempts = 0;
}

const struct fence_attempt *fence_attempt(const struct fence_stage *s, uint64_t outbox_id)
{
	for (size_t i = 0; i < s->nattempts; i++)
		if (s->attempts[i].outbox_id == outbox_id)
			return &s->attempts[i];
	return NULL;
}

/* How entry o is fenced: by the mode its verdict recorded, if that mode
 * fences; else (an entry recorded before modes were) by the leader's. */
static const struct fence_mode *entry_mode(const struct fence_stage *s, const struct fsm_outbox *o)
{
	const struct fence_mode *m = o->fence_mode[0] ? fence_mode_get(o->fence_mode) : NULL;

	return m && fsm_fence_mode(o->fence_mode)->initial == FSM_FENCE_WAITING ? m : s->mode;
}

static struct fence_attempt *attempt_for(struct fence_stage *s, uint64_t id, uint64_t now)
{
	struct fence_attempt *a = (struct fence_attempt *)fence_attempt(s, id);

	if (a)
		return a;
	if (s->nattempts == FENCE_TRACKED)
		return NULL; /* 256 hosts being fenced at once: the rest wait their turn */
	a = &s->attempts[s->nattempts++];
	memset(a, 0, sizeof(*a));
	a->outbox_id = id;
	a->phase = FENCE_PH_CHECK;
	a->started_ns = now;
	return a;
}

/* Drop the records of entries no longer being fenced; say so for those the
 * host's return (or maintenance) cancelled. */
static void sweep(struct fence_stage *s, const struct fsm *f)
{
	size_t i = 0;

	while (i < s->nattempts) {
		struct fence_attempt *a = &s->attempts[i];
		const struct fsm_outbox *o = fsm_outbox_get(f, a->outbox_id);

		if (a->running || (o && fsm_fence_needed(o))) {
			i++;
			continue;
		}
		if (o && o->fence == FSM_FENCE_CANCELLED)
			log_event(LOG_LVL_WARN, "fence_cancelled",
				  "outbox=%llu hostname=%s calls=%llu",
				  (unsigned long long)a->outbox_id, o->hostname,
				  (unsigned long long)a->calls);
		*a = s->attempts[--s->nattempts];
	}
}

int fence_next(struct fence_stage *s, const struct fsm *f, uint64_t now, struct fence_job *job,
	       char **cmd)
{
	*cmd = NULL;
	sweep(s, f);
	for (size_t i = 0; i < f->noutbox; i++) {
		const struct fsm_outbox *o = &f->outbox[i];
		const struct fence_mode *m = entry_mode(s, o);
		const struct fsm_host *h;
		struct fence_attempt *a;

		/* (a mode without calls waits for self-fence evidence: fence_self) */
		if (!fsm_fence_needed(o) || !m->op || !(a = attempt_for(s, o->id, now)) ||
		    a->running || now < a->next_ns)
			continue;
		if (a->phase == FENCE_PH_FENCED || a->phase == FENCE_PH_FAIL)
			a->phase = FENCE_PH_CHECK; /* "fenced" never committed, or backoff over */
		h = fsm_host(f, o->host_id);
		memset(job, 0, sizeof(*job));
		job->outbox_id = o->id;
		job->host_id = o->host_id;
		snprintf(job->hostname, sizeof(job->hostname), "%s", o->hostname);
		snprintf(job->name, sizeof(job->name), "%s", h ? h->name : o->hostname);
		job->op = m->op(a->phase);
		job->gen = s->gen;
		a->running = 1;
		a->calls++;
		if (!a->start_logged) {
			a->start_logged = 1;
			log_event(LOG_LVL_WARN, "fence_start",
				  "outbox=%llu host=%s hostname=%s resumed=%d",
				  (unsigned long long)o->id, job->name, o->hostname,
				  o->fence != FSM_FENCE_WAITING);
		}
		if (o->fence == FSM_FENCE_WAITING)
			*cmd = fsm_cmd_fence_start(o->id);
		return 1;
	}
	return 0;
}

int fence_obsolete(const struct fence_stage *s, const struct fsm *f, const struct fence_job *job)
{
	const struct fsm_outbox *o = fsm_outbox_get(f, job->outbox_id);

	return job->gen != s->gen || !o || !fsm_fence_needed(o);
}

/* A failed round: back off (doubling, +-25 % jitter), say why. */
static char *round_failed(struct fence_stage *s, const struct fsm_outbox *o,
			  struct fence_attempt *a, const char *why, uint64_t now, uint32_t rnd)
{
	a->phase = FENCE_PH_FAIL;
	a->rounds_failed++;
	a->next_ns = backoff_next(&a->backoff_ms, s->retry_min_ms, s->retry_max_ms, now, rnd);
	snprintf(a->message, sizeof(a->message), "%s", why);
	log_event(LOG_LVL_ERR, "fence_failed",
		  "outbox=%llu hostname=%s result=%s rounds=%llu retry_ms=%llu",
		  (unsigned long long)o->id, o->hostname, fence_result_name(a->last),
		  (unsigned long long)a->rounds_failed, (unsigned long long)a->backoff_ms);
	log_err("fencing %s FAILED: %s; no notification until its power-off is confirmed; "
		"retrying (`vigil fence test %s` runs the same agent's status)",
		o->hostname, why, o->hostname);
	return o->fence == FSM_FENCE_FAILED ? NULL : fsm_cmd_fence_failed(o->id, why);
}

char *fence_answer(struct fence_stage *s, const struct fsm *f, const struct fence_job *job,
		   enum fence_result r, const char *message, uint64_t now, uint64_t now_real,
		   uint32_t rnd)
{
	struct fence_attempt *a = (struct fence_attempt *)fence_attempt(s, job->outbox_id);
	const struct fsm_outbox *o = fsm_outbox_get(f, job->outbox_id);
	int phase;
	char why[256];

	if (job->gen != s->gen || !a)
		return NULL; /* a call of an earlier term */
	a->running = 0;
	a->last = r;
	s->calls_by_result[r]++;
	if (a->phase == FENCE_PH_FENCED)
		return NULL; /* fence_self found it fenced meanwhile */
	if (!o || !fsm_fence_needed(o) || !entry_mode(s, o)->after)
		return NULL; /* fenced by now, or cancelled: sweep() says so */
	phase = entry_mode(s, o)->after(a->phase, r);
	if (a->phase == FENCE_PH_OFF && phase == FENCE_PH_CONFIRM) {
		log_event(LOG_LVL_WARN, "fence_off", "outbox=%llu hostname=%s",
			  (unsigned long long)o->id, o->hostname);
		a->confirm_until_ns = now + s->confirm_timeout_ms * NS_PER_MS;
		a->phase = FENCE_PH_CONFIRM;
		a->next_ns = now;
		return NULL;
	}
	if (phase == FENCE_PH_CONFIRM) {
		if (now < a->confirm_until_ns) {
			a->next_ns = now + s->status_interval_ms * NS_PER_MS;
			return NULL;
		}
		snprintf(why, sizeof(why), "status %s %llu ms after a successful off%s%s",
			 r == FENCE_R_ON ? "still on" : "unavailable",
			 (unsigned long long)s->confirm_timeout_ms, message && *message ? ": " : "",
			 message ? message : "");
		return round_failed(s, o, a, why, now, rnd);
	}
	if (phase == FENCE_PH_FENCED) {
		a->phase = FENCE_PH_FENCED;
		a->next_ns = now + FENCE_COMMIT_WAIT_NS;
		log_event(LOG_LVL_WARN, "fenced", "outbox=%llu hostname=%s calls=%llu ms=%llu",
			  (unsigned long long)o->id, o->hostname, (unsigned long long)a->calls,
			  (unsigned long long)((now - a->started_ns) / NS_PER_MS));
		return fsm_cmd_fenced(o->id, now_real);
	}
	if (phase == FENCE_PH_FAIL) {
		snprintf(why, sizeof(why), "%s %s: %s", fence_op_name(job->op),
			 fence_result_name(r), message && *message ? message : "no reason given");
		return round_failed(s, o, a, why, now, rnd);
	}
	a->phase = phase; /* CHECK said on: off next, at once */
	a->next_ns = now;
	return NULL;
}

/* ---- self-fencing ------------------------------------------------------------------- */

/* a->held: evidence + 1, or this: hosts in maintenance may still reach it */
#define HELD_NOT_CUT_OFF (FENCE_EVIDENCES + 1)
#define HELD_ALIVE_SEEN	 (FENCE_EVIDENCES + 2)

static const char *hold_reason(int held)
{
	if (held == HELD_NOT_CUT_OFF)
		return "not cut off from a majority of all hosts (hosts in maintenance count "
		       "there): its own judgement may keep its VMs running";
	if (held == HELD_ALIVE_SEEN)
		return "seen alive on the storage side after the wait period (its heartbeat "
		       "record advanced without vms-stopped: its watchdog did not reset it), and "
		       "its record cannot be read now; no NORMAL until it records vms-stopped or "
		       "its record is seen to stop";
	switch (held - 1) {
	case FENCE_EV_RUNNING:
		return "alive on the storage side: its heartbeat record advances and says "
		       "running (not isolated by its own account); no NORMAL until it records "
		       "vms-stopped or stops writing";
	case FENCE_EV_ISOLATED:
		return "isolated, not dead: its heartbeat record advances and says isolated "
		       "(its response has not stopped its VMs, its watchdog has not reset it); "
		       "no NORMAL until it records vms-stopped or stops writing";
	case FENCE_EV_UNKNOWN:
		return "reading its storage heartbeat: not watched long enough to tell whether "
		       "it still advances";
	}
	return "";
}

char *fence_self(struct fence_stage *s, const struct fsm *f, const struct fence_env *env,
		 uint64_t now, uint64_t now_real)
{
	for (size_t i = 0; i < f->noutbox; i++) {
		const struct fsm_outbox *o = &f->outbox[i];
		const struct fence_mode *m = entry_mode(s, o);
		enum fence_evidence ev;
		struct fence_attempt *a;
		const char *by;
		int cut, held, alive;

		if (!fsm_fence_needed(o) || !m->self || !(a = attempt_for(s, o->id, now)))
			continue;
		if (a->phase == FENCE_PH_FENCED && now < a->next_ns)
			continue; /* "fenced" proposed: let it commit */
		ev = env && env->evidence ? env->evidence(env->ctx, o, now) : FENCE_EV_NONE;
		cut = env && env->cut_off ? env->cut_off(env->ctx, o->host_id, now) : 1;
		alive = ev == FENCE_EV_RUNNING || ev == FENCE_EV_ISOLATED;
		a->alive_seen |= alive;
		by = m->self(ev, cut);
		/* A host seen alive after the wait period broke the watchdog rule:
		 * the rule alone no longer proves it off, only its record does. */
		if (by && a->alive_seen && ev != FENCE_EV_STOPPED && ev != FENCE_EV_SILENT)
			by = NULL;
		if (by) {
			a->phase = FENCE_PH_FENCED;
			a->next_ns = now + FENCE_COMMIT_WAIT_NS;
			a->held = 0;
			log_event(LOG_LVL_WARN, "self_fenced",
				  "outbox=%llu hostname=%s by=%s evidence=%s ms=%llu",
				  (unsigned long long)o->id, o->hostname, by,
				  fence_evidence_name(ev),
				  (unsigned long long)((now - a->started_ns) / NS_PER_MS));
			return fsm_cmd_fenced_by(o->id, now_real, by);
		}
		if (m->op)
			continue; /* the fence agent's calls go on (fence_next) */
		if (!cut && ev != FENCE_EV_UNKNOWN && !alive)
			held = HELD_NOT_CUT_OFF;
		else if (a->alive_seen && !alive)
			held = HELD_ALIVE_SEEN;
		else
			held = (int)ev + 1;
		if (held != a->held) {
			a->held = held;
			snprintf(a->message, sizeof(a->message), "%s", hold_reason(held));
			if (held - 1 == FENCE_EV_UNKNOWN)
				continue; /* a new leader still reading: settled within a few
					     intervals */
			log_event(LOG_LVL_WARN, "fence_hold",
				  "outbox=%llu hostname=%s evidence=%s cut_off=%d",
				  (unsigned long long)o->id, o->hostname, fence_evidence_name(ev),
				  cut);
			log_warn("%s: no NORMAL notification yet: %s", o->hostname, a->message);
		}
	}
	return NULL;
}

size_t fence_held(const struct fence_stage *s, const struct fsm *f)
{
	size_t n = 0;

	for (size_t i = 0; i < s->nattempts; i++) {
		const struct fsm_outbox *o = fsm_outbox_get(f, s->attempts[i].outbox_id);
		int h = s->attempts[i].held;

		n += o && fsm_fence_needed(o) &&
		     (h == FENCE_EV_RUNNING + 1 || h == FENCE_EV_ISOLATED + 1 ||
		      h == HELD_NOT_CUT_OFF || h == HELD_ALIVE_SEEN);
	}
	return n;
}
