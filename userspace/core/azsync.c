// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* azsync.c - the segment (and the aggregate) kept in sync with vigil's hosts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "azsync.h"

const char *az_kind_name(enum az_kind k)
{
	static const char *const n[] = {"segment_create", "segment_method",   "host_add",
					"host_remove",	  "host_maintenance", "vigil_maintenance",
					"vigil_forget"};

	return k <= AZ_VIGIL_FORGET ? n[k] : "?";
}

const char *az_finding_name(enum az_finding f)
{
	static const char *const n[] = {"unprotected", "not_in_aggregate", "not_in_segment",
					"needs_operator", "not_in_vigil"};

	return f < AZ_FINDINGS ? n[f] : "?";
}

void az_view_free(struct az_view *v)
{
	free(v->seg);
	free(v->agg);
	memset(v, 0, sizeof(*v));
}

void az_memory_free(struct az_memory *mem)
{
	free(mem->m);
	memset(mem, 0, sizeof(*mem));
}

const struct az_seg_host *az_seg_find(const struct az_view *v, const char *name)
{
	for (size_t i = 0; v->seg_read && i < v->nseg; i++)
		if (!strcmp(v->seg[i].name, name))
			return &v->seg[i];
	return NULL;
}

int az_in_aggregate(const struct az_view *v, const char *name)
{
	for (size_t i = 0; i < v->nagg; i++)
		if (!strcmp(v->agg[i], name))
			return 1;
	return 0;
}

/* The aggregate can be trusted to say who is in the zone: read, found, not
 * empty. An aggregate that vanished or was emptied (a typo in its name, an
 * operator's mistake) must not take every host out of HA. */
static int agg_usable(const struct az_params *p, const struct az_view *v)
{
	return p->use_aggregate && v->agg_read && v->agg_found && v->nagg;
}

/* A host that is allowed in the zone by the aggregate (or there is none). */
static int agg_allows(const struct az_params *p, const struct az_view *v, const char *name)
{
	return !p->use_aggregate || (agg_usable(p, v) && az_in_aggregate(v, name));
}

/* A notification of host id still to be sent (pending or held)? */
static int unsent(const struct fsm *f, uint32_t id)
{
	for (size_t i = 0; i < f->noutbox; i++)
		if (f->outbox[i].host_id == id &&
		    (f->outbox[i].status == OUTBOX_PENDING || f->outbox[i].status == OUTBOX_HELD))
			return 1;
	return 0;
}

static const struct fsm_host *host_by_hostname(const struct fsm *f, const char *name)
{
	for (size_t i = 0; i < f->nhosts; i++)
		if (!strcmp(f->hosts[i].hostname, name))
			return &f->hosts[i];
	return NULL;
}

static struct az_mark *mark_find(const struct az_memory *mem, const char *name,
				 enum az_mark_kind kind)
{
	for (size_t i = 0; i < mem->n; i++)
		if (mem->m[i].kind == kind && !strcmp(mem->m[i].hostname, name))
			return &mem->m[i];
	return NULL;
}

static struct az_mark *mark_add(struct az_memory *mem, const char *name, enum az_mark_kind kind,
				uint64_t now)
{
	struct az_mark *m = mark_find(mem, name, kind);

	if (m)
		return m;
	m = realloc(mem->m, (mem->n + 1) * sizeof(*m));
	if (!m)
		return NULL;
	mem->m = m;
	m = &mem->m[mem->n++];
	memset(m, 0, sizeof(*m));
	snprintf(m->hostname, sizeof(m->hostname), "%s", name);
	m->kind = kind;
	m->since_ns = now;
	return m;
}

void az_add_refused(struct az_memory *mem, const char *hostname, uint64_t now)
{
	mark_add(mem, hostname, AZ_MARK_ADD_REFUSED, now);
}

/* hostname has been a candidate of kind: for the grace period yet? */
static int candidate(struct az_memory *mem, const char *name, enum az_mark_kind kind,
		     uint64_t grace, uint64_t now)
{
	struct az_mark *m = mark_add(mem, name, kind, now);

	if (!m)
		return 0;
	m->seen = 1;
	return now - m->since_ns >= grace;
}

struct plan {
	struct az_action *out;
	size_t n, max;
};

static struct az_action *act(struct plan *pl, enum az_kind kind, const char *hostname,
			     const char *why)
{
	struct az_action *a;

	if (pl->n >= pl->max)
		return NULL;
	a = &pl->out[pl->n++];
	memset(a, 0, sizeof(*a));
	a->kind = kind;
	snprintf(a->hostname, sizeof(a->hostname), "%s", hostname ? hostname : "");
	a->why = why;
	return a;
}

