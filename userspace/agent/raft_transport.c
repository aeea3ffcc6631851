// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * raft_transport.c - the authenticated Raft transport (raft_transport.h).
 *
 * A connection ("conn") is a TCP socket plus, once the handshake is done,
 * our end of a socketpair whose other end libraft owns (and closes). Bytes
 * libraft writes are sealed into frames on the TCP socket; frames from TCP
 * are opened and their plaintext written to libraft. Anything that fails
 * closes the whole conn: libraft then sees its end close, as it would a
 * broken TCP connection, and reconnects.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "raft_transport.h"
#include "util.h"

#define HANDSHAKE_MS   3000	  /* from connect() or accept() to a usable connection */
#define MAX_HANDSHAKES 32	  /* incoming handshakes at once; more are refused */
#define HIGH_WATER     (4u << 20) /* stop reading one side while the other has this queued */
#define LOW_WATER      (HIGH_WATER / 4)
#define LOG_EVERY_NS   (10 * NSEC_PER_SEC) /* one refusal line per reason this often */

enum conn_state { C_HANDSHAKE, C_OPEN, C_CLOSING };

struct rt;

struct conn {
	struct rt *rt;
	struct conn *prev, *next;
	int client; /* we connected (else we accepted) */
	enum conn_state state;
	int handles; /* libuv handles still to close; freed at 0 */
	uv_tcp_t tcp;
	uv_timer_t timer; /* the handshake's deadline */
	uv_pipe_t pipe;	  /* our end of the socketpair, once open */
	int has_pipe;
	int tcp_paused, pipe_paused; /* reading stopped: the other side is backed up */
	/* a connection we make: libraft's request, until its callback ran */
	struct raft_uv_connect *req;
	uv_connect_t connect;
	/* the handshake */
	struct raft_auth_hs hs;
	uint8_t want;  /* type of the next handshake message */
	size_t expect; /* and its size */
	struct raft_auth_session sess;
	/* bytes received on TCP, not used yet */
	uint8_t *rx;
	size_t rxlen, rxcap;
	char peer[80]; /* the remote address, for the log */
};

struct rt {
	/* configuration */
	struct raft_uv_transport *t;
	struct raft_transport_params p;
	raft_id id;
	char address[RAFT_AUTH_ADDR_LEN];
	raft_uv_accept_cb accept_cb;
	/* state */
	uv_tcp_t listener;
	int has_listener; /* until its close callback ran */
	struct conn *conns;
	unsigned handshakes; /* incoming, in progress */
	int closing;
	raft_uv_transport_close_cb close_cb;
	/* refusals */
	uint64_t refused[RAFT_AUTH_REFUSALS];
	uint64_t logged_ns[RAFT_AUTH_REFUSALS + 1]; /* +1: refused by the peer */
	uint64_t unlogged[RAFT_AUTH_REFUSALS + 1];
	/* scratch: one read or one frame at a time (one loop thread) */
	uint8_t buf[RAFT_AUTH_FRAME_MAX];
};

struct wreq {
	uv_write_t req;
	struct conn *c;
	uint8_t data[];
};

static void conn_close(struct conn *c);
static void conn_process(struct conn *c);
static void pipe_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf);
static void pipe_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf);

static const char *const why_text[RAFT_AUTH_REFUSALS] = {
	[RAFT_AUTH_MALFORMED] = "not vigil's authenticated Raft protocol (an older vigil, or "
				"another program)",
	[RAFT_AUTH_WRONG_CLUSTER] = "it belongs to another cluster",
	[RAFT_AUTH_UNKNOWN_KEY] = "it uses neither key nor key_next of this host (a key "
				  "mismatch, or a rotation half done)",
	[RAFT_AUTH_BAD_PROOF] = "it names our key but cannot prove it holds it",
	[RAFT_AUTH_UNKNOWN_SERVER] = "its id is no Raft server this host knows",
	[RAFT_AUTH_WRONG_SERVER] = "it means another server id than the one here",
	[RAFT_AUTH_BAD_FRAME] = "a frame failed authentication (forged, altered or replayed)",
	[RAFT_AUTH_TIMEOUT] = "no handshake within 3 s",
	[RAFT_AUTH_BUSY] = "too many handshakes at once",
};

