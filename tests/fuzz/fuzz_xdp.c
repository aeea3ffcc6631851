// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * fuzz_xdp.c - random and mutated frames through the XDP program with
 * BPF_PROG_TEST_RUN, each judged by a model of docs/protocol.md section 7
 * that reads the frame's own bytes: the action and the counter the decision
 * table names (7.1, 7.2), the ACK recorded or refused (7.4), and for XDP_TX
 * the whole output frame as 7.3 describes it, carrying the ACK of 6.2 encoded
 * and signed by the codec. A frame that is not answered must come out byte
 * for byte as it went in; XDP_ABORTED, XDP_REDIRECT or any other action is a
 * failure, and so is a genuine PING for this node left unanswered.
 *
 * Frames: Ethernet with up to three VLAN tags, IPv4 (options, fragments, bad
 * checksums) or IPv6 (extension headers), UDP on and off vigil's port with
 * true and false lengths, trailing padding; payloads are PINGs and ACKs
 * signed with either installed key, a rogue key or none, other vigil
 * messages, the magic alone, or noise. Some are then mutated (bits flipped,
 * cut short, extended) and re-signed, so a genuine MAC covers random field
 * values. The program is loaded as hv2 of docs/protocol.md section 13 with a
 * rate limit it never reaches, so every genuine PING for it is answered.
 *
 * Usage: fuzz_xdp [-seed N] [-seconds S] [-frames N] [DIR...]
 * The frames in each DIR (raw Ethernet frames, one a file: the committed
 * tests/fuzz/corpus/xdp) run first, then generated ones, until S seconds
 * (default 5) or N frames, whichever comes first; one in five generated
 * frames is a mutated corpus frame. The same seed makes the same choices
 * (only the send times of ACKs follow the clock). A frame that breaks the
 * model is printed with the seed and its index, written to
 * fuzz_xdp-SEED-INDEX.bin (add it to the corpus once fixed), and the exit
 * status is 1; 77 if the program cannot be loaded (not root).
 */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "fuzz.h"
#include "maps.h"
#include "packet.h"
#include "prober.h"
#include "vigil_siphash.h"
#include "vigil_xdp.skel.h"

#define NS_PER_MS  1000000ULL
#define NS_PER_S   1000000000ULL
#define MAX_AGE_NS (10 * NS_PER_S)
#define SLACK_NS   NS_PER_MS /* the kernel's clock read vs ours */
#define SELF_INC   2U	     /* hv2's self map, as in section 13 */
#define SELF_HB	   200ULL
#define REPLY_TTL  64
#define FRAME_MAX  1600
#define CORPUS_MAX 256
#define ROGUE_K0   0x6f6f6f6f6f6f6f6fULL
#define ROGUE_K1   0x7272727272727272ULL
#define RL_RATE	   100U /* answers per second per prober channel: reached at times */
#define RL_BURST   10U
#define QUIET_NS   (VIGIL_PING_QUIET_NS / 10) /* the replay window's quiet period */
#define ST(f)	   ((int)(offsetof(struct vigil_stats, f) / sizeof(__u64)))
#define NO_COUNTER (-1)

/* Who the program is, and the peers whose ACKs it records. */
static const uint8_t us_mac[6] = {0x02, 0, 0, 0, 0, 0x02};
static const uint8_t us_v4[4] = {10, 0, 0, 2};
static const uint8_t us_v6[16] = {0xfd, 0, [15] = 2};
static const struct vigil_peer_key known_peers[] = {
	{.node_id = FZ_PEER, .chan = 0},
	{.node_id = FZ_PEER, .chan = 1},
	{.node_id = FZ_PEER, .chan = VIGIL_CHAN_RELAY},
	{.node_id = 3, .chan = 0},
};

enum keys { KEYS_BOTH, KEYS_FIRST, KEYS_NONE };

static struct {
	struct vigil_xdp *skel;
	struct vigil_maps maps;
	int prog_fd;
	enum keys keys;
	uint64_t seed, rng;
	uint64_t send_ns; /* the probers' clock: PINGs mostly carry it, rising */
	uint64_t frames, actions[5], rows[VIGIL_STATS_FIELDS], quiet, run_errors;
} g;

/* ---- random choices ----------------------------------------------------- */

static uint64_t rnd64(void)
{
	/* splitmix64 */
	uint64_t z = (g.rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint32_t rnd(uint32_t n)
{
	return n ? (uint32_t)(rnd64() % n) : 0;
}

static int chance(unsigned pct)
{
	return rnd(100) < pct;
}

static void rnd_bytes(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)rnd64();
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)get16(p) << 16 | get16(p + 2);
}

static void swap_bytes(uint8_t *a, uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t t = a[i];

		a[i] = b[i];
		b[i] = t;
	}
}

/* ---- the model: docs/protocol.md section 7, from the frame's bytes -------- */

