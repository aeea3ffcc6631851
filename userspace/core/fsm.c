// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* fsm.c - the replicated state machine: hosts, verdicts, notification outbox. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "fsm.h"
#include "log.h"
#include "replay.h"
#include "wire.h"

static const char *const host_states[] = {"member", "maintenance", "failed", "left"};
static const char *const outbox_states[] = {"pending", "held", "delivered", "cancelled"};

const char *fsm_host_state_name(enum fsm_host_state s)
{
	return s <= FSM_LEFT ? host_states[s] : "?";
}

const char *fsm_outbox_status_name(enum fsm_outbox_status s)
{
	return s <= OUTBOX_CANCELLED ? outbox_states[s] : "?";
}

static const char *const fence_names[] = {"none",   "waiting", "fencing",  "failed",
					  "fenced", "assumed", "cancelled"};

const char *fsm_fence_name(enum fsm_fence s)
{
	return s <= FSM_FENCE_CANCELLED ? fence_names[s] : "?";
}

static int parse_state(const char *s, const char *const *names, int n)
{
	for (int i = 0; s && i < n; i++)
		if (!strcmp(s, names[i]))
			return i;
	return -1;
}

void fsm_init(struct fsm *f)
{
	memset(f, 0, sizeof(*f));
	f->next_outbox_id = 1;
	f->created_from = 1;
}

void fsm_free(struct fsm *f)
{
	free(f->hosts);
	free(f->outbox);
	free(f->maint_marks);
	free(f->audit);
	fsm_init(f);
}

struct fsm_host *fsm_host(const struct fsm *f, uint32_t id)
{
	for (size_t i = 0; i < f->nhosts; i++)
		if (f->hosts[i].id == id)
			return &f->hosts[i];
	return NULL;
}

struct fsm_host *fsm_host_by_name(const struct fsm *f, const char *name)
{
	for (size_t i = 0; i < f->nhosts; i++)
		if (!strcmp(f->hosts[i].name, name) || !strcmp(f->hosts[i].hostname, name))
			return &f->hosts[i];
	return NULL;
}

struct fsm_outbox *fsm_outbox_get(const struct fsm *f, uint64_t id)
{
	for (size_t i = 0; i < f->noutbox; i++)
		if (f->outbox[i].id == id)
			return &f->outbox[i];
	return NULL;
}

size_t fsm_counted(const struct fsm *f)
{
	size_t n = 0;

	for (size_t i = 0; i < f->nhosts; i++)
		n += f->hosts[i].state == FSM_MEMBER || f->hosts[i].state == FSM_FAILED;
	return n;
}

size_t fsm_healthy(const struct fsm *f)
{
	size_t n = 0;

	for (size_t i = 0; i < f->nhosts; i++)
		n += f->hosts[i].state == FSM_MEMBER && !f->hosts[i].failed;
	return n;
}

static struct fsm_host *host_add(struct fsm *f, uint32_t id)
{
	struct fsm_host *h = realloc(f->hosts, (f->nhosts + 1) * sizeof(*h));

	if (!h)
		return NULL;
	f->hosts = h;
	h = &f->hosts[f->nhosts++];
	memset(h, 0, sizeof(*h));
	h->id = id;
	return h;
}

static struct fsm_outbox *outbox_add(struct fsm *f, const struct fsm_host *h, int stopped,
				     uint64_t at, enum fsm_outbox_status st)
{
	struct fsm_outbox *o = realloc(f->outbox, (f->noutbox + 1) * sizeof(*o));

	if (!o)
		return NULL;
	f->outbox = o;
	o = &f->outbox[f->noutbox++];
	memset(o, 0, sizeof(*o));
	o->id = f->next_outbox_id++;
	o->host_id = h->id;
	snprintf(o->hostname, sizeof(o->hostname), "%s", h->hostname);
	o->stopped = stopped;
	o->generated_at = at;
	o->status = st;
	return o;
}

static const char *jstr(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "";
}

/* The string member k of o into dst (size bytes). A longer string is cut
 * at a character boundary: cut inside a UTF-8 sequence it would be no JSON
 * string, and the snapshot would silently drop the host or notification
 * holding it. */
