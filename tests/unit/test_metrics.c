// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_metrics.c - what /metrics costs and says, and how it is served:
 *
 *   - the number of series an agent exports does not grow with its peers
 *     unless metrics_per_peer asks for them (about 31 per peer then); the
 *     counts at 10 and 200 peers are printed;
 *   - the RTT histogram summed over peers never goes back when a peer's
 *     record restarts or goes (ctrsum.c), so rate() shows no false burst;
 *   - leader changes as a server sees them, through real elections in
 *     libraft's fixture;
 *   - the texts are rendered by the loop when a request asks (api.c): one
 *     render per request and none without; a loop that does not answer
 *     delays a request by API_WAIT_MS at most, once, and the last text is
 *     served said to be stale (vigil_metrics_stale, Age, Warning: 110).
 *
 * The peers' records are the XDP program's own maps (tests/lib/peers_fake.h):
 * those tests are skipped without root.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>

#include "api.h"
#include "ctrsum.h"
#include "httpc.h"
#include "leader_watch.h"
#include "memb_fake.h"
#include "metrics.h"
#include "peers_fake.h"
#include "raft_cluster.h"
#include "util.h"

/* ---- ctrsum: a sum of counters that come, go and restart ---------------------- */

static void part(struct ctrsum *c, uint64_t key, uint64_t a, uint64_t b)
{
	uint64_t v[2] = {a, b};

	assert_int_equal(ctrsum_part(c, key, v), 0);
}

static void test_ctrsum(void **state)
{
	struct ctrsum c;

	(void)state;
	assert_int_equal(ctrsum_init(&c, 2), 0);
	part(&c, 1, 10, 1);
	part(&c, 2, 5, 5);
	ctrsum_end(&c);
	assert_int_equal(c.total[0], 15); /* new parts count whole */
	assert_int_equal(c.total[1], 6);
	part(&c, 2, 7, 6); /* order does not matter */
	part(&c, 1, 12, 1);
	ctrsum_end(&c);
	assert_int_equal(c.total[0], 19); /* growth is added */
	assert_int_equal(c.total[1], 7);
	part(&c, 1, 12, 1);
	part(&c, 2, 3, 0); /* part 2 restarted from zero */
	ctrsum_end(&c);
	assert_int_equal(c.total[0], 22);
	assert_int_equal(c.total[1], 7);
	part(&c, 2, 4, 0); /* part 1 is gone: nothing taken back */
	ctrsum_end(&c);
	assert_int_equal(c.total[0], 23);
	assert_int_equal(c.total[1], 7);
	part(&c, 2, 4, 0);
	part(&c, 1, 2, 2); /* ... and back, afresh */
	ctrsum_end(&c);
	assert_int_equal(c.total[0], 25);
	assert_int_equal(c.total[1], 9);
	ctrsum_end(&c); /* an update with no parts */
	assert_int_equal(c.total[0], 25);
	/* Many parts, in any order: each one's growth once. */
	for (int round = 0; round < 3; round++) {
		for (uint64_t k = 500; k > 0; k--)
			part(&c, k + 100, 10 + (uint64_t)round, 0);
		ctrsum_end(&c);
	}
	assert_int_equal(c.total[0], 25 + 500 * 12);
	ctrsum_free(&c);
}

/* ---- the peers on /metrics -------------------------------------------------------- */

#define PEER0 2000 /* peers' ids: PEER0, PEER0 + 1, ... (self is FAKE_SELF) */

struct world {
	struct vigil_xdp *skel;
	struct vigil_maps maps;
	struct vigil_config cfg;
	struct memb m;
	struct metrics mx;
	unsigned peers;
};

static int world_setup(void **state)
{
	struct world *w = calloc(1, sizeof(*w));

	if (!w)
		return -1;
	w->skel = peers_fake_open(&w->maps);
	config_defaults(&w->cfg);
	fake_memb_init(&w->m);
	if (metrics_init(&w->mx))
		return -1;
	*state = w;
	return 0;
}

static int world_teardown(void **state)
{
	struct world *w = *state;

	metrics_free(&w->mx);
	memb_free(&w->m);
	if (w->skel)
		vigil_xdp__destroy(w->skel);
	free(w);
	return 0;
}