struct expect {
	int run_err;	   /* BPF_PROG_TEST_RUN refuses frames shorter than Ethernet */
	int action;	   /* XDP_* */
	int counter;	   /* stats field that moves by one, or NO_COUNTER */
	int counter2;	   /* a second one (tx_ack with rx_ping) */
	const char *why;   /* the row of the table that decided */
	int v6;		   /* layers, for the reply and re-signing */
	size_t l3, l4, pl; /* 0 when not reached */
	int slot;	   /* key slot that verified */
	/* a genuine PING for us, or an ACK for us from a known peer channel:
	 * judged after the run, when the kernel's clock is bracketed */
	int ping, ack;
	struct vigil_peer_key key;
	int have_prober;
	struct vigil_prober prober;
	struct vigil_peer peer;
	struct vigil_inflight inf;
	uint32_t seq;
	uint64_t send_ns;
};

static int set(struct expect *e, int action, int counter, const char *why)
{
	e->action = action;
	e->counter = counter;
	e->counter2 = NO_COUNTER;
	e->why = why;
	return 0;
}

/* Where the UDP payload is (rows 1-3 of the table), or 0. */
static size_t find_payload(const uint8_t *f, size_t len, struct expect *e)
{
	size_t off = 14, ihl;
	uint16_t proto;

	if (len < 14)
		return 0;
	proto = get16(f + 12);
	for (int i = 0; i < 2 && (proto == PKT_ETH_P_8021Q || proto == PKT_ETH_P_8021AD); i++) {
		if (off + 4 > len)
			return 0;
		proto = get16(f + off + 2);
		off += 4;
	}
	e->l3 = off;
	if (proto == PKT_ETH_P_IP) {
		if (off + PKT_IP4_HLEN > len || f[off] >> 4 != 4)
			return 0;
		ihl = (size_t)(f[off] & 15) * 4;
		if (ihl < PKT_IP4_HLEN || off + ihl > len || f[off + 9] != PKT_IPPROTO_UDP ||
		    (get16(f + off + 6) & 0x3fff))
			return 0;
		e->l4 = off + ihl;
	} else if (proto == PKT_ETH_P_IPV6) {
		if (off + PKT_IP6_HLEN > len || f[off] >> 4 != 6 || f[off + 6] != PKT_IPPROTO_UDP)
			return 0;
		e->v6 = 1;
		e->l4 = off + PKT_IP6_HLEN;
	} else {
		return 0;
	}
	if (e->l4 + PKT_UDP_HLEN > len || get16(f + e->l4 + 4) < PKT_UDP_HLEN)
		return 0;
	return e->pl = e->l4 + PKT_UDP_HLEN;
}

static int key_of_slot(int slot, uint64_t *k0, uint64_t *k1)
{
	if (slot == 0 && g.keys != KEYS_NONE) {
		*k0 = FZ_K0;
		*k1 = FZ_K1;
		return 1;
	}
	if (slot == 1 && g.keys == KEYS_BOTH) {
		*k0 = FZ_K0_NEXT;
		*k1 = FZ_K1_NEXT;
		return 1;
	}
	return 0;
}

static int model(const uint8_t *f, size_t len, struct expect *e)
{
	size_t pl, L;
	const uint8_t *m;
	uint64_t k0, k1, mac;
	int to, from;
	uint8_t type;

	memset(e, 0, sizeof(*e));
	e->slot = -1;
	if (len < 14) {
		e->run_err = -EINVAL;
		return 0;
	}
	pl = find_payload(f, len, e);
	if (!pl)
		return set(e, XDP_PASS, NO_COUNTER, "1-3: not a UDP datagram the program parses");
	to = get16(f + e->l4 + 2) == VIGIL_DEFAULT_PORT;
	from = get16(f + e->l4) == VIGIL_DEFAULT_PORT;
	L = get16(f + e->l4 + 4) - PKT_UDP_HLEN;
	m = f + pl;
	if (!to && !from)
		return set(e, XDP_PASS, NO_COUNTER, "4: not vigil's port");
	if (L < 4 || pl + 4 > len) {
		if (to)
			return set(e, XDP_DROP, ST(drop_truncated), "5: no room for the magic");
		return set(e, XDP_PASS, NO_COUNTER, "5: no room for the magic, from our port");
	}
	if (get32(m) != VIGIL_MAGIC)
		return set(e, XDP_PASS, NO_COUNTER, "6: not the magic");
	if (L < sizeof(struct vigil_hdr) || pl + sizeof(struct vigil_hdr) > len)
		return set(e, XDP_DROP, ST(drop_truncated), "7: header truncated");
	type = m[5];
	if (type != VIGIL_MSG_PING && type != VIGIL_MSG_ACK)
		return set(e, XDP_PASS, ST(pass_other), "8: for the agent");
	if (m[4] != VIGIL_PROBE_VERSION)
		return set(e, XDP_DROP, ST(drop_bad_version), "9: another probe version");
	if (type == VIGIL_MSG_PING && !to)
		return set(e, XDP_PASS, ST(pass_other), "10: PING not to our port");
	if (L != VIGIL_PROBE_LEN)
		return set(e, XDP_DROP, ST(drop_bad_length), "11: not 64 bytes");
	if (pl + VIGIL_PROBE_LEN > len)
		return set(e, XDP_DROP, ST(drop_truncated), "12: cut short");
	if (get32(m + 8) != FZ_CLUSTER)
		return set(e, XDP_DROP, ST(drop_wrong_cluster), "13: another cluster");
	if (g.keys == KEYS_NONE)
		return set(e, XDP_DROP, ST(drop_no_key), "14: no key");
	mac = vigil_load_le64(m + VIGIL_PROBE_MAC_OFF);
	for (int s = 0; s < VIGIL_KEY_SLOTS && e->slot < 0; s++)
		if (key_of_slot(s, &k0, &k1) &&
		    vigil_siphash24(m, VIGIL_PROBE_MAC_OFF, k0, k1) == mac)
			e->slot = s;
	if (e->slot < 0)
		return set(e, XDP_DROP, ST(drop_bad_mac), "15: bad MAC");
	if (get32(m + 16) != FZ_SELF)
		return set(e, XDP_DROP, ST(drop_wrong_target), "7.2/7.4 step 1: not for us");
	/* 7.2 and 7.4: the maps decide; read them now, judge after the run. */
	e->key.node_id = get32(m + 12);
	e->key.chan = m[36];
	e->seq = get32(m + 20);
	e->send_ns = (uint64_t)get32(m + 24) << 32 | get32(m + 28);
	if (type == VIGIL_MSG_PING) {
		e->ping = 1;
		e->have_prober = !bpf_map_lookup_elem(g.maps.probers, &e->key, &e->prober);
		set(e, XDP_TX, ST(rx_ping), "7.2: answered");
		e->counter2 = ST(tx_ack);
		return 0;
	}
	if (bpf_map_lookup_elem(g.maps.peers, &e->key, &e->peer) ||
	    bpf_map_lookup_elem(g.maps.inflight, &e->key, &e->inf))
		return set(e, XDP_DROP, ST(drop_unknown_peer), "7.4 step 2: unknown peer");
	e->ack = 1;
	return set(e, XDP_DROP, ST(drop_stale_ack), "7.4: refused");
}

