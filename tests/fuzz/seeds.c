// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * seeds.c - the seed corpus of every harness, made with the codec and the
 * command builders themselves: the worked examples of docs/protocol.md
 * section 13 (cluster az1, hv1 probing hv2, key 00 01 .. 0f), the sample
 * configuration, and the edge cases each format has. `make fuzz-seeds`
 * writes them to tests/fuzz/corpus/TARGET/seed-NAME; the inputs that once
 * crashed sit beside them as crash-NAME and are kept by hand.
 *
 * Usage: seeds CORPUS_DIR [SAMPLE_CONFIG]
 */
#include <errno.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#include "backup.h"
#include "fsm.h"
#include "fuzz.h"
#include "packet.h"
#include "shb.h"

#define T0	  1764547200000000000ULL /* 2025-12-01T00:00:00Z, as section 13.5 */
#define EPOCH	  1764547200ULL		 /* the agents' epoch then */
#define INC(c)	  (EPOCH << 32 | (c))	 /* an incarnation in that epoch */
#define RAW	  0x80			 /* fuzz_state: a message, not zlib data */
#define TYPE	  0x08			 /* fuzz_state: force type STATE */
#define SMALL	  0x08			 /* fuzz_report: hosts hv1..hv8 */
#define FZ_SENDER 0x08			 /* fuzz_memb: sender from a table */
#define SEAL	  (FZ_FIX | FZ_SIGN)
#define MAX_SEED  16384

static const char *root;
static int written;

/* A seed being built. */
struct seed {
	uint8_t b[MAX_SEED];
	size_t len;
};

static void add(struct seed *s, const void *p, size_t n)
{
	if (s->len + n > sizeof(s->b)) {
		fprintf(stderr, "seeds: seed too large\n");
		exit(1);
	}
	memcpy(s->b + s->len, p, n);
	s->len += n;
}

static void add8(struct seed *s, uint8_t v)
{
	add(s, &v, 1);
}

static void add16(struct seed *s, uint16_t v)
{
	add8(s, (uint8_t)v);
	add8(s, (uint8_t)(v >> 8));
}

static void addf(struct seed *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void addf(struct seed *s, const char *fmt, ...)
{
	char buf[MAX_SEED];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	add(s, buf, (size_t)n);
}

static void save(const char *target, const char *name, const struct seed *s)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, target);
	if (mkdir(path, 0755) && errno != EEXIST) {
		perror(path);
		exit(1);
	}
	snprintf(path, sizeof(path), "%s/%s/seed-%s", root, target, name);
	f = fopen(path, "wb");
	if (!f || fwrite(s->b, 1, s->len, f) != s->len || fclose(f)) {
		perror(path);
		exit(1);
	}
	written++;
}

/* A one-shot seed: a control byte and a message. */
static void save_msg(const char *target, const char *name, uint8_t ctl, const void *m, size_t n)
{
	struct seed s = {.len = 0};

	add8(&s, ctl);
	add(&s, m, n);
	save(target, name, &s);
}

/* ---- the messages of section 13 ----------------------------------------------- */

static uint32_t az1, hv1, hv2;

static void signed_msg(void *m, size_t len)
{
	wire_sign(m, len, FZ_K0, FZ_K1);
}

static void addr4(struct sockaddr_storage *ss, socklen_t *len, uint32_t a, uint16_t port)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;

	memset(ss, 0, sizeof(*ss));
	sin->sin_family = AF_INET;
	sin->sin_port = htons(port);
	sin->sin_addr.s_addr = htonl(a);
	*len = sizeof(*sin);
}

static void update(struct wire_update *u, uint32_t id, const char *name, uint8_t state,
		   uint64_t inc, uint32_t from, uint32_t ip)
{
	memset(u, 0, sizeof(*u));
	u->node_id = id;
	u->incarnation = inc;
	u->state = state;
	u->role = VIGIL_ROLE_SERVER;
	u->from_id = from;
	addr4(&u->addr, &u->addrlen, ip, VIGIL_DEFAULT_PORT);
	snprintf(u->name, sizeof(u->name), "%s", name);
}

static size_t ping(struct vigil_probe *m, uint8_t type)
{
	struct probe_fields f = {
		.type = type,
		.cluster_id = az1,
		.sender_id = type == VIGIL_MSG_PING ? hv1 : hv2,
		.target_id = type == VIGIL_MSG_PING ? hv2 : hv1,
		.seq = 1,
		.send_ns = 1000000,
		.incarnation = type == VIGIL_MSG_PING ? 1 : 2,
		.heartbeat = type == VIGIL_MSG_PING ? 100 : 200,
	};

	pkt_probe(m, &f, FZ_K0, FZ_K1);
	return sizeof(*m);
}

/* GOSSIP (or JOIN, STATE) from sender with n updates. */
static size_t gossip(uint8_t *buf, size_t cap, uint8_t type, uint32_t sender,
		     const struct wire_update *u, size_t n)
{
	size_t len = wire_updates_encode(buf, cap, type, az1, sender, u, n);

	if (len)
		signed_msg(buf, len);
	return len;
}

static size_t relay(struct vigil_relay *m, uint8_t type, uint32_t sender, uint32_t target,
		    uint32_t seq, int acked)
{
	struct wire_relay r = {.target_id = target, .req_seq = seq, .acked = (uint8_t)acked};

	addr4(&r.target, &r.targetlen, 0x0a000002, VIGIL_DEFAULT_PORT);
	wire_relay_encode(m, type, az1, sender, &r);
	signed_msg(m, sizeof(*m));
	return sizeof(*m);
}

