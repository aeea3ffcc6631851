// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* fsm.c - the replicated state machine: hosts, verdicts, notification outbox. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "fsm.h"
#include "log.h"
#include "replay.h"

const char *fsm_host_state_name(enum fsm_host_state s)
{
	static const char *const n[] = {"member", "maintenance", "failed", "left"};

	return s <= FSM_LEFT ? n[s] : "?";
}

const char *fsm_outbox_status_name(enum fsm_outbox_status s)
{
	static const char *const n[] = {"pending", "held", "delivered", "cancelled"};

	return s <= OUTBOX_CANCELLED ? n[s] : "?";
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

int fsm_maint_newer(const struct fsm *f, uint32_t sender, uint64_t epoch, uint64_t seq)
{
	for (size_t i = 0; i < f->nmaint_marks; i++)
		if (f->maint_marks[i].sender == sender)
			return replay_newer(epoch, seq, f->maint_marks[i].epoch,
					    f->maint_marks[i].seq);
	return 1;
}

/* Record sender's MAINT (epoch, seq) if it is new; 1 if it was. */
static int maint_mark(struct fsm *f, uint32_t sender, uint64_t epoch, uint64_t seq)
{
	struct fsm_maint_mark *m;

	if (!fsm_maint_newer(f, sender, epoch, seq))
		return 0;
	for (size_t i = 0; i < f->nmaint_marks; i++)
		if (f->maint_marks[i].sender == sender) {
			f->maint_marks[i].epoch = epoch;
			f->maint_marks[i].seq = seq;
			return 1;
		}
	m = realloc(f->maint_marks, (f->nmaint_marks + 1) * sizeof(*m));
	if (!m)
		return 0;
	f->maint_marks = m;
	f->maint_marks[f->nmaint_marks++] = (struct fsm_maint_mark){sender, epoch, seq};
	return 1;
}

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
		h = maint_mark(f, (uint32_t)jnum(c, "sender"), jnum(c, "epoch"), jnum(c, "seq"))
			    ? fsm_host_by_name(f, jstr(c, "host"))
			    : NULL;
		if (h && json_is_true(json_object_get(c, "on"))) {
			h->state = FSM_MAINTENANCE;
			/* Never notify about a host in maintenance. */
			for (size_t i = 0; i < f->noutbox; i++) {
				o = &f->outbox[i];
				if (o->host_id == h->id &&
				    (o->status == OUTBOX_PENDING || o->status == OUTBOX_HELD))
					fence_cancel(o);
			}
		} else if (h && h->state == FSM_MAINTENANCE) {
			h->state = h->failed ? FSM_FAILED : FSM_MEMBER;
		}
	} else if (!strcmp(op, "left")) {
		if (h)
			h->state = FSM_LEFT;
	} else if (!strncmp(op, "fence", 5)) {
		rc = fence_apply(f, op, c);
	} else {
		log_err("raft: unknown command \"%s\" skipped", op);
		rc = -1;
	}
	json_decref(c);
	return rc;
}

char *fsm_dump(const struct fsm *f)
{
	json_t *root = json_object(), *hosts = json_array(), *ob = json_array(), *marks;
	char *s;

	for (size_t i = 0; i < f->nhosts; i++) {
		const struct fsm_host *h = &f->hosts[i];

		json_array_append_new(hosts,
				      json_pack("{s:I, s:s, s:s, s:s, s:s, s:b, s:I}", "id",
						(json_int_t)h->id, "name", h->name, "hostname",
						h->hostname, "addr", h->addr, "state",
						fsm_host_state_name(h->state), "failed", h->failed,
						"failed_at", (json_int_t)h->failed_at));
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
		json_array_append_new(marks, json_pack("{s:I, s:I, s:I}", "sender",
						       (json_int_t)f->maint_marks[i].sender,
						       "epoch", (json_int_t)f->maint_marks[i].epoch,
						       "seq", (json_int_t)f->maint_marks[i].seq));
	json_object_set_new(root, "maint_marks", marks);
	s = json_dumps(root, JSON_COMPACT);
	json_decref(root);
	return s;
}

int fsm_load(struct fsm *f, const char *text)
{
	static const char *const hs[] = {"member", "maintenance", "failed", "left"};
	static const char *const os[] = {"pending", "held", "delivered", "cancelled"};
	json_t *root = json_loads(text, 0, NULL), *v;
	size_t i;

	if (!root)
		return -1;
	fsm_free(f);
	json_array_foreach(json_object_get(root, "hosts"), i, v)
	{
		struct fsm_host *h = host_add(f, (uint32_t)jnum(v, "id"));
		int st = parse_state(jstr(v, "state"), hs, 4);

		if (!h)
			break;
		jcopy(h->name, sizeof(h->name), v, "name");
		jcopy(h->hostname, sizeof(h->hostname), v, "hostname");
		jcopy(h->addr, sizeof(h->addr), v, "addr");
		h->state = st < 0 ? FSM_MEMBER : (enum fsm_host_state)st;
		h->failed = json_is_true(json_object_get(v, "failed"));
		h->failed_at = jnum(v, "failed_at");
	}
	json_array_foreach(json_object_get(root, "outbox"), i, v)
	{
		struct fsm_outbox *o = realloc(f->outbox, (f->noutbox + 1) * sizeof(*o));
		int st = parse_state(jstr(v, "status"), os, 4);

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
		maint_mark(f, (uint32_t)jnum(v, "sender"), jnum(v, "epoch"), jnum(v, "seq"));
	}
	json_decref(root);
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

char *fsm_cmd_maintenance(const char *hostname, int on, uint32_t sender, uint64_t epoch,
			  uint64_t seq)
{
	return dump_new(json_pack("{s:s, s:s, s:b, s:I, s:I, s:I}", "op", "maintenance", "host",
				  hostname, "on", on, "sender", (json_int_t)sender, "epoch",
				  (json_int_t)epoch, "seq", (json_int_t)seq));
}

char *fsm_cmd_release(uint64_t outbox_id)
{
	return dump_new(json_pack("{s:s, s:I}", "op", "release", "outbox", (json_int_t)outbox_id));
}

char *fsm_cmd_left(uint32_t id)
{
	return dump_new(json_pack("{s:s, s:I}", "op", "left", "id", (json_int_t)id));
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
