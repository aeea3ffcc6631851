// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_raft_transport.c - the authenticated Raft transport
 * (agent/raft_transport.c) as libraft drives it, on loopback TCP in one
 * libuv loop: two transports connect and carry bytes both ways; a raw
 * socket playing a plain libraft peer, a peer without the key, an unknown
 * id, and a peer that authenticates and then replays or alters a frame is
 * refused, counted, and never reaches the libraft side; closing cancels a
 * pending connect. The loop must end with every handle closed.
 */
#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "raft_peer.h"
#include "raft_transport.h"
#include "util.h"

#define CLUSTER 0x95cf28c0U
#define ID_A	1 /* listens */
#define ID_B	2 /* connects */

static const uint8_t key_a[VIGIL_KEY_LEN] = {0xa0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14};
static const uint8_t key_b[VIGIL_KEY_LEN] = {0xb0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14};

/* What libraft would hold of one transport. */
struct side {
	struct raft_uv_transport t;
	struct vigil_keyring kr;
	raft_id id;
	char addr[32];
	/* accepted connections */
	uv_stream_t *in;
	raft_id in_id;
	char in_addr[64];
	int accepts;
	/* bytes read from `in`, EOF seen */
	uint8_t *got;
	size_t ngot;
	int reads, eof;
	/* our connect request */
	struct raft_uv_connect req;
	uv_stream_t *out;
	int connect_status, connect_done;
	int closed;
};

struct env {
	uv_loop_t loop;
	struct side a, b;
};

static int known(void *ctx, uint64_t id)
{
	(void)ctx;
	return id == ID_A || id == ID_B;
}

static uint16_t free_port(void)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t sl = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
	close(fd);
	return ntohs(sa.sin_port);
}

/* Run the loop until *flag is non-zero or ms pass; returns *flag. */
static int run_until(struct env *e, const int *flag, int ms)
{
	for (int i = 0; i < ms && !*flag; i++) {
		uv_run(&e->loop, UV_RUN_NOWAIT);
		if (!*flag)
			usleep(1000);
	}
	return *flag;
}

static void in_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	struct side *s = h->data;

	s->got = realloc(s->got, s->ngot + suggested);
	*buf = uv_buf_init((char *)s->got + s->ngot, (unsigned)suggested);
}

static void in_read(uv_stream_t *st, ssize_t n, const uv_buf_t *buf)
{
	struct side *s = st->data;

	(void)buf;
	if (n < 0) {
		s->eof = 1;
	} else if (n > 0) {
		s->ngot += (size_t)n;
		s->reads++;
	}
}

static void on_accept(struct raft_uv_transport *t, raft_id id, const char *address,
		      uv_stream_t *stream)
{
	struct side *s = t->data;

	assert_null(s->in); /* one per test */
	s->in = stream;
	s->in_id = id;
	snprintf(s->in_addr, sizeof(s->in_addr), "%s", address);
	s->accepts++;
	stream->data = s;
	uv_read_start(stream, in_alloc, in_read);
}

static void on_connect(struct raft_uv_connect *req, uv_stream_t *stream, int status)
{
	struct side *s = req->data;

	s->out = stream;
	s->connect_status = status;
	s->connect_done = 1;
}

static void side_init(struct env *e, struct side *s, raft_id id, const uint8_t *key,
		      const uint8_t *key_next)
{
	struct raft_transport_params p = {
		.loop = &e->loop, .cluster_id = CLUSTER, .keys = &s->kr, .known = known};

	rp_keyring(&s->kr, key, key_next);
	s->id = id;
	snprintf(s->addr, sizeof(s->addr), "127.0.0.1:%u", free_port());
	s->t.data = s;
	assert_int_equal(raft_transport_init(&s->t, &p), 0);
	assert_int_equal(s->t.init(&s->t, id, s->addr), 0);
	s->req.data = s;
}

static int setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));

	if (!e || uv_loop_init(&e->loop))
		return -1;
	side_init(e, &e->a, ID_A, key_a, NULL);
	side_init(e, &e->b, ID_B, key_a, NULL);
	assert_int_equal(e->a.t.listen(&e->a.t, on_accept), 0);
	*state = e;
	return 0;
}

static void free_stream(uv_handle_t *h)
{
	raft_free(h);
}

static void transport_closed(struct raft_uv_transport *t)
{
	struct side *s = t->data;

	s->closed = 1;
}

