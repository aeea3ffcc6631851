// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * pushpull.c - anti-entropy: periodically exchange the full member table with
 * one random member over TCP (same port number as the UDP gossip), so views
 * that gossip left apart (lost datagrams, a healed partition, a fresh joiner)
 * converge. Also how a new agent joins: one reliable exchange with a seed.
 *
 * Frame on the wire: a 4-byte big-endian length, then that many bytes of zlib
 * (RFC 1950) data; inflated, a signed STATE message (docs/protocol.md).
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "pushpull.h"
#include "util.h"

#define PP_TIMEOUT_MS 5000
#define PP_MAX_FRAME  (4u << 20) /* compressed bytes we accept */
#define PP_MAX_CONNS  16	 /* exchanges in progress at once, both ways */

/* Our full state as a frame: every member (and self), signed. */
static int state_frame(const struct memb *m, uint8_t **out, size_t *outlen)
{
	struct wire_update *u = malloc((m->n + 1) * sizeof(*u));
	size_t n;
	int rc;

	if (!u)
		return -1;
	n = memb_snapshot(m, u, m->n + 1);
	rc = wire_state_frame(u, n, m->cluster_id, m->self.id, &m->keys, out, outlen);
	free(u);
	return rc;
}

/* ---- one exchange over a TCP connection ------------------------------- */

struct pp_conn {
	uv_tcp_t tcp;
	uv_timer_t timer;
	uv_connect_t connect;
	uv_write_t write;
	struct pushpull *pp;
	uint8_t *out; /* our frame */
	size_t outlen;
	uint8_t *in; /* their frame as it arrives */
	size_t inlen, incap;
	int server; /* 1: accepted, answer after reading */
	int closing;
	int handles;		       /* handles still to close */
	struct pp_conn *next, **pprev; /* in pushpull.conns */
};

static void conn_free(uv_handle_t *h)
{
	struct pp_conn *c = h->data;

	if (--c->handles)
		return;
	*c->pprev = c->next;
	if (c->next)
		c->next->pprev = c->pprev;
	c->pp->active--;
	free(c->out);
	free(c->in);
	free(c);
}

static void conn_close(struct pp_conn *c)
{
	if (c->closing)
		return;
	c->closing = 1;
	uv_timer_stop(&c->timer);
	uv_close((uv_handle_t *)&c->timer, conn_free);
	uv_close((uv_handle_t *)&c->tcp, conn_free);
}

static void on_timeout(uv_timer_t *t)
{
	struct pp_conn *c = t->data;

	log_debug("push-pull: timed out");
	conn_close(c);
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	struct pp_conn *c = h->data;

	(void)suggested;
	if (c->incap - c->inlen < 65536) {
		size_t cap = c->incap ? c->incap * 2 : 131072;
		uint8_t *n = cap <= PP_MAX_FRAME + 4 ? realloc(c->in, cap) : NULL;

		if (!n) {
			*buf = uv_buf_init(NULL, 0);
			return;
		}
		c->in = n;
		c->incap = cap;
	}
	*buf = uv_buf_init((char *)c->in + c->inlen, (unsigned)(c->incap - c->inlen));
}

static void on_written(uv_write_t *w, int status)
{
	struct pp_conn *c = w->data;

	if (status < 0) {
		log_debug("push-pull: write: %s", uv_strerror(status));
		conn_close(c);
		return;
	}
	if (c->server)
		conn_close(c); /* we read theirs first, so we are done */
}

static int send_frame(struct pp_conn *c)
{
	uv_buf_t b;

	if (state_frame(c->pp->memb, &c->out, &c->outlen))
		return -1;
	b = uv_buf_init((char *)c->out, (unsigned)c->outlen);
	c->write.data = c;
	return uv_write(&c->write, (uv_stream_t *)&c->tcp, &b, 1, on_written);
}

static void frame_received(struct pp_conn *c)
{
	struct wire_update *u = NULL;
	size_t n = 0;
	uint32_t zlen = ntohl(*(uint32_t *)(void *)c->in);
	struct memb *m = c->pp->memb;
	int err = wire_state_unframe(c->in + 4, zlen, m->cluster_id, &m->keys, &u, &n);

	if (err) {
		m->stats.bad_msgs++;
		log_warn("push-pull: refused a state frame: %s", wire_strerror(err));
		conn_close(c);
		return;
	}
	memb_merge(m, u, n);
	c->pp->exchanges++;
	free(u);
	if (c->server) {
		if (send_frame(c))
			conn_close(c);
	} else {
		conn_close(c);
	}
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
	struct pp_conn *c = s->data;
	uint32_t zlen;

	(void)buf;
	if (nread < 0) {
		conn_close(c);
		return;
	}
	c->inlen += (size_t)nread;
	if (c->inlen < 4)
		return;
	zlen = ntohl(*(uint32_t *)(void *)c->in);
	if (zlen == 0 || zlen > PP_MAX_FRAME) {
		log_warn("push-pull: frame of %u bytes refused", zlen);
		conn_close(c);
		return;
	}
	if (c->inlen >= 4 + (size_t)zlen) {
		uv_read_stop(s);
		frame_received(c);
	}
}

