// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * metrics.c - Prometheus text exposition (version 0.0.4) of the agent, its
 * Raft server and the XDP program: rendered in the event loop, when a
 * scrape asks for it, from the member table, the replicated state and the
 * BPF maps. Its size does not grow with the cluster unless
 * metrics_per_peer asks for the peers one by one. Every metric is written
 * through prom.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctrsum.h"
#include "fence.h"
#include "metrics.h"
#include "outbox.h"
#include "prom.h"
#include "raft_auth.h"
#include "replay.h"
#include "util.h"

/* XDP counters: which vigil_stats field feeds which metric and label. */
struct xdp_metric {
	const char *field;
	const char *metric;
	const char *reason;
};

static const struct xdp_metric xdp_metrics[] = {
	{"rx_ping", "vigil_xdp_pings_received_total", NULL},
	{"tx_ack", "vigil_xdp_acks_sent_total", NULL},
	{"rx_ack", "vigil_acks_received_total", NULL},
	{"pass_other", "vigil_xdp_passed_total", NULL},
	{"drop_truncated", "vigil_xdp_drops_total", "truncated"},
	{"drop_bad_version", "vigil_xdp_drops_total", "bad_version"},
	{"drop_bad_length", "vigil_xdp_drops_total", "bad_length"},
	{"drop_wrong_cluster", "vigil_xdp_drops_total", "wrong_cluster"},
	{"drop_bad_mac", "vigil_xdp_drops_total", "bad_mac"},
	{"drop_wrong_target", "vigil_xdp_drops_total", "wrong_target"},
	{"drop_rate_limited", "vigil_xdp_drops_total", "rate_limited"},
	{"drop_stale_ack", "vigil_xdp_drops_total", "stale_ack"},
	{"drop_unknown_peer", "vigil_xdp_drops_total", "unknown_peer"},
	{"drop_no_key", "vigil_xdp_drops_total", "no_key"},
	{"drop_replayed_ping", "vigil_xdp_drops_total", "replayed_ping"},
};

static void xdp_section(FILE *f, const struct vigil_maps *maps)
{
	struct vigil_stats st;
	const __u64 *v = (const __u64 *)&st;

	if (maps_stats_sum(maps, &st))
		return;
	prom_family(f, "vigil_xdp_pings_received_total", "counter",
		    "Signed PINGs addressed to this node: answered, replayed or over budget.");
	prom_family(f, "vigil_xdp_acks_sent_total", "counter", "ACKs sent in-kernel with XDP_TX.");
	prom_family(f, "vigil_acks_received_total", "counter",
		    "Valid ACKs to this node's probes, recorded in-kernel.");
	prom_family(f, "vigil_xdp_passed_total", "counter",
		    "vigil messages passed up to the agent (gossip, joins, relays).");
	prom_family(f, "vigil_xdp_drops_total", "counter",
		    "vigil packets dropped by the XDP program, by reason.");
	for (size_t i = 0; i < ARRAY_SIZE(xdp_metrics); i++) {
		size_t idx = 0;

		while (idx < VIGIL_STATS_FIELDS &&
		       strcmp(maps_stats_names[idx], xdp_metrics[i].field))
			idx++;
		if (idx == VIGIL_STATS_FIELDS)
			continue;
		if (xdp_metrics[i].reason)
			prom_sample(f, xdp_metrics[i].metric, (double)v[idx], "reason",
				    xdp_metrics[i].reason, NULL);
		else
			prom_sample(f, xdp_metrics[i].metric, (double)v[idx], NULL);
	}
}

/* Bucket b of the kernel's histogram holds RTTs below 2^(b+1) ns; those
 * below 1 µs are folded into the first bucket shown. */
#define RTT_FIRST_BUCKET 9
/* What the RTT totals sum per peer: ACKs, the RTTs' sum (ns), the buckets. */
#define RTT_ACKS  0
#define RTT_SUM	  1
#define RTT_HIST  2
#define RTT_WIDTH (RTT_HIST + VIGIL_RTT_BUCKETS)

/* The samples of RTT histogram name (counts v, laid out as RTT_*), of one
 * peer, or of all peers if peer is NULL. */