static size_t report(uint8_t *buf, size_t cap, uint32_t sender, const char *name, const char *host,
		     uint64_t seq, const uint32_t *ids, size_t n)
{
	struct wire_report r = {.epoch = EPOCH, .seq = seq, .n = n};
	size_t len;

	snprintf(r.name, sizeof(r.name), "%s", name);
	snprintf(r.hostname, sizeof(r.hostname), "%s", host);
	memcpy(r.ids, ids, n * sizeof(ids[0]));
	len = wire_report_encode(buf, cap, az1, sender, &r);
	signed_msg(buf, len);
	return len;
}

/* A MAINT or FORGET (type) into buf (VIGIL_MAX_MSG bytes), signed. */
static size_t request(uint8_t *buf, uint8_t type, uint32_t sender, const char *host, int on,
		      uint64_t seq, const char *reason)
{
	struct wire_maint w = {.type = type, .on = on, .epoch = EPOCH, .seq = seq};
	size_t len;

	snprintf(w.host, sizeof(w.host), "%s", host);
	snprintf(w.reason, sizeof(w.reason), "%s", reason);
	len = wire_maint_encode(buf, VIGIL_MAX_MSG, az1, sender, &w);
	signed_msg(buf, len);
	return len;
}

static size_t maint(uint8_t *buf, uint32_t sender, const char *host, int on, uint64_t seq)
{
	return request(buf, VIGIL_MSG_MAINT, sender, host, on, seq, "");
}

/* The leader's ANSWER to a request. */
static size_t answer(struct vigil_answer *m, uint8_t request, const char *host, uint8_t result,
		     uint8_t state, uint64_t seq)
{
	struct wire_answer a = {
		.request = request, .result = result, .state = state, .epoch = EPOCH, .seq = seq};

	snprintf(a.host, sizeof(a.host), "%s", host);
	wire_answer_encode(m, az1, hv2, &a);
	signed_msg(m, sizeof(*m));
	return sizeof(*m);
}

/* ---- fuzz_wire -------------------------------------------------------------- */

static void wire_seeds(void)
{
	static uint8_t buf[VIGIL_MAX_MSG];
	struct wire_update u[VIGIL_GOSSIP_MAX_UPDATES];
	struct vigil_probe p;
	struct vigil_relay r;
	struct vigil_answer an;
	uint32_t ids[VIGIL_REPORT_MAX_IDS];
	struct sockaddr_in6 *sin6;
	struct seed s = {.len = 0};

	save_msg("wire", "13.1-ping", 0, &p, ping(&p, VIGIL_MSG_PING));
	save_msg("wire", "13.2-ack", 0, &p, ping(&p, VIGIL_MSG_ACK));
	update(&u[0], hv2, "hv2", VIGIL_ST_SUSPECT, INC(2), hv1, 0x0a000002);
	save_msg("wire", "13.5-gossip", 0, buf,
		 gossip(buf, sizeof(buf), VIGIL_MSG_GOSSIP, hv1, u, 1));
	save_msg("wire", "13.5-ping-req", 0, &r, relay(&r, VIGIL_MSG_PING_REQ, hv1, hv2, 7, 0));
	ids[0] = hv2;
	save_msg("wire", "13.5-report", 0, buf,
		 report(buf, sizeof(buf), hv1, "hv1", "compute-1", 42, ids, 1));
	save_msg("wire", "13.5-maint", 0, buf, maint(buf, hv1, "compute-2", 1, 43));

	/* A JOIN from an IPv6 member that does not know its address, a
	 * RELAY_ANS, a full GOSSIP, an empty and a full REPORT, a MAINT off. */
	update(&u[0], hv1, "hv1", VIGIL_ST_ALIVE, 1, hv1, 0);
	u[0].addrlen = 0;
	save_msg("wire", "join-unknown-address", 0, buf,
		 gossip(buf, sizeof(buf), VIGIL_MSG_JOIN, hv1, u, 1));
	sin6 = (struct sockaddr_in6 *)&u[0].addr;
	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons(VIGIL_DEFAULT_PORT);
	sin6->sin6_addr.s6_addr[0] = 0xfd;
	sin6->sin6_addr.s6_addr[15] = 1;
	u[0].addrlen = sizeof(*sin6);
	save_msg("wire", "join-ipv6", 0, buf, gossip(buf, sizeof(buf), VIGIL_MSG_JOIN, hv1, u, 1));
	save_msg("wire", "relay-ans", 0, &r, relay(&r, VIGIL_MSG_RELAY_ANS, hv1, hv2, 7, 1));
	for (uint32_t i = 0; i < VIGIL_GOSSIP_MAX_UPDATES; i++)
		update(&u[i], 0x100 + i, "hv", (uint8_t)(i & 3), i, hv1, 0x0a000100 + i);
	save_msg("wire", "gossip-full", 0, buf,
		 gossip(buf, sizeof(buf), VIGIL_MSG_GOSSIP, hv1, u, VIGIL_GOSSIP_MAX_UPDATES));
	save_msg("wire", "report-empty", 0, buf,
		 report(buf, sizeof(buf), hv1, "hv1", "compute-1", 44, ids, 0));
	for (uint32_t i = 0; i < VIGIL_REPORT_MAX_IDS; i++)
		ids[i] = 0x100 + i;
	save_msg("wire", "report-full", 0, buf,
		 report(buf, sizeof(buf), hv1, "hv1", "compute-1", 45, ids, VIGIL_REPORT_MAX_IDS));
	save_msg("wire", "maint-off", 0, buf, maint(buf, hv1, "compute-2", 0, 46));
	save_msg(
		"wire", "maint-reason", 0, buf,
		request(buf, VIGIL_MSG_MAINT, hv1, "compute-2", 1, 47, "kernel upgrade, CHG-1234"));
	save_msg("wire", "forget-reason", 0, buf,
		 request(buf, VIGIL_MSG_FORGET, hv1, "compute-4", 0, 48,
			 "decommissioned: RMA 4711"));
	save_msg("wire", "answer-applied", 0, &an,
		 answer(&an, VIGIL_MSG_MAINT, "compute-2", VIGIL_ANS_APPLIED,
			VIGIL_HOST_MAINTENANCE, 47));
	save_msg("wire", "answer-pending", 0, &an,
		 answer(&an, VIGIL_MSG_FORGET, "compute-4", VIGIL_ANS_PENDING, VIGIL_HOST_FAILED,
			48));

	/* Edge cases, sealed by the harness: a bare header and MAC, a probe
	 * signed with slot 1, a message one byte too long for a datagram. */
	memset(buf, 0, sizeof(buf));
	buf[5] = VIGIL_MSG_GOSSIP;
	save_msg("wire", "header-only", SEAL, buf, sizeof(struct vigil_hdr) + VIGIL_MAC_LEN);
	ping(&p, VIGIL_MSG_PING);
	save_msg("wire", "ping-slot1", SEAL | FZ_SIGN_NEXT, &p, sizeof(p));
	buf[5] = VIGIL_MSG_REPORT;
	save_msg("wire", "too-long", SEAL, buf, VIGIL_MAX_MSG + 1);
	save("wire", "empty", &s);
}

