// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* status.c - the member table and the status document, as JSON. */
#include <net/if.h>
#include <string.h>

#include <jansson.h>

#include "loader.h"
#include "outbox.h"
#include "raft_auth.h"
#include "status.h"
#include "util.h"
#include "voters.h"

const char *status_state_label(const struct member *mb)
{
	if (mb->state == MEMB_ALIVE && mb->agent_stalled)
		return "alive (agent stalled)";
	if (mb->state == MEMB_SUSPECT && mb->agent_stalled)
		return "suspect (agent stalled)";
	return memb_state_name(mb->state);
}

/* This host's own row: alive, and cut off from its zone if it is. */
static const char *self_label(const struct agent_view *v)
{
	switch (v->isolator ? v->isolator->iso.state : ISO_CONNECTED) {
	case ISO_LOST:
		return "alive (cut off)";
	case ISO_ISOLATED:
		return "alive (isolated)";
	case ISO_VMS_STOPPED:
		return "alive (vms-stopped)";
	default:
		return "alive";
	}
}

static const char *role_name(int role)
{
	return role == VIGIL_ROLE_SERVER ? "server" : "client";
}

static char *dump(json_t *j)
{
	char *s = json_dumps(j, JSON_COMPACT);

	json_decref(j);
	return s;
}

static json_t *member_json(const struct agent_view *v, const struct member *mb, int self)
{
	char addr[80];
	uint64_t t = now_mono_ns();

	addr_format((const struct sockaddr *)&mb->addr, addr, sizeof(addr));
	return json_pack("{s:s, s:I, s:s, s:s, s:I, s:s, s:b, s:f, s:f, s:f, s:I}", "name",
			 mb->name, "id", (json_int_t)mb->id, "address", addr, "state",
			 self ? self_label(v) : status_state_label(mb), "incarnation",
			 (json_int_t)(self ? v->memb->self.incarnation : mb->incarnation), "role",
			 role_name(mb->role), "agent_stalled", mb->agent_stalled, "last_ack_age_ms",
			 self || !mb->last_ack_ns ? -1.0 : (double)(t - mb->last_ack_ns) / 1e6,
			 "srtt_ms", (double)mb->srtt_ns / 1e6, "jitter_ms",
			 (double)mb->jitter_ns / 1e6, "heartbeat",
			 (json_int_t)(self ? v->heartbeat : mb->heartbeat));
}

const char *status_storage_label(const struct agent_view *v, const char *node)
{
	const struct shb_tracker *t = storage_hb_tracker(v->shb);

	return t ? fence_evidence_name(shb_evidence(t, node, now_mono_ns())) : NULL;
}

/* A member's storage heartbeat (servers), and this host's own isolation. */
static void member_isolation(const struct agent_view *v, json_t *j, const struct member *mb,
			     int self)
{
	const char *label = status_storage_label(v, mb->name);

	if (label)
		json_object_set_new(j, "storage", json_string(label));
	if (self && v->isolator)
		json_object_set_new(j, "isolation",
				    json_string(iso_state_name(v->isolator->iso.state)));
}

char *status_members_json(const struct agent_view *v)
{
	json_t *arr = json_array();

	json_array_append_new(arr, member_json(v, &v->memb->self, 1));
	member_isolation(v, json_array_get(arr, 0), &v->memb->self, 1);
	for (size_t i = 0; i < v->memb->n; i++) {
		json_array_append_new(arr, member_json(v, v->memb->members[i], 0));
		member_isolation(v, json_array_get(arr, i + 1), v->memb->members[i], 0);
	}
	return dump(arr);
}

/* This host's isolation: the machine, the watchdog, the storage heartbeat. */
static json_t *isolation_json(const struct agent_view *v)
{
	const struct isolator *is = v->isolator;
	const struct isolation_config *c = &v->cfg->isolation;
	const struct iso *m = &is->iso;
	uint64_t now = now_mono_ns();
	struct storage_hb_view hv;
	json_t *j;

	j = json_pack("{s:s, s:I, s:I, s:I, s:s, s:b, s:I, s:I, s:I}", "state",
		      iso_state_name(m->state), "reached", (json_int_t)m->reached, "zone",
		      (json_int_t)m->zone, "timeout_ms", (json_int_t)c->timeout_ms, "response",
		      iso_response_name(c->response), "response_running", m->running, "cut_off_ms",
		      (json_int_t)(iso_cut_off(m) ? (now - m->lost_ns) / NSEC_PER_MSEC : 0),
		      "isolations", (json_int_t)m->isolations, "responses_failed",
		      (json_int_t)m->responses_failed);
	if (is->wd.device[0])
		json_object_set_new(j, "watchdog",
				    json_pack("{s:s, s:s, s:b, s:I, s:I, s:I}", "device",
					      is->wd.device, "identity", is->wd.identity, "feeding",
					      is->wd.feeding, "timeout_ms",
					      (json_int_t)is->wd.timeout_ms, "feeds",
					      (json_int_t)is->wd.feeds, "feed_errors",
					      (json_int_t)is->wd.feed_errors));
	if (v->shb) {
		storage_hb_view(v->shb, &hv);
		json_object_set_new(
			j, "storage",
			json_pack("{s:s, s:b, s:s, s:f, s:I, s:I, s:s, s:f}", "dir", hv.dir,
				  "healthy", hv.healthy, "state", hv.state, "last_write_age_ms",
				  hv.last_write_ns ? (double)(now - hv.last_write_ns) / 1e6 : -1.0,
				  "writes", (json_int_t)hv.writes_ok, "write_failures",
				  (json_int_t)hv.writes_failed, "error",
				  hv.error ? strerror(hv.error) : "", "io_stuck_ms",
				  (double)hv.io_stuck_ns / 1e6));
	}
	return j;
}

