/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * peers_fake.h - the kernel's peers map, for tests and benchmarks of what
 * the agent renders from it: the XDP program's own maps, loaded from its
 * skeleton and never attached (root), filled as the program would fill
 * them; and a look at the Prometheus text rendered.
 */
#ifndef VIGIL_TEST_PEERS_FAKE_H
#define VIGIL_TEST_PEERS_FAKE_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "maps.h"
#include "vigil_xdp.skel.h"

/* Load the XDP program's maps into maps; NULL without root. */
static inline struct vigil_xdp *peers_fake_open(struct vigil_maps *maps)
{
	struct vigil_xdp *skel = geteuid() ? NULL : vigil_xdp__open_and_load();

	maps_init(maps);
	if (!skel)
		return NULL;
	maps->peers = bpf_map__fd(skel->maps.peers);
	maps->stats = bpf_map__fd(skel->maps.stats);
	return skel;
}

/* Peer id's record of this host's probes: acks ACKs spread evenly over RTTs
 * of 16 to 512 µs (log2 buckets 14 to 18), last one at now_ns. */
static inline int peers_fake_set(const struct vigil_maps *maps, uint32_t id, uint64_t acks,
				 uint64_t now_ns)
{
	struct vigil_peer_key k = {.node_id = id, .chan = VIGIL_CHAN_AGENT};
	struct vigil_peer p = {.abi = VIGIL_MAP_ABI, .node_id = id};

	for (int b = 14; b < 19; b++) {
		p.rtt_hist[b] = acks / 5;
		p.rtt_sum_ns += acks / 5 * (3ULL << (b - 1));
	}
	p.acks = acks / 5 * 5;
	p.last_ack_ns = now_ns;
	p.srtt_ns = 60000;
	p.jitter_ns = 10000;
	return bpf_map_update_elem(maps->peers, &k, &p, BPF_ANY);
}

/* Samples in a Prometheus text: its lines that are not comments. */
static inline size_t prom_series(const char *text)
{
	size_t n = 0;

	for (const char *l = text; l && *l;) {
		const char *e = strchr(l, '\n');

		if (*l != '#' && *l != '\n')
			n++;
		l = e ? e + 1 : l + strlen(l);
	}
	return n;
}

/* The value of the sample written exactly `sample` (name and labels), or
 * -1 if the text has none. */
static inline double prom_value(const char *text, const char *sample)
{
	size_t n = strlen(sample);

	for (const char *l = text; l && *l;) {
		const char *e = strchr(l, '\n');

		if (!strncmp(l, sample, n) && l[n] == ' ')
			return strtod(l + n + 1, NULL);
		l = e ? e + 1 : l + strlen(l);
	}
	return -1;
}

#endif /* VIGIL_TEST_PEERS_FAKE_H */