static void jcopy(char *dst, size_t size, json_t *o, const char *k)
{
	const char *s = jstr(o, k);
	size_t n = strlen(s);

	if (n >= size) {
		n = size - 1;
		while (n && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--; /* s[n] continues a character: drop all of it */
	}
	memcpy(dst, s, n);
	dst[n] = '\0';
}

static uint64_t jnum(json_t *o, const char *k)
{
	return (uint64_t)json_integer_value(json_object_get(o, k));
}

const struct fsm_fence_mode *fsm_fence_mode(const char *name)
{
	static const struct fsm_fence_mode modes[] = {
		{"none", FSM_FENCE_NONE, 0},
		{"power", FSM_FENCE_WAITING, 0},
		{"assume-off", FSM_FENCE_ASSUMED, 1},
		{"watchdog", FSM_FENCE_WAITING, 0},
	};

	for (size_t i = 0; name && i < sizeof(modes) / sizeof(modes[0]); i++)
		if (!strcmp(modes[i].name, name))
			return &modes[i];
	return &modes[0];
}

int fsm_fence_needed(const struct fsm_outbox *o)
{
	return o->stopped && o->status == OUTBOX_PENDING &&
	       (o->fence == FSM_FENCE_WAITING || o->fence == FSM_FENCE_FENCING ||
		o->fence == FSM_FENCE_FAILED);
}

/* A new STOPPED entry waits as its verdict's fencing mode says. */
static void fence_verdict(struct fsm_outbox *o, const char *mode)
{
	const struct fsm_fence_mode *m = fsm_fence_mode(mode);

	if (!o)
		return;
	o->fence = m->initial;
	o->power_off_confirmed = m->power_off_confirmed;
	snprintf(o->fence_mode, sizeof(o->fence_mode), "%s", m->name);
}

/* An entry made obsolete before it was sent; its fencing, if any, stops.
 * 1 if it was waiting for a fence: Masakari has heard nothing of it. */
static int fence_cancel(struct fsm_outbox *o)
{
	o->status = OUTBOX_CANCELLED;
	if (o->fence != FSM_FENCE_WAITING && o->fence != FSM_FENCE_FENCING &&
	    o->fence != FSM_FENCE_FAILED)
		return 0;
	o->fence = FSM_FENCE_CANCELLED;
	return 1;
}

/* fence_start, fenced, fence_failed: the leader's fencing of an entry. Only
 * an entry still waiting for it moves; "fenced" alone confirms power-off. */
static int fence_apply(struct fsm *f, const char *op, json_t *c)
{
	struct fsm_outbox *o = fsm_outbox_get(f, jnum(c, "outbox"));
	int waiting = o && fsm_fence_needed(o);

	if (!strcmp(op, "fence_start")) {
		if (waiting && o->fence == FSM_FENCE_WAITING)
			o->fence = FSM_FENCE_FENCING;
	} else if (!strcmp(op, "fenced")) {
		if (waiting) {
			o->fence = FSM_FENCE_FENCED;
			o->power_off_confirmed = 1;
			o->fenced_at = jnum(c, "at");
			jcopy(o->fenced_by, sizeof(o->fenced_by), c, "by");
			if (!o->fenced_by[0])
				snprintf(o->fenced_by, sizeof(o->fenced_by), "power");
			f->fences++;
		}
	} else if (!strcmp(op, "fence_failed")) {
		if (waiting) {
			o->fence = FSM_FENCE_FAILED;
			jcopy(o->fence_error, sizeof(o->fence_error), c, "reason");
		}
	} else {
		log_err("raft: unknown command \"%s\" skipped", op);
		return -1;
	}
	return 0;
}

static const char *const request_results[] = {"applied", "unknown", "already", "pending",
					      "undecided"};

const char *fsm_request_result_name(enum fsm_request_result r)
{
	return (unsigned)r < FSM_REQ_RESULTS ? request_results[r] : "?";
}

const struct fsm_maint_mark *fsm_request_mark(const struct fsm *f, uint32_t sender)
{
	for (size_t i = 0; i < f->nmaint_marks; i++)
		if (f->maint_marks[i].sender == sender)
			return &f->maint_marks[i];
	return NULL;
}

int fsm_maint_newer(const struct fsm *f, uint32_t sender, uint64_t epoch, uint64_t seq)
{
	const struct fsm_maint_mark *m = fsm_request_mark(f, sender);

	return !m || replay_newer(epoch, seq, m->epoch, m->seq);
}

/* Record sender's request (epoch, seq) if it is new: its mark (result
 * applied, until the caller says otherwise), else NULL. */
static struct fsm_maint_mark *maint_mark(struct fsm *f, uint32_t sender, uint64_t epoch,
					 uint64_t seq)
{
	struct fsm_maint_mark *m = (struct fsm_maint_mark *)fsm_request_mark(f, sender);

	if (!fsm_maint_newer(f, sender, epoch, seq))
		return NULL;
	if (!m) {
		m = realloc(f->maint_marks, (f->nmaint_marks + 1) * sizeof(*m));
		if (!m)
			return NULL;
		f->maint_marks = m;
		m = &f->maint_marks[f->nmaint_marks++];
	}
	*m = (struct fsm_maint_mark){sender, epoch, seq, FSM_REQ_APPLIED};
	return m;
}

/* Cancel host id's notifications still to be sent (pending or held). */
static void cancel_unsent(struct fsm *f, uint32_t id)
{
	for (size_t i = 0; i < f->noutbox; i++) {
		struct fsm_outbox *o = &f->outbox[i];

		if (o->host_id == id && (o->status == OUTBOX_PENDING || o->status == OUTBOX_HELD))
			fence_cancel(o);
	}
}

/* Host h into maintenance (never notified about: what is still to be sent
 * is cancelled) or out of it. */
static void maintenance(struct fsm *f, struct fsm_host *h, int on)
{
	if (on) {
		h->state = FSM_MAINTENANCE;
		cancel_unsent(f, h->id);
	} else if (h->state == FSM_MAINTENANCE) {
		h->state = h->failed ? FSM_FAILED : FSM_MEMBER;
	}
}

/* The request command c carries, taken if it is new (maint_mark). */
static struct fsm_maint_mark *request_take(struct fsm *f, json_t *c)
{
	return maint_mark(f, (uint32_t)jnum(c, "sender"), jnum(c, "epoch"), jnum(c, "seq"));
}

/* ---- the audit list ------------------------------------------------------------ */

/* Append a (the oldest entry goes when the list is full). */
static void audit_push(struct fsm *f, const struct fsm_audit *a)
{
	if (!f->audit && !(f->audit = calloc(FSM_AUDIT_MAX, sizeof(*f->audit))))
		return;
	if (f->naudit == FSM_AUDIT_MAX)
		memmove(&f->audit[0], &f->audit[1], --f->naudit * sizeof(*f->audit));
	f->audit[f->naudit++] = *a;
}

/* An audit entry of action, who and why from command c (by, reason, at). */
static void audit_from(struct fsm_audit *a, const char *action, json_t *c)
{
	memset(a, 0, sizeof(*a));
	snprintf(a->action, sizeof(a->action), "%s", action);
	jcopy(a->by, sizeof(a->by), c, "by");
	jcopy(a->reason, sizeof(a->reason), c, "reason");
	a->at = jnum(c, "at");
}

enum fsm_request_result fsm_forget_check(const struct fsm *f, const struct fsm_host *h)
{
	for (size_t i = 0; i < f->noutbox; i++)
		if (f->outbox[i].host_id == h->id &&
		    (f->outbox[i].status == OUTBOX_PENDING || f->outbox[i].status == OUTBOX_HELD))
			return FSM_REQ_PENDING;
	if (h->state == FSM_MEMBER)
		return FSM_REQ_UNDECIDED;
	return FSM_REQ_APPLIED;
}

/* Host h is gone for good (fsm_forget_check): it leaves the decided state,
 * the audit list says who and why. */
static void host_forget(struct fsm *f, struct fsm_host *h, json_t *c)
{
	struct fsm_audit a;

	audit_from(&a, "forget", c);
	a.id = h->id;
	snprintf(a.host, sizeof(a.host), "%s", h->name);
	snprintf(a.hostname, sizeof(a.hostname), "%s", h->hostname);
	snprintf(a.was, sizeof(a.was), "%s", fsm_host_state_name(h->state));
	audit_push(f, &a);
	memmove(h, h + 1, (size_t)(&f->hosts[f->nhosts] - (h + 1)) * sizeof(*h));
	f->nhosts--;
}

static int restore_apply(struct fsm *f, json_t *c);

int fsm_apply(struct fsm *f, const void *buf, size_t len)
{
	json_t *c = json_loadb(buf, len, 0, NULL);
	const char *op = c ? jstr(c, "op") : "";
	struct fsm_host *h = NULL;
	struct fsm_outbox *o;
	int rc = 0;

	if (!c) {
		log_err("raft: malformed command of %zu bytes skipped: %.*s", len,
			(int)(len < 60 ? len : 60), (const char *)buf);
		return -1;
	}
	f->applied++;
	f->created_from = f->next_outbox_id;
	if (json_object_get(c, "id") && strcmp(op, "delivered") && strcmp(op, "release"))
		h = fsm_host(f, (uint32_t)jnum(c, "id"));

	if (!strcmp(op, "member")) {
		if (!h)
			h = host_add(f, (uint32_t)jnum(c, "id"));
		if (h) {
			jcopy(h->name, sizeof(h->name), c, "name");
			jcopy(h->hostname, sizeof(h->hostname), c, "hostname");
			if (jstr(c, "addr")[0])
				jcopy(h->addr, sizeof(h->addr), c, "addr");
			if (h->state == FSM_LEFT)
				h->state = FSM_MEMBER;
		}
	} else if (!strcmp(op, "verdict")) {
		/* Ignore a verdict about a host that is not a counted member
		 * any more, or already failed: the leader may propose twice. */
		if (h && h->state == FSM_MEMBER && !h->failed) {
			int hold = json_is_true(json_object_get(c, "hold"));

			h->failed = 1;
			h->failed_at = jnum(c, "at");
			h->state = FSM_FAILED;
			f->verdicts++;
			o = outbox_add(f, h, 1, h->failed_at, hold ? OUTBOX_HELD : OUTBOX_PENDING);
			fence_verdict(o, jstr(c, "fence"));
		}
	} else if (!strcmp(op, "recovered")) {
		if (h && h->failed) {
			int unheard = 0; /* a STOPPED cancelled before its fence */

			h->failed = 0;
			if (h->state == FSM_FAILED)
				h->state = FSM_MEMBER;
			/* A STOPPED still waiting is obsolete: the host is back. */
			for (size_t i = 0; i < f->noutbox; i++) {
				o = &f->outbox[i];
				if (o->host_id == h->id && o->stopped &&
				    (o->status == OUTBOX_PENDING || o->status == OUTBOX_HELD))
					unheard |= fence_cancel(o);
			}
			/* No STARTED for a failure Masakari was never told of. */
			if (!unheard)
				outbox_add(f, h, 0, jnum(c, "at"), OUTBOX_PENDING);
		}
	} else if (!strcmp(op, "delivered")) {
		o = fsm_outbox_get(f, jnum(c, "outbox"));
		if (o && o->status != OUTBOX_DELIVERED) {
			o->status = OUTBOX_DELIVERED;
			jcopy(o->uuid, sizeof(o->uuid), c, "uuid");
			jcopy(o->result, sizeof(o->result), c, "result");
		}
	} else if (!strcmp(op, "release")) {
		o = fsm_outbox_get(f, jnum(c, "outbox"));
		if (o && o->status == OUTBOX_HELD)
			o->status = OUTBOX_PENDING;
	} else if (!strcmp(op, "maintenance")) {
		struct fsm_maint_mark *mk = request_take(f, c);
		int on = json_is_true(json_object_get(c, "on"));

		h = mk ? fsm_host_by_name(f, jstr(c, "host")) : NULL;
		if (mk && !h)
			mk->result = FSM_REQ_UNKNOWN;
		if (h)
			h->maint_masakari = 0; /* an operator's word through vigil */
		if (h && !on == (h->state != FSM_MAINTENANCE)) {
			mk->result = FSM_REQ_ALREADY; /* who and why stay the first's */
			h = NULL;
		}
		if (h) {
			jcopy(h->maint_by, sizeof(h->maint_by), c, "by");
			jcopy(h->maint_reason, sizeof(h->maint_reason), c, "reason");
			h->maint_at = jnum(c, "at");
			maintenance(f, h, on);
		}
	} else if (!strcmp(op, "mk_maint")) {
		if (h) {
			h->mk_maint = json_is_true(json_object_get(c, "on"));
			if (json_is_true(json_object_get(c, "pull"))) {
				maintenance(f, h, h->mk_maint);
				h->maint_masakari = h->mk_maint;
			}
		}
	} else if (!strcmp(op, "left")) {
		if (h)
			h->state = FSM_LEFT;
	} else if (!strcmp(op, "forget")) {
		if (!json_object_get(c, "sender")) {
			/* The leader's own decision (fsm_cmd_forget_decided): no
			 * replay mark; it stands while the host is as it was
			 * planned: not failed, nothing about it still to go. */
			if (h && !h->failed && fsm_forget_check(f, h) != FSM_REQ_PENDING)
				host_forget(f, h, c);
		} else {
			struct fsm_maint_mark *mk = request_take(f, c);

			if (mk && !h)
				mk->result = FSM_REQ_UNKNOWN;
			else if (mk && (mk->result = fsm_forget_check(f, h)) == FSM_REQ_APPLIED)
				host_forget(f, h, c);
		}
	} else if (!strcmp(op, "restore")) {
		rc = restore_apply(f, c);
	} else if (!strncmp(op, "fence", 5)) {
		rc = fence_apply(f, op, c);
	} else {
		log_err("raft: unknown command \"%s\" skipped", op);
		rc = -1;
	}
	json_decref(c);
	return rc;
}

/* The whole state as a JSON object (fsm_dump's). */
static json_t *dump_json(const struct fsm *f)
{
	json_t *root = json_object(), *hosts = json_array(), *ob = json_array(), *marks, *audit;

	for (size_t i = 0; i < f->nhosts; i++) {
		const struct fsm_host *h = &f->hosts[i];

		json_array_append_new(hosts,
				      json_pack("{s:I, s:s, s:s, s:s, s:s, s:b, s:I}", "id",
						(json_int_t)h->id, "name", h->name, "hostname",
						h->hostname, "addr", h->addr, "state",
						fsm_host_state_name(h->state), "failed", h->failed,
						"failed_at", (json_int_t)h->failed_at));
		json_object_update_new(json_array_get(hosts, i),
				       json_pack("{s:b, s:b}", "mk_maint", h->mk_maint,
						 "maint_masakari", h->maint_masakari));
		json_object_update_new(json_array_get(hosts, i),
				       json_pack("{s:s, s:s, s:I}", "maint_by", h->maint_by,
						 "maint_reason", h->maint_reason, "maint_at",
						 (json_int_t)h->maint_at));
	}
	for (size_t i = 0; i < f->noutbox; i++) {
		const struct fsm_outbox *o = &f->outbox[i];

		json_array_append_new(ob, json_pack("{s:I, s:I, s:s, s:s, s:b, s:I, s:s, s:s, s:s}",
						    "id", (json_int_t)o->id, "host_id",
						    (json_int_t)o->host_id, "hostname", o->hostname,
						    "event", o->stopped ? "STOPPED" : "STARTED",
						    "power_off_confirmed", o->power_off_confirmed,
						    "generated_at", (json_int_t)o->generated_at,
						    "status", fsm_outbox_status_name(o->status),
						    "uuid", o->uuid, "result", o->result));
		json_object_update_new(json_array_get(ob, i),
				       json_pack("{s:s, s:I, s:s, s:s, s:s}", "fence",
						 fsm_fence_name(o->fence), "fenced_at",
						 (json_int_t)o->fenced_at, "fence_error",
						 o->fence_error, "fence_mode", o->fence_mode,
						 "fenced_by", o->fenced_by));
	}
	json_object_set_new(root, "hosts", hosts);
	json_object_set_new(root, "outbox", ob);
	json_object_set_new(root, "next_outbox_id", json_integer((json_int_t)f->next_outbox_id));
	json_object_set_new(root, "verdicts", json_integer((json_int_t)f->verdicts));
	json_object_set_new(root, "fences", json_integer((json_int_t)f->fences));
	marks = json_array();
	for (size_t i = 0; i < f->nmaint_marks; i++)
		json_array_append_new(marks,
				      json_pack("{s:I, s:I, s:I, s:s}", "sender",
						(json_int_t)f->maint_marks[i].sender, "epoch",
						(json_int_t)f->maint_marks[i].epoch, "seq",
						(json_int_t)f->maint_marks[i].seq, "result",
						request_results[f->maint_marks[i].result]));
	json_object_set_new(root, "maint_marks", marks);
	audit = json_array();
	for (size_t i = 0; i < f->naudit; i++) {
		const struct fsm_audit *a = &f->audit[i];

		json_array_append_new(audit, json_pack("{s:s, s:I, s:s, s:s, s:s, s:s, s:s, s:I}",
						       "action", a->action, "id", (json_int_t)a->id,
						       "host", a->host, "hostname", a->hostname,
						       "was", a->was, "by", a->by, "reason",
						       a->reason, "at", (json_int_t)a->at));
	}
	json_object_set_new(root, "audit", audit);
	return root;
}

char *fsm_dump(const struct fsm *f)
{
	json_t *root = dump_json(f);
	char *s = json_dumps(root, JSON_COMPACT);

	json_decref(root);
	return s;
}

/* f (freed first) from the JSON object root (dump_json's). */
static void load_json(struct fsm *f, json_t *root)
{
	json_t *v;
	size_t i;

	fsm_free(f);
	json_array_foreach(json_object_get(root, "hosts"), i, v)
	{
		struct fsm_host *h = host_add(f, (uint32_t)jnum(v, "id"));
		int st = parse_state(jstr(v, "state"), host_states, 4);

		if (!h)
			break;
		jcopy(h->name, sizeof(h->name), v, "name");
		jcopy(h->hostname, sizeof(h->hostname), v, "hostname");
		jcopy(h->addr, sizeof(h->addr), v, "addr");
		h->state = st < 0 ? FSM_MEMBER : (enum fsm_host_state)st;
		h->failed = json_is_true(json_object_get(v, "failed"));
		h->failed_at = jnum(v, "failed_at");
		h->mk_maint = json_is_true(json_object_get(v, "mk_maint"));
		h->maint_masakari = json_is_true(json_object_get(v, "maint_masakari"));
		jcopy(h->maint_by, sizeof(h->maint_by), v, "maint_by");
		jcopy(h->maint_reason, sizeof(h->maint_reason), v, "maint_reason");
		h->maint_at = jnum(v, "maint_at");
	}
	json_array_foreach(json_object_get(root, "outbox"), i, v)
	{
		struct fsm_outbox *o = realloc(f->outbox, (f->noutbox + 1) * sizeof(*o));
		int st = parse_state(jstr(v, "status"), outbox_states, 4);

		if (!o)
			break;
		f->outbox = o;
		o = &f->outbox[f->noutbox++];
		memset(o, 0, sizeof(*o));
		o->id = jnum(v, "id");
		o->host_id = (uint32_t)jnum(v, "host_id");
		jcopy(o->hostname, sizeof(o->hostname), v, "hostname");
		o->stopped = !strcmp(jstr(v, "event"), "STOPPED");
		o->power_off_confirmed = json_is_true(json_object_get(v, "power_off_confirmed"));
		o->generated_at = jnum(v, "generated_at");
		o->status = st < 0 ? OUTBOX_PENDING : (enum fsm_outbox_status)st;
		jcopy(o->uuid, sizeof(o->uuid), v, "uuid");
		jcopy(o->result, sizeof(o->result), v, "result");
		st = parse_state(jstr(v, "fence"), fence_names, FSM_FENCE_CANCELLED + 1);
		o->fence = st < 0 ? FSM_FENCE_NONE : (enum fsm_fence)st;
		o->fenced_at = jnum(v, "fenced_at");
		jcopy(o->fence_error, sizeof(o->fence_error), v, "fence_error");
		jcopy(o->fence_mode, sizeof(o->fence_mode), v, "fence_mode");
		jcopy(o->fenced_by, sizeof(o->fenced_by), v, "fenced_by");
	}
	f->next_outbox_id = jnum(root, "next_outbox_id");
	/* Never hand out an id a restored notification has: "delivered" would
	 * mark the older one and leave the new one pending for ever. */
	for (i = 0; i < f->noutbox; i++)
		if (f->outbox[i].id >= f->next_outbox_id && f->outbox[i].id != UINT64_MAX)
			f->next_outbox_id = f->outbox[i].id + 1;
	if (!f->next_outbox_id)
		f->next_outbox_id = 1;
	f->created_from = f->next_outbox_id;
	f->verdicts = jnum(root, "verdicts");
	f->fences = jnum(root, "fences");
	json_array_foreach(json_object_get(root, "maint_marks"), i, v)
	{
		struct fsm_maint_mark *m = maint_mark(f, (uint32_t)jnum(v, "sender"),
						      jnum(v, "epoch"), jnum(v, "seq"));
		int r = parse_state(jstr(v, "result"), request_results, FSM_REQ_RESULTS);

		if (m && r > 0)
			m->result = (enum fsm_request_result)r;
	}
	json_array_foreach(json_object_get(root, "audit"), i, v)
	{
		struct fsm_audit a;

		audit_from(&a, jstr(v, "action"), v);
		a.id = (uint32_t)jnum(v, "id");
		jcopy(a.host, sizeof(a.host), v, "host");
		jcopy(a.hostname, sizeof(a.hostname), v, "hostname");
		jcopy(a.was, sizeof(a.was), v, "was");
		audit_push(f, &a);
	}
}

int fsm_load(struct fsm *f, const char *text)
{
	json_t *root = json_loads(text, 0, NULL);

	if (!root)
		return -1;
	load_json(f, root);
	json_decref(root);
	return 0;
}

/* ---- a saved state, checked and restored ------------------------------------------- */

/* Is member k of o a string that fits size bytes (and, if name, a clean
 * name)? Absent is fine unless required. */
static int check_str(json_t *o, const char *k, size_t size, int name, int required, char *err,
		     size_t errsz)
{
	json_t *v = json_object_get(o, k);
	const char *s = json_string_value(v);

	if (!v && !required)
		return 0;
	if (!s || strlen(s) >= size || (name && !wire_name_valid(s))) {
		snprintf(err, errsz, "\"%s\" is %s", k,
			 !s		     ? "missing or not a string"
			 : strlen(s) >= size ? "too long"
					     : "not a clean name (control characters)");
		return -1;
	}
	return 0;
}

/* Is member k of o an integer in [min, max] (absent fine unless required)? */
static int check_int(json_t *o, const char *k, json_int_t min, json_int_t max, int required,
		     char *err, size_t errsz)
{
	json_t *v = json_object_get(o, k);

	if (!v && !required)
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max) {
		snprintf(err, errsz, "\"%s\" is missing or not an integer in its range", k);
		return -1;
	}
	return 0;
}