/* vigil's hosts that belong in the segment and are not there: those with a
 * notification to go first (urgent), then the others. */
static void plan_adds(const struct az_params *p, const struct fsm *f, const struct az_view *v,
		      const struct az_memory *mem, struct plan *pl, int urgent)
{
	for (size_t i = 0; i < f->nhosts; i++) {
		const struct fsm_host *h = &f->hosts[i];
		struct az_action *a;

		if (h->state == FSM_LEFT || !h->hostname[0] || az_seg_find(v, h->hostname) ||
		    !agg_allows(p, v, h->hostname) || unsent(f, h->id) != urgent ||
		    mark_find(mem, h->hostname, AZ_MARK_ADD_REFUSED))
			continue;
		a = act(pl, AZ_HOST_ADD, h->hostname, urgent ? "notification_waits" : "vigil_host");
		if (!a)
			return;
		a->host_id = h->id;
		a->on = h->state == FSM_MAINTENANCE;
	}
}

/* Maintenance, both ways: the side that changed since the last agreement. */
static void plan_maintenance(const struct fsm *f, const struct az_view *v, struct plan *pl)
{
	for (size_t i = 0; i < f->nhosts; i++) {
		const struct fsm_host *h = &f->hosts[i];
		const struct az_seg_host *sh;
		int mine, theirs;
		struct az_action *a;

		if (h->state == FSM_LEFT || !(sh = az_seg_find(v, h->hostname)))
			continue;
		mine = h->state == FSM_MAINTENANCE;
		theirs = sh->on_maintenance;
		if (mine == theirs && h->mk_maint == mine)
			continue;
		if (mine == theirs) {
			a = act(pl, AZ_VIGIL_MAINT, h->hostname, "agreed");
		} else if (theirs == h->mk_maint) {
			a = act(pl, AZ_HOST_MAINT, h->hostname, "vigil_changed");
			if (a)
				snprintf(a->uuid, sizeof(a->uuid), "%s", sh->uuid);
		} else {
			a = act(pl, AZ_VIGIL_MAINT, h->hostname, "masakari_changed");
			if (a)
				a->pull = 1;
		}
		if (!a)
			return;
		a->host_id = h->id;
		a->on = a->kind == AZ_HOST_MAINT ? mine : theirs;
	}
}

/* Segment hosts on their way out, removed after the grace period. */
static void plan_removals(const struct az_params *p, const struct fsm *f, const struct az_view *v,
			  struct az_memory *mem, uint64_t now, struct plan *pl)
{
	for (size_t i = 0; i < v->nseg; i++) {
		const struct az_seg_host *sh = &v->seg[i];
		const struct fsm_host *h = host_by_hostname(f, sh->name);
		const char *why = NULL;
		struct az_action *a;

		if (h && (h->failed || unsent(f, h->id)))
			continue; /* never while a recovery may need it */
		if (p->use_aggregate && !agg_usable(p, v))
			continue; /* who is in the zone is not known this round */
		if (agg_usable(p, v) && !az_in_aggregate(v, sh->name))
			why = "not_in_aggregate";
		else if (!h && !p->use_aggregate)
			why = "not_in_vigil";
		else if (h && h->state == FSM_LEFT && !p->use_aggregate)
			why = "left";
		if (!why || !candidate(mem, sh->name, AZ_MARK_SEG_REMOVE, p->grace_ns, now))
			continue;
		a = act(pl, AZ_HOST_REMOVE, sh->name, why);
		if (!a)
			return;
		snprintf(a->uuid, sizeof(a->uuid), "%s", sh->uuid);
	}
}

/* vigil's hosts out of the aggregate whose agent stopped: forgotten after
 * the grace period. */
static void plan_forgets(const struct az_params *p, const struct fsm *f, const struct az_view *v,
			 struct az_memory *mem, uint64_t now, struct plan *pl)
{
	if (!agg_usable(p, v))
		return;
	for (size_t i = 0; i < f->nhosts; i++) {
		const struct fsm_host *h = &f->hosts[i];
		struct az_action *a;

		if (az_in_aggregate(v, h->hostname) || h->failed || unsent(f, h->id) ||
		    (p->reporting && p->reporting(p->ctx, h->id)) ||
		    !candidate(mem, h->hostname, AZ_MARK_FORGET, p->grace_ns, now))
			continue;
		a = act(pl, AZ_VIGIL_FORGET, h->hostname, "removed_from_aggregate");
		if (!a)
			return;
		a->host_id = h->id;
	}
}