static void side_close(struct env *e, struct side *s)
{
	if (s->in)
		uv_close((uv_handle_t *)s->in, free_stream);
	if (s->out)
		uv_close((uv_handle_t *)s->out, free_stream);
	if (s->t.impl) { /* not closed by the test itself */
		s->t.close(&s->t, transport_closed);
		assert_true(run_until(e, &s->closed, 2000));
		raft_transport_close(&s->t);
	}
	free(s->got);
}

static int teardown(void **state)
{
	struct env *e = *state;

	side_close(e, &e->a);
	side_close(e, &e->b);
	uv_run(&e->loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&e->loop), 0); /* every handle closed */
	free(e);
	return 0;
}

static uint64_t refused(struct side *s, enum raft_auth_refusal r)
{
	return raft_transport_refused(&s->t)[r];
}

/* ---- a raw peer: a plain socket, for what libraft's side never sends ------------------ */

static int raw_connect(struct side *to)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_int_equal(addr_parse(to->addr, 0, &ss, &sl), 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&ss, sl), 0);
	return fd;
}

/* Read exactly n bytes from fd while the loop runs; 0, or -1 on EOF/timeout. */
static int raw_read(struct env *e, int fd, void *buf, size_t n)
{
	size_t got = 0;

	for (int i = 0; i < 2000 && got < n; i++) {
		ssize_t r;

		uv_run(&e->loop, UV_RUN_NOWAIT);
		r = recv(fd, (char *)buf + got, n - got, MSG_DONTWAIT);
		if (r == 0 || (r < 0 && errno != EAGAIN))
			return -1;
		if (r > 0)
			got += (size_t)r;
		else
			usleep(1000);
	}
	return got == n ? 0 : -1;
}

/* 1 if the other end closed fd (after the loop had its chance to). */
static int raw_closed(struct env *e, int fd)
{
	char c;

	for (int i = 0; i < 2000; i++) {
		ssize_t r;

		uv_run(&e->loop, UV_RUN_NOWAIT);
		r = recv(fd, &c, 1, MSG_DONTWAIT);
		if (r == 0 || (r < 0 && errno != EAGAIN))
			return 1;
		usleep(1000);
	}
	return 0;
}

/* Authenticate to `to` as client `id` with `key`, through a raw socket. */
static int raw_handshake(struct env *e, struct side *to, raft_id id, const uint8_t *key,
			 struct raft_auth_session *sess)
{
	struct raft_auth_hs hs = {.cluster_id = CLUSTER, .self_id = id, .peer_id = to->id};
	struct vigil_keyring kr;
	struct raft_auth_keys keys;
	struct raft_auth_hello hello;
	struct raft_auth_challenge ch;
	struct raft_auth_confirm cf;
	struct raft_auth_accept ac;
	uint8_t nonce[RAFT_AUTH_NONCE_LEN] = {7};
	int fd = raw_connect(to);

	strcpy(hs.self_addr, "127.0.0.1:1");
	rp_keyring(&kr, key, NULL);
	raft_auth_keys_derive(&keys, &kr);
	assert_int_equal(raft_auth_client_hello(&hs, &keys, nonce, &hello), RAFT_AUTH_OK);
	assert_int_equal(send(fd, &hello, sizeof(hello), 0), sizeof(hello));
	if (raw_read(e, fd, &ch, sizeof(ch)))
		return fd; /* refused: the caller checks why */
	assert_int_equal(raft_auth_client_confirm(&hs, &ch, &cf, sess), RAFT_AUTH_OK);
	assert_int_equal(send(fd, &cf, sizeof(cf), 0), sizeof(cf));
	assert_int_equal(raw_read(e, fd, &ac, sizeof(ac)), 0);
	assert_int_equal(raft_auth_client_accepted(&hs, &ac, sess), RAFT_AUTH_OK);
	return fd;
}

/* ---- tests ----------------------------------------------------------------------------- */

static void write_done(uv_write_t *w, int status)
{
	assert_int_equal(status, 0);
	free(w);
}

static void stream_write(uv_stream_t *s, const void *p, size_t n)
{
	uv_write_t *w = malloc(sizeof(*w));
	uv_buf_t b = uv_buf_init((char *)p, (unsigned)n);

	assert_int_equal(uv_write(w, s, &b, 1, write_done), 0);
}

static int got_at_least(struct side *s, size_t n)
{
	return s->ngot >= n;
}