/* The storage heartbeat of every decided host, as this server reads it. */
static json_t *storage_hosts_json(const struct fsm *f, const struct shb_tracker *t)
{
	uint64_t now = now_mono_ns();
	json_t *arr = json_array();

	for (size_t i = 0; i < f->nhosts; i++) {
		const struct fsm_host *h = &f->hosts[i];
		const struct shb_host *sh = shb_tracker_host(t, h->name);

		json_array_append_new(
			arr,
			json_pack("{s:s, s:s, s:s, s:I, s:s, s:f}", "name", h->name, "evidence",
				  fence_evidence_name(shb_evidence(t, h->name, now)), "state",
				  sh ? sh->rec.state : "", "counter",
				  (json_int_t)(sh ? sh->rec.counter : 0), "boot_id",
				  sh ? sh->rec.boot_id : "", "unchanged_ms",
				  sh && sh->changed_ns ? (double)(now - sh->changed_ns) / 1e6
						       : -1.0));
	}
	return arr;
}

static const char *raft_role_name(int st)
{
	switch (st) {
	case RAFT_FOLLOWER:
		return "follower";
	case RAFT_CANDIDATE:
		return "candidate";
	case RAFT_LEADER:
		return "leader";
	}
	return "unavailable";
}

/* A CLOCK_REALTIME time for people and scripts: UTC, microseconds, as
 * Masakari's generated_time ("" for none). */
static json_t *utc_json(uint64_t realtime_ns)
{
	char t[40] = "";

	if (realtime_ns)
		utc_format(realtime_ns, 6, 1, t, sizeof(t));
	return json_string(t);
}

/* An outbox entry's fencing: the replicated state, and this leader's
 * calls and last failure (a follower shows the first failure recorded). */
static void fence_json(json_t *e, const struct fencer *fz, const struct fsm_outbox *o)
{
	const struct fence_attempt *fa = fence_attempt(&fz->stage, o->id);

	json_object_set_new(e, "fence", json_string(fsm_fence_name(o->fence)));
	json_object_set_new(e, "power_off_confirmed", json_boolean(o->power_off_confirmed));
	json_object_set_new(e, "fence_calls", json_integer(fa ? (json_int_t)fa->calls : 0));
	json_object_set_new(e, "fence_error",
			    json_string(fa && fa->rounds_failed && o->fence == FSM_FENCE_FAILED
						? fa->message
						: o->fence_error));
	json_object_set_new(e, "fence_mode", json_string(o->fence_mode));
	json_object_set_new(e, "fenced_by", json_string(o->fenced_by));
	json_object_set_new(e, "fence_hold",
			    json_string(fa && fa->held && fsm_fence_needed(o) ? fa->message : ""));
}

/* 1, 0, or null (not known). */
static json_t *tristate(int v)
{
	return v < 0 ? json_null() : json_boolean(v);
}

/* The zone kept in sync: configuration, and the leader's last read. */
static json_t *zone_json(const struct reconciler *rc)
{
	json_t *z =
		json_pack("{s:b, s:s, s:s, s:b, s:o, s:s}", "enabled", rc->cfg->enabled, "segment",
			  rc->segment, "aggregate", rc->cfg->aggregate, "leader", rc->leader,
			  "last_read", utc_json(rc->leader ? rc->last_round_real : 0), "error",
			  rc->leader ? rc->error : "");
	json_t *hosts = json_array();

	for (size_t i = 0; i < rc->nrows; i++) {
		const struct az_row *r = &rc->rows[i];
		json_t *fs = json_array();

		for (int k = 0; k < AZ_FINDINGS; k++)
			if (r->findings & (1u << k))
				json_array_append_new(
					fs, json_string(az_finding_name((enum az_finding)k)));
		json_array_append_new(
			hosts,
			json_pack("{s:s, s:s, s:o, s:b, s:o, s:o}", "hostname", r->hostname,
				  "vigil",
				  r->state < 0 ? ""
					       : fsm_host_state_name((enum fsm_host_state)r->state),
				  "in_segment", tristate(r->in_segment), "on_maintenance",
				  r->seg_maint, "in_aggregate", tristate(r->in_aggregate),
				  "findings", fs));
	}
	json_object_set_new(z, "hosts", hosts);
	return z;
}