size_t az_plan(const struct az_params *p, const struct fsm *f, const struct az_view *v,
	       struct az_memory *mem, uint64_t now, struct az_action *out, size_t n)
{
	struct plan pl = {out, 0, n < p->max_actions ? n : p->max_actions};
	size_t k;

	for (k = 0; k < mem->n; k++)
		mem->m[k].seen = 0;
	if (v->seg_read && !v->seg_uuid[0]) {
		if (p->create_segment)
			act(&pl, AZ_SEG_CREATE, NULL, "missing");
	} else if (v->seg_read) {
		if (p->create_segment && strcmp(v->seg_method, p->recovery_method))
			act(&pl, AZ_SEG_METHOD, NULL, "method_differs");
		plan_adds(p, f, v, mem, &pl, 1);
		plan_maintenance(f, v, &pl);
		plan_adds(p, f, v, mem, &pl, 0);
		plan_removals(p, f, v, mem, now, &pl);
	}
	plan_forgets(p, f, v, mem, now, &pl);
	/* A candidate no longer is: its grace period starts over next time. A
	 * refused add is forgotten once the host is in the segment. */
	for (k = 0; k < mem->n;) {
		struct az_mark *m = &mem->m[k];
		int keep = m->kind == AZ_MARK_ADD_REFUSED ? !az_seg_find(v, m->hostname) : m->seen;

		if (keep || (m->kind != AZ_MARK_ADD_REFUSED && pl.n >= pl.max))
			k++; /* (a round cut short did not look at every candidate) */
		else
			*m = mem->m[--mem->n];
	}
	return pl.n;
}

int az_waits(const struct az_params *p, const struct az_view *v, const struct az_memory *mem,
	     const char *hostname)
{
	return v->seg_read && v->seg_uuid[0] && !az_seg_find(v, hostname) &&
	       agg_allows(p, v, hostname) && !mark_find(mem, hostname, AZ_MARK_ADD_REFUSED);
}

static struct az_row *row_add(struct az_row **rows, size_t *n, const char *hostname)
{
	struct az_row *r = realloc(*rows, (*n + 1) * sizeof(*r));

	if (!r)
		return NULL;
	*rows = r;
	r = &r[(*n)++];
	memset(r, 0, sizeof(*r));
	snprintf(r->hostname, sizeof(r->hostname), "%s", hostname);
	return r;
}

static int row_has(const struct az_row *rows, size_t n, const char *hostname)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(rows[i].hostname, hostname))
			return 1;
	return 0;
}

long az_rows(const struct az_params *p, const struct fsm *f, const struct az_view *v,
	     struct az_row **rows)
{
	size_t n = 0, i;
	struct az_row *r;

	*rows = NULL;
	for (i = 0; i < f->nhosts; i++)
		if (!row_has(*rows, n, f->hosts[i].hostname) &&
		    !row_add(rows, &n, f->hosts[i].hostname))
			goto fail;
	for (i = 0; v->seg_read && i < v->nseg; i++)
		if (!row_has(*rows, n, v->seg[i].name) && !row_add(rows, &n, v->seg[i].name))
			goto fail;
	for (i = 0; agg_usable(p, v) && i < v->nagg; i++)
		if (!row_has(*rows, n, v->agg[i]) && !row_add(rows, &n, v->agg[i]))
			goto fail;
	for (i = 0; i < n; i++) {
		const struct az_seg_host *sh = az_seg_find(v, (r = &(*rows)[i])->hostname);
		const struct fsm_host *h = host_by_hostname(f, r->hostname);
		int in_vigil = h && h->state != FSM_LEFT;

		r->state = h ? (int)h->state : -1;
		r->in_segment = v->seg_read && v->seg_uuid[0] ? sh != NULL : -1;
		r->seg_maint = sh && sh->on_maintenance;
		r->in_aggregate = agg_usable(p, v) ? az_in_aggregate(v, r->hostname) : -1;
		if (r->in_aggregate == 1 && !in_vigil)
			r->findings |= 1u << AZ_UNPROTECTED;
		if (r->in_aggregate == 0 && in_vigil)
			r->findings |= 1u << AZ_NOT_IN_AGGREGATE;
		if (r->in_segment == 0 && in_vigil)
			r->findings |= 1u << AZ_NOT_IN_SEGMENT;
		if (r->in_segment == 1 && !in_vigil)
			r->findings |= 1u << AZ_NOT_IN_VIGIL;
		if (h && h->state == FSM_MAINTENANCE && h->maint_masakari)
			r->findings |= 1u << AZ_NEEDS_OPERATOR;
	}
	return (long)n;
fail:
	free(*rows);
	*rows = NULL;
	return -1;
}