/* Is member k of o one of names[0..n-1] (absent or "" fine unless
 * required)? */
static int check_enum(json_t *o, const char *k, const char *const *names, int n, int required,
		      char *err, size_t errsz)
{
	const char *s = json_string_value(json_object_get(o, k));

	if (!required && (!json_object_get(o, k) || (s && !*s)))
		return 0;
	if (parse_state(json_string_value(json_object_get(o, k)), names, n) < 0) {
		snprintf(err, errsz, "\"%s\" is missing or not a known value", k);
		return -1;
	}
	return 0;
}

/* Is the "id" of arr[i] unlike those of arr[0..i-1] (each one a what)? */
static int check_unique(json_t *arr, size_t i, const char *what, char *err, size_t errsz)
{
	json_int_t id = json_integer_value(json_object_get(json_array_get(arr, i), "id"));

	for (size_t j = 0; j < i; j++)
		if (json_integer_value(json_object_get(json_array_get(arr, j), "id")) == id) {
			snprintf(err, errsz, "its id is %s %zu's too", what, j + 1);
			return -1;
		}
	return 0;
}

static const char *const outbox_events[] = {"STARTED", "STOPPED"};
static const char *const audit_actions[] = {"forget", "restore"};

static int check_json(json_t *root, char *err, size_t n)
{
	json_t *hosts = json_object_get(root, "hosts"), *ob = json_object_get(root, "outbox"), *v;
	char what[48] = "the state", why[160];
	size_t i;

	if (!json_is_object(root) || !json_is_array(hosts) || !json_is_array(ob)) {
		snprintf(err, n, "not a decided state (no \"hosts\" and \"outbox\" lists)");
		return -1;
	}
	json_array_foreach(hosts, i, v)
	{
		snprintf(what, sizeof(what), "host %zu", i + 1);
		if (check_int(v, "id", 1, UINT32_MAX, 1, err, n) ||
		    check_str(v, "name", FSM_NAME_MAX, 1, 1, err, n) ||
		    check_str(v, "hostname", FSM_NAME_MAX, 1, 1, err, n) ||
		    check_str(v, "addr", FSM_ADDR_MAX, 1, 0, err, n) ||
		    check_enum(v, "state", host_states, 4, 1, err, n) ||
		    check_int(v, "failed_at", 0, INT64_MAX, 0, err, n) ||
		    check_str(v, "maint_by", FSM_NAME_MAX, 1, 0, err, n) ||
		    check_str(v, "maint_reason", FSM_REASON_MAX, 1, 0, err, n) ||
		    check_int(v, "maint_at", 0, INT64_MAX, 0, err, n))
			goto bad;
		if (json_object_get(v, "failed") &&
		    !json_is_boolean(json_object_get(v, "failed"))) {
			snprintf(err, n, "\"failed\" is not true or false");
			goto bad;
		}
		if (!strcmp(jstr(v, "state"), "failed") &&
		    !json_is_true(json_object_get(v, "failed"))) {
			snprintf(err, n,
				 "its state is failed without a verdict (\"failed\": true)");
			goto bad;
		}
		if (check_unique(hosts, i, "host", err, n))
			goto bad;
	}
	json_array_foreach(ob, i, v)
	{
		snprintf(what, sizeof(what), "notification %zu", i + 1);
		if (check_int(v, "id", 1, FSM_ID_MAX, 1, err, n) ||
		    check_int(v, "host_id", 0, UINT32_MAX, 1, err, n) ||
		    check_str(v, "hostname", FSM_NAME_MAX, 1, 1, err, n) ||
		    check_enum(v, "event", outbox_events, 2, 1, err, n) ||
		    check_enum(v, "status", outbox_states, 4, 1, err, n) ||
		    check_int(v, "generated_at", 0, INT64_MAX, 1, err, n) ||
		    check_str(v, "uuid", sizeof(((struct fsm_outbox *)0)->uuid), 1, 0, err, n) ||
		    check_str(v, "result", sizeof(((struct fsm_outbox *)0)->result), 1, 0, err,
			      n) ||
		    check_enum(v, "fence", fence_names, FSM_FENCE_CANCELLED + 1, 0, err, n) ||
		    check_str(v, "fence_error", sizeof(((struct fsm_outbox *)0)->fence_error), 0, 0,
			      err, n))
			goto bad;
		if (check_unique(ob, i, "notification", err, n))
			goto bad;
	}
	snprintf(what, sizeof(what), "the state");
	if (check_int(root, "next_outbox_id", 1, FSM_ID_MAX, 1, err, n))
		goto bad;
	json_array_foreach(json_object_get(root, "maint_marks"), i, v)
	{
		snprintf(what, sizeof(what), "request mark %zu", i + 1);
		if (check_int(v, "sender", 1, UINT32_MAX, 1, err, n) ||
		    check_int(v, "epoch", 0, INT64_MAX, 1, err, n) ||
		    check_int(v, "seq", 0, INT64_MAX, 1, err, n) ||
		    check_enum(v, "result", request_results, FSM_REQ_RESULTS, 0, err, n))
			goto bad;
	}
	json_array_foreach(json_object_get(root, "audit"), i, v)
	{
		snprintf(what, sizeof(what), "audit entry %zu", i + 1);
		if (check_enum(v, "action", audit_actions, 2, 1, err, n) ||
		    check_int(v, "id", 0, UINT32_MAX, 0, err, n) ||
		    check_str(v, "host", FSM_NAME_MAX, 1, 0, err, n) ||
		    check_str(v, "hostname", FSM_NAME_MAX, 1, 0, err, n) ||
		    check_enum(v, "was", host_states, 4, 0, err, n) ||
		    check_str(v, "by", FSM_NAME_MAX, 1, 0, err, n) ||
		    check_str(v, "reason", FSM_REASON_MAX, 1, 0, err, n) ||
		    check_int(v, "at", 0, INT64_MAX, 0, err, n))
			goto bad;
	}
	return 0;
bad:
	snprintf(why, sizeof(why), "%s", err);
	snprintf(err, n, "%s: %s", what, why);
	return -1;
}