/* Peers up to n, alive, each with 1000 ACKs in the kernel's record. */
static void grow(struct world *w, unsigned n)
{
	if (!w->skel)
		skip(); /* the maps need root */
	for (; w->peers < n; w->peers++) {
		uint32_t id = PEER0 + w->peers;

		fake_member(&w->m, id, VIGIL_ROLE_CLIENT, MEMB_ALIVE, 1);
		fake_heard(&w->m, id);
		assert_int_equal(peers_fake_set(&w->maps, id, 1000, fake_now_ns), 0);
	}
}

/* The /metrics text (malloc'd) as the loop renders it. */
static char *render(struct world *w)
{
	struct agent_view v = {.cfg = &w->cfg, .memb = &w->m, .maps = &w->maps, .started_ns = 1};
	char *text = metrics_render(&w->mx, &v);

	assert_non_null(text);
	return text;
}

static size_t series(struct world *w)
{
	char *text = render(w);
	size_t n = prom_series(text);

	free(text);
	return n;
}

static void test_series_do_not_grow_with_peers(void **state)
{
	struct world *w = *state;
	size_t at10, at200, per_peer10, per_peer200;
	char *text;

	grow(w, 10);
	at10 = series(w);
	w->cfg.metrics_per_peer = 1;
	per_peer10 = series(w);
	w->cfg.metrics_per_peer = 0;
	grow(w, 200);
	at200 = series(w);
	w->cfg.metrics_per_peer = 1;
	per_peer200 = series(w);
	print_message("series per agent (a client): %zu at 10 peers, %zu at 200; with "
		      "metrics_per_peer: %zu and %zu\n",
		      at10, at200, per_peer10, per_peer200);
	assert_int_equal(at10, at200);
	assert_int_equal(per_peer200 - per_peer10, 190 * 31);
	assert_int_equal(per_peer10 - at10, 10 * 31);
	w->cfg.metrics_per_peer = 0;
	text = render(w);
	assert_null(strstr(text, "vigil_peer_"));
	assert_non_null(strstr(text, "# TYPE vigil_rtt_seconds histogram"));
	free(text);
}

static void test_rtt_totals_never_go_back(void **state)
{
	struct world *w = *state;
	char *text;

	grow(w, 10);
	text = render(w);
	assert_true(prom_value(text, "vigil_rtt_seconds_count") == 10000);
	assert_true(prom_value(text, "vigil_rtt_seconds_bucket{le=\"+Inf\"}") == 10000);
	/* 200 ACKs per peer in [16, 32) µs: all below the 3.2768e-05 s bound */
	assert_true(prom_value(text, "vigil_rtt_seconds_bucket{le=\"3.2768e-05\"}") == 2000);
	assert_true(prom_value(text, "vigil_rtt_seconds_bucket{le=\"1.6384e-05\"}") == 0);
	free(text);
	/* A peer's record starts over (re-added): the sum does not go back ... */
	assert_int_equal(peers_fake_set(&w->maps, PEER0 + 3, 0, fake_now_ns), 0);
	text = render(w);
	assert_true(prom_value(text, "vigil_rtt_seconds_count") == 10000);
	free(text);
	/* ... and counts what the peer answers from then on. */
	assert_int_equal(peers_fake_set(&w->maps, PEER0 + 3, 100, fake_now_ns), 0);
	text = render(w);
	assert_true(prom_value(text, "vigil_rtt_seconds_count") == 10100);
	free(text);
	w->cfg.metrics_per_peer = 1;
	text = render(w);
	assert_true(prom_value(text, "vigil_peer_rtt_seconds_count{peer=\"hv2003\"}") == 100);
	assert_true(prom_value(text, "vigil_peer_rtt_seconds_count{peer=\"hv2000\"}") == 1000);
	free(text);
}