static void test_connects_and_carries_bytes(void **state)
{
	struct env *e = *state;
	size_t big = 300 * 1024;
	uint8_t *data = malloc(big);
	int done = 0;

	struct timespec t0, t1;

	for (size_t i = 0; i < big; i++)
		data[i] = (uint8_t)(i * 31 + 7);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(e->b.t.connect(&e->b.t, &e->b.req, ID_A, e->a.addr, on_connect), 0);
	for (int i = 0; i < 200000 && !e->b.connect_done; i++)
		uv_run(&e->loop, UV_RUN_NOWAIT); /* busy: time the handshake, not our sleeps */
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_true(run_until(e, &e->b.connect_done, 2000));
	assert_int_equal(e->b.connect_status, 0);
	print_message("connect to usable, loopback: %.0f us\n",
		      ((double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec)) /
			      1e3);
	assert_true(run_until(e, &e->a.accepts, 2000));
	assert_int_equal(e->a.in_id, ID_B);
	assert_string_equal(e->a.in_addr, e->b.addr); /* as B's HELLO names it */
	/* libraft's bytes, larger than a frame, arrive whole and in order. */
	stream_write(e->b.out, data, big);
	for (int i = 0; i < 3000 && !done; i++) {
		uv_run(&e->loop, UV_RUN_NOWAIT);
		done = got_at_least(&e->a, big);
		if (!done)
			usleep(1000);
	}
	assert_int_equal(e->a.ngot, big);
	assert_memory_equal(e->a.got, data, big);
	assert_int_equal(refused(&e->a, RAFT_AUTH_BAD_FRAME), 0);
	/* libraft closing its end closes the connection: the other side sees EOF. */
	uv_close((uv_handle_t *)e->b.out, free_stream);
	e->b.out = NULL;
	assert_true(run_until(e, &e->a.eof, 2000));
	free(data);
}

static void test_plain_libraft_refused(void **state)
{
	struct env *e = *state;
	uint8_t forged[256];
	size_t n = rp_libraft_append_entries(forged, 4242, "127.0.0.9:7300", 3);
	int fd = raw_connect(&e->a);

	assert_int_equal(send(fd, forged, n, 0), (ssize_t)n);
	assert_true(raw_closed(e, fd));
	assert_int_equal(refused(&e->a, RAFT_AUTH_MALFORMED), 1);
	assert_int_equal(e->a.accepts, 0); /* libraft never saw it */
	close(fd);
}

static void test_without_key_refused(void **state)
{
	struct env *e = *state;
	struct raft_auth_session sess;
	int fd;

	/* A raw peer with another key. */
	fd = raw_handshake(e, &e->a, ID_B, key_b, &sess);
	assert_true(raw_closed(e, fd));
	close(fd);
	assert_int_equal(refused(&e->a, RAFT_AUTH_UNKNOWN_KEY), 1);
	/* A transport with another key: its connect fails, libraft retries later. */
	rp_keyring(&e->b.kr, key_b, NULL);
	assert_int_equal(e->b.t.connect(&e->b.t, &e->b.req, ID_A, e->a.addr, on_connect), 0);
	assert_true(run_until(e, &e->b.connect_done, 2000));
	assert_int_equal(e->b.connect_status, RAFT_NOCONNECTION);
	assert_null(e->b.out);
	assert_int_equal(refused(&e->a, RAFT_AUTH_UNKNOWN_KEY), 2);
	assert_int_equal(e->a.accepts, 0);
	/* After a reload that adds A's key as key_next, B is let in. */
	rp_keyring(&e->a.kr, key_a, key_b);
	e->b.connect_done = 0;
	assert_int_equal(e->b.t.connect(&e->b.t, &e->b.req, ID_A, e->a.addr, on_connect), 0);
	assert_true(run_until(e, &e->b.connect_done, 2000));
	assert_int_equal(e->b.connect_status, 0);
	assert_true(run_until(e, &e->a.accepts, 2000));
}

static void test_unknown_id_refused(void **state)
{
	struct env *e = *state;
	struct raft_auth_session sess;
	int fd = raw_handshake(e, &e->a, 4242, key_a, &sess);

	assert_true(raw_closed(e, fd));
	close(fd);
	assert_int_equal(refused(&e->a, RAFT_AUTH_UNKNOWN_SERVER), 1);
	assert_int_equal(e->a.accepts, 0);
}

/* Authenticate as B through a raw socket, then send a frame twice
 * (replay) or once with a byte changed: the first copy is delivered, what
 * does not authenticate cuts the connection and never reaches libraft. */