/* 7.4 step 3, with the kernel's clock somewhere in [t0, t1]: 1 valid, 0
 * refused, -1 either (the age is within the clocks' slack of the limit). */
static int ack_valid(const struct expect *e, uint64_t t0, uint64_t t1)
{
	const struct vigil_probe_slot *s = &e->inf.slot[e->seq & (VIGIL_INFLIGHT - 1)];
	uint64_t lo = t0 - SLACK_NS, hi = t1 + SLACK_NS;

	if (!s->send_ns || s->seq != e->seq || s->send_ns != e->send_ns ||
	    (e->peer.acks && (int32_t)(e->seq - e->peer.last_ack_seq) <= 0))
		return 0;
	if (hi < e->send_ns || (lo > e->send_ns && lo - e->send_ns > MAX_AGE_NS))
		return 0;
	if (lo >= e->send_ns && hi - e->send_ns <= MAX_AGE_NS)
		return 1;
	return -1;
}

/* 7.2 steps 3-4 and 7.6 for the PING of e, had the kernel read its clock
 * at now: the replay window and the token bucket of its prober channel. */
static enum prober_verdict ping_verdict(const struct expect *e, uint64_t now)
{
	struct vigil_prober p;

	if (e->have_prober)
		p = e->prober;
	else
		memset(&p, 0, sizeof(p));
	return prober_admit(&p, !e->have_prober, e->send_ns, now, QUIET_NS, RL_RATE, RL_BURST);
}

/* 7.3: the frame the program must transmit in place of the PING in. */
static void reply(const uint8_t *in, size_t len, const struct expect *e, uint8_t *out)
{
	struct probe_fields ping, ack;
	struct vigil_probe p, a;
	uint8_t *ip = out + e->l3, *udp = out + e->l4;
	uint64_t k0 = 0, k1 = 0;
	uint32_t sum;
	uint16_t old, neww, csum;

	memcpy(out, in, len);
	swap_bytes(out, out + 6, 6);
	if (!e->v6) {
		swap_bytes(ip + 12, ip + 16, 4);
		/* RFC 1624 eqn. 3 for the TTL/protocol word: HC' = ~(~HC + ~m + m') */
		old = get16(ip + 8);
		ip[8] = REPLY_TTL;
		neww = get16(ip + 8);
		sum = (uint16_t)~get16(ip + 10) + (uint32_t)(uint16_t)~old + neww;
		pkt_put16(ip + 10, pkt_csum_finish(sum));
	} else {
		swap_bytes(ip + 8, ip + 24, 16);
		ip[7] = REPLY_TTL;
	}
	swap_bytes(udp, udp + 2, 2);

	/* 6.2: the ACK of this PING, from hv2's self map, signed with the key
	 * that verified the PING. */
	memcpy(&p, in + e->pl, sizeof(p));
	wire_probe_decode(&p, &ping);
	ack = ping;
	ack.type = VIGIL_MSG_ACK;
	ack.flags = (uint16_t)((ping.flags & VIGIL_F_RELAYED) | (e->slot ? VIGIL_F_KEYNEXT : 0));
	ack.sender_id = FZ_SELF;
	ack.target_id = ping.sender_id;
	ack.incarnation = SELF_INC;
	ack.heartbeat = SELF_HB;
	key_of_slot(e->slot, &k0, &k1);
	pkt_probe(&a, &ack, k0, k1);
	memcpy(out + e->pl, &a, sizeof(a));

	/* UDP checksum in full: pseudo header, header with check 0, the ACK. */
	pkt_put16(udp + 6, 0);
	if (!e->v6) {
		sum = pkt_csum_add(0, ip + 12, 8);
		sum += PKT_IPPROTO_UDP;
	} else {
		sum = pkt_csum_add(0, ip + 8, 32);
		sum += PKT_IPPROTO_UDP;
	}
	sum += get16(udp + 4);
	sum = pkt_csum_add(sum, udp, PKT_UDP_HLEN);
	sum = pkt_csum_add(sum, &a, sizeof(a));
	csum = pkt_csum_finish(sum);
	pkt_put16(udp + 6, csum ? csum : 0xffff);
}