static void test_peer_aggregates(void **state)
{
	struct world *w = *state;
	char *text;

	grow(w, 5);
	memb_find(&w->m, PEER0)->agent_stalled = 1;
	memb_find(&w->m, PEER0 + 1)->agent_stalled = 1;
	fake_member(&w->m, PEER0 + 2, VIGIL_ROLE_CLIENT, MEMB_DEAD, 2);
	memb_find(&w->m, PEER0 + 2)->agent_stalled = 1; /* dead: not counted */
	memb_find(&w->m, PEER0 + 2)->last_ack_ns = 1;	/* dead: not its age */
	for (unsigned i = 0; i < 5; i++)
		memb_find(&w->m, PEER0 + i)->last_ack_ns = now_mono_ns();
	memb_find(&w->m, PEER0 + 4)->last_ack_ns = now_mono_ns() - 3 * NSEC_PER_SEC;
	memb_find(&w->m, PEER0 + 4)->srtt_ns = 7 * NSEC_PER_MSEC;
	text = render(w);
	assert_true(prom_value(text, "vigil_peers_agent_stalled") == 2);
	assert_true(prom_value(text, "vigil_peers_last_ack_age_max_seconds") >= 3);
	assert_true(prom_value(text, "vigil_peers_last_ack_age_max_seconds") < 10);
	assert_true(prom_value(text, "vigil_peers_srtt_max_seconds") == 0.007);
	assert_true(prom_value(text, "vigil_members{state=\"dead\"}") == 1);
	free(text);
}

/* ---- leader changes ----------------------------------------------------------------- */

static void test_leader_watch_rule(void **state)
{
	struct leader_watch w = {0};

	(void)state;
	leader_watch_see(&w, 0, 1); /* an election: no leader yet */
	assert_int_equal(w.changes, 0);
	leader_watch_see(&w, 2, 1); /* a first leader counts */
	leader_watch_see(&w, 2, 1);
	assert_int_equal(w.changes, 1);
	leader_watch_see(&w, 0, 2); /* lost, then re-elected in a new term */
	leader_watch_see(&w, 2, 2);
	assert_int_equal(w.changes, 2);
	leader_watch_see(&w, 3, 3);
	assert_int_equal(w.changes, 3);
}

/* Watch every server of the fixture after each step, as the agent does
 * every 100 ms. */
static void watch_all(struct cluster *c, struct leader_watch *w)
{
	for (unsigned i = 0; i < c->n; i++) {
		struct raft *r = raft_fixture_get(&c->fx, i);
		const char *addr;
		raft_id id;

		raft_leader(r, &id, &addr);
		leader_watch_see(&w[i], id, r->current_term);
	}
}

static void test_leader_changes_in_elections(void **state)
{
	struct cluster *c = *state;
	struct leader_watch w[N_SERVERS] = {{0}};
	unsigned first, second;
	raft_term term;
	int steps;

	for (steps = 0; steps < 100000 && raft_fixture_leader_index(&c->fx) >= c->n; steps++) {
		raft_fixture_step(&c->fx);
		watch_all(c, w);
	}
	first = cluster_leader(c);
	for (steps = 0; steps < 50; steps++) { /* the followers hear of it */
		raft_fixture_step(&c->fx);
		watch_all(c, w);
	}
	for (unsigned i = 0; i < c->n; i++)
		assert_int_equal(w[i].changes, 1);
	term = raft_fixture_get(&c->fx, first)->current_term;
	raft_fixture_depose(&c->fx); /* the leader steps down: a new election */
	watch_all(c, w);
	for (steps = 0; steps < 100000 && raft_fixture_leader_index(&c->fx) >= c->n; steps++) {
		raft_fixture_step(&c->fx);
		watch_all(c, w);
	}
	second = cluster_leader(c); /* maybe the same server, in a later term */
	assert_true(raft_fixture_get(&c->fx, second)->current_term > term);
	cluster_propose(c, second, fsm_cmd_member(7, "hv7", "compute-7", NULL),
			(second + 1) % c->n);
	for (steps = 0; steps < 50; steps++) {
		raft_fixture_step(&c->fx);
		watch_all(c, w);
	}
	for (unsigned i = 0; i < c->n; i++) {
		assert_int_equal(w[i].changes, 2);
		assert_int_equal(w[i].id, raft_fixture_get(&c->fx, second)->id);
	}
}

/* ---- texts rendered when a request asks ----------------------------------------------- */