/* One line per reason per LOG_EVERY_NS; the others are counted into the
 * next one, as " (and N more since the last such line)" in more. */
static int log_due(struct rt *rt, int slot, char *more, size_t size)
{
	uint64_t now = now_mono_ns();

	if (rt->logged_ns[slot] && now - rt->logged_ns[slot] < LOG_EVERY_NS) {
		rt->unlogged[slot]++;
		return 0;
	}
	rt->logged_ns[slot] = now;
	more[0] = '\0';
	if (rt->unlogged[slot])
		snprintf(more, size, " (and %llu more since the last such line)",
			 (unsigned long long)rt->unlogged[slot]);
	rt->unlogged[slot] = 0;
	return 1;
}

static void refuse(struct conn *c, enum raft_auth_refusal why)
{
	struct rt *rt = c->rt;
	char id[40] = "", more[64];

	rt->refused[why]++;
	if (log_due(rt, why, more, sizeof(more))) {
		if (c->hs.peer_id)
			snprintf(id, sizeof(id), " (server id %llu)",
				 (unsigned long long)c->hs.peer_id);
		log_warn("raft: connection %s %s%s refused: %s: %s%s", c->client ? "to" : "from",
			 c->peer, id, raft_auth_refusal_name(why), why_text[why], more);
	}
	conn_close(c);
}

/* ---- life cycle ------------------------------------------------------------------ */

static void maybe_closed(struct rt *rt)
{
	raft_uv_transport_close_cb cb = rt->close_cb;

	if (!rt->closing || rt->conns || rt->has_listener || !cb)
		return;
	rt->close_cb = NULL;
	cb(rt->t);
}

static void conn_free(struct conn *c)
{
	struct rt *rt = c->rt;
	struct raft_uv_connect *req = c->req;

	if (c->prev)
		c->prev->next = c->next;
	else
		rt->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	raft_auth_hs_clear(&c->hs);
	sodium_memzero(&c->sess, sizeof(c->sess));
	free(c->rx);
	free(c);
	/* A connection libraft asked for and never got. */
	if (req)
		req->cb(req, NULL, rt->closing ? RAFT_CANCELED : RAFT_NOCONNECTION);
	maybe_closed(rt);
}

static void handle_closed(uv_handle_t *h)
{
	struct conn *c = h->data;

	if (--c->handles == 0)
		conn_free(c);
}

static void conn_close(struct conn *c)
{
	if (c->state == C_CLOSING)
		return;
	if (c->state == C_HANDSHAKE && !c->client)
		c->rt->handshakes--;
	c->state = C_CLOSING;
	uv_close((uv_handle_t *)&c->tcp, handle_closed);
	uv_close((uv_handle_t *)&c->timer, handle_closed);
	if (c->has_pipe)
		uv_close((uv_handle_t *)&c->pipe, handle_closed);
}

static void on_deadline(uv_timer_t *t)
{
	struct conn *c = t->data;

	if (c->state != C_HANDSHAKE)
		return;
	if (c->client) {
		log_debug("raft: connection to %s: no handshake within %d ms", c->peer,
			  HANDSHAKE_MS);
		conn_close(c);
	} else {
		refuse(c, RAFT_AUTH_TIMEOUT);
	}
}

static struct conn *conn_new(struct rt *rt, int client)
{
	struct conn *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->rt = rt;
	c->client = client;
	c->hs.cluster_id = rt->p.cluster_id;
	c->hs.self_id = rt->id;
	snprintf(c->hs.self_addr, sizeof(c->hs.self_addr), "%s", rt->address);
	c->next = rt->conns;
	if (rt->conns)
		rt->conns->prev = c;
	rt->conns = c;
	uv_tcp_init(rt->p.loop, &c->tcp);
	uv_timer_init(rt->p.loop, &c->timer);
	c->tcp.data = c->timer.data = c;
	c->handles = 2;
	uv_timer_start(&c->timer, on_deadline, HANDSHAKE_MS, 0);
	return c;
}

/* ---- writing -------------------------------------------------------------------------- */