/* ---- running one frame and judging it ------------------------------------- */

static void hexdump(const char *what, const uint8_t *p, size_t len)
{
	fprintf(stderr, "  %s (%zu bytes):\n", what, len);
	for (size_t i = 0; i < len; i += 16) {
		fprintf(stderr, "  %04zx ", i);
		for (size_t j = i; j < i + 16 && j < len; j++)
			fprintf(stderr, " %02x", p[j]);
		fputc('\n', stderr);
	}
}

static const char *action_name(int a)
{
	static const char *const n[] = {"XDP_ABORTED", "XDP_DROP", "XDP_PASS", "XDP_TX",
					"XDP_REDIRECT"};

	return a >= 0 && a <= XDP_REDIRECT ? n[a] : "XDP_(unknown)";
}

static void failed(const uint8_t *f, size_t len, const struct expect *e, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void failed(const uint8_t *f, size_t len, const struct expect *e, const char *fmt, ...)
{
	char path[96];
	va_list ap;
	FILE *out;

	fprintf(stderr, "fuzz_xdp: seed %llu frame %llu: ", (unsigned long long)g.seed,
		(unsigned long long)g.frames);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n  the model says: %s, %s (%s)\n", e->why ? e->why : "-",
		action_name(e->action), e->counter >= 0 ? maps_stats_names[e->counter] : "-");
	hexdump("frame", f, len);
	snprintf(path, sizeof(path), "fuzz_xdp-%llu-%llu.bin", (unsigned long long)g.seed,
		 (unsigned long long)g.frames);
	out = fopen(path, "wb");
	if (out && fwrite(f, 1, len, out) == len)
		fprintf(stderr, "  written to %s\n", path);
	if (out)
		fclose(out);
	printf("not ok - XDP program on generated frames (seed %llu): frame %llu breaks the "
	       "model\n",
	       (unsigned long long)g.seed, (unsigned long long)g.frames);
	exit(1);
}