/* This leader's attempts at the latest notification about host id (NULL if
 * none, or not the leader): Masakari's last answer about the host, its own
 * on_maintenance flag included (NOTIFY_ON_MAINTENANCE). */
static const struct outbox_attempt *masakari_answer(const struct server_view *sv, uint32_t id)
{
	const struct fsm_outbox *last = NULL;
	const struct outbox_attempt *at;

	for (size_t i = 0; i < sv->fsm->noutbox; i++)
		if (sv->fsm->outbox[i].host_id == id && (!last || sv->fsm->outbox[i].id > last->id))
			last = &sv->fsm->outbox[i];
	at = last ? outbox_attempt(sv->outbox, last->id) : NULL;
	return at && at->tries ? at : NULL;
}

/* The Raft state, the decided hosts, the audit list and the outbox of a
 * server. */
static void server_json(json_t *st, struct server *s, const struct memb *m)
{
	struct server_view sv;
	json_t *r, *hosts, *ob, *conf, *refused, *audit;
	const char *laddr = NULL, *lname = "";
	raft_id lid = 0;

	server_view(s, &sv);
	raft_leader(sv.raft, &lid, &laddr);
	r = json_pack("{s:s, s:I, s:I, s:s, s:I, s:I, s:I}", "role",
		      raft_role_name(raft_state(sv.raft)), "term",
		      (json_int_t)sv.raft->current_term, "leader_id", (json_int_t)lid,
		      "leader_address", laddr ? laddr : "", "commit_index",
		      (json_int_t)sv.raft->commit_index, "last_applied",
		      (json_int_t)raft_last_applied(sv.raft), "voters",
		      (json_int_t)voters_count(&sv.raft->configuration));
	conf = json_array();
	for (unsigned i = 0; i < sv.raft->configuration.n; i++) {
		const struct raft_server *rs = &sv.raft->configuration.servers[i];

		const struct member *mb =
			rs->id == m->self.id ? &m->self : memb_find(m, (uint32_t)rs->id);
		const struct fsm_host *h = fsm_host(sv.fsm, (uint32_t)rs->id);
		const char *name = mb ? mb->name : h ? h->name : "";

		if (rs->id == lid)
			lname = name;

		/* name and membership state as this server sees them (the
		 * decided state names one it has not heard of since it started;
		 * "unknown": not heard of) */
		json_array_append_new(conf, json_pack("{s:I, s:s, s:s, s:s, s:s, s:b}", "id",
						      (json_int_t)rs->id, "name", name, "address",
						      rs->address, "role",
						      rs->role == RAFT_VOTER	 ? "voter"
						      : rs->role == RAFT_STANDBY ? "standby"
										 : "spare",
						      "state",
						      mb == &m->self ? "alive"
						      : mb	     ? memb_state_name(mb->state)
								     : "unknown",
						      "leader", rs->id == lid));
	}
	json_object_set_new(r, "leader", json_string(lname));
	json_object_set_new(r, "configuration", conf);
	refused = json_object();
	for (int i = RAFT_AUTH_OK + 1; i < RAFT_AUTH_REFUSALS; i++)
		json_object_set_new(refused, raft_auth_refusal_name((enum raft_auth_refusal)i),
				    json_integer((json_int_t)sv.raft_refused[i]));
	json_object_set_new(r, "connections_refused", refused);
	json_object_set_new(st, "raft", r);
	hosts = json_array();
	for (size_t i = 0; i < sv.fsm->nhosts; i++) {
		const struct fsm_host *h = &sv.fsm->hosts[i];
		const struct outbox_attempt *at = masakari_answer(&sv, h->id);

		json_array_append_new(
			hosts,
			json_pack("{s:s, s:s, s:s, s:b, s:o, s:s, s:s, s:o, s:s, s:b, s:b}", "name",
				  h->name, "hostname", h->hostname, "state",
				  fsm_host_state_name(h->state), "failed", h->failed, "failed_at",
				  utc_json(h->failed ? h->failed_at : 0), "maint_by", h->maint_by,
				  "maint_reason", h->maint_reason, "maint_at",
				  utc_json(h->maint_at), "masakari",
				  at ? notify_result_name(at->last) : "", "masakari_on_maintenance",
				  at && at->last == NOTIFY_ON_MAINTENANCE, "needs_operator",
				  h->state == FSM_MAINTENANCE && h->maint_masakari));
	}
	json_object_set_new(st, "hosts", hosts);
	json_object_set_new(st, "reconcile", zone_json(sv.reconciler));
	audit = json_array();
	for (size_t i = 0; i < sv.fsm->naudit; i++) {
		const struct fsm_audit *a = &sv.fsm->audit[i];

		json_array_append_new(
			audit, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:o}", "action", a->action,
					 "host", a->host, "hostname", a->hostname, "was", a->was,
					 "by", a->by, "reason", a->reason, "at", utc_json(a->at)));
	}
	json_object_set_new(st, "audit", audit);
	ob = json_array();
	for (size_t i = 0; i < sv.fsm->noutbox; i++) {
		const struct fsm_outbox *o = &sv.fsm->outbox[i];
		const struct outbox_attempt *at = outbox_attempt(sv.outbox, o->id);
		int failed = at && at->tries && !notify_delivered(at->last);

		json_array_append_new(
			ob, json_pack("{s:I, s:s, s:s, s:s, s:s, s:I, s:s, s:s, s:o}", "id",
				      (json_int_t)o->id, "hostname", o->hostname, "event",
				      o->stopped ? "STOPPED" : "STARTED", "status",
				      fsm_outbox_status_name(o->status), "uuid", o->uuid, "tries",
				      (json_int_t)(at ? at->tries : 0), "last_error",
				      failed ? at->message : "", "last_result",
				      at && at->tries ? notify_result_name(at->last) : "",
				      "generated_at", utc_json(o->generated_at)));
		fence_json(json_array_get(ob, i), sv.fencer, o);
	}
	json_object_set_new(st, "outbox", ob);
	json_object_set_new(st, "fencing",
			    json_pack("{s:s, s:b}", "mode", fence_mode_name(sv.fencer->cfg->mode),
				      "nova_force_down", sv.fencer->cfg->nova_force_down));
	if (sv.storage)
		json_object_set_new(st, "storage_hosts", storage_hosts_json(sv.fsm, sv.storage));
}