/* ---- fuzz_memb -------------------------------------------------------------- */

static void memb_datagram(struct seed *s, unsigned src, uint8_t ctl, const void *m, size_t n)
{
	add8(s, (uint8_t)(src << 2));
	add8(s, ctl);
	add16(s, (uint16_t)n);
	add(s, m, n);
}

static void memb_ticks(struct seed *s, uint8_t n)
{
	add8(s, 1);
	add8(s, n);
}

static void memb_seeds(void)
{
	static uint8_t buf[VIGIL_MAX_MSG];
	struct wire_update u[4], u2[VIGIL_GOSSIP_MAX_UPDATES];
	struct vigil_relay r;
	struct seed s = {.len = 0};

	/* hv1 joins, tells of hv3 and hv4; hv3 is suspected, its suspicion
	 * expires; the kernel answers every probe; a snapshot. */
	add8(&s, 1);
	update(&u[0], hv1, "hv1", VIGIL_ST_ALIVE, 1, hv1, 0x0a000001);
	memb_datagram(&s, 0, 0, buf, gossip(buf, sizeof(buf), VIGIL_MSG_JOIN, hv1, u, 1));
	update(&u[0], 3, "hv3", VIGIL_ST_ALIVE, 1, hv1, 0x0a000003);
	update(&u[1], 4, "hv4", VIGIL_ST_ALIVE, 5, hv1, 0x0a000004);
	memb_datagram(&s, 0, 0, buf, gossip(buf, sizeof(buf), VIGIL_MSG_GOSSIP, hv1, u, 2));
	memb_ticks(&s, 100);
	update(&u[0], 3, "hv3", VIGIL_ST_SUSPECT, 1, hv1, 0x0a000003);
	memb_datagram(&s, 0, 0, buf, gossip(buf, sizeof(buf), VIGIL_MSG_GOSSIP, hv1, u, 1));
	for (int i = 0; i < 5; i++)
		memb_ticks(&s, 127); /* 5 x 640 ms: the suspicion expires */
	add8(&s, 2 | FZ_OBS_ACKED << 2);
	memb_ticks(&s, 100);
	add8(&s, 3 | 3 << 2);
	for (int i = 0; i < 5; i++)
		memb_ticks(&s, 0xff); /* 5 x 12.8 s: hv3, dead for 60 s, is reaped */
	save("memb", "join-suspect-dead", &s);

	/* hv2 hears itself suspected and dead: it refutes. */
	s.len = 0;
	add8(&s, 2);
	update(&u[0], hv1, "hv1", VIGIL_ST_ALIVE, 1, hv1, 0x0a000001);
	memb_datagram(&s, 0, 0, buf, gossip(buf, sizeof(buf), VIGIL_MSG_GOSSIP, hv1, u, 1));
	update(&u[0], hv2, "hv2", VIGIL_ST_SUSPECT, INC(0), hv1, 0x0a000002);
	memb_datagram(&s, 0, 0, buf, gossip(buf, sizeof(buf), VIGIL_MSG_GOSSIP, hv1, u, 1));
	update(&u[0], hv2, "hv2", VIGIL_ST_DEAD, INC(7), hv1, 0x0a000002);
	memb_datagram(&s, 1, 0, buf, gossip(buf, sizeof(buf), VIGIL_MSG_GOSSIP, hv1, u, 1));
	memb_ticks(&s, 20);
	update(&u[0], hv2, "hv2", VIGIL_ST_SUSPECT, INC(3), hv1, 0x0a000002); /* stale now */
	memb_datagram(&s, 0, 0, buf, gossip(buf, sizeof(buf), VIGIL_MSG_GOSSIP, hv1, u, 1));
	update(&u[0], hv2, "hv2", VIGIL_ST_DEAD, (EPOCH + 3600) << 32, hv1, 0x0a000002);
	/* (an epoch an hour ahead of the clock: refused) */
	memb_datagram(&s, 0, 0, buf, gossip(buf, sizeof(buf), VIGIL_MSG_GOSSIP, hv1, u, 1));
	save("memb", "refute", &s);

	/* Indirect probes: hv1 asks hv2 to probe hv3; the kernel records
	 * nothing, so direct probes fail and relays are asked. */
	s.len = 0;
	add8(&s, 3);
	update(&u[0], hv1, "hv1", VIGIL_ST_ALIVE, 1, hv1, 0x0a000001);
	update(&u[1], 3, "hv3", VIGIL_ST_ALIVE, 1, hv1, 0x0a000003);
	update(&u[2], 4, "hv4", VIGIL_ST_ALIVE, 1, hv1, 0x0a000004);
	memb_datagram(&s, 0, 0, buf, gossip(buf, sizeof(buf), VIGIL_MSG_GOSSIP, hv1, u, 3));
	memb_datagram(&s, 0, 0, &r, relay(&r, VIGIL_MSG_PING_REQ, hv1, 3, 9, 0));
	add8(&s, 2 | FZ_OBS_EMPTY << 2);
	memb_ticks(&s, 40);
	memb_datagram(&s, 0, 0, &r, relay(&r, VIGIL_MSG_RELAY_ANS, hv1, 4, 1, 1));
	memb_ticks(&s, 127);
	add8(&s, 2 | FZ_OBS_STALE << 2 | 0x40);
	memb_ticks(&s, 0x80 + 20); /* the agent stalls 2 s */
	memb_ticks(&s, 127);
	save("memb", "indirect", &s);

	/* Two full GOSSIPs of new members (more updates than a datagram
	 * holds, to disseminate), a JOIN answered with the table in two
	 * datagrams, a suspicion confirmed by five members, the kernel
	 * answering while the agents' heartbeats stand still. */
	s.len = 0;
	add8(&s, 5);
	for (uint32_t d = 0; d < 2; d++) {
		for (uint32_t i = 0; i < VIGIL_GOSSIP_MAX_UPDATES; i++)
			update(&u2[i], 0x200 + 16 * d + i, "hv", VIGIL_ST_ALIVE, 1, hv1,
			       0x0a000200 + 16 * d + i);
		memb_datagram(&s, 0, 0, buf,
			      gossip(buf, sizeof(buf), VIGIL_MSG_GOSSIP, hv1, u2,
				     VIGIL_GOSSIP_MAX_UPDATES));
	}
	update(&u[0], 3, "hv3", VIGIL_ST_ALIVE, 1, 3, 0x0a000003);
	memb_datagram(&s, 2, 0, buf, gossip(buf, sizeof(buf), VIGIL_MSG_JOIN, 3, u, 1));
	for (uint32_t c = 0; c < 6; c++) {
		update(&u[0], 0x200, "hv", VIGIL_ST_SUSPECT, 1, 0x200 + c + 1, 0x0a000200);
		memb_datagram(&s, 0, 0, buf, gossip(buf, sizeof(buf), VIGIL_MSG_GOSSIP, hv1, u, 1));
	}
	add8(&s, 2 | FZ_OBS_FROZEN << 2);
	for (int i = 0; i < 5; i++)
		memb_ticks(&s, 127);
	save("memb", "many-members", &s);

	/* Sealed by the harness: a JOIN as hv3 from an IPv6 source, then a
	 * leave. */
	s.len = 0;
	add8(&s, 4);
	update(&u[0], 3, "hv3", VIGIL_ST_ALIVE, 1, 3, 0);
	u[0].addrlen = 0;
	memb_datagram(&s, 4, SEAL | FZ_SENDER | 1 << 5, buf,
		      gossip(buf, sizeof(buf), VIGIL_MSG_JOIN, 3, u, 1));
	add8(&s, 3 | 0 << 2);
	add8(&s, 3 | 1 << 2);
	memb_ticks(&s, 10);
	save("memb", "join-leave", &s);
}