static void rtt_samples(FILE *f, const char *name, const uint64_t *v, const char *peer)
{
	char sample[64], le[32];
	uint64_t cum = 0;

	snprintf(sample, sizeof(sample), "%s_bucket", name);
	for (int b = 0; b < VIGIL_RTT_BUCKETS; b++) {
		cum += v[RTT_HIST + b];
		if (b < RTT_FIRST_BUCKET)
			continue;
		snprintf(le, sizeof(le), "%.9g", (double)(1ULL << (b + 1)) / 1e9);
		if (peer)
			prom_sample(f, sample, (double)cum, "peer", peer, "le", le, NULL);
		else
			prom_sample(f, sample, (double)cum, "le", le, NULL);
	}
	if (peer)
		prom_sample(f, sample, (double)v[RTT_ACKS], "peer", peer, "le", "+Inf", NULL);
	else
		prom_sample(f, sample, (double)v[RTT_ACKS], "le", "+Inf", NULL);
	snprintf(sample, sizeof(sample), "%s_sum", name);
	prom_sample(f, sample, (double)v[RTT_SUM] / 1e9, peer ? "peer" : NULL, peer, NULL);
	snprintf(sample, sizeof(sample), "%s_count", name);
	prom_sample(f, sample, (double)v[RTT_ACKS], peer ? "peer" : NULL, peer, NULL);
}

static int peer_live(const struct member *mb)
{
	return mb->state == MEMB_ALIVE || mb->state == MEMB_SUSPECT;
}

/* One series set per peer (metrics_per_peer): about 31 series each. */
static void peer_gauges(FILE *f, const struct memb *m, uint64_t now)
{
	static const struct {
		const char *name, *help;
	} gauges[] = {
		{"vigil_peer_srtt_seconds", "Smoothed RTT to each peer (RFC 6298, in-kernel)."},
		{"vigil_peer_jitter_seconds", "RTT mean deviation to each peer (in-kernel)."},
		{"vigil_peer_last_ack_age_seconds", "Time since each peer's kernel last answered."},
		{"vigil_peer_up", "1 if the peer is alive or suspect, 0 if dead or left."},
		{"vigil_peer_agent_stalled",
		 "1 if the peer's kernel answers but its agent stalled."},
	};

	for (size_t g = 0; g < ARRAY_SIZE(gauges); g++) {
		prom_family(f, gauges[g].name, "gauge", gauges[g].help);
		for (size_t i = 0; i < m->n; i++) {
			const struct member *mb = m->members[i];
			double v;

			switch (g) {
			case 0:
				v = (double)mb->srtt_ns / 1e9;
				break;
			case 1:
				v = (double)mb->jitter_ns / 1e9;
				break;
			case 2:
				if (!mb->last_ack_ns)
					continue;
				v = now > mb->last_ack_ns ? (double)(now - mb->last_ack_ns) / 1e9
							  : 0;
				break;
			case 3:
				v = peer_live(mb);
				break;
			default:
				v = mb->agent_stalled;
			}
			prom_sample(f, gauges[g].name, v, "peer", mb->name, NULL);
		}
	}
}

/* The peers: aggregates over all of them, whatever their number, and with
 * per_peer a series set for each. */
static void peer_section(FILE *f, struct metrics *mx, const struct memb *m,
			 const struct vigil_maps *maps, int per_peer)
{
	uint64_t now = now_mono_ns(), rtt[RTT_WIDTH];
	uint64_t stalled = 0, srtt_max = 0, age_max = 0;

	if (per_peer)
		prom_family(f, "vigil_peer_rtt_seconds", "histogram",
			    "Round-trip time of probes to each peer, measured in-kernel (log2 "
			    "buckets).");
	for (size_t i = 0; i < m->n; i++) {
		const struct member *mb = m->members[i];
		struct vigil_peer p;

		if (peer_live(mb)) {
			stalled += mb->agent_stalled != 0;
			if (mb->srtt_ns > srtt_max)
				srtt_max = mb->srtt_ns;
			if (mb->last_ack_ns && now > mb->last_ack_ns &&
			    now - mb->last_ack_ns > age_max)
				age_max = now - mb->last_ack_ns;
		}
		if (maps_peer_get(maps, mb->id, VIGIL_CHAN_AGENT, &p))
			continue;
		rtt[RTT_ACKS] = p.acks;
		rtt[RTT_SUM] = p.rtt_sum_ns;
		memcpy(rtt + RTT_HIST, p.rtt_hist, sizeof(p.rtt_hist));
		ctrsum_part(&mx->rtt, mb->id, rtt);
		if (per_peer)
			rtt_samples(f, "vigil_peer_rtt_seconds", rtt, mb->name);
	}
	ctrsum_end(&mx->rtt);
	prom_family(f, "vigil_rtt_seconds", "histogram",
		    "Round-trip time of this agent's probes to all its peers, measured in-kernel "
		    "(log2 buckets; peers forgotten or restarted never make it go back).");
	rtt_samples(f, "vigil_rtt_seconds", mx->rtt.total, NULL);
	prom_metric(f, "vigil_peers_agent_stalled", "gauge",
		    "Live peers whose kernel answers while their agent stalled.", (double)stalled);
	prom_metric(f, "vigil_peers_srtt_max_seconds", "gauge",
		    "Largest smoothed RTT to a live peer (in-kernel).", (double)srtt_max / 1e9);
	prom_metric(f, "vigil_peers_last_ack_age_max_seconds", "gauge",
		    "Longest time since a live peer's kernel last answered.",
		    (double)age_max / 1e9);
	if (per_peer)
		peer_gauges(f, m, now);
}