int fsm_check(const char *text, char *err, size_t errsz)
{
	json_error_t je;
	json_t *root = json_loads(text, 0, &je);
	int rc;

	if (!root) {
		snprintf(err, errsz, "not JSON (line %d: %s)", je.line, je.text);
		return -1;
	}
	rc = check_json(root, err, errsz);
	json_decref(root);
	return rc;
}

static int same_entry(const struct fsm_outbox *a, const struct fsm_outbox *b)
{
	return a->id == b->id && a->host_id == b->host_id && a->stopped == b->stopped &&
	       a->generated_at == b->generated_at;
}

static int audit_order(const void *x, const void *y)
{
	const struct fsm_audit *a = x, *b = y;
	int c;

	if (a->at != b->at)
		return a->at < b->at ? -1 : 1;
	if ((c = strcmp(a->action, b->action)) || (c = strcmp(a->host, b->host)) ||
	    (c = strcmp(a->by, b->by)))
		return c;
	return strcmp(a->reason, b->reason);
}

/* The audit lists of cur and g, each entry once, oldest first, into g. */
static void audit_merge(const struct fsm *cur, struct fsm *g)
{
	struct fsm_audit all[2 * FSM_AUDIT_MAX];
	size_t n = 0;

	for (size_t i = 0; i < cur->naudit; i++)
		all[n++] = cur->audit[i];
	for (size_t i = 0; i < g->naudit; i++) {
		size_t j;

		for (j = 0; j < cur->naudit && audit_order(&g->audit[i], &cur->audit[j]); j++)
			;
		if (j == cur->naudit)
			all[n++] = g->audit[i];
	}
	qsort(all, n, sizeof(all[0]), audit_order);
	g->naudit = 0;
	for (size_t i = 0; i < n; i++)
		audit_push(g, &all[i]);
}

