// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* maps.c - typed access to the XDP program's maps. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "log.h"
#include "maps.h"

const char *const maps_stats_names[VIGIL_STATS_FIELDS] = {
	"rx_ping",
	"tx_ack",
	"rx_ack",
	"pass_other",
	"drop_truncated",
	"drop_bad_version",
	"drop_bad_length",
	"drop_wrong_cluster",
	"drop_bad_mac",
	"drop_wrong_target",
	"drop_rate_limited",
	"drop_stale_ack",
	"drop_unknown_peer",
	"drop_no_key",
	"drop_replayed_ping",
};

void maps_init(struct vigil_maps *m)
{
	m->peers = m->inflight = m->self = m->keys = m->stats = m->probers = -1;
}

static int open_pin(const char *dir, const char *name, int *fd)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	*fd = bpf_obj_get(path);
	if (*fd < 0) {
		int err = -errno;

		log_err("cannot open pinned map %s: %s (is the XDP program loaded? "
			"see `vigil xdp status`)",
			path, strerror(errno));
		return err;
	}
	return 0;
}

int maps_open_pinned(struct vigil_maps *m, const char *dir)
{
	int err;

	maps_init(m);
	if ((err = open_pin(dir, MAP_PEERS, &m->peers)) ||
	    (err = open_pin(dir, MAP_INFLIGHT, &m->inflight)) ||
	    (err = open_pin(dir, MAP_SELF, &m->self)) ||
	    (err = open_pin(dir, MAP_KEYS, &m->keys)) ||
	    (err = open_pin(dir, MAP_STATS, &m->stats)) ||
	    (err = open_pin(dir, MAP_PROBERS, &m->probers))) {
		maps_close(m);
		return err;
	}
	return 0;
}

void maps_close(struct vigil_maps *m)
{
	int *fds[] = {&m->peers, &m->inflight, &m->self, &m->keys, &m->stats, &m->probers};

	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
}

int maps_set_keys(const struct vigil_maps *m, const struct vigil_keyring *kr)
{
	for (__u32 i = 0; i < VIGIL_KEY_SLOTS; i++) {
		struct vigil_key k = {
			.k0 = kr->slot[i].k0,
			.k1 = kr->slot[i].k1,
			.valid = kr->slot[i].valid ? 1 : 0,
		};

		if (bpf_map_update_elem(m->keys, &i, &k, BPF_ANY))
			return -errno;
	}
	return 0;
}

int maps_set_self(const struct vigil_maps *m, uint32_t incarnation, uint64_t heartbeat)
{
	struct vigil_self s = {
		.abi = VIGIL_MAP_ABI, .incarnation = incarnation, .heartbeat = heartbeat};
	struct timespec ts;
	__u32 zero = 0;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	s.updated_ns = (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
	return bpf_map_update_elem(m->self, &zero, &s, BPF_ANY) ? -errno : 0;
}

int maps_get_self(const struct vigil_maps *m, struct vigil_self *out)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(m->self, &zero, out) ? -errno : 0;
}

int maps_abi_readable(uint32_t abi)
{
	return abi >= VIGIL_MAP_ABI_PEER_MIN && abi <= VIGIL_MAP_ABI;
}

static void peer_key(struct vigil_peer_key *k, uint32_t node_id, uint8_t chan)
{
	memset(k, 0, sizeof(*k));
	k->node_id = node_id;
	k->chan = chan;
}

static int peer_create(const struct vigil_maps *m, uint32_t node_id, uint8_t chan, __u64 flags)
{
	struct vigil_peer_key k;
	struct vigil_inflight inf;
	struct vigil_peer p;

	peer_key(&k, node_id, chan);
	memset(&p, 0, sizeof(p));
	memset(&inf, 0, sizeof(inf));
	p.abi = VIGIL_MAP_ABI;
	p.node_id = node_id;
	if (bpf_map_update_elem(m->inflight, &k, &inf, flags) && errno != EEXIST)
		return -errno;
	if (bpf_map_update_elem(m->peers, &k, &p, flags) && errno != EEXIST)
		return -errno;
	return 0;
}