/* The hosts as the replicated state decided them: one series per host and
 * state, bounded by the cluster's hosts. */
static void hosts_section(FILE *f, const struct fsm *fsm)
{
	prom_family(f, "vigil_host_state", "gauge",
		    "Each host's state as the servers decided it (replicated through Raft): 1 for "
		    "its state, 0 for the others.");
	for (size_t i = 0; i < fsm->nhosts; i++) {
		const struct fsm_host *h = &fsm->hosts[i];

		for (int st = FSM_MEMBER; st <= FSM_LEFT; st++)
			prom_sample(f, "vigil_host_state", h->state == (enum fsm_host_state)st,
				    "host", h->name, "hostname", h->hostname, "state",
				    fsm_host_state_name((enum fsm_host_state)st), NULL);
	}
}

/* Fencing: hosts waiting for a confirmed power-off by state (failed is the
 * alert), confirmed fences, this leader's fence agent calls by result. */
static void fence_section(FILE *f, const struct server_view *sv)
{
	static const enum fsm_fence states[] = {FSM_FENCE_WAITING, FSM_FENCE_FENCING,
						FSM_FENCE_FAILED};
	const struct fencer *fz = sv->fencer;

	prom_family(f, "vigil_fencing_hosts", "gauge",
		    "STOPPED notifications waiting for their host's power-off, by fencing state "
		    "(failed: the fence agent fails; alert).");
	for (size_t k = 0; k < ARRAY_SIZE(states); k++) {
		size_t n = 0;

		for (size_t i = 0; i < sv->fsm->noutbox; i++)
			n += fsm_fence_needed(&sv->fsm->outbox[i]) &&
			     sv->fsm->outbox[i].fence == states[k];
		prom_sample(f, "vigil_fencing_hosts", (double)n, "state", fsm_fence_name(states[k]),
			    NULL);
	}
	prom_metric(f, "vigil_fences_total", "counter", "Confirmed fences recorded.",
		    (double)sv->fsm->fences);
	prom_family(f, "vigil_fence_attempts_total", "counter",
		    "Fence agent calls by result (this server while leader).");
	for (int r = 0; r < FENCE_RESULTS; r++)
		prom_sample(f, "vigil_fence_attempts_total", (double)fz->stage.calls_by_result[r],
			    "result", fence_result_name((enum fence_result)r), NULL);
	prom_family(f, "vigil_nova_force_down_total", "counter",
		    "Nova force_down calls after a fence, by result (this server while leader).");
	prom_sample(f, "vigil_nova_force_down_total", (double)fz->nova_ok, "result", "done", NULL);
	prom_sample(f, "vigil_nova_force_down_total", (double)fz->nova_failed, "result", "failed",
		    NULL);
}

/* The zone kept in sync (reconcile.*): what the leader found at its last
 * read, per finding and per host with one (bounded by the zone's hosts),
 * and its rounds and changes. Other servers show zeros. */