/* A notification Masakari has: its host's failure is as it was told. */
static void restore_told(struct fsm_host *h, const struct fsm_outbox *o)
{
	h->failed = o->stopped;
	if (o->stopped)
		h->failed_at = o->generated_at;
	if (h->state == FSM_MEMBER || h->state == FSM_FAILED)
		h->state = h->failed ? FSM_FAILED : FSM_MEMBER;
}

/* g, a saved state, as it is to replace cur (restore_apply). */
static void restore_merge(const struct fsm *cur, struct fsm *g)
{
	uint64_t next =
		cur->next_outbox_id > g->next_outbox_id ? cur->next_outbox_id : g->next_outbox_id;
	size_t saved = g->noutbox;

	for (size_t i = 0; i < cur->noutbox; i++)
		if (cur->outbox[i].id >= next)
			next = cur->outbox[i].id + 1;
	for (size_t i = 0; i < g->noutbox; i++)
		if (g->outbox[i].id >= next)
			next = g->outbox[i].id + 1;
	/* The saved notifications: one the current state has goes on as it
	 * is now (delivered since: never sent twice; cancelled since, its
	 * host back or in maintenance: never revived; fenced since: not
	 * fenced again); one whose id a notification of another history took
	 * gets a new id (never one id for two). */
	for (size_t i = 0; i < saved; i++) {
		struct fsm_outbox *e = &g->outbox[i];
		const struct fsm_outbox *c = fsm_outbox_get(cur, e->id);

		if (c && same_entry(c, e))
			*e = *c;
		else if (c)
			e->id = next++;
	}
	/* Those made since the save stay, as what happened: one still to go
	 * belongs to a verdict the restore undoes (cancelled); one Masakari
	 * has keeps its host's failure as told (no second evacuation). */
	for (size_t i = 0; i < cur->noutbox; i++) {
		const struct fsm_outbox *c = &cur->outbox[i], *e = fsm_outbox_get(g, c->id);
		struct fsm_outbox *o;
		struct fsm_host *h;

		if (e && same_entry(e, c))
			continue;
		o = realloc(g->outbox, (g->noutbox + 1) * sizeof(*o));
		if (!o)
			break;
		g->outbox = o;
		o = &g->outbox[g->noutbox++];
		*o = *c;
		if (o->status == OUTBOX_PENDING || o->status == OUTBOX_HELD)
			fence_cancel(o);
		if (o->status == OUTBOX_DELIVERED && (h = fsm_host(g, o->host_id)))
			restore_told(h, o);
	}
	g->next_outbox_id = next;
	/* A request taken since the save is never taken again. */
	for (size_t i = 0; i < cur->nmaint_marks; i++) {
		const struct fsm_maint_mark *m = &cur->maint_marks[i];
		struct fsm_maint_mark *gm = maint_mark(g, m->sender, m->epoch, m->seq);

		if (gm)
			gm->result = m->result;
	}
	if (cur->verdicts > g->verdicts)
		g->verdicts = cur->verdicts;
	if (cur->fences > g->fences)
		g->fences = cur->fences;
	g->applied = cur->applied;
	audit_merge(cur, g);
}

