// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* wire.c - the one codec of vigil's wire format (docs/protocol.md). */
#include <arpa/inet.h>
#include <endian.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "vigil_siphash.h"
#include "wire.h"

const char *wire_strerror(int err)
{
	switch (err) {
	case WIRE_OK:
		return "ok";
	case WIRE_E_SHORT:
		return "truncated";
	case WIRE_E_MAGIC:
		return "not a vigil message";
	case WIRE_E_VERSION:
		return "unsupported protocol version";
	case WIRE_E_CLUSTER:
		return "wrong cluster";
	case WIRE_E_MAC:
		return "bad MAC (wrong key?)";
	case WIRE_E_LENGTH:
		return "bad length for its type";
	case WIRE_E_NAME:
		return "a name is not UTF-8 or holds control characters";
	case WIRE_E_VALUE:
		return "a field out of its range";
	}
	return "unknown error";
}

void wire_key_split(const uint8_t key[VIGIL_KEY_LEN], uint64_t *k0, uint64_t *k1)
{
	*k0 = vigil_load_le64(key);
	*k1 = vigil_load_le64(key + 8);
}

int wire_name_valid(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		unsigned c = *p, n = c < 0x80		  ? 0
				     : (c & 0xe0) == 0xc0 ? 1
				     : (c & 0xf0) == 0xe0 ? 2
				     : (c & 0xf8) == 0xf0 ? 3
							  : 4;
		uint32_t cp = n == 0 ? c : n == 1 ? c & 0x1f : n == 2 ? c & 0x0f : c & 0x07;

		if (n == 4 || c < 0x20 || c == 0x7f)
			return 0;
		for (unsigned i = 1; i <= n; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (p[i] & 0x3f);
		}
		/* overlong forms, surrogates, beyond Unicode, C1 controls */
		if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
		    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff || (cp >= 0x80 && cp < 0xa0))
			return 0;
		p += n + 1;
	}
	return 1;
}

uint32_t wire_name_id(const char *name)
{
	/* A fixed, public key: ids only need to be stable and well spread. */
	uint64_t h = vigil_siphash24(name, (uint32_t)strlen(name), 0x7669676c6e6f6465ULL,
				     0x6964656e74697479ULL);
	uint32_t id = (uint32_t)(h ^ (h >> 32));

	return id ? id : 1;
}

/* ---- header, MAC ---------------------------------------------------------- */

void wire_hdr_init(struct vigil_hdr *h, uint8_t type, uint32_t cluster_id, uint32_t sender_id)
{
	h->magic = htonl(VIGIL_MAGIC);
	h->version = type == VIGIL_MSG_PING || type == VIGIL_MSG_ACK ? VIGIL_PROBE_VERSION
								     : VIGIL_PROTO_VERSION;
	h->type = type;
	h->flags = 0;
	h->cluster_id = htonl(cluster_id);
	h->sender_id = htonl(sender_id);
}

void wire_sign(void *msg, size_t len, uint64_t k0, uint64_t k1)
{
	uint8_t *p = msg;
	uint64_t mac = vigil_siphash24(p, (uint32_t)(len - VIGIL_MAC_LEN), k0, k1);

	vigil_store_le64(p + len - VIGIL_MAC_LEN, mac);
}

int wire_verify(const void *msg, size_t len, uint32_t cluster_id, const struct vigil_keyring *kr,
		int *slot)
{
	const struct vigil_hdr *h = msg;
	const uint8_t *p = msg;
	uint64_t want, mac;

	if (len < sizeof(h->magic))
		return WIRE_E_SHORT;
	if (h->magic != htonl(VIGIL_MAGIC))
		return WIRE_E_MAGIC;
	if (len < sizeof(*h) + VIGIL_MAC_LEN)
		return WIRE_E_SHORT;
	if (len > (h->type == VIGIL_MSG_STATE ? VIGIL_MAX_STATE_MSG : VIGIL_MAX_MSG))
		return WIRE_E_LENGTH;
	if (h->type == VIGIL_MSG_PING || h->type == VIGIL_MSG_ACK) {
		if (h->version != VIGIL_PROBE_VERSION)
			return WIRE_E_VERSION;
		if (len != VIGIL_PROBE_LEN)
			return WIRE_E_LENGTH;
	} else if (h->version != VIGIL_PROTO_VERSION) {
		return WIRE_E_VERSION;
	}
	if (ntohl(h->cluster_id) != cluster_id)
		return WIRE_E_CLUSTER;

	want = vigil_load_le64(p + len - VIGIL_MAC_LEN);
	for (int i = 0; i < VIGIL_KEY_SLOTS; i++) {
		if (!kr->slot[i].valid)
			continue;
		mac = vigil_siphash24(p, (uint32_t)(len - VIGIL_MAC_LEN), kr->slot[i].k0,
				      kr->slot[i].k1);
		if (mac == want) {
			if (slot)
				*slot = i;
			return WIRE_OK;
		}
	}
	return WIRE_E_MAC;
}

