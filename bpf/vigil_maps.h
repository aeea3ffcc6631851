/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* vigil_maps.h - the XDP program's maps, BTF-defined so bpftool prints fields. */
#ifndef VIGIL_BPF_MAPS_H
#define VIGIL_BPF_MAPS_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "vigil_abi.h"

/* Per-peer liveness and RTT, written on every valid ACK. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, VIGIL_MAX_PEERS);
	__type(key, struct vigil_peer_key);
	__type(value, struct vigil_peer);
} peers SEC(".maps");

/* Probes in flight, written by userspace before each send. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, VIGIL_MAX_PEERS);
	__type(key, struct vigil_peer_key);
	__type(value, struct vigil_inflight);
} inflight SEC(".maps");

/* This node's incarnation and agent heartbeat, echoed in every ACK. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct vigil_self);
} self SEC(".maps");

/* Cluster keys: slot 0 signs, slot 1 is also accepted (rotation). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, VIGIL_KEY_SLOTS);
	__type(key, __u32);
	__type(value, struct vigil_key);
} keys SEC(".maps");

/* Per (sender, channel) of the PINGs we answer: replay window and answer
 * budget, one lookup for both. Created only for PINGs whose MAC verified. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, VIGIL_PROBERS);
	__type(key, struct vigil_peer_key);
	__type(value, struct vigil_prober);
} probers SEC(".maps");

/* What the program did, per CPU. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct vigil_stats);
} stats SEC(".maps");

#define STAT_INC(st, field)                                                                        \
	do {                                                                                       \
		if (st)                                                                            \
			(st)->field++;                                                             \
	} while (0)

#endif /* VIGIL_BPF_MAPS_H */