/* ---- fuzz_state ------------------------------------------------------------- */

static void state_seeds(void)
{
	static uint8_t raw[VIGIL_MAX_MSG * 4], z[VIGIL_MAX_MSG * 4];
	struct wire_update u[8];
	struct vigil_keyring kr;
	uint8_t *frame;
	size_t framelen, len;
	uLongf zlen;

	fz_keyring(&kr);
	update(&u[0], hv1, "hv1", VIGIL_ST_ALIVE, 3, hv1, 0x0a000001);
	update(&u[1], hv2, "hv2", VIGIL_ST_SUSPECT, 2, hv1, 0x0a000002);
	update(&u[2], 3, "hv3", VIGIL_ST_DEAD, 1, hv1, 0x0a000003);
	update(&u[3], 4, "hv4", VIGIL_ST_LEFT, 9, hv1, 0x0a000004);
	update(&u[4], 5, "hv5", VIGIL_ST_ALIVE, 0, hv1, 0);
	u[4].addrlen = 0;
	for (size_t n = 0; n <= 5; n += 5) {
		if (wire_state_frame(u, n, az1, hv1, &kr, &frame, &framelen))
			exit(1);
		save_msg("state", n ? "frame-5" : "frame-empty", 0, frame + 4, framelen - 4);
		free(frame);
	}
	/* The message itself, sealed and compressed by the harness. */
	len = wire_updates_encode(raw, sizeof(raw), VIGIL_MSG_STATE, az1, hv1, u, 5);
	save_msg("state", "raw-5", RAW | TYPE | SEAL, raw, len);
	save_msg("state", "raw-5-slot1", RAW | TYPE | SEAL | FZ_SIGN_NEXT, raw, len);
	/* More zeros than a STATE may hold, compressed: refused, not inflated
	 * without bound. */
	memset(raw, 0, sizeof(raw));
	zlen = sizeof(z);
	if (compress2(z, &zlen, raw, sizeof(raw), Z_BEST_COMPRESSION) != Z_OK)
		exit(1);
	save_msg("state", "zeros", 0, z, zlen);
	save_msg("state", "not-zlib", 0, "VGIL", 4);
}