uint8_t wire_type(const void *msg, size_t len)
{
	return len >= sizeof(struct vigil_hdr) ? ((const struct vigil_hdr *)msg)->type : 0;
}

uint32_t wire_sender(const void *msg)
{
	return ntohl(((const struct vigil_hdr *)msg)->sender_id);
}

/* ---- PING and ACK --------------------------------------------------------- */

void wire_probe_encode(struct vigil_probe *m, const struct probe_fields *f)
{
	memset(m, 0, sizeof(*m));
	wire_hdr_init(&m->hdr, f->type, f->cluster_id, f->sender_id);
	m->hdr.flags = htons(f->flags);
	m->target_id = htonl(f->target_id);
	m->seq = htonl(f->seq);
	m->send_ns = htobe64(f->send_ns);
	m->incarnation = htonl(f->incarnation);
	m->chan = f->chan;
	m->heartbeat = htobe64(f->heartbeat);
	m->origin_id = htonl(f->origin_id);
}

void wire_probe_decode(const struct vigil_probe *m, struct probe_fields *f)
{
	memset(f, 0, sizeof(*f));
	f->type = m->hdr.type;
	f->flags = ntohs(m->hdr.flags);
	f->cluster_id = ntohl(m->hdr.cluster_id);
	f->sender_id = ntohl(m->hdr.sender_id);
	f->target_id = ntohl(m->target_id);
	f->seq = ntohl(m->seq);
	f->send_ns = be64toh(m->send_ns);
	f->incarnation = ntohl(m->incarnation);
	f->chan = m->chan;
	f->heartbeat = be64toh(m->heartbeat);
	f->origin_id = ntohl(m->origin_id);
}

/* ---- addresses: IPv6, or IPv4-mapped ---------------------------------------- */

static void addr_encode(const struct sockaddr_storage *ss, socklen_t len, uint8_t out[16],
			__be16 *port)
{
	memset(out, 0, 16);
	*port = 0;
	if (len && ss->ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;

		out[10] = out[11] = 0xff;
		memcpy(out + 12, &sin->sin_addr, 4);
		*port = sin->sin_port;
	} else if (len && ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;

		memcpy(out, &sin6->sin6_addr, 16);
		*port = sin6->sin6_port;
	}
}

/* The address and port in ss; the length, or 0 for the unspecified address
 * (all zeros, or ::ffff:0.0.0.0). */
static socklen_t addr_decode(const uint8_t in[16], __be16 port, struct sockaddr_storage *ss)
{
	static const uint8_t mapped[12] = {[10] = 0xff, [11] = 0xff};
	static const uint8_t zero[16], mapped0[16] = {[10] = 0xff, [11] = 0xff};

	memset(ss, 0, sizeof(*ss));
	if (!memcmp(in, zero, 16) || !memcmp(in, mapped0, 16))
		return 0;
	if (!memcmp(in, mapped, 12)) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		memcpy(&sin->sin_addr, in + 12, 4);
		sin->sin_port = port;
		return sizeof(*sin);
	}
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	sin6->sin6_family = AF_INET6;
	memcpy(&sin6->sin6_addr, in, 16);
	sin6->sin6_port = port;
	return sizeof(*sin6);
}

/* A NUL-padded name field from a string (cut to the field, NUL kept). */
static void name_encode(char out[VIGIL_NAME_LEN], const char *s)
{
	memset(out, 0, VIGIL_NAME_LEN);
	memcpy(out, s, strnlen(s, VIGIL_NAME_LEN - 1));
}

static void name_decode(char out[VIGIL_NAME_LEN], const char in[VIGIL_NAME_LEN])
{
	memcpy(out, in, VIGIL_NAME_LEN);
	out[VIGIL_NAME_LEN - 1] = '\0';
}