static void zone_section(FILE *f, const struct reconciler *rc)
{
	static const char *const results[] = {"done", "failed"};

	prom_metric(f, "vigil_reconcile_enabled", "gauge",
		    "1 if this server keeps the zone's Masakari segment in sync while leader.",
		    rc->cfg->enabled);
	prom_family(f, "vigil_zone_hosts", "gauge",
		    "Hosts of the zone with a finding (the leader's last read): unprotected (in "
		    "the aggregate, no vigil agent), not_in_aggregate, not_in_segment, "
		    "needs_operator (maintenance set by Masakari after a recovery), not_in_vigil.");
	for (int k = 0; k < AZ_FINDINGS; k++) {
		size_t n = 0;

		for (size_t i = 0; i < rc->nrows; i++)
			n += !!(rc->rows[i].findings & (1u << k));
		prom_sample(f, "vigil_zone_hosts", (double)n, "finding",
			    az_finding_name((enum az_finding)k), NULL);
	}
	prom_family(f, "vigil_zone_host_finding", "gauge",
		    "1 for each host and finding of the zone (the leader's last read).");
	for (size_t i = 0; i < rc->nrows; i++)
		for (int k = 0; k < AZ_FINDINGS; k++)
			if (rc->rows[i].findings & (1u << k))
				prom_sample(f, "vigil_zone_host_finding", 1, "hostname",
					    rc->rows[i].hostname, "finding",
					    az_finding_name((enum az_finding)k), NULL);
	prom_metric(f, "vigil_reconcile_failing", "gauge",
		    "1 if the leader's last reconciliation round failed (Masakari or Nova "
		    "unreachable, a change refused).",
		    rc->leader && rc->error[0]);
	prom_family(f, "vigil_reconcile_rounds_total", "counter",
		    "Reconciliation rounds by result (this server while leader).");
	prom_sample(f, "vigil_reconcile_rounds_total", (double)rc->rounds_ok, "result", "done",
		    NULL);
	prom_sample(f, "vigil_reconcile_rounds_total", (double)rc->rounds_failed, "result",
		    "failed", NULL);
	prom_family(f, "vigil_reconcile_actions_total", "counter",
		    "Changes made by reconciliation, by action and result (this server while "
		    "leader).");
	for (int k = 0; k <= AZ_VIGIL_FORGET; k++)
		for (int r = 0; r < 2; r++)
			prom_sample(f, "vigil_reconcile_actions_total", (double)rc->actions[k][r],
				    "action", az_kind_name((enum az_kind)k), "result", results[r],
				    NULL);
}

/* This host's isolation, its watchdog and its storage heartbeat. */
static void isolation_section(FILE *f, const struct agent_view *v)
{
	const struct isolator *is = v->isolator;
	const struct iso *m = &is->iso;
	struct storage_hb_view hv;

	prom_metric(f, "vigil_isolated", "gauge",
		    "1 if this host judged itself isolated (no majority of the zone reachable for "
		    "isolation_timeout_ms) and has not reconnected.",
		    m->state == ISO_ISOLATED || m->state == ISO_VMS_STOPPED);
	prom_family(f, "vigil_isolation_state", "gauge",
		    "This host's isolation state: 1 for its state, 0 for the others.");
	for (int st = ISO_CONNECTED; st <= ISO_VMS_STOPPED; st++)
		prom_sample(f, "vigil_isolation_state", m->state == (enum iso_state)st, "state",
			    iso_state_name((enum iso_state)st), NULL);
	prom_metric(f, "vigil_isolation_reachable_hosts", "gauge",
		    "Hosts of the zone this host's own probes reach (itself included).",
		    (double)m->reached);
	prom_metric(f, "vigil_isolation_zone_hosts", "gauge",
		    "Hosts of the zone as this host knows it (itself included; not left).",
		    (double)m->zone);
	prom_metric(f, "vigil_isolations_total", "counter", "Times this host was isolated.",
		    (double)m->isolations);
	prom_metric(f, "vigil_isolation_cancelled_total", "counter",
		    "Losses of the majority that healed before isolation_timeout_ms.",
		    (double)m->cancelled);
	prom_family(f, "vigil_isolation_responses_total", "counter",
		    "Isolation responses (command, virsh-destroy) by result.");
	prom_sample(f, "vigil_isolation_responses_total", (double)m->responses_ok, "result",
		    "vms_stopped", NULL);
	prom_sample(f, "vigil_isolation_responses_total", (double)m->responses_failed, "result",
		    "failed", NULL);
	if (is->wd.device[0]) {
		prom_metric(f, "vigil_watchdog_feeding", "gauge",
			    "1 while the hardware watchdog is fed, 0 while feeding is withheld "
			    "(an isolation response is owed: the host resets at its timeout).",
			    is->wd.feeding);
		prom_metric(f, "vigil_watchdog_feeds_total", "counter",
			    "Writes that fed the hardware watchdog.", (double)is->wd.feeds);
		prom_metric(f, "vigil_watchdog_feed_errors_total", "counter",
			    "Writes to the hardware watchdog that failed.",
			    (double)is->wd.feed_errors);
	}
	if (!v->shb)
		return;
	storage_hb_view(v->shb, &hv);
	prom_metric(f, "vigil_storage_heartbeat_ok", "gauge",
		    "1 while this host's storage heartbeat record is written (and synced) every "
		    "interval; 0: the directory fails or hangs (alert).",
		    hv.healthy);
	prom_family(f, "vigil_storage_heartbeat_writes_total", "counter",
		    "Storage heartbeat records written, by result.");
	prom_sample(f, "vigil_storage_heartbeat_writes_total", (double)hv.writes_ok, "result", "ok",
		    NULL);
	prom_sample(f, "vigil_storage_heartbeat_writes_total", (double)hv.writes_failed, "result",
		    "failed", NULL);
}