/* Is the pinned XDP link still on the interface? Deleting and re-creating
 * the interface (a network restart re-creating a bond or VLAN) or `vigil
 * xdp detach` leaves the agent running while no probe is answered. */
static int xdp_attached(const struct vigil_config *c)
{
	int ifindex = loader_link_ifindex(c->pin_dir);

	return ifindex > 0 && (unsigned)ifindex == if_nametoindex(c->interface);
}

char *status_json(const struct agent_view *v)
{
	const struct vigil_config *c = v->cfg;
	const struct memb *m = v->memb;
	json_t *st;

	st = json_pack(
		"{s:s, s:I, s:s, s:s, s:I, s:I, s:{s:I, s:I, s:I, s:I}, s:I, s:f, s:f}", "node",
		c->node_name, "node_id", (json_int_t)c->node_id, "cluster", c->cluster, "role",
		role_name(c->role), "incarnation", (json_int_t)m->self.incarnation, "heartbeat",
		(json_int_t)v->heartbeat, "members", "alive", (json_int_t)memb_count(m, MEMB_ALIVE),
		"suspect", (json_int_t)memb_count(m, MEMB_SUSPECT), "dead",
		(json_int_t)memb_count(m, MEMB_DEAD), "left", (json_int_t)memb_count(m, MEMB_LEFT),
		"local_health", (json_int_t)m->local_health, "uptime_s",
		(double)(now_mono_ns() - v->started_ns) / 1e9, "max_loop_lag_ms",
		(double)v->max_loop_lag_ns / 1e6);
	json_object_set_new(st, "cluster_id", json_integer((json_int_t)c->cluster_id));
	json_object_set_new(st, "pushpull_exchanges",
			    json_integer((json_int_t)v->pushpull_exchanges));
	json_object_set_new(st, "xdp_mode", json_string(xdp_mode_name(v->xdp_mode)));
	json_object_set_new(st, "bad_messages", json_integer((json_int_t)m->stats.bad_msgs));
	json_object_set_new(st, "hypervisor_hostname", json_string(c->hypervisor_hostname));
	json_object_set_new(st, "wait_period_ms", json_integer(c->verdict.wait_period_ms));
	json_object_set_new(st, "xdp_attached", json_boolean(xdp_attached(c)));
	if (v->isolator)
		json_object_set_new(st, "isolation", isolation_json(v));
	if (v->server)
		server_json(st, v->server, m);
	else
		json_object_set_new(st, "raft", json_pack("{s:s}", "role", "client"));
	return dump(st);
}