/* ---- member updates --------------------------------------------------------- */

static void update_encode(struct vigil_update *w, const struct wire_update *u)
{
	memset(w, 0, sizeof(*w));
	w->node_id = htonl(u->node_id);
	w->incarnation = htobe64(u->incarnation);
	w->state = u->state;
	w->flags = u->flags;
	w->role = u->role;
	addr_encode(&u->addr, u->addrlen, w->addr, &w->port);
	w->from_id = htonl(u->from_id);
	name_encode(w->name, u->name);
}

static void update_decode(const struct vigil_update *w, struct wire_update *u)
{
	memset(u, 0, sizeof(*u));
	u->node_id = ntohl(w->node_id);
	u->incarnation = be64toh(w->incarnation);
	u->state = w->state;
	u->flags = w->flags;
	u->role = w->role;
	u->addrlen = addr_decode(w->addr, w->port, &u->addr);
	u->from_id = ntohl(w->from_id);
	name_decode(u->name, w->name);
}

static size_t updates_max(uint8_t type)
{
	return type == VIGIL_MSG_STATE
		       ? (VIGIL_MAX_STATE_MSG - sizeof(struct vigil_gossip) - VIGIL_MAC_LEN) /
				 sizeof(struct vigil_update)
		       : VIGIL_GOSSIP_MAX_UPDATES;
}

size_t wire_updates_encode(void *buf, size_t cap, uint8_t type, uint32_t cluster_id,
			   uint32_t sender_id, const struct wire_update *u, size_t n)
{
	struct vigil_gossip *g = buf;
	size_t len = sizeof(*g) + n * sizeof(struct vigil_update) + VIGIL_MAC_LEN;
	uint8_t *p = buf;

	if (len > cap || n > updates_max(type))
		return 0;
	memset(g, 0, sizeof(*g));
	wire_hdr_init(&g->hdr, type, cluster_id, sender_id);
	g->count = htons((uint16_t)n);
	for (size_t i = 0; i < n; i++) {
		struct vigil_update w;

		update_encode(&w, &u[i]);
		memcpy(p + sizeof(*g) + i * sizeof(w), &w, sizeof(w));
	}
	memset(p + len - VIGIL_MAC_LEN, 0, VIGIL_MAC_LEN);
	return len;
}

int wire_updates_decode(const void *buf, size_t len, struct wire_update *out, size_t max, size_t *n)
{
	const struct vigil_gossip *g = buf;
	const uint8_t *p = buf;
	size_t count;

	if (len < sizeof(*g) + VIGIL_MAC_LEN)
		return WIRE_E_SHORT;
	count = ntohs(g->count);
	if (len != sizeof(*g) + count * sizeof(struct vigil_update) + VIGIL_MAC_LEN ||
	    count > max || count > updates_max(g->hdr.type))
		return WIRE_E_LENGTH;
	for (size_t i = 0; i < count; i++) {
		struct vigil_update w;

		memcpy(&w, p + sizeof(*g) + i * sizeof(w), sizeof(w));
		update_decode(&w, &out[i]);
		if (!wire_name_valid(out[i].name))
			return WIRE_E_NAME;
	}
	*n = count;
	return WIRE_OK;
}

int wire_state_frame(const struct wire_update *u, size_t n, uint32_t cluster_id, uint32_t sender_id,
		     const struct vigil_keyring *kr, uint8_t **frame, size_t *framelen)
{
	size_t cap = sizeof(struct vigil_gossip) + n * sizeof(struct vigil_update) + VIGIL_MAC_LEN;
	uint8_t *raw = malloc(cap), *z = NULL;
	size_t len;
	uLongf zlen;

	if (!raw)
		return -1;
	len = wire_updates_encode(raw, cap, VIGIL_MSG_STATE, cluster_id, sender_id, u, n);
	if (!len) {
		free(raw);
		return -1;
	}
	wire_sign(raw, len, kr->slot[0].k0, kr->slot[0].k1);
	zlen = compressBound(len);
	z = malloc(4 + zlen);
	if (!z || compress2(z + 4, &zlen, raw, len, Z_BEST_SPEED) != Z_OK) {
		free(raw);
		free(z);
		return -1;
	}
	free(raw);
	*(uint32_t *)(void *)z = htonl((uint32_t)zlen);
	*frame = z;
	*framelen = 4 + zlen;
	return 0;
}