static void write_done(uv_write_t *w, int status)
{
	struct wreq *r = (struct wreq *)w;
	struct conn *c = r->c;

	free(r);
	if (status == UV_ECANCELED || c->state == C_CLOSING)
		return;
	if (status) {
		conn_close(c);
		return;
	}
	/* The side we stopped reading may go on once this one drained. */
	if (c->tcp_paused && uv_stream_get_write_queue_size((uv_stream_t *)&c->pipe) < LOW_WATER) {
		c->tcp_paused = 0;
		conn_process(c); /* frames left in rx, then reading again */
	}
	if (c->state == C_OPEN && c->pipe_paused &&
	    uv_stream_get_write_queue_size((uv_stream_t *)&c->tcp) < LOW_WATER) {
		c->pipe_paused = 0;
		uv_read_start((uv_stream_t *)&c->pipe, pipe_alloc, pipe_read);
	}
}

/* Queue a copy of len bytes of p on stream s; 0 or -1 (the conn is closing). */
static int conn_write(struct conn *c, uv_stream_t *s, const void *p, size_t len)
{
	struct wreq *r = malloc(sizeof(*r) + len);
	uv_buf_t b;

	if (!r) {
		conn_close(c);
		return -1;
	}
	memcpy(r->data, p, len);
	r->c = c;
	b = uv_buf_init((char *)r->data, (unsigned)len);
	if (uv_write(&r->req, s, &b, 1, write_done)) {
		free(r);
		conn_close(c);
		return -1;
	}
	return 0;
}

/* ---- libraft's side: plaintext in, frames out ------------------------------------------- */

static void pipe_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	struct conn *c = h->data;

	(void)suggested;
	*buf = uv_buf_init((char *)c->rt->buf, sizeof(c->rt->buf));
}

static void pipe_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
	struct conn *c = s->data;
	struct wreq *r;
	uv_buf_t b;

	if (n == 0 || c->state != C_OPEN)
		return;
	if (n < 0) { /* libraft closed its end */
		conn_close(c);
		return;
	}
	/* n <= RAFT_AUTH_FRAME_MAX: the buffer is that size. */
	r = malloc(sizeof(*r) + (size_t)n + RAFT_AUTH_FRAME_EXTRA);
	if (!r) {
		conn_close(c);
		return;
	}
	r->c = c;
	b = uv_buf_init((char *)r->data,
			(unsigned)raft_auth_seal(&c->sess, buf->base, (size_t)n, r->data));
	if (uv_write(&r->req, (uv_stream_t *)&c->tcp, &b, 1, write_done)) {
		free(r);
		conn_close(c);
		return;
	}
	if (uv_stream_get_write_queue_size((uv_stream_t *)&c->tcp) > HIGH_WATER) {
		uv_read_stop(s);
		c->pipe_paused = 1;
	}
}

static void raft_free_handle(uv_handle_t *h)
{
	raft_free(h);
}

/* The handshake is done: give libraft its end of a socketpair. */
static void conn_open(struct conn *c)
{
	struct rt *rt = c->rt;
	uv_pipe_t *theirs = raft_malloc(sizeof(*theirs));
	struct raft_uv_connect *req = c->req;
	int sv[2];

	if (!theirs || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv)) {
		log_warn("raft: connection %s %s: no socketpair: %s", c->client ? "to" : "from",
			 c->peer, strerror(errno));
		raft_free(theirs);
		conn_close(c);
		return;
	}
	uv_pipe_init(rt->p.loop, &c->pipe, 0);
	c->pipe.data = c;
	c->has_pipe = 1;
	c->handles++;
	if (uv_pipe_open(&c->pipe, sv[0])) {
		close(sv[0]);
		close(sv[1]);
		raft_free(theirs);
		conn_close(c);
		return;
	}
	uv_pipe_init(rt->p.loop, theirs, 0);
	if (uv_pipe_open(theirs, sv[1])) {
		close(sv[1]);
		uv_close((uv_handle_t *)theirs, raft_free_handle);
		conn_close(c);
		return;
	}
	uv_timer_stop(&c->timer);
	if (!c->client)
		rt->handshakes--;
	c->state = C_OPEN;
	uv_read_start((uv_stream_t *)&c->pipe, pipe_alloc, pipe_read);
	log_debug("raft: connection %s %s (server id %llu) authenticated",
		  c->client ? "to" : "from", c->peer, (unsigned long long)c->hs.peer_id);
	/* libraft owns theirs from here: it reads, writes and closes it. */
	if (c->client) {
		c->req = NULL;
		req->cb(req, (uv_stream_t *)theirs, 0);
	} else {
		rt->accept_cb(rt->t, c->hs.peer_id, c->hs.peer_addr, (uv_stream_t *)theirs);
	}
}