/* ---- fuzz_report -------------------------------------------------------------- */

static void report_datagram(struct seed *s, uint8_t ctl, const void *m, size_t n)
{
	add8(s, 0);
	add8(s, ctl);
	add16(s, (uint16_t)n);
	add(s, m, n);
}

static void report_seeds(void)
{
	static uint8_t buf[VIGIL_MAX_MSG], mt[VIGIL_MAX_MSG];
	uint32_t ids[4] = {0x103}; /* hv4 in SMALL mode */
	struct seed s = {.len = 0};

	/* 13.5: hv1's REPORT and MAINT as signed there. */
	add8(&s, 0);
	report_datagram(&s, 0, buf, report(buf, sizeof(buf), hv1, "hv1", "compute-1", 42, ids, 0));
	report_datagram(&s, 0, mt, maint(mt, hv1, "compute-1", 1, 43));
	report_datagram(&s, 0, mt, maint(mt, hv1, "compute-1", 0, 44));
	save("report", "13.5", &s);

	/* hv1..hv4 report; hv1..hv3 find hv4 unreachable for the wait
	 * period: a verdict; then hv4 reports again and is recovered. The
	 * harness sets senders, names and times (SMALL). */
	s.len = 0;
	add8(&s, 1);
	for (uint8_t h = 0; h < 4; h++)
		add8(&s, (uint8_t)(2 | h << 2 | VIGIL_ST_ALIVE << 5)); /* heard: admitted */
	for (int round = 0; round < 4; round++) {
		for (uint8_t h = 0; h < 4; h++) {
			size_t n = h < 3 && round ? 1 : 0;

			report_datagram(&s, SEAL | SMALL | (uint8_t)(h << 5), buf,
					report(buf, sizeof(buf), 0, "", "", 0, ids, n));
		}
		add8(&s, 1);
		add8(&s, 59); /* 600 ms */
	}
	for (uint8_t h = 0; h < 4; h++)
		report_datagram(&s, SEAL | SMALL | (uint8_t)(h << 5), buf,
				report(buf, sizeof(buf), 0, "", "", 0, ids, 0));
	add8(&s, 3);
	save("report", "verdict-recovered", &s);
	s.b[0] = 3; /* min_healthy_hosts 3: the verdict's notification is held */
	save("report", "verdict-held", &s);

	/* Three hosts, one leaves (the leader sees it left) and stops
	 * reporting; maintenance on a member; the one that left, and the one
	 * in maintenance, forgotten. */
	s.len = 0;
	add8(&s, 2);
	for (uint8_t h = 0; h < 3; h++)
		add8(&s, (uint8_t)(2 | h << 2 | VIGIL_ST_ALIVE << 5));
	for (uint8_t h = 0; h < 3; h++)
		report_datagram(&s, SEAL | SMALL | (uint8_t)(h << 5), buf,
				report(buf, sizeof(buf), 0, "", "", 0, ids, 0));
	add8(&s, 2 | 2 << 2 | VIGIL_ST_LEFT << 5);
	add8(&s, 1);
	add8(&s, 200); /* 2 s: hv3's report expires */
	memset(mt, 0, VIGIL_MAINT_LEN(0));
	mt[offsetof(struct vigil_hdr, type)] = VIGIL_MSG_MAINT;
	mt[offsetof(struct vigil_maint, on)] = 1 | 0 << 1; /* compute-1 */
	report_datagram(&s, SEAL | SMALL, mt, VIGIL_MAINT_LEN(0));
	save("report", "left-maintenance", &s);
	mt[offsetof(struct vigil_hdr, type)] = VIGIL_MSG_FORGET;
	mt[offsetof(struct vigil_maint, on)] = 2 << 1; /* compute-3 */
	report_datagram(&s, SEAL | SMALL, mt, VIGIL_MAINT_LEN(0));
	mt[offsetof(struct vigil_maint, on)] = 0 << 1; /* compute-1 */
	report_datagram(&s, SEAL | SMALL, mt, VIGIL_MAINT_LEN(0));
	save("report", "forget", &s);
}

/* ---- fuzz_fsm --------------------------------------------------------------- */

static void line(struct seed *s, char *cmd)
{
	if (!cmd)
		exit(1);
	addf(s, "%s\n", cmd);
	free(cmd);
}

