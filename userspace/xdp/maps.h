/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * maps.h - typed access to the XDP program's maps, used alike by the agent,
 * `vigil ping` and `vigil maps` (which reads the pins with no agent running).
 */
#ifndef VIGIL_MAPS_H
#define VIGIL_MAPS_H

#include <stdint.h>

#include "vigil_abi.h"
#include "wire.h"

/* The map names, as pinned under the pin directory and shown by bpftool. */
#define MAP_PEERS    "peers"
#define MAP_INFLIGHT "inflight"
#define MAP_SELF     "self"
#define MAP_KEYS     "keys"
#define MAP_STATS    "stats"
#define MAP_PROBERS  "probers"
#define PIN_LINK     "link"

struct vigil_maps {
	int peers, inflight, self, keys, stats, probers; /* fds, -1 if not open */
};

void maps_init(struct vigil_maps *m);
/* Open every map pinned under dir. Returns 0 or -errno (and logs what is missing). */
int maps_open_pinned(struct vigil_maps *m, const char *dir);
void maps_close(struct vigil_maps *m);

int maps_set_keys(const struct vigil_maps *m, const struct vigil_keyring *kr);
int maps_set_self(const struct vigil_maps *m, uint32_t incarnation, uint64_t heartbeat);
int maps_get_self(const struct vigil_maps *m, struct vigil_self *out);

/* Create (or reset) the entries of a peer channel; ACKs from it are then recorded. */
int maps_peer_add(const struct vigil_maps *m, uint32_t node_id, uint8_t chan);
/* Create them only if absent: a restarted agent keeps the kernel's history
 * (an entry of an unreadable older map ABI is replaced, not kept). */
int maps_peer_ensure(const struct vigil_maps *m, uint32_t node_id, uint8_t chan);
int maps_peer_del(const struct vigil_maps *m, uint32_t node_id, uint8_t chan);
/* Read a peer's entry; -ENOENT if absent, -EPROTO if written by an ABI whose
 * layout differs (see maps_abi_readable). */
int maps_peer_get(const struct vigil_maps *m, uint32_t node_id, uint8_t chan,
		  struct vigil_peer *out);
/* Record a probe about to leave, so its ACK will be accepted. */
int maps_inflight_record(const struct vigil_maps *m, uint32_t node_id, uint8_t chan, uint32_t seq,
			 uint64_t send_ns);

/* Iterate over the peers map: cb returns non-zero to stop. */
int maps_peer_foreach(const struct vigil_maps *m,
		      int (*cb)(const struct vigil_peer_key *k, const struct vigil_peer *p,
				void *arg),
		      void *arg);

/* Does a peers or self value stamped with abi read as this build's? */
int maps_abi_readable(uint32_t abi);

/* Sum the per-CPU stats; -EPROTO if the map's value is not this build's
 * struct vigil_stats (a program of another version is loaded). */
int maps_stats_sum(const struct vigil_maps *m, struct vigil_stats *out);
/* Field names of struct vigil_stats, in order, for printing and metrics. */
extern const char *const maps_stats_names[VIGIL_STATS_FIELDS];

#endif /* VIGIL_MAPS_H */