/* ---- the TCP side: handshake, then frames in, plaintext out ---------------------------- */

static void tcp_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	struct conn *c = h->data;
	size_t want = c->rxlen + RAFT_AUTH_FRAME_MAX;

	(void)suggested;
	if (c->rxcap < want) {
		uint8_t *p = realloc(c->rx, want);

		if (!p) {
			*buf = uv_buf_init(NULL, 0); /* the read fails with UV_ENOBUFS */
			return;
		}
		c->rx = p;
		c->rxcap = want;
	}
	*buf = uv_buf_init((char *)c->rx + c->rxlen, (unsigned)(c->rxcap - c->rxlen));
}

static void tcp_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
	struct conn *c = s->data;

	(void)buf;
	if (n == 0 || c->state == C_CLOSING)
		return;
	if (n < 0) {
		char more[64];

		/* A server closes on whatever it refuses, without a reason. */
		if (c->state == C_HANDSHAKE && c->client &&
		    log_due(c->rt, RAFT_AUTH_REFUSALS, more, sizeof(more)))
			log_warn("raft: %s closed the connection during the handshake: it refuses "
				 "our key or our id, its log says which%s",
				 c->peer, more);
		conn_close(c);
		return;
	}
	c->rxlen += (size_t)n;
	conn_process(c);
}

static void tcp_resume(struct conn *c)
{
	uv_read_start((uv_stream_t *)&c->tcp, tcp_alloc, tcp_read);
}

/* The next handshake message this side waits for. */
static void expect(struct conn *c, uint8_t type, size_t size)
{
	c->want = type;
	c->expect = size;
}

/* Answer one whole handshake message (msg, of the size expected); returns
 * RAFT_AUTH_OK or why to refuse the connection. */
static int handshake_step(struct conn *c, const uint8_t *msg)
{
	struct rt *rt = c->rt;
	struct raft_auth_keys keys;
	uint8_t nonce[RAFT_AUTH_NONCE_LEN];
	int rc = RAFT_AUTH_OK;

	switch (c->want) {
	case RAFT_AUTH_HELLO: {
		struct raft_auth_hello in;
		struct raft_auth_challenge out;

		memcpy(&in, msg, sizeof(in));
		raft_auth_keys_derive(&keys, rt->p.keys);
		randombytes_buf(nonce, sizeof(nonce));
		rc = raft_auth_server_challenge(&c->hs, &keys, rt->p.known, rt->p.ctx, &in, nonce,
						&out);
		sodium_memzero(&keys, sizeof(keys));
		if (rc == RAFT_AUTH_OK && !conn_write(c, (uv_stream_t *)&c->tcp, &out, sizeof(out)))
			expect(c, RAFT_AUTH_CONFIRM, sizeof(struct raft_auth_confirm));
		break;
	}
	case RAFT_AUTH_CHALLENGE: {
		struct raft_auth_challenge in;
		struct raft_auth_confirm out;

		memcpy(&in, msg, sizeof(in));
		rc = raft_auth_client_confirm(&c->hs, &in, &out, &c->sess);
		if (rc == RAFT_AUTH_OK && !conn_write(c, (uv_stream_t *)&c->tcp, &out, sizeof(out)))
			expect(c, RAFT_AUTH_ACCEPT, sizeof(struct raft_auth_accept));
		break;
	}
	case RAFT_AUTH_CONFIRM: {
		struct raft_auth_confirm in;
		struct raft_auth_accept out;

		memcpy(&in, msg, sizeof(in));
		rc = raft_auth_server_accept(&c->hs, &in, &out, &c->sess);
		if (rc == RAFT_AUTH_OK && !conn_write(c, (uv_stream_t *)&c->tcp, &out, sizeof(out)))
			conn_open(c);
		break;
	}
	case RAFT_AUTH_ACCEPT: {
		struct raft_auth_accept in;

		memcpy(&in, msg, sizeof(in));
		rc = raft_auth_client_accepted(&c->hs, &in, &c->sess);
		if (rc == RAFT_AUTH_OK)
			conn_open(c);
		break;
	}
	}
	return rc;
}