static int run_frame(const uint8_t *f, size_t len)
{
	static uint8_t out[FRAME_MAX + 64], want[FRAME_MAX + 64];
	struct vigil_stats before, after;
	struct vigil_peer peer_after;
	struct expect e;
	uint64_t t0, t1;
	int err, valid = 0;

	LIBBPF_OPTS(bpf_test_run_opts, opts);

	model(f, len, &e);
	if (maps_stats_sum(&g.maps, &before))
		failed(f, len, &e, "cannot read the stats");
	memset(out, 0xee, sizeof(out));
	opts.data_in = f;
	opts.data_size_in = (__u32)len;
	opts.data_out = out;
	opts.data_size_out = sizeof(out);
	opts.repeat = 1;
	t0 = now_ns();
	err = bpf_prog_test_run_opts(g.prog_fd, &opts);
	t1 = now_ns();
	g.frames++;
	if (e.run_err) {
		if (err != e.run_err)
			failed(f, len, &e, "BPF_PROG_TEST_RUN returned %d, want %d", err,
			       e.run_err);
		g.run_errors++;
		return 0;
	}
	if (err)
		failed(f, len, &e, "BPF_PROG_TEST_RUN failed: %s", strerror(-err));
	if (maps_stats_sum(&g.maps, &after))
		failed(f, len, &e, "cannot read the stats");

	if (e.ack) {
		valid = ack_valid(&e, t0, t1);
		if (valid == 1 || (valid < 0 && after.rx_ack != before.rx_ack))
			set(&e, XDP_DROP, ST(rx_ack), "7.4: recorded");
	}
	if (e.ping) {
		enum prober_verdict v = ping_verdict(&e, t0 - SLACK_NS);

		/* Within the clocks' slack of a quiet period's end or a token's
		 * refill, the program may have seen either side of it. */
		if (v != ping_verdict(&e, t1 + SLACK_NS)) {
			if (opts.retval == XDP_TX)
				v = PROBER_ANSWER;
			else if (after.drop_replayed_ping != before.drop_replayed_ping)
				v = PROBER_REPLAYED;
			else
				v = PROBER_LIMITED;
		}
		if (v == PROBER_REPLAYED)
			set(&e, XDP_DROP, ST(rx_ping), "7.2 step 3: replayed");
		else if (v == PROBER_LIMITED)
			set(&e, XDP_DROP, ST(rx_ping), "7.2 step 4: rate limited");
		e.counter2 = v == PROBER_ANSWER	    ? ST(tx_ack)
			     : v == PROBER_REPLAYED ? ST(drop_replayed_ping)
						    : ST(drop_rate_limited);
	}
	if (opts.retval > XDP_TX || opts.retval == XDP_ABORTED)
		failed(f, len, &e, "unexpected action %s (%u)", action_name((int)opts.retval),
		       opts.retval);
	if ((int)opts.retval != e.action)
		failed(f, len, &e, "action %s, want %s", action_name((int)opts.retval),
		       action_name(e.action));
	if (e.action == XDP_TX) {
		reply(f, len, &e, want);
		if (opts.data_size_out != len || memcmp(out, want, len)) {
			hexdump("got", out, opts.data_size_out);
			hexdump("want", want, len);
			failed(f, len, &e, "the ACK frame differs from section 7.3's");
		}
		if (!e.v6 && !pkt_csum_finish(pkt_csum_add(0, f + e.l3, (f[e.l3] & 15) * 4u)) &&
		    pkt_csum_finish(pkt_csum_add(0, out + e.l3, (out[e.l3] & 15) * 4u)))
			failed(f, len, &e, "a valid IPv4 header checksum became invalid");
	} else if (opts.data_size_out != len || memcmp(out, f, len)) {
		hexdump("got", out, opts.data_size_out);
		failed(f, len, &e, "%s changed the frame", action_name(e.action));
	}
	for (int i = 0; i < (int)VIGIL_STATS_FIELDS; i++) {
		__u64 d = ((__u64 *)&after)[i] - ((__u64 *)&before)[i];
		__u64 w = i == e.counter || i == e.counter2;

		if (d != w)
			failed(f, len, &e, "counter %s moved by %llu, want %llu",
			       maps_stats_names[i], (unsigned long long)d, (unsigned long long)w);
	}
	if (e.ack) {
		int rec = e.counter == ST(rx_ack);

		if (bpf_map_lookup_elem(g.maps.peers, &e.key, &peer_after))
			failed(f, len, &e, "peer entry vanished");
		if (peer_after.stale_acks != e.peer.stale_acks + !rec ||
		    peer_after.acks != e.peer.acks + rec ||
		    (rec &&
		     (peer_after.last_ack_seq != e.seq || peer_after.last_send_ns != e.send_ns)) ||
		    (!rec && (peer_after.last_ack_seq != e.peer.last_ack_seq ||
			      peer_after.last_ack_ns != e.peer.last_ack_ns)))
			failed(f, len, &e, "peer entry: acks %llu -> %llu, stale %llu -> %llu",
			       (unsigned long long)e.peer.acks, (unsigned long long)peer_after.acks,
			       (unsigned long long)e.peer.stale_acks,
			       (unsigned long long)peer_after.stale_acks);
	}
	g.actions[opts.retval]++;
	if (e.counter >= 0)
		g.rows[e.counter]++;
	else
		g.quiet++;
	if (e.counter2 >= 0)
		g.rows[e.counter2]++;
	return 0;
}

/* ---- generating frames ------------------------------------------------------ */

/* Sign the 64-byte message at m with slot 0, slot 1, a rogue key or not at all. */
static void sign_some(uint8_t *m)
{
	unsigned r = rnd(100);

	if (r < 60)
		wire_sign(m, VIGIL_PROBE_LEN, FZ_K0, FZ_K1);
	else if (r < 85)
		wire_sign(m, VIGIL_PROBE_LEN, FZ_K0_NEXT, FZ_K1_NEXT);
	else if (r < 95)
		wire_sign(m, VIGIL_PROBE_LEN, ROGUE_K0, ROGUE_K1);
}

/* A PING or ACK; an ACK mostly answers a probe we recorded, so the
 * recording path is reached. */
static void gen_probe(uint8_t *m, uint8_t type)
{
	static const uint32_t others[] = {FZ_PEER, 3, FZ_SELF, 0};
	struct probe_fields f = {0};
	struct vigil_probe p;
	struct vigil_peer peer;
	const struct vigil_peer_key *k;

	f.type = type;
	f.flags = chance(80) ? 0 : chance(90) ? (uint16_t)rnd(4) : (uint16_t)rnd64();
	f.cluster_id = chance(92) ? FZ_CLUSTER : (uint32_t)rnd64();
	f.sender_id = chance(70) ? others[rnd(4)] : (uint32_t)rnd64();
	f.target_id = chance(85) ? FZ_SELF : chance(50) ? FZ_PEER : (uint32_t)rnd64();
	f.seq = (uint32_t)rnd64();
	g.send_ns += 1 + rnd(1000);
	f.send_ns = chance(97) ? g.send_ns : rnd64();
	f.incarnation = (uint32_t)rnd64();
	f.chan = chance(50) ? 0 : chance(50) ? VIGIL_CHAN_RELAY : (uint8_t)rnd64();
	f.heartbeat = rnd64();
	f.origin_id = chance(70) ? 0 : (uint32_t)rnd64();
	if (type == VIGIL_MSG_ACK && chance(70)) {
		k = &known_peers[rnd(sizeof(known_peers) / sizeof(known_peers[0]))];
		f.sender_id = k->node_id;
		f.chan = k->chan;
		if (!bpf_map_lookup_elem(g.maps.peers, k, &peer))
			f.seq = chance(80) ? peer.last_ack_seq + 1 + rnd(3)
					   : peer.last_ack_seq - rnd(3);
		/* just sent; older than the maximum age; or in the future */
		f.send_ns = now_ns();
		if (chance(80))
			f.send_ns -= NS_PER_MS;
		else if (chance(50))
			f.send_ns -= MAX_AGE_NS + 5 * NS_PER_S;
		else
			f.send_ns += 5 * NS_PER_S;
		if (chance(85))
			maps_inflight_record(&g.maps, k->node_id, k->chan,
					     chance(90) ? f.seq : f.seq + 8, f.send_ns);
	}
	wire_probe_encode(&p, &f);
	if (chance(5)) {
		memset(p.pad, 0xa5, sizeof(p.pad));
		p.reserved = 0x5a5a5a5a;
	}
	memcpy(m, &p, sizeof(p));
	sign_some(m);
}