/* The loop of an agent, as far as the API sees it: woken by ops.render, it
 * renders what was asked, unless the test stalls it. */
struct fake_loop {
	struct api_state st;
	struct api_server *api;
	char url[64];
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int woken, stalled, quit;
	unsigned renders[API_DOCS];
};

static void fake_wake(void *ctx)
{
	struct fake_loop *l = ctx;

	pthread_mutex_lock(&l->lock);
	l->woken = 1;
	pthread_cond_signal(&l->cond);
	pthread_mutex_unlock(&l->lock);
}

static char *fake_render(void *ctx, enum api_doc d)
{
	struct fake_loop *l = ctx;
	char *text = NULL;

	l->renders[d]++;
	if (d == API_METRICS) {
		if (asprintf(&text, "# TYPE fake_renders counter\nfake_renders %u\n",
			     l->renders[d]) < 0)
			return NULL;
	} else if (asprintf(&text, "{\"renders\": %u}", l->renders[d]) < 0) {
		return NULL;
	}
	return text;
}

static void *fake_loop_run(void *arg)
{
	struct fake_loop *l = arg;

	pthread_mutex_lock(&l->lock);
	for (;;) {
		while (!l->quit && (!l->woken || l->stalled))
			pthread_cond_wait(&l->cond, &l->lock);
		if (l->quit)
			break;
		l->woken = 0;
		pthread_mutex_unlock(&l->lock);
		api_answer(&l->st, fake_render, l, 0);
		pthread_mutex_lock(&l->lock);
	}
	pthread_mutex_unlock(&l->lock);
	return NULL;
}

static void fake_stall(struct fake_loop *l, int stalled)
{
	pthread_mutex_lock(&l->lock);
	l->stalled = stalled;
	pthread_cond_signal(&l->cond);
	pthread_mutex_unlock(&l->lock);
}

