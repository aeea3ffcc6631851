// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * metrics.c - Prometheus text exposition (version 0.0.4) of the agent, its
 * Raft server and the XDP program: rendered in the event loop from the
 * member table, the replicated state and the BPF maps; served by the HTTP
 * thread as a published string. Every metric is written through prom.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static void peer_section(FILE *f, const struct memb *m, const struct vigil_maps *maps)
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
	uint64_t now = now_mono_ns();
	char le[32];

	prom_family(f, "vigil_peer_rtt_seconds", "histogram",
		    "Round-trip time of probes to each peer, measured in-kernel (log2 buckets).");
	for (size_t i = 0; i < m->n; i++) {
		const struct member *mb = m->members[i];
		struct vigil_peer p;
		uint64_t cum = 0;

		if (maps_peer_get(maps, mb->id, VIGIL_CHAN_AGENT, &p))
			continue;
		for (int b = 0; b < VIGIL_RTT_BUCKETS; b++) {
			cum += p.rtt_hist[b];
			/* Bucket b holds RTTs below 2^(b+1) ns. */
			if (b < 9)
				continue; /* below 1 µs: folded into the first bucket */
			snprintf(le, sizeof(le), "%.9g", (double)(1ULL << (b + 1)) / 1e9);
			prom_sample(f, "vigil_peer_rtt_seconds_bucket", (double)cum, "peer",
				    mb->name, "le", le, NULL);
		}
		prom_sample(f, "vigil_peer_rtt_seconds_bucket", (double)p.acks, "peer", mb->name,
			    "le", "+Inf", NULL);
		prom_sample(f, "vigil_peer_rtt_seconds_sum", (double)p.rtt_sum_ns / 1e9, "peer",
			    mb->name, NULL);
		prom_sample(f, "vigil_peer_rtt_seconds_count", (double)p.acks, "peer", mb->name,
			    NULL);
	}
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
				v = mb->state == MEMB_ALIVE || mb->state == MEMB_SUSPECT;
				break;
			default:
				v = mb->agent_stalled;
			}
			prom_sample(f, gauges[g].name, v, "peer", mb->name, NULL);
		}
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
			n += fence_needed(&sv->fsm->outbox[i]) &&
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

static void server_section(FILE *f, struct server *s)
{
	struct server_view sv;
	size_t pending = 0, held = 0;

	if (s)
		server_view(s, &sv);
	prom_metric(f, "vigil_raft_leader", "gauge", "1 if this server is the Raft leader.",
		    s && raft_state(sv.raft) == RAFT_LEADER);
	if (!s)
		return;
	prom_family(f, "vigil_consensus_messages_refused_total", "counter",
		    "Signed REPORT and MAINT messages refused: replayed, or sent too far from this "
		    "server's clock.");
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
		pending += sv.fsm->outbox[i].status == OUTBOX_PENDING;
		held += sv.fsm->outbox[i].status == OUTBOX_HELD;
	}
	prom_metric(f, "vigil_notifications_pending", "gauge",
		    "Verdicts not yet delivered to Masakari.", (double)pending);
	prom_metric(f, "vigil_notifications_held", "gauge",
		    "Notifications held: too few healthy hosts would remain (alert).",
		    (double)held);
	prom_metric(f, "vigil_failure_verdicts_total", "counter", "Failure verdicts committed.",
		    (double)sv.fsm->verdicts);
	fence_section(f, &sv);
	prom_family(f, "vigil_notifications_sent_total", "counter",
		    "Masakari answers by result (this server while leader).");
	for (int r = 0; r < NOTIFY_RESULTS; r++)
		prom_sample(f, "vigil_notifications_sent_total",
			    (double)sv.outbox->sent_by_result[r], "result",
			    notify_result_name((enum notify_result)r), NULL);
	prom_family(f, "vigil_leadership_transfers_total", "counter",
		    "Raft leadership this server handed over, by reason (delivery: its "
		    "deliveries to Masakari kept failing).");
	prom_sample(f, "vigil_leadership_transfers_total", (double)sv.outbox->transfers, "reason",
		    "delivery", NULL);
}

char *metrics_render(const struct agent_view *v)
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
	server_section(f, v->server);
	xdp_section(f, v->maps);
	peer_section(f, m, v->maps);
	fclose(f);
	return buf;
}