/* The UDP payload; returns its length. */
static size_t gen_payload(uint8_t *m)
{
	unsigned r = rnd(100);
	struct vigil_hdr h;
	size_t n;

	if (r < 40) {
		gen_probe(m, VIGIL_MSG_PING);
		return VIGIL_PROBE_LEN;
	}
	if (r < 70) {
		gen_probe(m, VIGIL_MSG_ACK);
		return VIGIL_PROBE_LEN;
	}
	if (r < 80) { /* another vigil message, for the agent */
		n = 16 + rnd(200);
		rnd_bytes(m, n);
		wire_hdr_init(&h, (uint8_t)(chance(80) ? 3 + rnd(7) : rnd(256)), FZ_CLUSTER,
			      FZ_PEER);
		memcpy(m, &h, sizeof(h));
		return n;
	}
	if (r < 87) { /* a probe cut short, or of the wrong version */
		gen_probe(m, chance(50) ? VIGIL_MSG_PING : VIGIL_MSG_ACK);
		if (chance(50)) {
			m[4] = (uint8_t)(2 + rnd(254));
			return VIGIL_PROBE_LEN;
		}
		return rnd(VIGIL_PROBE_LEN);
	}
	if (r < 93) { /* the magic and a little */
		n = rnd(24);
		rnd_bytes(m, n);
		memcpy(m, &(uint32_t){htonl(VIGIL_MAGIC)}, n < 4 ? n : 4);
		return n;
	}
	n = rnd(120);
	rnd_bytes(m, n);
	return n;
}

static uint16_t gen_port(void)
{
	return chance(30) ? VIGIL_DEFAULT_PORT : (uint16_t)rnd64();
}