/* A free TCP port on loopback, as the kernel picks one. */
static int free_port(void)
{
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t sl = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port = -1;

	if (fd >= 0 && !bind(fd, (struct sockaddr *)&sin, sl) &&
	    !getsockname(fd, (struct sockaddr *)&sin, &sl))
		port = ntohs(sin.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}

static int loop_setup(void **state)
{
	struct fake_loop *l = calloc(1, sizeof(*l));
	struct api_ops ops = {.render = fake_wake};
	char addr[32];

	if (!l)
		return -1;
	ops.ctx = l;
	api_state_init(&l->st);
	pthread_mutex_init(&l->lock, NULL);
	pthread_cond_init(&l->cond, NULL);
	if (pthread_create(&l->thread, NULL, fake_loop_run, l))
		return -1;
	for (int tries = 0; tries < 10 && !l->api; tries++) {
		int port = free_port();

		snprintf(addr, sizeof(addr), "127.0.0.1:%d", port);
		snprintf(l->url, sizeof(l->url), "http://%s", addr);
		if (port > 0)
			l->api = api_start("api_addr", addr, 0, "0123456789abcdef", &l->st, &ops);
	}
	*state = l;
	return l->api ? 0 : -1;
}

static int loop_teardown(void **state)
{
	struct fake_loop *l = *state;

	api_stop(l->api);
	pthread_mutex_lock(&l->lock);
	l->quit = 1;
	pthread_cond_signal(&l->cond);
	pthread_mutex_unlock(&l->lock);
	pthread_join(l->thread, NULL);
	api_state_free(&l->st);
	free(l);
	return 0;
}

/* GET path: the answer in resp (the Warning header captured), the time it
 * took in *secs. */
static void get(struct fake_loop *l, const char *path, struct httpc_resp *resp, double *secs)
{
	char url[128], err[256];
	struct httpc_req rq = {.method = "GET", .url = url, .timeout_ms = 10000};
	uint64_t t0 = now_mono_ns();

	rq.capture_header = "Warning";
	snprintf(url, sizeof(url), "%s%s", l->url, path);
	assert_int_equal(httpc_request(&rq, resp, err, sizeof(err)), 0);
	*secs = (double)(now_mono_ns() - t0) / 1e9;
	assert_int_equal(resp->status, 200);
	assert_non_null(resp->body);
}

static void test_rendered_when_asked(void **state)
{
	struct fake_loop *l = *state;
	struct httpc_resp r;
	double secs;

	usleep(200 * 1000);
	for (int d = 0; d < API_DOCS; d++)
		assert_int_equal(l->renders[d], 0); /* nobody asked: nothing rendered */
	get(l, "/metrics", &r, &secs);
	assert_true(prom_value(r.body, "fake_renders") == 1);
	assert_true(prom_value(r.body, "vigil_metrics_stale") == 0);
	assert_true(prom_value(r.body, "vigil_metrics_age_seconds") < 0.5);
	assert_string_equal(r.captured, "");
	httpc_resp_free(&r);
	get(l, "/metrics", &r, &secs);
	assert_true(prom_value(r.body, "fake_renders") == 2); /* fresh for each request */
	httpc_resp_free(&r);
	get(l, "/v1/members", &r, &secs);
	assert_string_equal(r.body, "{\"renders\": 1}");
	httpc_resp_free(&r);
	assert_int_equal(l->renders[API_METRICS], 2);
	assert_int_equal(l->renders[API_MEMBERS], 1);
	assert_int_equal(l->renders[API_STATUS], 0);
}

static void test_stalled_loop_served_stale_in_bounded_time(void **state)
{
	struct fake_loop *l = *state;
	struct httpc_resp r;
	double secs;

	api_answer(&l->st, fake_render, l, 1); /* what the agent renders at start */
	fake_stall(l, 1);
	get(l, "/metrics", &r, &secs);
	print_message("a stalled loop: /metrics answered in %.3f s\n", secs);
	assert_true(secs >= API_WAIT_MS / 1000.0 * 0.9 && secs < API_WAIT_MS / 1000.0 + 2);
	assert_true(prom_value(r.body, "fake_renders") == 1); /* the last text */
	assert_true(prom_value(r.body, "vigil_metrics_stale") == 1);
	assert_true(prom_value(r.body, "vigil_metrics_stale_total") == 1);
	assert_true(prom_value(r.body, "vigil_metrics_age_seconds") >= 0.9);
	assert_string_equal(r.captured, "110 - \"Response is Stale\"");
	httpc_resp_free(&r);
	/* The loop is known late: the next requests do not wait for it again. */
	get(l, "/v1/status", &r, &secs);
	assert_true(secs < API_WAIT_MS / 1000.0 * 0.8);
	assert_string_equal(r.body, "{\"renders\": 1}");
	assert_string_equal(r.captured, "110 - \"Response is Stale\"");
	httpc_resp_free(&r);
	get(l, "/metrics", &r, &secs);
	assert_true(secs < API_WAIT_MS / 1000.0 * 0.8);
	assert_true(prom_value(r.body, "vigil_metrics_stale_total") == 2);
	httpc_resp_free(&r);
	/* The loop runs again and answers what it was asked meanwhile. */
	fake_stall(l, 0);
	for (int i = 0; i < 100 && l->renders[API_METRICS] < 2; i++)
		usleep(10 * 1000);
	get(l, "/metrics", &r, &secs);
	assert_true(prom_value(r.body, "vigil_metrics_stale") == 0);
	assert_true(prom_value(r.body, "fake_renders") >= 2);
	assert_string_equal(r.captured, "");
	httpc_resp_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ctrsum),
		cmocka_unit_test_setup_teardown(test_series_do_not_grow_with_peers, world_setup,
						world_teardown),
		cmocka_unit_test_setup_teardown(test_rtt_totals_never_go_back, world_setup,
						world_teardown),
		cmocka_unit_test_setup_teardown(test_peer_aggregates, world_setup, world_teardown),
		cmocka_unit_test(test_leader_watch_rule),
		cmocka_unit_test_setup_teardown(test_leader_changes_in_elections, cluster_setup,
						cluster_teardown),
		cmocka_unit_test_setup_teardown(test_rendered_when_asked, loop_setup,
						loop_teardown),
		cmocka_unit_test_setup_teardown(test_stalled_loop_served_stale_in_bounded_time,
						loop_setup, loop_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