/* Use what rx holds: handshake messages, then frames. */
static void conn_process(struct conn *c)
{
	uint8_t msg[sizeof(struct raft_auth_hello)]; /* the largest handshake message */
	size_t off = 0, plen, len;
	long n;
	int rc;

	while (c->state == C_HANDSHAKE) {
		if (c->rxlen >= sizeof(struct raft_auth_head) &&
		    raft_auth_check_head(c->rx, c->want)) {
			refuse(c, RAFT_AUTH_MALFORMED);
			return;
		}
		if (c->rxlen < c->expect)
			return;
		len = c->expect;
		memcpy(msg, c->rx, len);
		memmove(c->rx, c->rx + len, c->rxlen - len);
		c->rxlen -= len;
		rc = handshake_step(c, msg);
		sodium_memzero(msg, sizeof(msg));
		if (rc != RAFT_AUTH_OK) {
			refuse(c, (enum raft_auth_refusal)rc);
			return;
		}
	}
	while (c->state == C_OPEN && !c->tcp_paused) {
		n = raft_auth_open(&c->sess, c->rx + off, c->rxlen - off, c->rt->buf, &plen);
		if (n < 0) {
			refuse(c, RAFT_AUTH_BAD_FRAME);
			return;
		}
		if (n == 0)
			break;
		off += (size_t)n;
		if (plen && conn_write(c, (uv_stream_t *)&c->pipe, c->rt->buf, plen))
			return;
		if (uv_stream_get_write_queue_size((uv_stream_t *)&c->pipe) > HIGH_WATER)
			c->tcp_paused = 1;
	}
	if (c->state != C_OPEN)
		return;
	memmove(c->rx, c->rx + off, c->rxlen - off);
	c->rxlen -= off;
	if (c->tcp_paused)
		uv_read_stop((uv_stream_t *)&c->tcp);
	else
		tcp_resume(c);
}

/* ---- connections we make ---------------------------------------------------------------- */

static void on_connected(uv_connect_t *r, int status)
{
	struct conn *c = r->data;
	struct raft_auth_keys keys;
	struct raft_auth_hello hello;
	uint8_t nonce[RAFT_AUTH_NONCE_LEN];
	int rc;

	if (status == UV_ECANCELED || c->state == C_CLOSING)
		return;
	if (status) {
		log_debug("raft: cannot connect to %s: %s", c->peer, uv_strerror(status));
		conn_close(c);
		return;
	}
	uv_tcp_nodelay(&c->tcp, 1);
	raft_auth_keys_derive(&keys, c->rt->p.keys);
	randombytes_buf(nonce, sizeof(nonce));
	rc = raft_auth_client_hello(&c->hs, &keys, nonce, &hello);
	sodium_memzero(&keys, sizeof(keys));
	if (rc != RAFT_AUTH_OK) {
		log_warn("raft: no cluster key to connect to %s with", c->peer);
		conn_close(c);
		return;
	}
	if (conn_write(c, (uv_stream_t *)&c->tcp, &hello, sizeof(hello)))
		return;
	expect(c, RAFT_AUTH_CHALLENGE, sizeof(struct raft_auth_challenge));
	tcp_resume(c);
}

static int rt_connect(struct raft_uv_transport *t, struct raft_uv_connect *req, raft_id id,
		      const char *address, raft_uv_connect_cb cb)
{
	struct rt *rt = t->impl;
	struct sockaddr_storage ss;
	socklen_t sl;
	struct conn *c;

	if (addr_parse(address, 0, &ss, &sl)) {
		snprintf(t->errmsg, sizeof(t->errmsg), "bad address %s", address);
		return RAFT_NOCONNECTION;
	}
	c = conn_new(rt, 1);
	if (!c) {
		snprintf(t->errmsg, sizeof(t->errmsg), "out of memory");
		return RAFT_NOMEM;
	}
	snprintf(c->peer, sizeof(c->peer), "%s", address);
	c->hs.peer_id = id;
	c->connect.data = c;
	if (uv_tcp_connect(&c->connect, &c->tcp, (struct sockaddr *)&ss, on_connected)) {
		snprintf(t->errmsg, sizeof(t->errmsg), "cannot connect to %s", address);
		conn_close(c); /* req not set: libraft hears of it from our return value only */
		return RAFT_NOCONNECTION;
	}
	req->cb = cb;
	c->req = req;
	return 0;
}