static int restore_apply(struct fsm *f, json_t *c)
{
	json_t *st = json_object_get(c, "state");
	struct fsm_audit a;
	char err[256];
	struct fsm g;

	if (check_json(st, err, sizeof(err))) {
		log_err("raft: a snapshot restore was skipped: %s", err);
		return -1;
	}
	fsm_init(&g);
	load_json(&g, st);
	restore_merge(f, &g);
	if (g.next_outbox_id > FSM_ID_MAX) {
		log_err("raft: a snapshot restore was skipped: its notification ids run out");
		fsm_free(&g);
		return -1;
	}
	audit_from(&a, "restore", c);
	audit_push(&g, &a);
	/* a notification the restore brings may have been sent in another
	 * history: none counts as created by this command (outbox_created) */
	g.created_from = g.next_outbox_id;
	fsm_free(f);
	*f = g;
	return 0;
}

static char *dump_new(json_t *o)
{
	char *s = json_dumps(o, JSON_COMPACT);

	json_decref(o);
	return s;
}

/* addr (the host's UDP address, so that agents restarted since can learn
 * and probe it) may be NULL or "": then the one recorded stays. */
char *fsm_cmd_member(uint32_t id, const char *name, const char *hostname, const char *addr)
{
	json_t *c = json_pack("{s:s, s:I, s:s, s:s}", "op", "member", "id", (json_int_t)id, "name",
			      name, "hostname", hostname);

	if (c && addr && addr[0])
		json_object_set_new(c, "addr", json_string(addr));
	return dump_new(c);
}