static void frame_cuts_connection(struct env *e, int replay)
{
	struct raft_auth_session sess;
	uint8_t frame[64];
	size_t n, delivered = replay ? 7 : 0;
	int fd = raw_handshake(e, &e->a, ID_B, key_a, &sess);

	assert_true(run_until(e, &e->a.accepts, 2000));
	n = raft_auth_seal(&sess, "term=3\n", 7, frame);
	if (replay) {
		assert_int_equal(send(fd, frame, n, 0), (ssize_t)n);
		assert_true(run_until(e, &e->a.reads, 2000));
		assert_memory_equal(e->a.got, "term=3\n", 7);
	} else {
		frame[RAFT_AUTH_FRAME_HDR + 5] ^= 0x04; /* "term=7" */
	}
	assert_int_equal(send(fd, frame, n, 0), (ssize_t)n);
	assert_true(raw_closed(e, fd));
	close(fd);
	assert_int_equal(refused(&e->a, RAFT_AUTH_BAD_FRAME), 1);
	assert_true(run_until(e, &e->a.eof, 2000));
	assert_int_equal(e->a.ngot, delivered);
}

static void test_replayed_frame_refused(void **state)
{
	frame_cuts_connection(*state, 1);
}

static void test_altered_frame_refused(void **state)
{
	frame_cuts_connection(*state, 0);
}

/* Closing the transport cancels a connect still in its handshake. */
static void test_close_cancels_pending_connect(void **state)
{
	struct env *e = *state;
	struct sockaddr_storage ss;
	socklen_t sl;
	char addr[32];
	int l = socket(AF_INET, SOCK_STREAM, 0);

	/* A peer that accepts TCP (in its backlog) and never answers. */
	snprintf(addr, sizeof(addr), "127.0.0.1:%u", free_port());
	assert_int_equal(addr_parse(addr, 0, &ss, &sl), 0);
	assert_int_equal(bind(l, (struct sockaddr *)&ss, sl), 0);
	assert_int_equal(listen(l, 4), 0);
	assert_int_equal(e->b.t.connect(&e->b.t, &e->b.req, ID_A, addr, on_connect), 0);
	for (int i = 0; i < 50; i++) {
		uv_run(&e->loop, UV_RUN_NOWAIT);
		usleep(1000);
	}
	assert_false(e->b.connect_done);
	e->b.t.close(&e->b.t, transport_closed);
	assert_true(run_until(e, &e->b.connect_done, 2000));
	assert_int_equal(e->b.connect_status, RAFT_CANCELED);
	assert_true(run_until(e, &e->b.closed, 2000));
	raft_transport_close(&e->b.t); /* and teardown leaves B alone */
	close(l);
}

/* The cost of one handshake, both sides' crypto (no I/O), for the record. */
static void test_handshake_cost(void **state)
{
	struct vigil_keyring kr;
	struct raft_auth_keys keys;
	uint8_t nonce[RAFT_AUTH_NONCE_LEN] = {1};
	struct timespec t0, t1;
	int rounds = 2000;

	(void)state;
	rp_keyring(&kr, key_a, key_b);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < rounds; i++) {
		struct raft_auth_hs c = {.cluster_id = CLUSTER, .self_id = ID_B, .peer_id = ID_A};
		struct raft_auth_hs s = {.cluster_id = CLUSTER, .self_id = ID_A};
		struct raft_auth_session cs, ss;
		struct raft_auth_hello h;
		struct raft_auth_challenge ch;
		struct raft_auth_confirm cf;
		struct raft_auth_accept ac;

		raft_auth_keys_derive(&keys, &kr); /* client */
		assert_int_equal(raft_auth_client_hello(&c, &keys, nonce, &h), 0);
		raft_auth_keys_derive(&keys, &kr); /* server */
		assert_int_equal(raft_auth_server_challenge(&s, &keys, known, NULL, &h, nonce, &ch),
				 0);
		assert_int_equal(raft_auth_client_confirm(&c, &ch, &cf, &cs), 0);
		assert_int_equal(raft_auth_server_accept(&s, &cf, &ac, &ss), 0);
		assert_int_equal(raft_auth_client_accepted(&c, &ac, &cs), 0);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	print_message("handshake crypto, both sides: %.1f us\n",
		      ((double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec)) /
			      rounds / 1e3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_connects_and_carries_bytes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_plain_libraft_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_without_key_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_id_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_replayed_frame_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_altered_frame_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_close_cancels_pending_connect, setup,
						teardown),
		cmocka_unit_test(test_handshake_cost),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