static size_t gen_frame(uint8_t *b)
{
	static const uint16_t tpids[] = {PKT_ETH_P_8021Q, PKT_ETH_P_8021AD};
	size_t off = 12, l3, l4, ihl = PKT_IP4_HLEN, plen, ulen;
	unsigned r;
	int v6, nvlan;

	memset(b, 0, FRAME_MAX);
	if (chance(90))
		memcpy(b, us_mac, 6);
	else
		rnd_bytes(b, 6);
	rnd_bytes(b + 6, 6);
	r = rnd(100);
	nvlan = r < 55 ? 0 : r < 80 ? 1 : r < 95 ? 2 : 3;
	for (int i = 0; i < nvlan; i++, off += 4) {
		pkt_put16(b + off, chance(90) ? tpids[rnd(2)] : (uint16_t)rnd64());
		pkt_put16(b + off + 2, (uint16_t)rnd64());
	}
	r = rnd(100);
	if (r >= 90) { /* ARP or anything else */
		pkt_put16(b + off, r < 95 ? PKT_ETH_P_ARP : (uint16_t)rnd64());
		off += 2;
		plen = rnd(100);
		rnd_bytes(b + off, plen);
		return off + plen;
	}
	v6 = r >= 45;
	pkt_put16(b + off, v6 ? PKT_ETH_P_IPV6 : PKT_ETH_P_IP);
	l3 = off += 2;

	if (v6) {
		pkt_put32(b + l3, (chance(97) ? 6U : rnd(16)) << 28 | (uint32_t)rnd(1 << 20));
		r = rnd(100);
		b[l3 + 6] = r < 90   ? PKT_IPPROTO_UDP
			    : r < 94 ? PKT_IPPROTO_FRAGMENT
			    : r < 97 ? 0
				     : (uint8_t)rnd64();
		b[l3 + 7] = (uint8_t)rnd64();
		rnd_bytes(b + l3 + 8, 16);
		if (chance(90))
			memcpy(b + l3 + 24, us_v6, 16);
		else
			rnd_bytes(b + l3 + 24, 16);
		l4 = l3 + PKT_IP6_HLEN;
		if (b[l3 + 6] == PKT_IPPROTO_FRAGMENT || b[l3 + 6] == 0) {
			/* an extension header, then UDP: not walked, passed */
			b[l4] = PKT_IPPROTO_UDP;
			l4 += 8;
		}
	} else {
		if (chance(10))
			ihl = PKT_IP4_HLEN + 4 * (1 + rnd(10));
		b[l3] = (uint8_t)((chance(97) ? 4 : rnd(16)) << 4 | (chance(3) ? rnd(5) : ihl / 4));
		b[l3 + 1] = (uint8_t)rnd64();
		pkt_put16(b + l3 + 4, (uint16_t)rnd64());
		r = rnd(100);
		pkt_put16(b + l3 + 6, r < 80 ? PKT_IP_DF : r < 90 ? 0 : (uint16_t)rnd64());
		b[l3 + 8] = (uint8_t)rnd64();
		b[l3 + 9] = chance(92) ? PKT_IPPROTO_UDP : (uint8_t)rnd64();
		rnd_bytes(b + l3 + 12, 4);
		if (chance(90))
			memcpy(b + l3 + 16, us_v4, 4);
		else
			rnd_bytes(b + l3 + 16, 4);
		for (size_t i = PKT_IP4_HLEN; i < ihl; i++)
			b[l3 + i] = chance(70) ? 1 : (uint8_t)rnd64(); /* NOPs, or anything */
		l4 = l3 + ihl;
	}

	r = rnd(100);
	if (r < 55) {
		pkt_put16(b + l4, VIGIL_DEFAULT_PORT);
		pkt_put16(b + l4 + 2, VIGIL_DEFAULT_PORT);
	} else if (r < 70) {
		pkt_put16(b + l4, (uint16_t)(32768 + rnd(28000)));
		pkt_put16(b + l4 + 2, VIGIL_DEFAULT_PORT);
	} else if (r < 82) {
		pkt_put16(b + l4, VIGIL_DEFAULT_PORT);
		pkt_put16(b + l4 + 2, (uint16_t)(32768 + rnd(28000)));
	} else {
		pkt_put16(b + l4, gen_port());
		pkt_put16(b + l4 + 2, gen_port());
	}
	plen = gen_payload(b + l4 + PKT_UDP_HLEN);
	ulen = PKT_UDP_HLEN + plen;
	r = rnd(100);
	pkt_put16(b + l4 + 4, (uint16_t)(r < 92 ? ulen : r < 96 ? ulen + rnd(9) - 4 : rnd64()));
	off = l4 + ulen;
	if (chance(15)) { /* Ethernet padding, or junk after the datagram */
		size_t pad = rnd(48);

		rnd_bytes(b + off, pad);
		off += pad;
	}

	/* Lengths and checksums: true, mostly. */
	if (v6) {
		pkt_put16(b + l3 + 4, (uint16_t)(chance(95) ? off - l3 - PKT_IP6_HLEN : rnd64()));
	} else {
		pkt_put16(b + l3 + 2, (uint16_t)(chance(95) ? off - l3 : rnd64()));
		pkt_put16(b + l3 + 10, 0);
		pkt_put16(b + l3 + 10, chance(90) ? pkt_csum_finish(pkt_csum_add(0, b + l3, ihl))
						  : (uint16_t)rnd64());
	}
	pkt_put16(b + l4 + 6, (uint16_t)rnd64()); /* never verified: the MAC covers the payload */
	return off;
}

/* Damage a frame: flip bits, overwrite bytes, cut it short or extend it;
 * then, half the time, sign its probe again so the damage is genuine. */
static size_t mutate(uint8_t *b, size_t len)
{
	struct expect e;
	size_t pl;

	for (unsigned n = 1 + rnd(4); n && len; n--) {
		size_t at = rnd((uint32_t)len);

		if (chance(50))
			b[at] ^= (uint8_t)(1u << rnd(8));
		else
			b[at] = (uint8_t)rnd64();
	}
	if (chance(10))
		len = rnd((uint32_t)len + 1);
	else if (chance(5) && len < FRAME_MAX - 64) {
		size_t more = rnd(64);

		rnd_bytes(b + len, more);
		len += more;
	}
	if (chance(50)) {
		memset(&e, 0, sizeof(e));
		pl = find_payload(b, len, &e);
		if (pl && pl + VIGIL_PROBE_LEN <= len)
			sign_some(b + pl);
	}
	return len;
}

/* ---- the corpus ------------------------------------------------------------- */

static struct {
	uint8_t *b;
	size_t len;
} corpus[CORPUS_MAX];
static size_t ncorpus;

static void load_corpus(const char *dir)
{
	struct dirent **names;
	char path[4096];
	int n = scandir(dir, &names, NULL, alphasort);

	if (n < 0) {
		fprintf(stderr, "fuzz_xdp: cannot list %s: %s\n", dir, strerror(errno));
		exit(2);
	}
	for (int i = 0; i < n; i++) {
		FILE *f;
		uint8_t buf[FRAME_MAX];
		size_t len;

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
		f = names[i]->d_name[0] != '.' ? fopen(path, "rb") : NULL;
		free(names[i]);
		if (!f)
			continue;
		len = fread(buf, 1, sizeof(buf), f);
		fclose(f);
		if (ncorpus < CORPUS_MAX && (corpus[ncorpus].b = malloc(len ? len : 1))) {
			memcpy(corpus[ncorpus].b, buf, len);
			corpus[ncorpus++].len = len;
		}
	}
	free(names);
}

/* ---- setup -------------------------------------------------------------------- */