static void fsm_seeds(void)
{
	struct seed s = {.len = 0};
	struct fsm f;
	char *dump;

	/* Every command, in the order a failure and its recovery take. */
	add8(&s, 0);
	line(&s, fsm_cmd_member(hv1, "hv1", "compute-1", "10.0.0.1:7301"));
	line(&s, fsm_cmd_member(hv2, "hv2", "compute-2", "10.0.0.2:7301"));
	line(&s, fsm_cmd_member(3, "hv3", "compute-3", ""));
	line(&s, fsm_cmd_verdict(3, T0, 0, 2));
	line(&s, fsm_cmd_fence_start(1));
	line(&s, fsm_cmd_fence_failed(1, "fence_ipmilan: connection timed out"));
	line(&s, fsm_cmd_fence_start(1));
	line(&s, fsm_cmd_fenced(1, T0 + 1));
	line(&s, fsm_cmd_delivered(1, "88657e4d-0c61-4a9e-a1b6-6c4b3f1d2e01", "delivered"));
	line(&s, fsm_cmd_recovered(3, T0 + 1));
	line(&s, fsm_cmd_verdict(hv2, T0 + 2, 1, 2));
	line(&s, fsm_cmd_release(3));
	line(&s, fsm_cmd_maintenance("compute-2", 1, hv1, EPOCH, 43));
	line(&s, fsm_cmd_maintenance("hv2", 0, hv1, EPOCH, 43)); /* replayed: refused */
	line(&s, fsm_cmd_maintenance("hv2", 0, hv1, EPOCH, 44));
	line(&s, fsm_cmd_left(hv1));
	line(&s, fsm_cmd_member(hv1, "hv1", "compute-1", "10.0.0.1:7301"));
	line(&s, fsm_cmd_mk_maint(hv2, 0, 0)); /* the zone's reconciler: agreed */
	line(&s, fsm_cmd_mk_maint(3, 1, 1));   /* Masakari's maintenance pulled in */
	line(&s, fsm_cmd_mk_maint(3, 0, 1));
	line(&s, fsm_cmd_member(4, "hv4", "compute-4", ""));
	line(&s, fsm_cmd_forget_decided(4, "reconciler", "removed_from_aggregate", T0));
	save("fsm", "commands", &s);

	/* Forgotten: one that left, then refused for one with a notification
	 * still to go and for a member without a verdict; a restore of the
	 * state before. */
	fsm_init(&f);
	for (char *p = (char *)s.b + 1, *nl; (nl = strchr(p, '\n')); p = nl + 1)
		fsm_apply(&f, p, (size_t)(nl - p));
	dump = fsm_dump(&f);
	fsm_free(&f);
	s.len = 0;
	add8(&s, 0);
	line(&s, fsm_cmd_member(hv1, "hv1", "compute-1", "10.0.0.1:7301"));
	line(&s, fsm_cmd_member(hv2, "hv2", "compute-2", "10.0.0.2:7301"));
	line(&s, fsm_cmd_member(3, "hv3", "compute-3", ""));
	line(&s, fsm_cmd_member(4, "hv4", "compute-4", ""));
	line(&s, fsm_cmd_left(4));
	line(&s, fsm_cmd_forget(4, &(struct fsm_request){hv1, EPOCH, 45, "hv1", "RMA 4711", T0}));
	line(&s, fsm_cmd_verdict(3, T0, 0, 2));
	line(&s, fsm_cmd_forget(3, &(struct fsm_request){hv1, EPOCH, 46, "hv1", "", T0}));
	line(&s, fsm_cmd_forget(hv2, &(struct fsm_request){hv1, EPOCH, 47, "hv1", "", T0}));
	line(&s, fsm_cmd_restore(dump, "hv1", "back to the morning's", T0 + 4));
	free(dump);
	save("fsm", "forget-restore", &s);

	/* The state those commands leave, as a snapshot, then more commands. */
	fsm_init(&f);
	for (char *p = (char *)s.b + 1, *nl; (nl = strchr(p, '\n')); p = nl + 1)
		fsm_apply(&f, p, (size_t)(nl - p));
	dump = fsm_dump(&f);
	s.len = 0;
	add8(&s, 1);
	line(&s, dump);
	line(&s, fsm_cmd_delivered(2, "7d7c0a39-duplicate", "duplicate"));
	line(&s, fsm_cmd_verdict(3, T0 + 3, 0, 2));
	save("fsm", "snapshot", &s);
	fsm_free(&f);

	/* What the log must survive: malformed, unknown, of the wrong types. */
	s.len = 0;
	add8(&s, 0);
	addf(&s, "{\"op\":\"member\",\"id\":1,\"name\":\"a\"\n");
	addf(&s, "{\"op\":\"explode\"}\n");
	addf(&s, "[1,2,3]\n");
	addf(&s, "{\"op\":\"member\",\"id\":-1,\"name\":7,\"hostname\":null}\n");
	addf(&s, "{\"op\":\"verdict\",\"id\":18446744073709551615,\"at\":\"x\",\"hold\":1}\n");
	addf(&s, "{\"op\":\"delivered\",\"outbox\":1,\"uuid\":{},\"result\":[]}\n");
	save("fsm", "malformed", &s);

	s.len = 0;
	add8(&s, 1);
	addf(&s, "{\"hosts\":[{\"id\":1,\"name\":\"torn\n"); /* refused, freed once */
	save("fsm", "snapshot-torn", &s);

	s.len = 0;
	add8(&s, 1);
	addf(&s, "{\"hosts\":7,\"outbox\":[1,{\"id\":5,\"status\":\"weird\"}],"
		 "\"next_outbox_id\":0}\n");
	save("fsm", "snapshot-odd", &s);
}

/* ---- fuzz_shb ----------------------------------------------------------------- */

/* A record of hv1 in az1, as its agent writes it at T0 + counter seconds. */
static struct shb_record shb_rec(uint32_t cluster, uint64_t counter, const char *state)
{
	struct shb_record r;

	memset(&r, 0, sizeof(r));
	r.cluster_id = cluster;
	snprintf(r.node, sizeof(r.node), "hv1");
	snprintf(r.hostname, sizeof(r.hostname), "compute-1");
	snprintf(r.boot_id, sizeof(r.boot_id), "2f0c1d6e-5b0a-4b8e-9c55-7a1e0d3c9f10");
	r.epoch = EPOCH;
	r.counter = counter;
	r.time_ns = T0 + counter * 1000000000ULL;
	snprintf(r.state, sizeof(r.state), "%s", state);
	return r;
}