static struct pp_conn *conn_new(struct pushpull *pp, int server)
{
	struct pp_conn *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->pp = pp;
	c->server = server;
	c->handles = 2;
	c->next = pp->conns;
	if (c->next)
		c->next->pprev = &c->next;
	c->pprev = &pp->conns;
	pp->conns = c;
	pp->active++;
	uv_tcp_init(pp->loop, &c->tcp);
	uv_timer_init(pp->loop, &c->timer);
	c->tcp.data = c->timer.data = c;
	uv_timer_start(&c->timer, on_timeout, PP_TIMEOUT_MS, 0);
	return c;
}

static void on_connect(uv_connect_t *req, int status)
{
	struct pp_conn *c = req->data;

	if (status < 0) {
		log_debug("push-pull: connect: %s", uv_strerror(status));
		conn_close(c);
		return;
	}
	if (send_frame(c)) {
		conn_close(c);
		return;
	}
	uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
}

int pushpull_with(struct pushpull *pp, const struct sockaddr *to)
{
	struct pp_conn *c;

	if (pp->closed)
		return -1;
	c = conn_new(pp, 0);
	if (!c)
		return -1;
	c->connect.data = c;
	if (uv_tcp_connect(&c->connect, &c->tcp, to, on_connect)) {
		conn_close(c);
		return -1;
	}
	return 0;
}

static void on_accept(uv_stream_t *server, int status)
{
	struct pushpull *pp = server->data;
	struct pp_conn *c;
	uv_tcp_t *drop;

	if (status < 0)
		return;
	/* Accepted connections are unauthenticated until their frame is
	 * read: each may hold a descriptor and up to PP_MAX_FRAME for
	 * PP_TIMEOUT_MS. Past PP_MAX_CONNS at once, accept and close at once. */
	if (pp->active >= PP_MAX_CONNS) {
		pp->refused++;
		drop = malloc(sizeof(*drop));
		if (!drop)
			return;
		uv_tcp_init(pp->loop, drop);
		if (uv_accept(server, (uv_stream_t *)drop) == 0)
			uv_tcp_close_reset(drop, (uv_close_cb)free);
		else
			uv_close((uv_handle_t *)drop, (uv_close_cb)free);
		return;
	}
	c = conn_new(pp, 1);
	if (!c)
		return;
	if (uv_accept(server, (uv_stream_t *)&c->tcp)) {
		conn_close(c);
		return;
	}
	uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
}

static void on_pp_timer(uv_timer_t *t)
{
	struct pushpull *pp = t->data;
	const struct memb *m = pp->memb;
	size_t live = 0;

	for (size_t i = 0; i < m->n; i++)
		live += m->members[i]->state == MEMB_ALIVE;
	if (!live)
		return;
	/* A random alive member. */
	for (int tries = 0; tries < 16; tries++) {
		const struct member *mb = m->members[m->env.random(m->env.ctx) % m->n];

		if (mb->state == MEMB_ALIVE) {
			pushpull_with(pp, (const struct sockaddr *)&mb->addr);
			return;
		}
	}
}

int pushpull_start(struct pushpull *pp, uv_loop_t *loop, const struct sockaddr *bind_addr)
{
	int rc;

	pp->loop = loop;
	uv_tcp_init(loop, &pp->listener);
	pp->listener.data = pp;
	rc = uv_tcp_bind(&pp->listener, bind_addr, 0);
	if (!rc)
		rc = uv_listen((uv_stream_t *)&pp->listener, 16, on_accept);
	if (rc) {
		log_err("cannot listen on TCP for push-pull: %s", uv_strerror(rc));
		return -1;
	}
	uv_timer_init(loop, &pp->timer);
	pp->timer.data = pp;
	pushpull_set_interval(pp, pp->interval_ms);
	return 0;
}

void pushpull_set_interval(struct pushpull *pp, uint32_t interval_ms)
{
	pp->interval_ms = interval_ms;
	if (pp->closed)
		return;
	uv_timer_stop(&pp->timer);
	if (interval_ms)
		uv_timer_start(&pp->timer, on_pp_timer, interval_ms, interval_ms);
}

void pushpull_close(struct pushpull *pp)
{
	if (pp->closed || !pp->loop)
		return;
	pp->closed = 1;
	uv_close((uv_handle_t *)&pp->listener, NULL);
	uv_close((uv_handle_t *)&pp->timer, NULL);
	/* (conn_free unlinks each later, from its close callback) */
	for (struct pp_conn *c = pp->conns; c; c = c->next)
		conn_close(c);
}