/* What the leader reads of the hosts' storage heartbeats, by evidence. */
static void storage_hosts_section(FILE *f, const struct server_view *sv)
{
	static const enum fence_evidence shown[] = {
		FENCE_EV_RUNNING,   FENCE_EV_ISOLATED, FENCE_EV_STOPPED,   FENCE_EV_SILENT,
		FENCE_EV_NO_RECORD, FENCE_EV_UNKNOWN,  FENCE_EV_UNREADABLE};
	uint64_t now = now_mono_ns();

	prom_metric(f, "vigil_fencing_held", "gauge",
		    "STOPPED notifications held because the failed host is alive on the storage "
		    "side (its heartbeat record advances without vms-stopped; alert).",
		    (double)fence_held(&sv->fencer->stage, sv->fsm));
	if (!sv->storage)
		return;
	prom_metric(f, "vigil_storage_records_refused_total", "counter",
		    "Storage heartbeat records this server refused: torn, altered, signed with a "
		    "key it does not hold, or not a record (another zone's are ignored, not "
		    "counted).",
		    (double)sv->storage->bad_records);
	prom_family(f, "vigil_storage_hosts", "gauge",
		    "Decided hosts by what their storage heartbeat says (isolated: alive on the "
		    "storage, cut off from the cluster).");
	for (size_t k = 0; k < ARRAY_SIZE(shown); k++) {
		size_t n = 0;

		for (size_t i = 0; i < sv->fsm->nhosts; i++)
			n += sv->fsm->hosts[i].state != FSM_LEFT &&
			     shb_evidence(sv->storage, sv->fsm->hosts[i].name, now) == shown[k];
		prom_sample(f, "vigil_storage_hosts", (double)n, "state",
			    fence_evidence_name(shown[k]), NULL);
	}
}