static void shb_seeds(void)
{
	static const char *const states[] = {"running", "isolated", "vms-stopped"};
	struct vigil_keyring kr;
	struct shb_record r;
	char file[SHB_RECORD_LEN];
	struct seed s;

	fz_keyring(&kr);
	for (size_t i = 0; i < sizeof(states) / sizeof(states[0]); i++) {
		r = shb_rec(az1, 42 + i, states[i]);
		if (shb_encode(&r, &kr, file)) {
			fprintf(stderr, "seeds: cannot encode a storage heartbeat record\n");
			exit(1);
		}
		save_msg("shb", states[i], 0, file, sizeof(file));
	}
	r = shb_rec(wire_name_id("az2"), 7, "running");
	shb_encode(&r, &kr, file);
	save_msg("shb", "other-cluster", 0, file, sizeof(file));
	r = shb_rec(az1, 42, "running");
	shb_encode(&r, &kr, file);
	save_msg("shb", "torn", 0, file, 100);
	file[2] ^= 1; /* the body altered under its MAC */
	save_msg("shb", "altered", 0, file, sizeof(file));
	/* bodies for the harness to seal (with slot 1's key: a key being rotated in) */
	s.len = 0;
	add8(&s, 0x01 | 0x02);
	addf(&s,
	     "{\"boot\":\"b\",\"cluster\":%u,\"counter\":3,\"epoch\":%llu,"
	     "\"hostname\":\"compute-1\",\"node\":\"hv1\",\"state\":\"isolated\","
	     "\"time\":0,\"v\":1}",
	     az1, (unsigned long long)EPOCH);
	save("shb", "sealed-next", &s);
	s.len = 0;
	add8(&s, 0x01);
	addf(&s,
	     "{\"cluster\":%u,\"node\":\"hv\u00e9\",\"state\":\"vms-stopped-an\u00e9\","
	     "\"v\":1}",
	     az1);
	save("shb", "sealed-state-cut-mid-character", &s);
}

/* ---- fuzz_config ------------------------------------------------------------ */

static void config_seeds(const char *sample)
{
	static const char placeholder[] = "REPLACE-WITH-OUTPUT-OF-vigil-keygen==";
	struct seed s = {.len = 0};
	char text[16384], *at;
	FILE *f = sample ? fopen(sample, "r") : NULL;
	size_t n = 0;

	if (f) {
		n = fread(text, 1, sizeof(text) - 1, f);
		fclose(f);
	}
	text[n] = '\0';
	at = strstr(text, placeholder);
	if (at) { /* the sample with the key of section 13 */
		add8(&s, 0);
		add(&s, text, (size_t)(at - text));
		addf(&s, "AAECAwQFBgcICQoLDA0ODw==%s", at + sizeof(placeholder) - 1);
		save("config", "sample", &s);
	}
	s.len = 0;
	add8(&s, 0);
	addf(&s, "{\"node_name\":\"hv1\",\"cluster\":\"az1\",\"interface\":\"eth1\","
		 "\"key\":\"AAECAwQFBgcICQoLDA0ODw==\",\"join\":[\"10.0.0.2\",\"[fd00::3]:7301\"],"
		 "\"servers\":[\"hv1@10.0.0.1\",\"hv2@10.0.0.2\",\"hv3@10.0.0.3\"],"
		 "\"role\":\"server\",\"masakari\":{\"auth_url\":\"http://keystone:5000/v3\","
		 "\"password\":\"x\"}}");
	save("config", "minimal", &s);
	s.len = 0;
	add8(&s, 0);
	addf(&s, "{\"cluster\":\"a/b\",\"port\":70000,\"masakari\":{\"interface\":{}},"
		 "\"masakari\":1}");
	save("config", "bad", &s);
	/* Each cross-key rule of config_finish, broken once. */
	static const char *const broken[] = {
		"{\"cluster\":\"az1\",\"key_next\":\"AAECAwQFBgcICQoLDA0ODw==\"}",
		"{\"cluster\":\"az1\",\"suspicion_min_ms\":3000,\"suspicion_max_ms\":2000}",
		"{\"cluster\":\"az1\",\"node_name\":\"n23456789012345678901234567890123456789012"
		"345678901234567890123\"}",
		"{\"cluster\":\"az1\",\"masakari\":{\"retry_min_ms\":9000,\"retry_max_ms\":100}}",
		"{\"cluster\":\"az1\",\"servers\":[\"@10.0.0.1\"],\"join\":[\"10.0.0.1:0\"]}",
		"{\"cluster\":\"az1\",\"api_addr\":\"0.0.0.0:80\",\"allow_public_bind\":\"yes\"}",
		"[\"not an object\"]",
	};
	for (size_t i = 0; i < sizeof(broken) / sizeof(broken[0]); i++) {
		char name[32];

		s.len = 0;
		add8(&s, 0);
		addf(&s, "%s", broken[i]);
		snprintf(name, sizeof(name), "cross-key-%zu", i + 1);
		save("config", name, &s);
	}
	s.len = 0;
	add8(&s, 1);
	addf(&s, "key_next=AAECAwQFBgcICQoLDA0ODw==");
	save("config", "set-key", &s);
	s.len = 0;
	add8(&s, 1);
	addf(&s, "masakari.retry_max_ms=60000");
	save("config", "set-section", &s);
}

