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
 * Output: "key=value" words, a line per peer count and metrics_per_peer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "memb_fake.h"
#include "metrics.h"
#include "peers_fake.h"
#include "status.h"

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

typedef char *(*render_fn)(const struct agent_view *v);

static struct metrics mx;

static char *render_metrics(const struct agent_view *v)
{
	return metrics_render(&mx, v);
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
			*n_series = prom_series(s);
		free(s);
	}
	qsort(t, REPEAT, sizeof(t[0]), cmp_u64);
	return t[REPEAT / 2];
}

static int run(const struct vigil_maps *maps, unsigned peers)
{
	struct vigil_config cfg;
	struct memb m;
	struct agent_view v;
	uint64_t t_metrics, t_members, t_status;
	size_t n;

	config_defaults(&cfg);
	fake_memb_init(&m);
	for (uint32_t id = PEER0; id < PEER0 + peers; id++) {
		fake_member(&m, id, VIGIL_ROLE_CLIENT, MEMB_ALIVE, 1);
		fake_heard(&m, id);
		if (peers_fake_set(maps, id, 1000, fake_now_ns)) {
			fprintf(stderr, "bench_metrics: cannot fill the peers map\n");
			return -1;
		}
	}
	v = (struct agent_view){.cfg = &cfg, .memb = &m, .maps = maps, .started_ns = 1};
	t_members = time_render(status_members_json, &v, NULL);
	t_status = time_render(status_json, &v, NULL);
	for (cfg.metrics_per_peer = 0; cfg.metrics_per_peer < 2; cfg.metrics_per_peer++) {
		t_metrics = time_render(render_metrics, &v, &n);
		printf("peers=%u metrics_per_peer=%d series=%zu metrics_us=%.1f "
		       "members_json_us=%.1f status_json_us=%.1f\n",
		       peers, cfg.metrics_per_peer, n, t_metrics / 1e3, t_members / 1e3,
		       t_status / 1e3);
	}
	for (uint32_t id = PEER0; id < PEER0 + peers; id++) {
		struct vigil_peer_key k = {.node_id = id, .chan = VIGIL_CHAN_AGENT};

		bpf_map_delete_elem(maps->peers, &k);
	}
	memb_free(&m);
	return 0;
}

int main(int argc, char **argv)
{
	static const unsigned def[] = {10, 50, 200, 1000};
	struct vigil_maps maps;
	struct vigil_xdp *skel = peers_fake_open(&maps);
	int rc = 0;

	if (!skel) {
		fprintf(stderr, "bench_metrics: cannot load the XDP program's maps (root?)\n");
		return 1;
	}
	if (metrics_init(&mx)) {
		fprintf(stderr, "bench_metrics: out of memory\n");
		return 1;
	}
	if (argc > 1)
		for (int i = 1; i < argc && !rc; i++)
			rc = run(&maps, (unsigned)strtoul(argv[i], NULL, 10));
	else
		for (size_t i = 0; i < sizeof(def) / sizeof(def[0]) && !rc; i++)
			rc = run(&maps, def[i]);
	vigil_xdp__destroy(skel);
	metrics_free(&mx);
	return rc ? 1 : 0;
}