static void server_section(FILE *f, struct metrics *mx, struct server *s, int nservers)
{
	struct server_view sv;
	size_t pending = 0, held = 0;
	uint64_t oldest = 0, now = now_real_ns();
	unsigned voters = 0;

	if (s)
		server_view(s, &sv);
	prom_metric(f, "vigil_raft_leader", "gauge", "1 if this server is the Raft leader.",
		    s && raft_state(sv.raft) == RAFT_LEADER);
	if (!s)
		return;
	for (unsigned i = 0; i < sv.raft->configuration.n; i++)
		voters += sv.raft->configuration.servers[i].role == RAFT_VOTER;
	prom_metric(f, "vigil_raft_voters", "gauge",
		    "Voters in the Raft configuration this server knows (the leader's is the "
		    "cluster's).",
		    voters);
	prom_metric(f, "vigil_raft_servers_configured", "gauge",
		    "Servers in this server's configured servers list.", nservers);
	prom_metric(f, "vigil_raft_leader_changes_total", "counter",
		    "Raft leaders this server has seen: a new leader, or one re-elected in a new "
		    "term.",
		    (double)sv.leader_changes);
	prom_family(
		f, "vigil_consensus_messages_refused_total", "counter",
		"Signed REPORT and MAINT messages refused, by reason: replayed, an epoch too far "
		"ahead of this server's clock, too many senders, or malformed.");
	for (int r = REPLAY_REPLAY; r <= REPLAY_FULL; r++)
		prom_sample(f, "vigil_consensus_messages_refused_total", (double)sv.refused[r],
			    "reason", replay_result_name((enum replay_result)r), NULL);
	prom_sample(f, "vigil_consensus_messages_refused_total", (double)sv.malformed, "reason",
		    "malformed", NULL);
	prom_metric(f, "vigil_raft_proposals_failed_total", "counter",
		    "Raft proposals that failed: leadership lost, or the log could not be written "
		    "(a full disk).",
		    (double)sv.proposals_failed);
	prom_family(f, "vigil_raft_connections_refused_total", "counter",
		    "Raft connections refused or cut by the authenticated transport, by reason.");
	for (int r = RAFT_AUTH_OK + 1; r < RAFT_AUTH_REFUSALS; r++)
		prom_sample(f, "vigil_raft_connections_refused_total", (double)sv.raft_refused[r],
			    "reason", raft_auth_refusal_name((enum raft_auth_refusal)r), NULL);
	prom_metric(f, "vigil_raft_term", "gauge", "Current Raft term.",
		    (double)sv.raft->current_term);
	prom_metric(f, "vigil_raft_commit_index", "gauge", "Raft commit index.",
		    (double)sv.raft->commit_index);
	for (size_t i = 0; i < sv.fsm->noutbox; i++) {
		const struct fsm_outbox *o = &sv.fsm->outbox[i];

		if (o->status == OUTBOX_PENDING) {
			pending++;
			if (!oldest || o->generated_at < oldest)
				oldest = o->generated_at;
		}
		held += o->status == OUTBOX_HELD;
	}
	prom_metric(f, "vigil_notifications_pending", "gauge",
		    "Verdicts not yet delivered to Masakari.", (double)pending);
	prom_metric(f, "vigil_notifications_oldest_pending_age_seconds", "gauge",
		    "Age of the oldest notification not yet delivered to Masakari; 0 if none.",
		    oldest && now > oldest ? (double)(now - oldest) / 1e9 : 0);
	prom_metric(f, "vigil_notifications_held", "gauge",
		    "Notifications held: too few healthy hosts would remain (alert).",
		    (double)held);
	prom_metric(f, "vigil_failure_verdicts_total", "counter", "Failure verdicts committed.",
		    (double)sv.fsm->verdicts);
	prom_metric(f, "vigil_verdicts_contradicted", "gauge",
		    "Hosts a majority reports unreachable whose verdict this leader holds: its own "
		    "kernel heard them answer within the wait period (alert).",
		    (double)sv.contradicted);
	prom_metric(f, "vigil_recoveries_held", "gauge",
		    "Failed hosts that report again while another host still reports them "
		    "unreachable: not back in service yet.",
		    (double)sv.recovery_held);
	fence_section(f, &sv);
	storage_hosts_section(f, &sv);
	prom_family(f, "vigil_notifications_sent_total", "counter",
		    "Masakari answers by result (this server while leader).");
	for (int r = 0; r < NOTIFY_RESULTS; r++)
		prom_sample(f, "vigil_notifications_sent_total",
			    (double)sv.outbox->sent_by_result[r], "result",
			    notify_result_name((enum notify_result)r), NULL);
	hosts_section(f, sv.fsm);
	zone_section(f, sv.reconciler);
	prom_family(f, "vigil_leadership_transfers_total", "counter",
		    "Raft leadership this server handed over, by reason (delivery: its "
		    "deliveries to Masakari kept failing).");
	prom_sample(f, "vigil_leadership_transfers_total", (double)sv.outbox->transfers, "reason",
		    "delivery", NULL);
}

int metrics_init(struct metrics *mx)
{
	memset(mx, 0, sizeof(*mx));
	return ctrsum_init(&mx->rtt, RTT_WIDTH);
}

void metrics_free(struct metrics *mx)
{
	ctrsum_free(&mx->rtt);
}