/* ---- connections we accept -------------------------------------------------------------- */

static void on_incoming(uv_stream_t *l, int status)
{
	struct rt *rt = l->data;
	struct sockaddr_storage ss;
	int sl = sizeof(ss);
	struct conn *c;

	if (status || rt->closing)
		return;
	c = conn_new(rt, 0);
	if (!c)
		return;
	rt->handshakes++;
	snprintf(c->peer, sizeof(c->peer), "?");
	if (uv_accept(l, (uv_stream_t *)&c->tcp)) {
		conn_close(c);
		return;
	}
	if (!uv_tcp_getpeername(&c->tcp, (struct sockaddr *)&ss, &sl))
		addr_format((struct sockaddr *)&ss, c->peer, sizeof(c->peer));
	if (rt->handshakes > MAX_HANDSHAKES) {
		refuse(c, RAFT_AUTH_BUSY);
		return;
	}
	uv_tcp_nodelay(&c->tcp, 1);
	expect(c, RAFT_AUTH_HELLO, sizeof(struct raft_auth_hello));
	tcp_resume(c);
}

static int rt_listen(struct raft_uv_transport *t, raft_uv_accept_cb cb)
{
	struct rt *rt = t->impl;
	struct sockaddr_storage ss;
	socklen_t sl;
	int rc;

	rt->accept_cb = cb;
	if (addr_parse(rt->address, 0, &ss, &sl)) {
		snprintf(t->errmsg, sizeof(t->errmsg), "bad address %s", rt->address);
		return RAFT_INVALID;
	}
	if ((rc = uv_tcp_bind(&rt->listener, (struct sockaddr *)&ss, 0)) ||
	    (rc = uv_listen((uv_stream_t *)&rt->listener, 64, on_incoming))) {
		snprintf(t->errmsg, sizeof(t->errmsg), "listen on %s: %s", rt->address,
			 uv_strerror(rc));
		return RAFT_IOERR;
	}
	return 0;
}

/* ---- the transport ------------------------------------------------------------------------ */

static int rt_init(struct raft_uv_transport *t, raft_id id, const char *address)
{
	struct rt *rt = t->impl;

	if (strlen(address) >= sizeof(rt->address)) {
		snprintf(t->errmsg, sizeof(t->errmsg), "address too long: %s", address);
		return RAFT_INVALID;
	}
	rt->id = id;
	snprintf(rt->address, sizeof(rt->address), "%s", address);
	uv_tcp_init(rt->p.loop, &rt->listener);
	rt->listener.data = rt;
	rt->has_listener = 1;
	return 0;
}

static void listener_closed(uv_handle_t *h)
{
	struct rt *rt = h->data;

	rt->has_listener = 0;
	maybe_closed(rt);
}

static void rt_close(struct raft_uv_transport *t, raft_uv_transport_close_cb cb)
{
	struct rt *rt = t->impl;

	rt->closing = 1;
	rt->close_cb = cb;
	for (struct conn *c = rt->conns; c; c = c->next)
		conn_close(c);
	if (rt->has_listener)
		uv_close((uv_handle_t *)&rt->listener, listener_closed);
	else
		maybe_closed(rt);
}

int raft_transport_init(struct raft_uv_transport *t, const struct raft_transport_params *p)
{
	void *data = t->data;
	struct rt *rt;

	memset(t, 0, sizeof(*t));
	t->data = data;
	if (sodium_init() < 0)
		return RAFT_IOERR;
	rt = calloc(1, sizeof(*rt));
	if (!rt)
		return RAFT_NOMEM;
	rt->t = t;
	rt->p = *p;
	t->impl = rt;
	t->init = rt_init;
	t->listen = rt_listen;
	t->connect = rt_connect;
	t->close = rt_close;
	return 0;
}

void raft_transport_close(struct raft_uv_transport *t)
{
	free(t->impl);
	t->impl = NULL;
}

const uint64_t *raft_transport_refused(const struct raft_uv_transport *t)
{
	const struct rt *rt = t->impl;

	return rt->refused;
}