char *fsm_cmd_verdict(uint32_t id, uint64_t at, int hold, size_t reporters)
{
	return fsm_cmd_verdict_fence(id, at, hold, reporters, NULL);
}

char *fsm_cmd_recovered(uint32_t id, uint64_t at)
{
	return dump_new(json_pack("{s:s, s:I, s:I}", "op", "recovered", "id", (json_int_t)id, "at",
				  (json_int_t)at));
}

char *fsm_cmd_delivered(uint64_t outbox_id, const char *uuid, const char *result)
{
	return dump_new(json_pack("{s:s, s:I, s:s, s:s}", "op", "delivered", "outbox",
				  (json_int_t)outbox_id, "uuid", uuid, "result", result));
}

/* A request's command: op, who asked through which node, why, when. */
static json_t *request_json(const char *op, const struct fsm_request *rq)
{
	return json_pack("{s:s, s:I, s:I, s:I, s:s, s:s, s:I}", "op", op, "sender",
			 (json_int_t)rq->sender, "epoch", (json_int_t)rq->epoch, "seq",
			 (json_int_t)rq->seq, "by", rq->by ? rq->by : "", "reason",
			 rq->reason ? rq->reason : "", "at", (json_int_t)rq->at);
}

char *fsm_cmd_maint(const char *host, int on, const struct fsm_request *rq)
{
	json_t *c = request_json("maintenance", rq);

	if (c) {
		json_object_set_new(c, "host", json_string(host));
		json_object_set_new(c, "on", json_boolean(on));
	}
	return dump_new(c);
}