static void install_keys(enum keys k)
{
	struct vigil_keyring kr;

	fz_keyring(&kr);
	kr.slot[0].valid = k != KEYS_NONE;
	kr.slot[1].valid = k == KEYS_BOTH;
	if (maps_set_keys(&g.maps, &kr)) {
		fprintf(stderr, "fuzz_xdp: cannot install keys\n");
		exit(2);
	}
	g.keys = k;
}

static int load(void)
{
	int err;

	libbpf_set_print(NULL);
	g.skel = vigil_xdp__open();
	if (!g.skel)
		return -1;
	g.skel->rodata->cfg_port = VIGIL_DEFAULT_PORT;
	g.skel->rodata->cfg_node_id = FZ_SELF;
	g.skel->rodata->cfg_cluster_id = FZ_CLUSTER;
	g.skel->rodata->cfg_rl_rate = RL_RATE;
	g.skel->rodata->cfg_rl_burst = RL_BURST;
	g.skel->rodata->cfg_ack_max_age_ns = MAX_AGE_NS;
	g.skel->rodata->cfg_ping_quiet_ns = QUIET_NS;
	err = vigil_xdp__load(g.skel);
	if (err) {
		vigil_xdp__destroy(g.skel);
		return -1;
	}
	g.prog_fd = bpf_program__fd(g.skel->progs.vigil_xdp);
	maps_init(&g.maps);
	g.maps.peers = bpf_map__fd(g.skel->maps.peers);
	g.maps.inflight = bpf_map__fd(g.skel->maps.inflight);
	g.maps.self = bpf_map__fd(g.skel->maps.self);
	g.maps.keys = bpf_map__fd(g.skel->maps.keys);
	g.maps.stats = bpf_map__fd(g.skel->maps.stats);
	g.maps.probers = bpf_map__fd(g.skel->maps.probers);
	if (maps_set_self(&g.maps, SELF_INC, SELF_HB))
		return -1;
	for (size_t i = 0; i < sizeof(known_peers) / sizeof(known_peers[0]); i++)
		if (maps_peer_add(&g.maps, known_peers[i].node_id, known_peers[i].chan))
			return -1;
	install_keys(KEYS_BOTH);
	return 0;
}

int main(int argc, char **argv)
{
	static uint8_t frame[FRAME_MAX];
	uint64_t max_frames = UINT64_MAX, t_start, t_end, seconds = 5;
	size_t len = 0;
	int i;

	g.seed = (uint64_t)time(NULL);
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "-seed") && i + 1 < argc)
			g.seed = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "-seconds") && i + 1 < argc)
			seconds = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "-frames") && i + 1 < argc)
			max_frames = strtoull(argv[++i], NULL, 0);
		else {
			fprintf(stderr, "usage: %s [-seed N] [-seconds S] [-frames N] [DIR...]\n",
				argv[0]);
			return 2;
		}
	}
	for (; i < argc; i++)
		load_corpus(argv[i]);
	if (load()) {
		printf("ok - XDP program on generated frames # SKIP cannot load the program "
		       "(needs root)\n");
		return 77;
	}
	g.rng = g.seed;
	g.send_ns = 1000 * NS_PER_S;

	t_start = now_ns();
	t_end = t_start + seconds * NS_PER_S;
	for (size_t c = 0; c < ncorpus; c++)
		run_frame(corpus[c].b, corpus[c].len);
	while (g.frames < max_frames && ((g.frames & 255) || now_ns() < t_end)) {
		if ((g.frames & 1023) == 1023)
			install_keys(chance(80) ? KEYS_BOTH : chance(50) ? KEYS_FIRST : KEYS_NONE);
		if (len && chance(3)) {
			/* the previous frame again: a replayed PING, a duplicate ACK */
		} else if (ncorpus && chance(20)) {
			const size_t c = rnd((uint32_t)ncorpus);

			len = corpus[c].len < FRAME_MAX ? corpus[c].len : FRAME_MAX;
			memcpy(frame, corpus[c].b, len);
			len = mutate(frame, len);
		} else {
			len = gen_frame(frame);
			if (chance(25))
				len = mutate(frame, len);
		}
		run_frame(frame, len);
	}
	t_end = now_ns();

	printf("# seed %llu: %llu frames (%zu from the corpus) in %.1f s, %.0f/s\n",
	       (unsigned long long)g.seed, (unsigned long long)g.frames, ncorpus,
	       (double)(t_end - t_start) / 1e9,
	       (double)g.frames * 1e9 / (double)(t_end - t_start + 1));
	printf("# actions: %llu tx, %llu pass, %llu drop; %llu refused by test_run (< 14 bytes)\n",
	       (unsigned long long)g.actions[XDP_TX], (unsigned long long)g.actions[XDP_PASS],
	       (unsigned long long)g.actions[XDP_DROP], (unsigned long long)g.run_errors);
	printf("# decisions: %llu uncounted", (unsigned long long)g.quiet);
	for (size_t f = 0; f < VIGIL_STATS_FIELDS; f++)
		printf(", %llu %s", (unsigned long long)g.rows[f], maps_stats_names[f]);
	printf("\n");
	printf("ok - XDP program on %llu generated frames (seed %llu): actions, counters and "
	       "output as docs/protocol.md section 7 says\n",
	       (unsigned long long)g.frames, (unsigned long long)g.seed);
	vigil_xdp__destroy(g.skel);
	return 0;
}