int maps_peer_add(const struct vigil_maps *m, uint32_t node_id, uint8_t chan)
{
	return peer_create(m, node_id, chan, BPF_ANY);
}

int maps_peer_ensure(const struct vigil_maps *m, uint32_t node_id, uint8_t chan)
{
	struct vigil_peer_key k;
	struct vigil_peer p;

	/* An entry nothing can read would stay unread for good: the peer
	 * would look silent however often its kernel answered. */
	peer_key(&k, node_id, chan);
	if (bpf_map_lookup_elem(m->peers, &k, &p) == 0 && !maps_abi_readable(p.abi))
		return peer_create(m, node_id, chan, BPF_ANY);
	return peer_create(m, node_id, chan, BPF_NOEXIST);
}

int maps_peer_del(const struct vigil_maps *m, uint32_t node_id, uint8_t chan)
{
	struct vigil_peer_key k;

	peer_key(&k, node_id, chan);
	bpf_map_delete_elem(m->peers, &k);
	bpf_map_delete_elem(m->inflight, &k);
	return 0;
}

int maps_peer_get(const struct vigil_maps *m, uint32_t node_id, uint8_t chan,
		  struct vigil_peer *out)
{
	struct vigil_peer_key k;

	peer_key(&k, node_id, chan);
	if (bpf_map_lookup_elem(m->peers, &k, out))
		return -errno;
	if (!maps_abi_readable(out->abi))
		return -EPROTO;
	return 0;
}

int maps_inflight_record(const struct vigil_maps *m, uint32_t node_id, uint8_t chan, uint32_t seq,
			 uint64_t send_ns)
{
	struct vigil_peer_key k;
	struct vigil_inflight inf;
	struct vigil_probe_slot *s;

	peer_key(&k, node_id, chan);
	if (bpf_map_lookup_elem(m->inflight, &k, &inf))
		return -errno;
	s = &inf.slot[seq & (VIGIL_INFLIGHT - 1)];
	s->seq = seq;
	s->send_ns = send_ns;
	/* A hash map update swaps the whole value: the XDP program sees either
	 * the old or the new array, never a torn slot. */
	return bpf_map_update_elem(m->inflight, &k, &inf, BPF_EXIST) ? -errno : 0;
}

int maps_peer_foreach(const struct vigil_maps *m,
		      int (*cb)(const struct vigil_peer_key *k, const struct vigil_peer *p,
				void *arg),
		      void *arg)
{
	struct vigil_peer_key key, next;
	struct vigil_peer p;
	void *prev = NULL;
	int n = 0;

	/* Bounded by the map's size even if entries churn under us. */
	while (n < VIGIL_MAX_PEERS && bpf_map_get_next_key(m->peers, prev, &next) == 0) {
		key = next;
		prev = &key;
		n++;
		if (bpf_map_lookup_elem(m->peers, &key, &p))
			continue;
		if (!maps_abi_readable(p.abi))
			continue;
		if (cb(&key, &p, arg))
			break;
	}
	return 0;
}

int maps_stats_sum(const struct vigil_maps *m, struct vigil_stats *out)
{
	int ncpu = libbpf_num_possible_cpus();
	struct bpf_map_info info;
	__u32 len = sizeof(info);
	struct vigil_stats *percpu;
	__u32 zero = 0;

	if (ncpu <= 0)
		return -EINVAL;
	/* The kernel copies value_size bytes per CPU: a stats map of another
	 * layout would be summed wrong, or overrun the buffer. */
	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(m->stats, &info, &len))
		return -errno;
	if (info.value_size != sizeof(*percpu))
		return -EPROTO;
	percpu = calloc((size_t)ncpu, sizeof(*percpu));
	if (!percpu)
		return -ENOMEM;
	if (bpf_map_lookup_elem(m->stats, &zero, percpu)) {
		int err = -errno;

		free(percpu);
		return err;
	}
	memset(out, 0, sizeof(*out));
	for (int c = 0; c < ncpu; c++) {
		const __u64 *src = (const __u64 *)&percpu[c];
		__u64 *dst = (__u64 *)out;

		for (size_t f = 0; f < VIGIL_STATS_FIELDS; f++)
			dst[f] += src[f];
	}
	free(percpu);
	return 0;
}
