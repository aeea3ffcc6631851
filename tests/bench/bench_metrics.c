// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * bench_metrics.c - what one agent's /metrics costs at N peers: the number
 * of series it exports and the time the event loop spends rendering the
 * texts of the HTTP API (/metrics, /v1/members, /v1/status).
 *
 *   bench_metrics [PEERS...]      default: 10 50 200 1000
 *
 * The member table is the agent's own memb.c filled as gossip would fill it
 * (every peer alive), the kernel's peers map the XDP program's own, loaded
 * from its skeleton (never attached: needs root), each peer's entry holding
 * an RTT histogram. Times are medians of REPEAT renders (CLOCK_MONOTONIC).
 * Output: one line of "key=value" words per peer count.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "memb_fake.h"
#include "metrics.h"
#include "status.h"
#include "vigil_xdp.skel.h"

#define REPEAT 41
#define PEER0  2000 /* peers' ids: PEER0, PEER0 + 1, ... (self is FAKE_SELF) */

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Samples in an exposition text: the lines that are not comments. */
static size_t series(const char *text)
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

/* A peer's kernel record: 1000 ACKs spread over RTTs of 16 to 512 µs. */
static int fill_peer(int fd, uint32_t id)
{
	struct vigil_peer_key k = {.node_id = id, .chan = VIGIL_CHAN_AGENT};
	struct vigil_peer p = {.abi = VIGIL_MAP_ABI, .node_id = id};

	p.last_ack_ns = fake_now_ns;
	for (int b = 14; b < 19; b++) {
		p.rtt_hist[b] = 200;
		p.rtt_sum_ns += 200 * (3ULL << (b - 1));
	}
	p.acks = 1000;
	p.srtt_ns = 60000;
	p.jitter_ns = 10000;
	return bpf_map_update_elem(fd, &k, &p, BPF_ANY);
}

typedef char *(*render_fn)(const struct agent_view *v);

static char *render_metrics(const struct agent_view *v)
{
	return metrics_render(v);
}

/* Median ns of REPEAT renders of fn; *n_series from the last one. */
static uint64_t time_render(render_fn fn, const struct agent_view *v, size_t *n_series)
{
	uint64_t t[REPEAT];

	for (int r = 0; r < REPEAT; r++) {
		uint64_t t0 = mono_ns();
		char *s = fn(v);

		t[r] = mono_ns() - t0;
		if (n_series)
			*n_series = series(s);
		free(s);
	}
	qsort(t, REPEAT, sizeof(t[0]), cmp_u64);
	return t[REPEAT / 2];
}

static int run(struct vigil_xdp *skel, unsigned peers)
{
	struct vigil_maps maps;
	struct vigil_config cfg;
	struct memb m;
	struct agent_view v;
	uint64_t t_metrics, t_members, t_status;
	size_t n;

	maps_init(&maps);
	maps.peers = bpf_map__fd(skel->maps.peers);
	maps.stats = bpf_map__fd(skel->maps.stats);
	config_defaults(&cfg);
	fake_memb_init(&m);
	for (uint32_t id = PEER0; id < PEER0 + peers; id++) {
		fake_member(&m, id, VIGIL_ROLE_CLIENT, MEMB_ALIVE, 1);
		fake_heard(&m, id);
		if (fill_peer(maps.peers, id)) {
			fprintf(stderr, "bench_metrics: cannot fill the peers map\n");
			return -1;
		}
	}
	v = (struct agent_view){.cfg = &cfg, .memb = &m, .maps = &maps, .started_ns = 1};
	t_metrics = time_render(render_metrics, &v, &n);
	t_members = time_render(status_members_json, &v, NULL);
	t_status = time_render(status_json, &v, NULL);
	printf("peers=%u series=%zu series_per_peer=%.1f metrics_us=%.1f members_json_us=%.1f "
	       "status_json_us=%.1f\n",
	       peers, n, (double)n / peers, t_metrics / 1e3, t_members / 1e3, t_status / 1e3);
	for (uint32_t id = PEER0; id < PEER0 + peers; id++) {
		struct vigil_peer_key k = {.node_id = id, .chan = VIGIL_CHAN_AGENT};

		bpf_map_delete_elem(maps.peers, &k);
	}
	memb_free(&m);
	return 0;
}

int main(int argc, char **argv)
{
	static const unsigned def[] = {10, 50, 200, 1000};
	struct vigil_xdp *skel;
	int rc = 0;

	if (geteuid()) {
		fprintf(stderr, "bench_metrics: needs root (it loads the XDP program's maps)\n");
		return 77;
	}
	skel = vigil_xdp__open_and_load();
	if (!skel) {
		fprintf(stderr, "bench_metrics: cannot load the XDP program's maps\n");
		return 1;
	}
	if (argc > 1)
		for (int i = 1; i < argc && !rc; i++)
			rc = run(skel, (unsigned)strtoul(argv[i], NULL, 10));
	else
		for (size_t i = 0; i < sizeof(def) / sizeof(def[0]) && !rc; i++)
			rc = run(skel, def[i]);
	vigil_xdp__destroy(skel);
	return rc ? 1 : 0;
}