int wire_state_unframe(const uint8_t *z, size_t zlen, uint32_t cluster_id,
		       const struct vigil_keyring *kr, struct wire_update **u, size_t *n)
{
	uLongf len = VIGIL_MAX_STATE_MSG;
	uint8_t *raw = malloc(len);
	size_t max;
	int err;

	*u = NULL;
	*n = 0;
	if (!raw)
		return -1;
	if (uncompress(raw, &len, z, zlen) != Z_OK) {
		free(raw);
		return WIRE_E_SHORT;
	}
	err = wire_verify(raw, len, cluster_id, kr, NULL);
	if (!err && wire_type(raw, len) != VIGIL_MSG_STATE)
		err = WIRE_E_MAGIC;
	if (err) {
		free(raw);
		return err;
	}
	max = len / sizeof(struct vigil_update) + 1;
	*u = malloc(max * sizeof(**u));
	if (!*u) {
		free(raw);
		return -1;
	}
	err = wire_updates_decode(raw, len, *u, max, n);
	free(raw);
	if (err) {
		free(*u);
		*u = NULL;
	}
	return err;
}

/* ---- PING_REQ and RELAY_ANS ------------------------------------------------- */

size_t wire_relay_encode(struct vigil_relay *m, uint8_t type, uint32_t cluster_id,
			 uint32_t sender_id, const struct wire_relay *r)
{
	memset(m, 0, sizeof(*m));
	wire_hdr_init(&m->hdr, type, cluster_id, sender_id);
	m->target_id = htonl(r->target_id);
	m->req_seq = htonl(r->req_seq);
	addr_encode(&r->target, r->targetlen, m->target_addr, &m->target_port);
	m->acked = r->acked;
	return sizeof(*m);
}

int wire_relay_decode(const void *buf, size_t len, struct wire_relay *r)
{
	struct vigil_relay m;

	if (len != sizeof(m))
		return WIRE_E_LENGTH;
	memcpy(&m, buf, sizeof(m));
	memset(r, 0, sizeof(*r));
	r->target_id = ntohl(m.target_id);
	r->req_seq = ntohl(m.req_seq);
	r->targetlen = addr_decode(m.target_addr, m.target_port, &r->target);
	r->acked = m.acked;
	return WIRE_OK;
}

/* ---- REPORT ------------------------------------------------------------------ */

size_t wire_report_encode(void *buf, size_t cap, uint32_t cluster_id, uint32_t sender_id,
			  const struct wire_report *r)
{
	struct vigil_report *m = buf;
	size_t len = sizeof(*m) + 4 * r->n + VIGIL_MAC_LEN;
	uint8_t *ids = (uint8_t *)buf + sizeof(*m);

	if (len > cap || r->n > VIGIL_REPORT_MAX_IDS)
		return 0;
	memset(buf, 0, len);
	wire_hdr_init(&m->hdr, VIGIL_MSG_REPORT, cluster_id, sender_id);
	name_encode(m->name, r->name);
	name_encode(m->hostname, r->hostname);
	m->count = htons((uint16_t)r->n);
	m->epoch = htobe64(r->epoch);
	m->seq = htobe64(r->seq);
	for (size_t i = 0; i < r->n; i++) {
		__be32 v = htonl(r->ids[i]);

		memcpy(ids + 4 * i, &v, 4);
	}
	return len;
}

int wire_report_decode(const void *buf, size_t len, struct wire_report *r)
{
	struct vigil_report m;
	const uint8_t *ids = (const uint8_t *)buf + sizeof(m);
	size_t n;

	if (len < sizeof(m) + VIGIL_MAC_LEN)
		return WIRE_E_SHORT;
	memcpy(&m, buf, sizeof(m));
	n = ntohs(m.count);
	if (n > VIGIL_REPORT_MAX_IDS || len != sizeof(m) + 4 * n + VIGIL_MAC_LEN)
		return WIRE_E_LENGTH;
	name_decode(r->name, m.name);
	name_decode(r->hostname, m.hostname);
	if (!wire_name_valid(r->name) || !wire_name_valid(r->hostname))
		return WIRE_E_NAME;
	r->epoch = be64toh(m.epoch);
	r->seq = be64toh(m.seq);
	r->n = n;
	for (size_t i = 0; i < n; i++) {
		__be32 v;

		memcpy(&v, ids + 4 * i, 4);
		r->ids[i] = ntohl(v);
	}
	return WIRE_OK;
}