/* ---- fuzz_xdp: frames ----------------------------------------------------------- */

static void frame(const char *name, int v6, int nvlan, const void *body, size_t n)
{
	static uint8_t buf[PKT_MAX_LEN];
	struct pkt_spec ps = {
		.dmac = {0x02, 0, 0, 0, 0, 0x02},
		.smac = {0x02, 0, 0, 0, 0, 0x01},
		.nvlan = nvlan,
		.tpid = {PKT_ETH_P_8021AD, PKT_ETH_P_8021Q},
		.tci = {100, 200},
		.ethertype = v6 ? PKT_ETH_P_IPV6 : PKT_ETH_P_IP,
		.saddr = {10, 0, 0, 1},
		.daddr = {10, 0, 0, 2},
		.frag_off = PKT_IP_DF,
		.ttl = 64,
		.proto = PKT_IPPROTO_UDP,
		.sport = VIGIL_DEFAULT_PORT,
		.dport = VIGIL_DEFAULT_PORT,
		.body = body,
		.body_len = n,
	};
	struct seed s = {.len = 0};

	if (v6) {
		memset(ps.saddr, 0, 16);
		memset(ps.daddr, 0, 16);
		ps.saddr[0] = ps.daddr[0] = 0xfd;
		ps.saddr[15] = 1;
		ps.daddr[15] = 2;
	}
	add(&s, buf, pkt_build(buf, &ps, NULL));
	save("xdp", name, &s);
}

static void xdp_seeds(void)
{
	static const uint8_t arp[42] = {0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01, 0x08, 0x06};
	struct vigil_probe p;
	struct seed s = {.len = 0};

	ping(&p, VIGIL_MSG_PING);
	frame("13.3-ping", 0, 0, &p, sizeof(p)); /* byte for byte section 13.3's PING frame */
	frame("ping-ipv6", 1, 0, &p, sizeof(p));
	frame("ping-vlan2", 0, 2, &p, sizeof(p));
	frame("ping-short", 0, 0, &p, sizeof(p) - 1);
	ping(&p, VIGIL_MSG_ACK);
	frame("13.3-ack", 0, 0, &p, sizeof(p)); /* the ACK, seen by hv2: not for it */
	frame("udp-other", 0, 0, "hello", 5);
	add(&s, arp, sizeof(arp));
	save("xdp", "arp", &s);
}

/* ---- fuzz_backup ------------------------------------------------------------ */

static void backup_seeds(void)
{
	struct backup_meta m = {
		.cluster = "az1", .node = "hv2", .term = 3, .index = 42, .time_ns = T0 + 5};
	struct fsm_request rq = {hv1, EPOCH, 45, "hv1", "kernel upgrade", T0 + 2};
	struct seed s = {.len = 0};
	char *cmds[] = {
		fsm_cmd_member(hv1, "hv1", "compute-1", "10.0.0.1:7301"),
		fsm_cmd_member(hv2, "hv2", "compute-2", "10.0.0.2:7301"),
		fsm_cmd_member(3, "hv3", "compute-3", ""),
		fsm_cmd_member(4, "hv4", "compute-4", ""),
		fsm_cmd_verdict(3, T0, 0, 2),
		fsm_cmd_delivered(1, "88657e4d-0c61-4a9e-a1b6-6c4b3f1d2e01", "delivered"),
		fsm_cmd_verdict(4, T0 + 1, 1, 2),
		fsm_cmd_maint("compute-2", 1, &rq),
	};
	struct fsm f;
	char *doc;

	m.cluster_id = az1;
	fsm_init(&f);
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (!cmds[i] || fsm_apply(&f, cmds[i], strlen(cmds[i])))
			exit(1);
		free(cmds[i]);
	}
	/* A file as `vigil operator snapshot save` writes it, as is and
	 * fixed up (to reach the restore after any mutation); one of an
	 * empty state; one cut short. */
	doc = backup_encode(&f, &m);
	if (!doc)
		exit(1);
	add8(&s, 0);
	addf(&s, "%s", doc);
	save("backup", "saved", &s);
	s.b[0] = 1;
	save("backup", "saved-fixed", &s);
	s.len = 0;
	add8(&s, 0);
	add(&s, doc, strlen(doc) / 2);
	save("backup", "truncated", &s);
	free(doc);
	fsm_free(&f);
	fsm_init(&f);
	doc = backup_encode(&f, &m);
	if (!doc)
		exit(1);
	s.len = 0;
	add8(&s, 0);
	addf(&s, "%s", doc);
	save("backup", "empty", &s);
	free(doc);
	fsm_free(&f);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: seeds CORPUS_DIR [SAMPLE_CONFIG]\n");
		return 2;
	}
	root = argv[1];
	if (mkdir(root, 0755) && errno != EEXIST) {
		perror(root);
		return 1;
	}
	if (sodium_init() < 0) {
		fprintf(stderr, "seeds: libsodium does not start\n");
		return 1;
	}
	az1 = wire_name_id("az1");
	hv1 = wire_name_id("hv1");
	hv2 = wire_name_id("hv2");
	if (az1 != FZ_CLUSTER || hv1 != FZ_PEER || hv2 != FZ_SELF) {
		fprintf(stderr, "seeds: the ids of section 13 changed\n");
		return 1;
	}
	wire_seeds();
	memb_seeds();
	state_seeds();
	report_seeds();
	fsm_seeds();
	backup_seeds();
	config_seeds(argc > 2 ? argv[2] : NULL);
	shb_seeds();
	xdp_seeds();
	printf("%d seeds written under %s\n", written, root);
	return 0;
}
