// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * metrics.c - Prometheus text exposition (version 0.0.4) of the agent and the
 * XDP program. Rendered in the event loop from the member table and the BPF
 * maps, served by the HTTP thread as a published string.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "consensus.h"
#include "maps.h"
#include "metrics.h"
#include "util.h"

/* Prometheus label values escape backslash, double quote and newline. */
static void label(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			fputc('\\', f);
		if (*s == '\n') {
			fputs("\\n", f);
			continue;
		}
		fputc(*s, f);
	}
}

static void header(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void simple(FILE *f, const char *name, const char *type, const char *help, double v)
{
	header(f, name, type, help);
	fprintf(f, "%s %.17g\n", name, v);
}

/* XDP counters: which vigil_stats field feeds which metric and label. */
struct xdp_metric {
	const char *field;
	const char *metric;
	const char *reason;
};

static const struct xdp_metric xdp_metrics[] = {
	{ "rx_ping", "vigil_xdp_pings_received_total", NULL },
	{ "tx_ack", "vigil_xdp_acks_sent_total", NULL },
	{ "rx_ack", "vigil_acks_received_total", NULL },
	{ "pass_other", "vigil_xdp_passed_total", NULL },
	{ "drop_truncated", "vigil_xdp_drops_total", "truncated" },
	{ "drop_bad_version", "vigil_xdp_drops_total", "bad_version" },
	{ "drop_bad_length", "vigil_xdp_drops_total", "bad_length" },
	{ "drop_wrong_cluster", "vigil_xdp_drops_total", "wrong_cluster" },
	{ "drop_bad_mac", "vigil_xdp_drops_total", "bad_mac" },
	{ "drop_wrong_target", "vigil_xdp_drops_total", "wrong_target" },
	{ "drop_rate_limited", "vigil_xdp_drops_total", "rate_limited" },
	{ "drop_stale_ack", "vigil_xdp_drops_total", "stale_ack" },
	{ "drop_unknown_peer", "vigil_xdp_drops_total", "unknown_peer" },
	{ "drop_no_key", "vigil_xdp_drops_total", "no_key" },
};

static void xdp_section(FILE *f, const struct vigil_maps *maps)
{
	struct vigil_stats st;
	const __u64 *v = (const __u64 *)&st;

	if (maps_stats_sum(maps, &st))
		return;
	header(f, "vigil_xdp_pings_received_total", "counter",
	       "Valid PINGs addressed to this node, seen by the XDP program.");
	header(f, "vigil_xdp_acks_sent_total", "counter", "ACKs sent in-kernel with XDP_TX.");
	header(f, "vigil_acks_received_total", "counter",
	       "Valid ACKs to this node's probes, recorded in-kernel.");
	header(f, "vigil_xdp_passed_total", "counter",
	       "vigil messages passed up to the agent (gossip, joins, relays).");
	header(f, "vigil_xdp_drops_total", "counter",
	       "vigil packets dropped by the XDP program, by reason.");
	for (size_t i = 0; i < ARRAY_SIZE(xdp_metrics); i++) {
		size_t idx = 0;

		while (idx < VIGIL_STATS_FIELDS && strcmp(maps_stats_names[idx], xdp_metrics[i].field))
			idx++;
		if (idx == VIGIL_STATS_FIELDS)
			continue;
		if (xdp_metrics[i].reason)
			fprintf(f, "%s{reason=\"%s\"} %llu\n", xdp_metrics[i].metric,
				xdp_metrics[i].reason, (unsigned long long)v[idx]);
		else
			fprintf(f, "%s %llu\n", xdp_metrics[i].metric, (unsigned long long)v[idx]);
	}
}

static void peer_section(FILE *f, const struct agent *a)
{
	const struct memb *m = &a->memb;
	uint64_t now = now_mono_ns();

	header(f, "vigil_peer_rtt_seconds", "histogram",
	       "Round-trip time of probes to each peer, measured in-kernel (log2 buckets).");
	for (size_t i = 0; i < m->n; i++) {
		const struct member *mb = m->members[i];
		struct vigil_peer p;
		uint64_t cum = 0;

		if (maps_peer_get(&a->loader.maps, mb->id, MEMB_CHAN_AGENT, &p))
			continue;
		for (int b = 0; b < VIGIL_RTT_BUCKETS; b++) {
			cum += p.rtt_hist[b];
			/* Bucket b holds RTTs below 2^(b+1) ns. */
			if (b < 9)
				continue; /* below 1 µs: folded into the first bucket */
			fprintf(f, "vigil_peer_rtt_seconds_bucket{peer=\"");
			label(f, mb->name);
			fprintf(f, "\",le=\"%.9g\"} %llu\n", (double)(1ULL << (b + 1)) / 1e9,
				(unsigned long long)cum);
		}
		fprintf(f, "vigil_peer_rtt_seconds_bucket{peer=\"");
		label(f, mb->name);
		fprintf(f, "\",le=\"+Inf\"} %llu\n", (unsigned long long)p.acks);
		fprintf(f, "vigil_peer_rtt_seconds_sum{peer=\"");
		label(f, mb->name);
		fprintf(f, "\"} %.9g\n", (double)p.rtt_sum_ns / 1e9);
		fprintf(f, "vigil_peer_rtt_seconds_count{peer=\"");
		label(f, mb->name);
		fprintf(f, "\"} %llu\n", (unsigned long long)p.acks);
	}

	static const struct {
		const char *name, *help;
	} gauges[] = {
		{ "vigil_peer_srtt_seconds", "Smoothed RTT to each peer (RFC 6298, in-kernel)." },
		{ "vigil_peer_jitter_seconds", "RTT mean deviation to each peer (in-kernel)." },
		{ "vigil_peer_last_ack_age_seconds", "Time since each peer's kernel last answered." },
		{ "vigil_peer_up", "1 if the peer is alive or suspect, 0 if dead or left." },
		{ "vigil_peer_agent_stalled", "1 if the peer's kernel answers but its agent stalled." },
	};
	for (size_t g = 0; g < ARRAY_SIZE(gauges); g++) {
		header(f, gauges[g].name, "gauge", gauges[g].help);
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
			fprintf(f, "%s{peer=\"", gauges[g].name);
			label(f, mb->name);
			fprintf(f, "\"} %.9g\n", v);
		}
	}
}