/* ---- MAINT and FORGET ---------------------------------------------------------- */

size_t wire_maint_encode(void *buf, size_t cap, uint32_t cluster_id, uint32_t sender_id,
			 const struct wire_maint *w)
{
	struct vigil_maint *m = buf;
	size_t rlen = strnlen(w->reason, sizeof(w->reason)), len = VIGIL_MAINT_LEN(rlen);

	if ((w->type != VIGIL_MSG_MAINT && w->type != VIGIL_MSG_FORGET) ||
	    (w->type == VIGIL_MSG_FORGET && w->on) || rlen > VIGIL_REASON_MAX || len > cap)
		return 0;
	memset(buf, 0, len);
	wire_hdr_init(&m->hdr, w->type, cluster_id, sender_id);
	name_encode(m->host, w->host);
	m->on = w->on ? 1 : 0;
	m->reason_len = (uint8_t)rlen;
	m->epoch = htobe64(w->epoch);
	m->seq = htobe64(w->seq);
	memcpy((uint8_t *)buf + sizeof(*m), w->reason, rlen);
	return len;
}

int wire_maint_decode(const void *buf, size_t len, struct wire_maint *w)
{
	const uint8_t *reason = (const uint8_t *)buf + sizeof(struct vigil_maint);
	struct vigil_maint m;

	if (len < VIGIL_MAINT_LEN(0))
		return WIRE_E_SHORT;
	memcpy(&m, buf, sizeof(m));
	if (m.reason_len > VIGIL_REASON_MAX || len != VIGIL_MAINT_LEN(m.reason_len))
		return WIRE_E_LENGTH;
	if ((m.hdr.type != VIGIL_MSG_MAINT && m.hdr.type != VIGIL_MSG_FORGET) || m.on > 1 ||
	    (m.hdr.type == VIGIL_MSG_FORGET && m.on))
		return WIRE_E_VALUE;
	memset(w, 0, sizeof(*w));
	w->type = m.hdr.type;
	name_decode(w->host, m.host);
	memcpy(w->reason, reason, m.reason_len);
	/* a NUL inside the reason would hide what follows it */
	if (!wire_name_valid(w->host) || strlen(w->reason) != m.reason_len ||
	    !wire_name_valid(w->reason))
		return WIRE_E_NAME;
	w->on = m.on;
	w->epoch = be64toh(m.epoch);
	w->seq = be64toh(m.seq);
	return WIRE_OK;
}

/* ---- ANSWER ------------------------------------------------------------------------ */

size_t wire_answer_encode(struct vigil_answer *m, uint32_t cluster_id, uint32_t sender_id,
			  const struct wire_answer *a)
{
	memset(m, 0, sizeof(*m));
	wire_hdr_init(&m->hdr, VIGIL_MSG_ANSWER, cluster_id, sender_id);
	name_encode(m->host, a->host);
	m->request = a->request;
	m->on = a->on ? 1 : 0;
	m->result = a->result;
	m->state = a->state;
	m->flags = a->flags;
	m->epoch = htobe64(a->epoch);
	m->seq = htobe64(a->seq);
	return sizeof(*m);
}

int wire_answer_decode(const void *buf, size_t len, struct wire_answer *a)
{
	struct vigil_answer m;

	if (len != sizeof(m))
		return WIRE_E_LENGTH;
	memcpy(&m, buf, sizeof(m));
	if ((m.request != VIGIL_MSG_MAINT && m.request != VIGIL_MSG_FORGET) || m.on > 1 ||
	    m.result > VIGIL_ANS_UNDECIDED || m.state > VIGIL_HOST_NONE)
		return WIRE_E_VALUE;
	memset(a, 0, sizeof(*a));
	name_decode(a->host, m.host);
	if (!wire_name_valid(a->host))
		return WIRE_E_NAME;
	a->request = m.request;
	a->on = m.on;
	a->result = m.result;
	a->state = m.state;
	a->flags = m.flags;
	a->epoch = be64toh(m.epoch);
	a->seq = be64toh(m.seq);
	return WIRE_OK;
}