char *fsm_cmd_maintenance(const char *hostname, int on, uint32_t sender, uint64_t epoch,
			  uint64_t seq)
{
	struct fsm_request rq = {.sender = sender, .epoch = epoch, .seq = seq};

	return fsm_cmd_maint(hostname, on, &rq);
}

char *fsm_cmd_forget(uint32_t id, const struct fsm_request *rq)
{
	json_t *c = request_json("forget", rq);

	if (c)
		json_object_set_new(c, "id", json_integer((json_int_t)id));
	return dump_new(c);
}

char *fsm_cmd_restore(const char *state, const char *by, const char *reason, uint64_t at)
{
	json_t *st = json_loads(state, 0, NULL);

	if (!st)
		return NULL;
	return dump_new(json_pack("{s:s, s:o, s:s, s:s, s:I}", "op", "restore", "state", st, "by",
				  by, "reason", reason, "at", (json_int_t)at));
}

char *fsm_cmd_release(uint64_t outbox_id)
{
	return dump_new(json_pack("{s:s, s:I}", "op", "release", "outbox", (json_int_t)outbox_id));
}

char *fsm_cmd_left(uint32_t id)
{
	return dump_new(json_pack("{s:s, s:I}", "op", "left", "id", (json_int_t)id));
}

char *fsm_cmd_mk_maint(uint32_t id, int on, int pull)
{
	return dump_new(json_pack("{s:s, s:I, s:b, s:b}", "op", "mk_maint", "id", (json_int_t)id,
				  "on", on, "pull", pull));
}

char *fsm_cmd_forget_decided(uint32_t id, const char *by, const char *reason, uint64_t at)
{
	return dump_new(json_pack("{s:s, s:I, s:s, s:s, s:I}", "op", "forget", "id", (json_int_t)id,
				  "by", by, "reason", reason, "at", (json_int_t)at));
}

char *fsm_cmd_verdict_fence(uint32_t id, uint64_t at, int hold, size_t reporters, const char *fence)
{
	json_t *c =
		json_pack("{s:s, s:I, s:I, s:b, s:I}", "op", "verdict", "id", (json_int_t)id, "at",
			  (json_int_t)at, "hold", hold, "reporters", (json_int_t)reporters);

	if (fence)
		json_object_set_new(c, "fence", json_string(fence));
	return dump_new(c);
}

char *fsm_cmd_fence_start(uint64_t outbox_id)
{
	return dump_new(
		json_pack("{s:s, s:I}", "op", "fence_start", "outbox", (json_int_t)outbox_id));
}

char *fsm_cmd_fenced(uint64_t outbox_id, uint64_t at)
{
	return fsm_cmd_fenced_by(outbox_id, at, NULL);
}

char *fsm_cmd_fenced_by(uint64_t outbox_id, uint64_t at, const char *by)
{
	json_t *c = json_pack("{s:s, s:I, s:I}", "op", "fenced", "outbox", (json_int_t)outbox_id,
			      "at", (json_int_t)at);

	if (c && by)
		json_object_set_new(c, "by", json_string(by));
	return dump_new(c);
}

char *fsm_cmd_fence_failed(uint64_t outbox_id, const char *reason)
{
	return dump_new(json_pack("{s:s, s:I, s:s}", "op", "fence_failed", "outbox",
				  (json_int_t)outbox_id, "reason", reason));
}