char *metrics_render(const struct agent *a)
{
	const struct memb_stats *s = &a->memb.stats;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	header(f, "vigil_build_info", "gauge", "vigil version and protocol; always 1.");
	fprintf(f, "vigil_build_info{version=\"%s\",protocol=\"%d\",map_abi=\"%d\"} 1\n",
		VIGIL_VERSION, VIGIL_PROTO_VERSION, VIGIL_MAP_ABI);
	simple(f, "vigil_probes_sent_total", "counter", "Probes (PINGs) this agent sent.",
	       (double)s->probes);
	simple(f, "vigil_probe_failures_total", "counter",
	       "Probes unanswered directly (before indirect probing).",
	       (double)s->probe_fail_direct);
	simple(f, "vigil_indirect_probe_failures_total", "counter",
	       "Members unreachable directly and through relays.", (double)s->probe_fail_indirect);
	simple(f, "vigil_ping_requests_sent_total", "counter", "Indirect probe requests sent.",
	       (double)s->ping_req_sent);
	simple(f, "vigil_ping_requests_served_total", "counter",
	       "Indirect probes done on behalf of other members.", (double)s->ping_req_served);
	simple(f, "vigil_gossip_messages_sent_total", "counter", "Gossip datagrams sent.",
	       (double)s->gossip_sent);
	simple(f, "vigil_messages_received_total", "counter",
	       "Membership datagrams received by the agent.", (double)s->msgs_recv);
	simple(f, "vigil_bad_messages_total", "counter",
	       "Membership messages refused (bad MAC, cluster, format).", (double)s->bad_msgs);
	simple(f, "vigil_suspicions_total", "counter", "Members this node saw become suspect.",
	       (double)s->suspicions);
	simple(f, "vigil_deaths_total", "counter", "Members this node saw declared dead.",
	       (double)s->deaths);
	simple(f, "vigil_refutations_total", "counter",
	       "Suspicions or deaths of this node it refuted.", (double)s->refutations);
	simple(f, "vigil_pushpull_exchanges_total", "counter",
	       "Full-state anti-entropy exchanges completed.", (double)a->pp_exchanges);

	header(f, "vigil_members", "gauge", "Members by state as this node sees them (self included).");
	for (int st = MEMB_ALIVE; st <= MEMB_LEFT; st++)
		fprintf(f, "vigil_members{state=\"%s\"} %zu\n", memb_state_name((enum memb_state)st),
			memb_count(&a->memb, (enum memb_state)st));
	simple(f, "vigil_local_health", "gauge",
	       "Lifeguard local health multiplier (0 = healthy); stretches probe timeouts.",
	       (double)a->memb.local_health);
	simple(f, "vigil_incarnation", "gauge", "This node's SWIM incarnation.",
	       (double)a->memb.self.incarnation);
	simple(f, "vigil_agent_heartbeat", "gauge", "This agent's heartbeat counter (ACKs carry it).",
	       (double)a->heartbeat);
	simple(f, "vigil_event_loop_lag_max_seconds", "gauge",
	       "Worst lateness of the agent's 5 ms tick since start.",
	       (double)a->max_loop_lag_ns / 1e9);
	simple(f, "vigil_uptime_seconds", "gauge", "Seconds since the agent started.",
	       (double)(now_mono_ns() - a->started_ns) / 1e9);

	if (a->cons)
		consensus_metrics(a->cons, f);
	xdp_section(f, &a->loader.maps);
	peer_section(f, a);
	fclose(f);
	return buf;
}