char *metrics_render(struct metrics *mx, const struct agent_view *v)
{
	const struct memb *m = v->memb;
	const struct memb_stats *s = &m->stats;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	char proto[16], abi[16];

	if (!f)
		return NULL;
	snprintf(proto, sizeof(proto), "%d", VIGIL_PROTO_VERSION);
	snprintf(abi, sizeof(abi), "%d", VIGIL_MAP_ABI);
	prom_family(f, "vigil_build_info", "gauge", "vigil version and protocol; always 1.");
	prom_sample(f, "vigil_build_info", 1, "version", VIGIL_VERSION, "protocol", proto,
		    "map_abi", abi, NULL);
	prom_metric(f, "vigil_probes_sent_total", "counter", "Probes (PINGs) this agent sent.",
		    (double)s->probes);
	prom_metric(f, "vigil_probe_failures_total", "counter",
		    "Probes unanswered directly (before indirect probing).",
		    (double)s->probe_fail_direct);
	prom_metric(f, "vigil_indirect_probe_failures_total", "counter",
		    "Members unreachable directly and through relays.",
		    (double)s->probe_fail_indirect);
	prom_metric(f, "vigil_ping_requests_sent_total", "counter", "Indirect probe requests sent.",
		    (double)s->ping_req_sent);
	prom_metric(f, "vigil_ping_requests_served_total", "counter",
		    "Indirect probes done on behalf of other members.", (double)s->ping_req_served);
	prom_metric(f, "vigil_gossip_messages_sent_total", "counter", "Gossip datagrams sent.",
		    (double)s->gossip_sent);
	prom_metric(f, "vigil_messages_received_total", "counter",
		    "Membership datagrams received by the agent.", (double)s->msgs_recv);
	prom_metric(f, "vigil_bad_messages_total", "counter",
		    "Membership messages refused (bad MAC, cluster, format).", (double)s->bad_msgs);
	prom_metric(f, "vigil_suspicions_total", "counter", "Members this node saw become suspect.",
		    (double)s->suspicions);
	prom_metric(f, "vigil_deaths_total", "counter", "Members this node saw declared dead.",
		    (double)s->deaths);
	prom_metric(f, "vigil_refutations_total", "counter",
		    "Suspicions or deaths of this node it refuted.", (double)s->refutations);
	prom_family(
		f, "vigil_membership_refused_total", "counter",
		"Membership claims refused, by reason: an incarnation epoch ahead of our clock, "
		"a new member with the table full, a relay answer from a member not asked.");
	prom_sample(f, "vigil_membership_refused_total", (double)s->future_claims, "reason",
		    "future_epoch", NULL);
	prom_sample(f, "vigil_membership_refused_total", (double)s->members_refused, "reason",
		    "table_full", NULL);
	prom_sample(f, "vigil_membership_refused_total", (double)s->foreign_answers, "reason",
		    "foreign_relay_answer", NULL);
	prom_metric(f, "vigil_members_reaped_total", "counter",
		    "Members forgotten after reap_after_ms dead or left.", (double)s->reaped);
	prom_metric(f, "vigil_pushpull_refused_total", "counter",
		    "Push-pull connections refused: more than 16 open at once.",
		    (double)v->pushpull_refused);
	prom_metric(f, "vigil_pushpull_exchanges_total", "counter",
		    "Full-state anti-entropy exchanges completed.", (double)v->pushpull_exchanges);
	prom_family(f, "vigil_members", "gauge",
		    "Members by state as this node sees them (self included).");
	for (int st = MEMB_ALIVE; st <= MEMB_LEFT; st++)
		prom_sample(f, "vigil_members", (double)memb_count(m, (enum memb_state)st), "state",
			    memb_state_name((enum memb_state)st), NULL);
	prom_metric(f, "vigil_local_health", "gauge",
		    "Lifeguard local health multiplier (0 = healthy); stretches probe timeouts.",
		    (double)m->local_health);
	prom_metric(f, "vigil_incarnation", "gauge", "This node's SWIM incarnation.",
		    (double)m->self.incarnation);
	prom_metric(f, "vigil_agent_heartbeat", "gauge",
		    "This agent's heartbeat counter (ACKs carry it).", (double)v->heartbeat);
	prom_metric(f, "vigil_event_loop_lag_max_seconds", "gauge",
		    "Worst lateness of the agent's 5 ms tick since start.",
		    (double)v->max_loop_lag_ns / 1e9);
	prom_metric(f, "vigil_uptime_seconds", "gauge", "Seconds since the agent started.",
		    (double)(now_mono_ns() - v->started_ns) / 1e9);
	if (v->isolator)
		isolation_section(f, v);
	server_section(f, mx, v->server, v->cfg->raft.nservers);
	xdp_section(f, v->maps);
	peer_section(f, mx, m, v->maps, v->cfg->metrics_per_peer);
	fclose(f);
	return buf;
}
