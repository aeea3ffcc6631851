// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_xdp.c - the XDP program on crafted frames, with BPF_PROG_TEST_RUN.
 *
 * Table-driven, in the style of katran's BpfTester: each row is one case,
 * {description, input frame, expected XDP action, expected output, expected
 * counter and peers-map effect}. The input frame is described declaratively
 * (struct frame_spec + struct msg_spec) and built by tests/lib/packet.h; for
 * XDP_TX the expected reply is built independently from the same description
 * (addresses swapped, TTL 64, checksums computed by packet.h, the ACK encoded
 * and signed by proto.c), and compared byte for byte. Every other action
 * must leave the frame byte-for-byte unchanged.
 *
 * Counters: the per-CPU stats are summed before and after each row, and every
 * field must move by exactly what the row names (1 for each field in its
 * .stats mask, 0 for all others).
 *
 * Rows that answer or refuse a PING may also name what must have happened to
 * the sender's entry in the probers map (replay window and token bucket),
 * checked against an independent model of docs/protocol.md section 7.6.
 *
 * The program is loaded from its skeleton four times, never attached and
 * never pinned: "main" with a rate limit that never triggers, "rl" with a
 * burst of 3 answers per prober channel, "replay" with the default rate limit
 * and a short quiet period (so the reboot rule runs in well under a second),
 * and "spec" configured as hv2 of the worked example in docs/protocol.md
 * section 13, whose frames are checked byte for byte (and reproduced by
 * packet.h, which validates the reference builder). Rows run in table order
 * and may depend on the map state earlier rows left (ACK sequence numbers,
 * replay windows, token buckets).
 *
 * Needs root (CAP_BPF + CAP_NET_ADMIN) for BPF_PROG_TEST_RUN.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "maps.h"
#include "packet.h"
#include "wire.h"
#include "vigil_abi.h"
#include "vigil_xdp.skel.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define NS_PER_MS     1000000ULL
#define NS_PER_S      1000000000ULL

/* ---- the configuration the program is loaded with ------------------------ */

#define T_PORT	       VIGIL_DEFAULT_PORT
#define T_CLUSTER      0x7e57c105U
#define T_NODE	       0x0000a001U /* us: the node under test */
#define T_PEER	       0x0000b002U /* the prober / the probed peer */
#define T_OTHER_NODE   0x0000c003U /* a member that is not us */
#define T_STRANGER     0x0000d004U /* not in the peers map */
#define T_INCARNATION  42U	   /* self map */
#define T_HEARTBEAT    0x0102030405060708ULL
#define T_MAX_AGE_NS   (2 * NS_PER_S)
#define T_PEER_INC     7U /* the peer's incarnation in its messages */
#define T_PEER_HB      0x0a0b0c0d0e0f1011ULL
#define T_REPLY_TTL    64
#define T_DEFAULT_AGE  NS_PER_MS /* inflight probes: sent 1 ms ago */
#define CLOCK_SLACK_NS NS_PER_MS

/* docs/protocol.md section 13: cluster az1, prober hv1, responder hv2. */
#define SPEC_AZ1 0xb12a9e75U
#define SPEC_HV1 0xa8186421U
#define SPEC_HV2 0x383053e3U

#define RL_RATE	   1U /* the "rl" instance: 1 answer/s, burst 3 */
#define RL_BURST   3U
#define NO_RL	   1000000U /* the "main" instance: never limits */
#define DEF_RATE   100U	    /* "replay" and "spec": the defaults of rate_limit_pps/_burst */
#define DEF_BURST  200U
#define T_QUIET_NS (300 * NS_PER_MS) /* "replay": cfg_ping_quiet_ns */
#define T_BOOT_NS  (7 * NS_PER_S)    /* a prober's CLOCK_MONOTONIC just after its boot */

static const char *const key_text[] = {
	"vigil-test-key-0", /* KEY_A: slot 0, primary */
	"vigil-test-key-1", /* KEY_B: slot 1, secondary (rotation) */
	"rogue-key-000000", /* KEY_ROGUE: never installed */
};

struct host {
	uint8_t mac[PKT_ETH_ALEN];
	uint8_t v4[4];
	uint8_t v6[16];
};

enum host_id { H_PEER, H_OTHER };

static const struct host us = {
	{0x02, 0, 0, 0, 0xa0, 0x01},
	{10, 251, 0, 1},
	{0xfd, 0, 0x02, 0x51, [15] = 1},
};

static const struct host hosts[] = {
	[H_PEER] = {{0x02, 0, 0, 0, 0xb0, 0x02}, {10, 251, 0, 2}, {0xfd, 0, 0x02, 0x51, [15] = 2}},
	[H_OTHER] = {{0x02, 0, 0, 0, 0xc0, 0x03}, {10, 251, 0, 3}, {0xfd, 0, 0x02, 0x51, [15] = 3}},
};

/* ---- rows --------------------------------------------------------------- */

enum key_id { KEY_A, KEY_B, KEY_ROGUE };
enum key_set { KEYS_BOTH, KEYS_A_ONLY, KEYS_NONE }; /* installed before the row */
enum send_mode {
	SEND_AUTO,   /* PING: now; ACK: what the inflight slot of seq holds */
	SEND_UNSENT, /* ACK: that, plus 1 us: a send time we never used */
	SEND_AGAIN,  /* PING: the send time of the previous PING built: a replay */
	SEND_LATE,   /* PING: 1 us before the previous one: overtaken on the way */
	SEND_MARKED, /* PING: the send time of the last row with .mark set */
	SEND_AT,     /* PING: .at_ns exactly */
};
enum body_kind { BODY_PROBE, BODY_NOMAGIC, BODY_ARP, BODY_TCP, BODY_ICMP6 };
enum cut_at { CUT_NONE, CUT_L2, CUT_VLAN, CUT_L3, CUT_L4 };

/* The vigil message; zero fields take the defaults noted. */
struct msg_spec {
	uint8_t type;	 /* 0 = PING */
	uint8_t version; /* 0 = VIGIL_PROTO_VERSION */
	uint16_t flags;
	uint32_t cluster; /* 0 = T_CLUSTER */
	uint32_t sender;  /* 0 = T_PEER */
	uint32_t target;  /* 0 = T_NODE */
	uint32_t seq;
	enum send_mode send;
	uint64_t at_ns;	      /* SEND_AT */
	int mark;	      /* remember this PING's send time (SEND_MARKED) */
	uint32_t incarnation; /* 0 = T_PEER_INC */
	uint8_t chan;
	uint64_t heartbeat; /* 0 = T_PEER_HB */
	uint32_t origin;
	int dirty; /* nonzero pad and reserved bytes (signed) */
	enum key_id key;
	int flip; /* FLIP(i): invert byte i of the message after signing */
};

#define FLIP(i) ((i) + 1)

/* The frame around it; zero fields take the defaults noted. */
struct frame_spec {
	int v6;
	int nvlan;
	uint16_t tpid[PKT_MAX_VLAN]; /* 0 = 802.1Q */
	uint16_t ethertype;	     /* 0 = IPv4 or IPv6 */
	uint8_t proto;		     /* 0 = UDP */
	uint8_t ip_verihl;	     /* 0 = 0x45 */
	uint16_t frag_off;	     /* 0 = DF */
	int ip6_frag;
	enum host_id src;
	uint16_t sport, dport; /* 0 = T_PORT */
	uint16_t udp_len;      /* 0 = the true length */
	enum body_kind body;
	int sized;	      /* UDP payload: the first plen bytes of the message */
	int plen_lo, plen_hi; /* plen runs over [lo, hi], one case each */
	enum cut_at cut;      /* frame cut cut_off bytes into that layer */
	int cut_off;
};

/* An inflight slot to record before the row (a probe "sent" age_ns ago). */
struct inflight_spec {
	int on;
	uint8_t chan;
	uint32_t seq;
	int64_t age_ns; /* 0 = T_DEFAULT_AGE; < 0: in the future */
};

/* The change expected in a peers-map entry. */
struct peer_expect {
	int on;
	uint32_t node; /* 0 = T_PEER */
	uint8_t chan;
	int acks; /* 1: a valid ACK was recorded (all fields checked) */
	int stale;
};

/* What a row does to the probers entry of its PING's (sender, chan). */
enum prober_effect {
	PR_ABSENT = 1, /* none exists before or after: nothing unsigned leaves state */
	PR_NEW,	       /* created: window {send_ns}, bucket full but for this answer */
	PR_ANSWERED,   /* send_ns entered the window; one token taken */
	PR_LIMITED,    /* send_ns entered the window; no token left, not answered */
	PR_RESTARTED,  /* quiet period over: window restarted as {send_ns}; token taken */
	PR_UNTOUCHED,  /* refused by the replay check: the entry is byte for byte as before */
};

struct prober_expect {
	enum prober_effect effect; /* 0: not checked */
	uint32_t node;		   /* 0 = the row's sender */
};

struct xdp_case {
	const char *desc;
	struct frame_spec f;
	struct msg_spec m;
	enum key_set keys;
	struct inflight_spec rec;
	int times;	/* run the row this many times (0 = once), each time built anew */
	int wait_quiet; /* first sleep out the fixture's quiet period */
	int run_err;	/* expected error from BPF_PROG_TEST_RUN itself */
	int action;
	uint32_t stats; /* ST(field) | ...: fields that move by exactly 1 (per run) */
	struct peer_expect peer;
	struct prober_expect pr;
};

#define ST(f) (1U << (offsetof(struct vigil_stats, f) / sizeof(__u64)))

_Static_assert(VIGIL_STATS_FIELDS <= 32, "stats mask fits 32 bits");

/* ---- fixture ------------------------------------------------------------ */

/* One loaded instance of the program, and the rodata and self map it has. */
struct fx {
	const char *name;
	uint32_t node_id, cluster_id, rl_rate, rl_burst;
	uint64_t quiet_ns; /* cfg_ping_quiet_ns; 0 = the program's default */
	uint32_t incarnation;
	uint64_t heartbeat;
	struct vigil_xdp *skel;
	struct vigil_maps maps;
	int prog_fd;
	uint64_t last_ping_ns; /* send time of the last PING built (SEND_AGAIN, SEND_LATE) */
	uint64_t marked_ns;    /* send time of the last PING with .mark (SEND_MARKED) */
};

static struct fx fx_main = {
	.name = "main",
	.node_id = T_NODE,
	.cluster_id = T_CLUSTER,
	.rl_rate = NO_RL,
	.rl_burst = NO_RL,
	.incarnation = T_INCARNATION,
	.heartbeat = T_HEARTBEAT,
};

static struct fx fx_rl = {
	.name = "rl",
	.node_id = T_NODE,
	.cluster_id = T_CLUSTER,
	.rl_rate = RL_RATE,
	.rl_burst = RL_BURST,
	.incarnation = T_INCARNATION,
	.heartbeat = T_HEARTBEAT,
};

static struct fx fx_replay = {
	.name = "replay",
	.node_id = T_NODE,
	.cluster_id = T_CLUSTER,
	.rl_rate = DEF_RATE,
	.rl_burst = DEF_BURST,
	.quiet_ns = T_QUIET_NS,
	.incarnation = T_INCARNATION,
	.heartbeat = T_HEARTBEAT,
};

/* hv2 of docs/protocol.md section 13, cluster az1, default rate limit. */
static struct fx fx_spec = {
	.name = "spec",
	.node_id = SPEC_HV2,
	.cluster_id = SPEC_AZ1,
	.rl_rate = DEF_RATE,
	.rl_burst = DEF_BURST,
	.incarnation = 2,
	.heartbeat = 200,
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec;
}

static const char *xdp_action_name(int a)
{
	switch (a) {
	case XDP_ABORTED:
		return "XDP_ABORTED";
	case XDP_DROP:
		return "XDP_DROP";
	case XDP_PASS:
		return "XDP_PASS";
	case XDP_TX:
		return "XDP_TX";
	case XDP_REDIRECT:
		return "XDP_REDIRECT";
	}
	return "XDP_(unknown)";
}

static int fx_open(struct fx *fx)
{
	struct vigil_xdp *skel;
	int err;

	skel = vigil_xdp__open();
	if (!skel) {
		fprintf(stderr, "%s: vigil_xdp__open: %s\n", fx->name, strerror(errno));
		return -1;
	}
	skel->rodata->cfg_port = T_PORT;
	skel->rodata->cfg_node_id = fx->node_id;
	skel->rodata->cfg_cluster_id = fx->cluster_id;
	skel->rodata->cfg_rl_rate = fx->rl_rate;
	skel->rodata->cfg_rl_burst = fx->rl_burst;
	skel->rodata->cfg_ack_max_age_ns = T_MAX_AGE_NS;
	if (fx->quiet_ns)
		skel->rodata->cfg_ping_quiet_ns = fx->quiet_ns;
	err = vigil_xdp__load(skel);
	if (err) {
		fprintf(stderr, "%s: vigil_xdp__load: %s (needs root)\n", fx->name, strerror(-err));
		vigil_xdp__destroy(skel);
		return -1;
	}
	fx->skel = skel;
	fx->prog_fd = bpf_program__fd(skel->progs.vigil_xdp);
	maps_init(&fx->maps);
	fx->maps.peers = bpf_map__fd(skel->maps.peers);
	fx->maps.inflight = bpf_map__fd(skel->maps.inflight);
	fx->maps.self = bpf_map__fd(skel->maps.self);
	fx->maps.keys = bpf_map__fd(skel->maps.keys);
	fx->maps.stats = bpf_map__fd(skel->maps.stats);
	fx->maps.probers = bpf_map__fd(skel->maps.probers);
	if (maps_set_self(&fx->maps, fx->incarnation, fx->heartbeat)) {
		fprintf(stderr, "%s: cannot set the self map\n", fx->name);
		return -1;
	}
	return 0;
}

static void fx_close(struct fx *fx)
{
	/* The fds belong to the skeleton: destroying it closes them. */
	vigil_xdp__destroy(fx->skel);
	fx->skel = NULL;
	maps_init(&fx->maps);
}

static int group_setup(void **state)
{
	if (fx_open(&fx_main) || fx_open(&fx_rl) || fx_open(&fx_replay) || fx_open(&fx_spec))
		return -1;
	return 0;
}

static int group_teardown(void **state)
{
	struct fx *all[] = {&fx_main, &fx_rl, &fx_replay, &fx_spec};

	for (size_t i = 0; i < ARRAY_SIZE(all); i++)
		if (all[i]->skel)
			fx_close(all[i]);
	return 0;
}

static void key_of(enum key_id id, uint64_t *k0, uint64_t *k1)
{
	wire_key_split((const uint8_t *)key_text[id], k0, k1);
}

static int install_keys(const struct fx *fx, enum key_set ks)
{
	struct vigil_keyring kr;

	memset(&kr, 0, sizeof(kr));
	if (ks != KEYS_NONE) {
		key_of(KEY_A, &kr.slot[0].k0, &kr.slot[0].k1);
		kr.slot[0].valid = 1;
	}
	if (ks == KEYS_BOTH) {
		key_of(KEY_B, &kr.slot[1].k0, &kr.slot[1].k1);
		kr.slot[1].valid = 1;
	}
	return maps_set_keys(&fx->maps, &kr);
}

static int stats_read(const struct fx *fx, __u64 out[VIGIL_STATS_FIELDS])
{
	int ncpu = libbpf_num_possible_cpus();
	struct vigil_stats *percpu;
	__u32 zero = 0;
	int err = 0;

	memset(out, 0, VIGIL_STATS_FIELDS * sizeof(__u64));
	if (ncpu <= 0)
		return -1;
	percpu = calloc((size_t)ncpu, sizeof(*percpu));
	if (!percpu)
		return -1;
	if (bpf_map_lookup_elem(fx->maps.stats, &zero, percpu))
		err = -1;
	for (int c = 0; !err && c < ncpu; c++)
		for (size_t f = 0; f < VIGIL_STATS_FIELDS; f++)
			out[f] += ((const __u64 *)&percpu[c])[f];
	free(percpu);
	return err;
}

static int peer_read(const struct fx *fx, uint32_t node, uint8_t chan, struct vigil_peer *p)
{
	struct vigil_peer_key k = {.node_id = node, .chan = chan};

	memset(p, 0, sizeof(*p));
	return bpf_map_lookup_elem(fx->maps.peers, &k, p) ? -errno : 0;
}

static uint64_t inflight_send_ns(const struct fx *fx, uint32_t node, uint8_t chan, uint32_t seq)
{
	struct vigil_peer_key k = {.node_id = node, .chan = chan};
	struct vigil_inflight inf;

	if (bpf_map_lookup_elem(fx->maps.inflight, &k, &inf))
		return 0;
	return inf.slot[seq & (VIGIL_INFLIGHT - 1)].send_ns;
}

/* ---- building a row's frames -------------------------------------------- */

static void msg_fields(struct fx *fx, const struct msg_spec *m, struct probe_fields *f)
{
	uint64_t sent;

	memset(f, 0, sizeof(*f));
	f->type = m->type ? m->type : VIGIL_MSG_PING;
	f->flags = m->flags;
	f->cluster_id = m->cluster ? m->cluster : T_CLUSTER;
	f->sender_id = m->sender ? m->sender : T_PEER;
	f->target_id = m->target ? m->target : T_NODE;
	f->seq = m->seq;
	f->incarnation = m->incarnation ? m->incarnation : T_PEER_INC;
	f->chan = m->chan;
	f->heartbeat = m->heartbeat ? m->heartbeat : T_PEER_HB;
	f->origin_id = m->origin;
	f->send_ns = now_ns();
	if (f->type == VIGIL_MSG_PING) {
		switch (m->send) {
		case SEND_AGAIN:
			f->send_ns = fx->last_ping_ns;
			break;
		case SEND_LATE:
			f->send_ns = fx->last_ping_ns - 1000;
			break;
		case SEND_MARKED:
			f->send_ns = fx->marked_ns;
			break;
		case SEND_AT:
			f->send_ns = m->at_ns;
			break;
		default:
			break;
		}
		fx->last_ping_ns = f->send_ns;
		if (m->mark)
			fx->marked_ns = f->send_ns;
	}
	if (f->type == VIGIL_MSG_ACK) {
		sent = inflight_send_ns(fx, f->sender_id, f->chan, f->seq);
		if (sent)
			f->send_ns = sent;
		else
			f->send_ns -= T_DEFAULT_AGE; /* nothing recorded there */
		if (m->send == SEND_UNSENT)
			f->send_ns += 1000;
	}
}

/* Encode, sign and damage the message as the row says. */
static void msg_build(struct vigil_probe *p, const struct msg_spec *m, const struct probe_fields *f)
{
	uint64_t k0, k1;

	wire_probe_encode(p, f);
	if (m->version)
		p->hdr.version = m->version;
	if (m->dirty) {
		memset(p->pad, 0x5a, sizeof(p->pad));
		p->reserved = 0xa5a5a5a5;
	}
	key_of(m->key, &k0, &k1);
	wire_sign(p, sizeof(*p), k0, k1);
	if (m->flip)
		((uint8_t *)p)[m->flip - 1] ^= 0xff;
}

/* The UDP (or raw L4 / L3) body of the row. */
static size_t body_build(uint8_t *b, const struct frame_spec *f, const struct vigil_probe *p,
			 int plen)
{
	static const uint8_t arp[28] = {
		0x00, 0x01, 0x08, 0x00, 6,    4,    0x00, 0x01,	      /* request */
		0x02, 0,    0,	  0,	0xb0, 0x02, 10,	  251,	0, 2, /* sender */
		0,    0,    0,	  0,	0,    0,    10,	  251,	0, 1, /* target */
	};
	static const uint8_t icmp6[16] = {
		128, 0,	  0x12, 0x34, 0x00, 0x07, 0x00, 0x01, /* echo request */
		'v', 'i', 'g',	'i',  'l',  '!',  '!',	'!',
	};
	uint8_t *t;

	switch (f->body) {
	case BODY_PROBE:
		if (!f->sized) {
			memcpy(b, p, sizeof(*p));
			return sizeof(*p);
		}
		memset(b, 0, (size_t)plen);
		memcpy(b, p, (size_t)plen < sizeof(*p) ? (size_t)plen : sizeof(*p));
		return (size_t)plen;
	case BODY_NOMAGIC:
		for (size_t i = 0; i < sizeof(*p); i++)
			b[i] = (uint8_t)(0x20 + i);
		return sizeof(*p);
	case BODY_ARP:
		memcpy(b, arp, sizeof(arp));
		return sizeof(arp);
	case BODY_TCP:
		/* 40000 -> 7301, PSH|ACK, then a valid PING as its data. */
		t = b;
		memset(t, 0, 20);
		pkt_put16(t, 40000);
		pkt_put16(t + 2, T_PORT);
		pkt_put32(t + 4, 1000);
		pkt_put32(t + 8, 2000);
		t[12] = 5 << 4;
		t[13] = 0x18;
		pkt_put16(t + 14, 65535);
		memcpy(t + 20, p, sizeof(*p));
		return 20 + sizeof(*p);
	case BODY_ICMP6:
		memcpy(b, icmp6, sizeof(icmp6));
		return sizeof(icmp6);
	}
	return 0;
}

static void frame_spec_fill(struct pkt_spec *ps, const struct frame_spec *f, const void *body,
			    size_t len)
{
	const struct host *src = &hosts[f->src];

	memset(ps, 0, sizeof(*ps));
	memcpy(ps->dmac, us.mac, PKT_ETH_ALEN);
	memcpy(ps->smac, src->mac, PKT_ETH_ALEN);
	ps->nvlan = f->nvlan;
	for (int i = 0; i < f->nvlan && i < PKT_MAX_VLAN; i++) {
		ps->tpid[i] = f->tpid[i] ? f->tpid[i] : PKT_ETH_P_8021Q;
		ps->tci[i] = (uint16_t)(0x2000 | (100 + i)); /* PCP 1, VID 100, 101, ... */
	}
	ps->ethertype = f->ethertype ? f->ethertype : f->v6 ? PKT_ETH_P_IPV6 : PKT_ETH_P_IP;
	if (f->v6) {
		memcpy(ps->saddr, src->v6, 16);
		memcpy(ps->daddr, us.v6, 16);
		ps->ttl = 59;
		ps->flow = 0x5a5a5;
	} else {
		memcpy(ps->saddr, src->v4, 4);
		memcpy(ps->daddr, us.v4, 4);
		ps->ttl = 61;
	}
	ps->ip_verihl = f->ip_verihl;
	ps->tos = 0x10;
	ps->ip_id = 0x4242;
	ps->frag_off = f->frag_off ? f->frag_off : PKT_IP_DF;
	ps->ip6_frag = f->ip6_frag;
	ps->proto = f->proto ? f->proto : PKT_IPPROTO_UDP;
	ps->sport = f->sport ? f->sport : T_PORT;
	ps->dport = f->dport ? f->dport : T_PORT;
	ps->udp_len = f->udp_len;
	ps->body = body;
	ps->body_len = len;
}

/* The ACK the program must send for the PING f, signed with key. */
static void expected_ack(struct vigil_probe *a, const struct probe_fields *ping, enum key_id key)
{
	struct probe_fields f = *ping;
	uint64_t k0, k1;

	f.type = VIGIL_MSG_ACK;
	f.flags = (ping->flags & VIGIL_F_RELAYED) | (key == KEY_B ? VIGIL_F_KEYNEXT : 0);
	f.sender_id = T_NODE;
	f.target_id = ping->sender_id;
	f.incarnation = T_INCARNATION;
	f.heartbeat = T_HEARTBEAT;
	key_of(key, &k0, &k1);
	pkt_probe(a, &f, k0, k1);
}

/* ---- checking a row ----------------------------------------------------- */

/* Set while the repeated runs of a row that already failed once go on:
 * they still run (so the maps hold what the row describes) but say nothing. */
static int row_quiet;

static void hexdump(const char *what, const uint8_t *p, size_t len, size_t mark)
{
	if (row_quiet)
		return;
	print_message("        %s (%zu bytes):\n", what, len);
	for (size_t i = 0; i < len; i += 16) {
		print_message("        %04zx ", i);
		for (size_t j = i; j < i + 16 && j < len; j++)
			print_message("%c%02x", j == mark ? '>' : ' ', p[j]);
		print_message("\n");
	}
}

#define ROW_FAIL(name, ...)                                                                        \
	do {                                                                                       \
		if (!row_quiet) {                                                                  \
			print_message("    [%s] ", name);                                          \
			print_message(__VA_ARGS__);                                                \
			print_message("\n");                                                       \
		}                                                                                  \
		bad++;                                                                             \
	} while (0)

static int compare_frames(const char *name, const uint8_t *got, size_t got_len, const uint8_t *want,
			  size_t want_len)
{
	size_t n = got_len < want_len ? got_len : want_len, i;
	int bad = 0;

	for (i = 0; i < n && got[i] == want[i]; i++)
		;
	if (got_len == want_len && i == n)
		return 0;
	ROW_FAIL(name, "output differs from expected at byte %zu (got %zu bytes, want %zu)", i,
		 got_len, want_len);
	hexdump("got", got, got_len, i);
	hexdump("want", want, want_len, i);
	return bad;
}

static int bucket_of(uint64_t rtt)
{
	int b = 63 - __builtin_clzll(rtt | 1);

	return b < VIGIL_RTT_BUCKETS ? b : VIGIL_RTT_BUCKETS - 1;
}

/* A valid ACK f arrived between t0 and t1: is the peer entry updated right? */
static int check_peer_ack(const char *name, const struct vigil_peer *b, const struct vigil_peer *a,
			  const struct probe_fields *f, uint64_t t0, uint64_t t1)
{
	int64_t err, srtt, jitter;
	uint64_t rtt = a->rtt_ns;
	int bad = 0, changed = 0;

	if (a->acks != b->acks + 1)
		ROW_FAIL(name, "peer acks %llu, want %llu", (unsigned long long)a->acks,
			 (unsigned long long)b->acks + 1);
	if (a->last_ack_seq != f->seq)
		ROW_FAIL(name, "peer last_ack_seq %u, want %u", a->last_ack_seq, f->seq);
	if (a->last_send_ns != f->send_ns)
		ROW_FAIL(name, "peer last_send_ns %llu, want %llu",
			 (unsigned long long)a->last_send_ns, (unsigned long long)f->send_ns);
	if (a->incarnation != f->incarnation)
		ROW_FAIL(name, "peer incarnation %u, want %u", a->incarnation, f->incarnation);
	if (a->heartbeat != f->heartbeat)
		ROW_FAIL(name, "peer heartbeat %#llx, want %#llx", (unsigned long long)a->heartbeat,
			 (unsigned long long)f->heartbeat);
	/* bpf_ktime_get_ns() and CLOCK_MONOTONIC are one clock; the slack only
	 * absorbs the kernel's fast (NMI-safe) reader lagging a timekeeping update. */
	if (a->last_ack_ns + CLOCK_SLACK_NS < t0 || a->last_ack_ns > t1 + CLOCK_SLACK_NS)
		ROW_FAIL(name, "peer last_ack_ns %llu outside the run [%llu, %llu]",
			 (unsigned long long)a->last_ack_ns, (unsigned long long)t0,
			 (unsigned long long)t1);
	if (rtt == 0 || rtt != a->last_ack_ns - f->send_ns)
		ROW_FAIL(name, "peer rtt_ns %llu, want last_ack_ns - send_ns = %llu",
			 (unsigned long long)rtt,
			 (unsigned long long)(a->last_ack_ns - f->send_ns));
	if (b->acks == 0) {
		srtt = (int64_t)rtt;
		jitter = (int64_t)rtt / 2;
	} else { /* RFC 6298: SRTT += err / 8, RTTVAR += (|err| - RTTVAR) / 4 */
		err = (int64_t)rtt - (int64_t)b->srtt_ns;
		srtt = (int64_t)b->srtt_ns + err / 8;
		jitter = (int64_t)b->jitter_ns +
			 ((err < 0 ? -err : err) - (int64_t)b->jitter_ns) / 4;
	}
	if (a->srtt_ns == 0 || (int64_t)a->srtt_ns != srtt)
		ROW_FAIL(name, "peer srtt_ns %llu, want %lld", (unsigned long long)a->srtt_ns,
			 (long long)srtt);
	if (a->jitter_ns == 0 || (int64_t)a->jitter_ns != jitter)
		ROW_FAIL(name, "peer jitter_ns %llu, want %lld", (unsigned long long)a->jitter_ns,
			 (long long)jitter);
	if (a->rtt_min_ns != (b->acks && b->rtt_min_ns < rtt ? b->rtt_min_ns : rtt) ||
	    a->rtt_max_ns != (b->acks && b->rtt_max_ns > rtt ? b->rtt_max_ns : rtt))
		ROW_FAIL(name, "peer rtt min/max %llu/%llu after rtt %llu",
			 (unsigned long long)a->rtt_min_ns, (unsigned long long)a->rtt_max_ns,
			 (unsigned long long)rtt);
	if (a->rtt_sum_ns != b->rtt_sum_ns + rtt)
		ROW_FAIL(name, "peer rtt_sum_ns grew by %llu, want %llu",
			 (unsigned long long)(a->rtt_sum_ns - b->rtt_sum_ns),
			 (unsigned long long)rtt);
	for (int i = 0; i < VIGIL_RTT_BUCKETS; i++) {
		if (a->rtt_hist[i] == b->rtt_hist[i])
			continue;
		changed++;
		if (i != bucket_of(rtt) || a->rtt_hist[i] != b->rtt_hist[i] + 1)
			ROW_FAIL(name, "histogram bucket %d: %llu -> %llu (rtt %llu: bucket %d)", i,
				 (unsigned long long)b->rtt_hist[i],
				 (unsigned long long)a->rtt_hist[i], (unsigned long long)rtt,
				 bucket_of(rtt));
	}
	if (changed != 1)
		ROW_FAIL(name, "%d histogram buckets changed, want exactly 1", changed);
	if (a->abi != b->abi || a->node_id != b->node_id)
		ROW_FAIL(name, "peer abi/node_id changed");
	return bad;
}

static int check_peer(const char *name, const struct peer_expect *pe, const struct vigil_peer *b,
		      const struct vigil_peer *a, const struct probe_fields *f, uint64_t t0,
		      uint64_t t1)
{
	struct vigil_peer same;
	int bad = 0;

	if (a->stale_acks != b->stale_acks + (uint64_t)pe->stale)
		ROW_FAIL(name, "peer stale_acks %llu -> %llu, want +%d",
			 (unsigned long long)b->stale_acks, (unsigned long long)a->stale_acks,
			 pe->stale);
	if (pe->acks)
		return bad + check_peer_ack(name, b, a, f, t0, t1);
	/* Nothing recorded: the entry is untouched but for stale_acks. */
	same = *a;
	same.stale_acks = b->stale_acks;
	if (memcmp(&same, b, sizeof(same)))
		ROW_FAIL(name, "peer entry changed (acks %llu -> %llu, last_ack_seq %u -> %u)",
			 (unsigned long long)b->acks, (unsigned long long)a->acks, b->last_ack_seq,
			 a->last_ack_seq);
	return bad;
}

static int prober_read(const struct fx *fx, uint32_t node, uint8_t chan, struct vigil_prober *p)
{
	struct vigil_peer_key k = {.node_id = node, .chan = chan};

	memset(p, 0, sizeof(*p));
	return bpf_map_lookup_elem(fx->maps.probers, &k, p) ? -errno : 0;
}

static int window_has(const struct vigil_prober *p, uint64_t ns)
{
	for (int i = 0; i < VIGIL_PING_WINDOW; i++)
		if (p->send_ns[i] == ns)
			return 1;
	return 0;
}

static int window_used(const struct vigil_prober *p)
{
	int n = 0;

	for (int i = 0; i < VIGIL_PING_WINDOW; i++)
		n += p->send_ns[i] != 0;
	return n;
}

/* protocol.md 7.6: a window restarted by send_ns holds send_ns alone. */
static int window_is_only(const struct vigil_prober *p, uint64_t ns)
{
	return window_used(p) == 1 && window_has(p, ns);
}

/* send_ns entered b's window to give a's: a holds it, and what b held but
 * for the oldest if b was full. */
static int check_window_entered(const char *name, const struct vigil_prober *b,
				const struct vigil_prober *a, uint64_t ns)
{
	uint64_t oldest = 0;
	int bad = 0, full = window_used(b) == VIGIL_PING_WINDOW;

	for (int i = 0; i < VIGIL_PING_WINDOW; i++)
		if (b->send_ns[i] && (!oldest || b->send_ns[i] < oldest))
			oldest = b->send_ns[i];
	if (window_has(b, ns) || !window_has(a, ns))
		ROW_FAIL(name, "send time %llu did not enter the window", (unsigned long long)ns);
	for (int i = 0; i < VIGIL_PING_WINDOW; i++) {
		uint64_t v = b->send_ns[i];

		if (v && !(full && v == oldest) && !window_has(a, v))
			ROW_FAIL(name, "window lost %llu", (unsigned long long)v);
	}
	if (window_used(a) != window_used(b) + !full)
		ROW_FAIL(name, "window holds %d send times, want %d", window_used(a),
			 window_used(b) + !full);
	return bad;
}

/* The token bucket after one PING at a->rl.last_ns (protocol.md 7.6): took
 * an answer (want_taken) or found none left. */
static int check_bucket(const struct fx *fx, const char *name, const struct vigil_prober *b,
			const struct vigil_prober *a, int want_taken)
{
	uint64_t cap = (uint64_t)fx->rl_burst * NS_PER_S, elapsed, tokens;
	int bad = 0;

	if (a->rl.last_ns < b->rl.last_ns) {
		ROW_FAIL(name, "bucket last_ns went back");
		return bad;
	}
	elapsed = a->rl.last_ns - b->rl.last_ns;
	if (elapsed > 10 * NS_PER_S)
		elapsed = 10 * NS_PER_S;
	tokens = b->rl.tokens + elapsed * fx->rl_rate;
	if (tokens > cap)
		tokens = cap;
	if (want_taken && (tokens < NS_PER_S || a->rl.tokens != tokens - NS_PER_S))
		ROW_FAIL(name, "bucket %llu -> %llu nano-answers, want one answer taken of %llu",
			 (unsigned long long)b->rl.tokens, (unsigned long long)a->rl.tokens,
			 (unsigned long long)tokens);
	if (!want_taken && (tokens >= NS_PER_S || a->rl.tokens != tokens))
		ROW_FAIL(name, "bucket %llu -> %llu nano-answers, want %llu and no answer left",
			 (unsigned long long)b->rl.tokens, (unsigned long long)a->rl.tokens,
			 (unsigned long long)tokens);
	return bad;
}

/* The probers entry before (had, b) and after (has, a) one PING carrying
 * send_ns, run between t0 and t1. */
static int check_prober(const struct fx *fx, const char *name, enum prober_effect e, int had,
			const struct vigil_prober *b, int has, const struct vigil_prober *a,
			uint64_t send_ns, uint64_t t0, uint64_t t1)
{
	int bad = 0;

	if (e == PR_ABSENT) {
		if (had || has)
			ROW_FAIL(name, "probers entry %s, want none",
				 has ? "present" : "was there");
		return bad;
	}
	if (!has) {
		ROW_FAIL(name, "no probers entry after the row");
		return bad;
	}
	if (e == PR_NEW ? had : !had) {
		ROW_FAIL(name, "probers entry %s before the row", had ? "present" : "absent");
		return bad;
	}
	if (e == PR_UNTOUCHED) {
		if (memcmp(a, b, sizeof(*a)))
			ROW_FAIL(name,
				 "probers entry changed (tokens %llu -> %llu, fresh_ns "
				 "%llu -> %llu)",
				 (unsigned long long)b->rl.tokens, (unsigned long long)a->rl.tokens,
				 (unsigned long long)b->fresh_ns, (unsigned long long)a->fresh_ns);
		return bad;
	}
	/* A PING passed the replay check: the entry says so, with kernel time. */
	if (a->fresh_ns + CLOCK_SLACK_NS < t0 || a->fresh_ns > t1 + CLOCK_SLACK_NS)
		ROW_FAIL(name, "fresh_ns %llu outside the run [%llu, %llu]",
			 (unsigned long long)a->fresh_ns, (unsigned long long)t0,
			 (unsigned long long)t1);
	if (a->rl.last_ns != a->fresh_ns)
		ROW_FAIL(name, "bucket last_ns %llu, want the PING's time %llu",
			 (unsigned long long)a->rl.last_ns, (unsigned long long)a->fresh_ns);
	switch (e) {
	case PR_NEW:
		if (!window_is_only(a, send_ns))
			ROW_FAIL(name, "new window does not hold exactly %llu",
				 (unsigned long long)send_ns);
		if (a->rl.tokens != (uint64_t)(fx->rl_burst - 1) * NS_PER_S)
			ROW_FAIL(name, "new bucket has %llu nano-answers, want burst - 1",
				 (unsigned long long)a->rl.tokens);
		break;
	case PR_RESTARTED:
		if (!window_is_only(a, send_ns))
			ROW_FAIL(name, "restarted window does not hold exactly %llu",
				 (unsigned long long)send_ns);
		bad += check_bucket(fx, name, b, a, 1);
		break;
	case PR_ANSWERED:
	case PR_LIMITED:
		bad += check_window_entered(name, b, a, send_ns);
		bad += check_bucket(fx, name, b, a, e == PR_ANSWERED);
		break;
	default:
		break;
	}
	return bad;
}

/*
 * Run in (len bytes) through fx's program once and check the outcome: the
 * test_run error run_err, or the action, the output (want, or in unchanged if
 * want is NULL) and every counter (those in the stats mask move by exactly 1,
 * all others not at all). *t0 and *t1 bracket the run. Returns the number of
 * failed checks.
 */
static int run_check(const struct fx *fx, const char *name, const uint8_t *in, size_t len,
		     int run_err, int action, const uint8_t *want, size_t want_len, uint32_t stats,
		     uint64_t *t0, uint64_t *t1)
{
	static uint8_t out[PKT_MAX_LEN];
	__u64 before[VIGIL_STATS_FIELDS], after[VIGIL_STATS_FIELDS];
	int bad = 0, err;

	LIBBPF_OPTS(bpf_test_run_opts, opts);

	if (stats_read(fx, before))
		ROW_FAIL(name, "cannot read stats");
	memset(out, 0xee, sizeof(out));
	opts.data_in = in;
	opts.data_size_in = (__u32)len;
	opts.data_out = out;
	opts.data_size_out = sizeof(out);
	opts.repeat = 1;
	*t0 = now_ns();
	err = bpf_prog_test_run_opts(fx->prog_fd, &opts);
	*t1 = now_ns();
	if (stats_read(fx, after))
		ROW_FAIL(name, "cannot read stats");

	if (run_err) {
		if (err != run_err)
			ROW_FAIL(name, "BPF_PROG_TEST_RUN returned %d (%s), want %d (%s)", err,
				 strerror(-err), run_err, strerror(-run_err));
	} else if (err) {
		ROW_FAIL(name, "BPF_PROG_TEST_RUN failed: %d (%s)", err, strerror(-err));
	} else {
		if ((int)opts.retval != action)
			ROW_FAIL(name, "action %s (%u), want %s", xdp_action_name((int)opts.retval),
				 opts.retval, xdp_action_name(action));
		if (want)
			bad += compare_frames(name, out, opts.data_size_out, want, want_len);
		else
			bad += compare_frames(name, out, opts.data_size_out, in, len);
	}

	for (size_t i = 0; i < VIGIL_STATS_FIELDS; i++) {
		__u64 d = after[i] - before[i], w = (stats >> i) & 1;

		if (d != w)
			ROW_FAIL(name, "counter %s moved by %llu, want %llu", maps_stats_names[i],
				 (unsigned long long)d, (unsigned long long)w);
	}
	return bad;
}

/* Run a case once (plen >= 0: the UDP payload length of a sized row).
 * Returns the number of failed checks. */
static int run_once(struct fx *fx, const struct xdp_case *c, int plen, const char *name)
{
	static uint8_t in[PKT_MAX_LEN], want[PKT_MAX_LEN];
	uint8_t body[PKT_MAX_LEN / 2], ack_body[sizeof(struct vigil_probe)];
	const struct peer_expect *pe = &c->peer;
	struct vigil_peer peer_b, peer_a;
	struct vigil_prober pr_b, pr_a;
	struct pkt_spec ps, rs;
	struct pkt_layout lay;
	struct probe_fields f;
	struct vigil_probe msg, ack;
	uint32_t pnode = pe->node ? pe->node : T_PEER, prnode;
	size_t len, want_len = 0, blen;
	int bad = 0, pr_had = 0, pr_has = 0;
	uint64_t t0, t1;

	if (install_keys(fx, c->keys))
		ROW_FAIL(name, "cannot install keys: %s", strerror(errno));
	if (c->rec.on) {
		int64_t age = c->rec.age_ns ? c->rec.age_ns : (int64_t)T_DEFAULT_AGE;

		if (maps_inflight_record(&fx->maps, T_PEER, c->rec.chan, c->rec.seq,
					 now_ns() - (uint64_t)age))
			ROW_FAIL(name, "cannot record inflight seq %u", c->rec.seq);
	}

	msg_fields(fx, &c->m, &f);
	msg_build(&msg, &c->m, &f);
	blen = body_build(body, &c->f, &msg, plen);
	frame_spec_fill(&ps, &c->f, body, blen);
	len = pkt_build(in, &ps, &lay);
	switch (c->f.cut) {
	case CUT_NONE:
		break;
	case CUT_L2:
		len = lay.l2 + (size_t)c->f.cut_off;
		break;
	case CUT_VLAN:
		len = lay.vlan + (size_t)c->f.cut_off;
		break;
	case CUT_L3:
		len = lay.l3 + (size_t)c->f.cut_off;
		break;
	case CUT_L4:
		len = lay.l4 + (size_t)c->f.cut_off;
		break;
	}

	/* XDP_TX: the reply, built from the row as the spec says it must be. */
	if (c->action == XDP_TX) {
		expected_ack(&ack, &f, c->m.key);
		memcpy(ack_body, &ack, sizeof(ack));
		pkt_spec_reply(&rs, &ps, T_REPLY_TTL, ack_body, sizeof(ack_body));
		want_len = pkt_build(want, &rs, NULL);
	}

	if (pe->on && peer_read(fx, pnode, pe->chan, &peer_b))
		ROW_FAIL(name, "peer %#x chan %u not in the peers map", pnode, pe->chan);
	prnode = c->pr.node ? c->pr.node : f.sender_id;
	if (c->pr.effect)
		pr_had = prober_read(fx, prnode, f.chan, &pr_b) == 0;

	bad += run_check(fx, name, in, len, c->run_err, c->action,
			 c->action == XDP_TX ? want : NULL, want_len, c->stats, &t0, &t1);

	if (pe->on && !peer_read(fx, pnode, pe->chan, &peer_a))
		bad += check_peer(name, pe, &peer_b, &peer_a, &f, t0, t1);
	else if (pe->on)
		ROW_FAIL(name, "peer %#x chan %u vanished", pnode, pe->chan);
	if (c->pr.effect) {
		pr_has = prober_read(fx, prnode, f.chan, &pr_a) == 0;
		bad += check_prober(fx, name, c->pr.effect, pr_had, &pr_b, pr_has, &pr_a, f.send_ns,
				    t0, t1);
	}
	return bad;
}

/* Run one case, c->times times (plen as for run_once). Returns the number of
 * failed checks. */
static int run_case(struct fx *fx, const struct xdp_case *c, int plen)
{
	int bad = 0, n = c->times ? c->times : 1;
	char name[200];

	if (plen >= 0)
		snprintf(name, sizeof(name), "%s: %s [payload %d]", fx->name, c->desc, plen);
	else
		snprintf(name, sizeof(name), "%s: %s", fx->name, c->desc);
	if (c->wait_quiet) {
		/* Past the quiet period since the last PING that passed: the
		 * quiet period plus some, measured on CLOCK_MONOTONIC. */
		struct timespec ts = {.tv_nsec = (long)(fx->quiet_ns + 20 * NS_PER_MS)};

		while (ts.tv_nsec >= (long)NS_PER_S) {
			ts.tv_sec++;
			ts.tv_nsec -= (long)NS_PER_S;
		}
		nanosleep(&ts, NULL);
	}
	for (int i = 0; i < n; i++) {
		if (run_once(fx, c, plen, name)) {
			bad++;
			row_quiet = 1; /* the first failed run said why */
		}
	}
	row_quiet = 0;
	if (bad && n > 1)
		print_message("    [%s] %d of %d runs failed\n", name, bad, n);
	print_message("  %-4s %s\n", bad ? "FAIL" : "ok", name);
	return bad;
}

static void run_table(struct fx *fx, const struct xdp_case *rows, size_t n)
{
	int cases = 0, failed = 0;

	for (size_t i = 0; i < n; i++) {
		const struct xdp_case *c = &rows[i];
		int lo = c->f.sized ? c->f.plen_lo : -1, hi = c->f.sized ? c->f.plen_hi : -1;

		for (int plen = lo; plen <= hi; plen++) {
			cases++;
			if (run_case(fx, c, plen))
				failed++;
		}
	}
	print_message("  %s: %d of %d cases passed\n", fx->name, cases - failed, cases);
	if (failed)
		fail_msg("%d of %d cases failed (see FAIL lines above)", failed, cases);
}

/* ---- the tables --------------------------------------------------------- */

#define PING_OK (ST(rx_ping) | ST(tx_ack))

/* Signed PINGs for us: answered in place with the exact ACK. */
static const struct xdp_case ping_rows[] = {
	{.desc = "IPv4 PING -> ACK", .m = {.seq = 1}, .action = XDP_TX, .stats = PING_OK},
	{.desc = "IPv6 PING -> ACK",
	 .f = {.v6 = 1},
	 .m = {.seq = 2},
	 .action = XDP_TX,
	 .stats = PING_OK},
	{.desc = "802.1Q IPv4 PING -> ACK",
	 .f = {.nvlan = 1},
	 .m = {.seq = 3},
	 .action = XDP_TX,
	 .stats = PING_OK},
	{.desc = "802.1Q IPv6 PING -> ACK",
	 .f = {.v6 = 1, .nvlan = 1},
	 .m = {.seq = 4},
	 .action = XDP_TX,
	 .stats = PING_OK},
	{.desc = "802.1ad+802.1Q IPv4 PING -> ACK",
	 .f = {.nvlan = 2, .tpid = {PKT_ETH_P_8021AD, PKT_ETH_P_8021Q}},
	 .m = {.seq = 5},
	 .action = XDP_TX,
	 .stats = PING_OK},
	{.desc = "802.1ad+802.1Q IPv6 PING -> ACK",
	 .f = {.v6 = 1, .nvlan = 2, .tpid = {PKT_ETH_P_8021AD, PKT_ETH_P_8021Q}},
	 .m = {.seq = 6},
	 .action = XDP_TX,
	 .stats = PING_OK},
	{.desc = "single 802.1ad tag IPv4 PING -> ACK",
	 .f = {.nvlan = 1, .tpid = {PKT_ETH_P_8021AD}},
	 .m = {.seq = 7},
	 .action = XDP_TX,
	 .stats = PING_OK},
	{.desc = "relayed PING: ACK keeps F_RELAYED, echoes origin_id and chan",
	 .m = {.seq = 8, .flags = VIGIL_F_RELAYED, .origin = T_OTHER_NODE, .chan = 2},
	 .action = XDP_TX,
	 .stats = PING_OK},
	{.desc = "PING flagged KEYNEXT, verified by slot 0: ACK without KEYNEXT",
	 .m = {.seq = 9, .flags = VIGIL_F_KEYNEXT},
	 .action = XDP_TX,
	 .stats = PING_OK},
	{.desc = "PING from an ephemeral port (vigil ping, chan 9) -> ACK to that port",
	 .f = {.sport = 41234},
	 .m = {.seq = 10, .chan = 9},
	 .action = XDP_TX,
	 .stats = PING_OK},
	{.desc = "PING with nonzero pad/reserved: ACK zeroes them",
	 .m = {.seq = 11, .dirty = 1},
	 .action = XDP_TX,
	 .stats = PING_OK},
	{.desc = "PING with seq, incarnation and heartbeat all ones",
	 .m = {.seq = 0xffffffffU, .heartbeat = ~0ULL, .incarnation = 0xffffffffU},
	 .action = XDP_TX,
	 .stats = PING_OK},
	{.desc = "IPv4 PING from a second host -> ACK to it",
	 .f = {.src = H_OTHER},
	 .m = {.seq = 12, .sender = T_OTHER_NODE},
	 .action = XDP_TX,
	 .stats = PING_OK},
};

#define ACK(...)  .m = {.type = VIGIL_MSG_ACK, __VA_ARGS__}
#define PEER(...) .peer = {.on = 1, __VA_ARGS__}
#define REC(...)  .rec = {.on = 1, __VA_ARGS__}

/* ACKs to our probes, in order: they build on each other's map state. */
static const struct xdp_case ack_rows[] = {
	{.desc = "ACK from a node not in the peers map -> drop_unknown_peer",
	 ACK(.seq = 1, .sender = T_STRANGER),
	 .action = XDP_DROP,
	 .stats = ST(drop_unknown_peer)},
	{.desc = "ACK on a channel without an entry -> drop_unknown_peer",
	 ACK(.seq = 1, .chan = 9),
	 .action = XDP_DROP,
	 .stats = ST(drop_unknown_peer),
	 PEER(.acks = 0)},
	{.desc = "valid ACK for recorded probe seq 1 -> recorded",
	 REC(.seq = 1),
	 ACK(.seq = 1),
	 .action = XDP_DROP,
	 .stats = ST(rx_ack),
	 PEER(.acks = 1)},
	{.desc = "the same ACK replayed -> stale",
	 ACK(.seq = 1),
	 .action = XDP_DROP,
	 .stats = ST(drop_stale_ack),
	 PEER(.stale = 1)},
	{.desc = "ACK for seq 9, not in flight (its slot holds seq 1) -> stale",
	 ACK(.seq = 9),
	 .action = XDP_DROP,
	 .stats = ST(drop_stale_ack),
	 PEER(.stale = 1)},
	{.desc = "ACK for seq 2, an empty inflight slot -> stale",
	 ACK(.seq = 2),
	 .action = XDP_DROP,
	 .stats = ST(drop_stale_ack),
	 PEER(.stale = 1)},
	{.desc = "ACK echoing a send_ns we never sent -> stale",
	 REC(.seq = 3),
	 ACK(.seq = 3, .send = SEND_UNSENT),
	 .action = XDP_DROP,
	 .stats = ST(drop_stale_ack),
	 PEER(.stale = 1)},
	{.desc = "ACK older than cfg_ack_max_age_ns (3 s > 2 s) -> stale",
	 REC(.seq = 4, .age_ns = 3 * NS_PER_S),
	 ACK(.seq = 4),
	 .action = XDP_DROP,
	 .stats = ST(drop_stale_ack),
	 PEER(.stale = 1)},
	{.desc = "ACK with a flipped MAC byte -> drop_bad_mac, peer untouched",
	 REC(.seq = 5),
	 ACK(.seq = 5, .flip = FLIP(60)),
	 .action = XDP_DROP,
	 .stats = ST(drop_bad_mac),
	 PEER(.acks = 0)},
	{.desc = "ACK signed with an uninstalled key -> drop_bad_mac",
	 ACK(.seq = 5, .key = KEY_ROGUE),
	 .action = XDP_DROP,
	 .stats = ST(drop_bad_mac),
	 PEER(.acks = 0)},
	{.desc = "ACK addressed to another node -> drop_wrong_target",
	 ACK(.seq = 5, .target = T_OTHER_NODE),
	 .action = XDP_DROP,
	 .stats = ST(drop_wrong_target),
	 PEER(.acks = 0)},
	{.desc = "ACK from another cluster -> drop_wrong_cluster",
	 ACK(.seq = 5, .cluster = 0x0badc105U),
	 .action = XDP_DROP,
	 .stats = ST(drop_wrong_cluster),
	 PEER(.acks = 0)},
	{.desc = "second valid ACK, seq 5 (smoothed RTT and jitter)",
	 ACK(.seq = 5),
	 .action = XDP_DROP,
	 .stats = ST(rx_ack),
	 PEER(.acks = 1)},
	{.desc = "ACK for seq 4 (re-sent) after seq 5 was counted -> stale",
	 REC(.seq = 4),
	 ACK(.seq = 4),
	 .action = XDP_DROP,
	 .stats = ST(drop_stale_ack),
	 PEER(.stale = 1)},
	{.desc = "valid IPv6 ACK from port 7301 to an ephemeral port",
	 .f = {.v6 = 1, .dport = 45000},
	 REC(.seq = 6),
	 ACK(.seq = 6, .incarnation = 8, .heartbeat = 99),
	 .action = XDP_DROP,
	 .stats = ST(rx_ack),
	 PEER(.acks = 1)},
	{.desc = "valid ACK signed with the slot-1 key",
	 REC(.seq = 7),
	 ACK(.seq = 7, .key = KEY_B, .flags = VIGIL_F_KEYNEXT),
	 .action = XDP_DROP,
	 .stats = ST(rx_ack),
	 PEER(.acks = 1)},
	{.desc = "valid double-tagged ACK on diagnostic channel 3",
	 .f = {.nvlan = 2, .tpid = {PKT_ETH_P_8021AD, PKT_ETH_P_8021Q}},
	 REC(.chan = 3, .seq = 100),
	 ACK(.seq = 100, .chan = 3),
	 .action = XDP_DROP,
	 .stats = ST(rx_ack),
	 PEER(.chan = 3, .acks = 1)},
	{.desc = "channel 3 ACK replayed -> stale on channel 3 only",
	 ACK(.seq = 100, .chan = 3),
	 .action = XDP_DROP,
	 .stats = ST(drop_stale_ack),
	 PEER(.chan = 3, .stale = 1)},
	{.desc = "ACK seq 8 while no key is installed -> drop_no_key",
	 REC(.seq = 8),
	 ACK(.seq = 8),
	 .keys = KEYS_NONE,
	 .action = XDP_DROP,
	 .stats = ST(drop_no_key),
	 PEER(.acks = 0)},
	{.desc = "the same ACK seq 8 once the key is back -> recorded",
	 ACK(.seq = 8),
	 .action = XDP_DROP,
	 .stats = ST(rx_ack),
	 PEER(.acks = 1)},
	{.desc = "valid ACK with a 50 ms RTT: srtt and jitter grow",
	 REC(.seq = 9, .age_ns = 50 * NS_PER_MS),
	 ACK(.seq = 9),
	 .action = XDP_DROP,
	 .stats = ST(rx_ack),
	 PEER(.acks = 1)},
	{.desc = "valid ACK with a 1 ms RTT: srtt and jitter shrink",
	 REC(.seq = 10),
	 ACK(.seq = 10),
	 .action = XDP_DROP,
	 .stats = ST(rx_ack),
	 PEER(.acks = 1)},
	{.desc = "ACK echoing a recorded send_ns 1 s in the future -> stale",
	 REC(.seq = 11, .age_ns = -(int64_t)NS_PER_S),
	 ACK(.seq = 11),
	 .action = XDP_DROP,
	 .stats = ST(drop_stale_ack),
	 PEER(.stale = 1)},
	{.desc = "ACK seq last_ack_seq + 2^31 (serial arithmetic: older) -> stale",
	 REC(.seq = 0x8000000aU),
	 ACK(.seq = 0x8000000aU),
	 .action = XDP_DROP,
	 .stats = ST(drop_stale_ack),
	 PEER(.stale = 1)},
	{.desc = "ACK seq last_ack_seq + 2^31 - 1 (newest possible) -> recorded",
	 REC(.seq = 0x80000009U),
	 ACK(.seq = 0x80000009U),
	 .action = XDP_DROP,
	 .stats = ST(rx_ack),
	 PEER(.acks = 1)},
};

#define PING_TRUNC .action = XDP_DROP, .stats = ST(drop_truncated)

/* Truncated and malformed frames, at every boundary. */
static const struct xdp_case malformed_rows[] = {
	{.desc = "UDP payload shorter than the magic", .f = {.sized = 1, .plen_hi = 3}, PING_TRUNC},
	{.desc = "UDP payload shorter than the magic, IPv6",
	 .f = {.v6 = 1, .sized = 1, .plen_hi = 3},
	 PING_TRUNC},
	{.desc = "magic, then the vigil header cut short",
	 .f = {.sized = 1, .plen_lo = 4, .plen_hi = 15},
	 PING_TRUNC},
	{.desc = "magic, then the vigil header cut short, 802.1Q IPv6",
	 .f = {.v6 = 1, .nvlan = 1, .sized = 1, .plen_lo = 4, .plen_hi = 15},
	 PING_TRUNC},
	{.desc = "PING header, payload shorter than 64 bytes",
	 .f = {.sized = 1, .plen_lo = 16, .plen_hi = 63},
	 .action = XDP_DROP,
	 .stats = ST(drop_bad_length)},
	{.desc = "PING header, payload one byte too long",
	 .f = {.sized = 1, .plen_lo = 65, .plen_hi = 65},
	 .action = XDP_DROP,
	 .stats = ST(drop_bad_length)},
	{.desc = "PING header, 128-byte payload, IPv6",
	 .f = {.v6 = 1, .sized = 1, .plen_lo = 128, .plen_hi = 128},
	 .action = XDP_DROP,
	 .stats = ST(drop_bad_length)},
	{.desc = "ACK header, 63-byte payload",
	 .f = {.sized = 1, .plen_lo = 63, .plen_hi = 63},
	 .m = {.type = VIGIL_MSG_ACK},
	 .action = XDP_DROP,
	 .stats = ST(drop_bad_length)},
	{.desc = "UDP length 72, frame ends after the UDP header",
	 .f = {.udp_len = 72, .sized = 1, .plen_lo = 0, .plen_hi = 0},
	 PING_TRUNC},
	{.desc = "UDP length 72, frame has 2 payload bytes",
	 .f = {.udp_len = 72, .sized = 1, .plen_lo = 2, .plen_hi = 2},
	 PING_TRUNC},
	{.desc = "UDP length 72, frame has 10 payload bytes",
	 .f = {.udp_len = 72, .sized = 1, .plen_lo = 10, .plen_hi = 10},
	 PING_TRUNC},
	{.desc = "UDP length 72, frame has 40 payload bytes",
	 .f = {.udp_len = 72, .sized = 1, .plen_lo = 40, .plen_hi = 40},
	 PING_TRUNC},
	{.desc = "UDP length 72, frame has 63 payload bytes (IPv6)",
	 .f = {.v6 = 1, .udp_len = 72, .sized = 1, .plen_lo = 63, .plen_hi = 63},
	 PING_TRUNC},
	/* protocol.md 7.1: the length check (step 11) precedes the "fewer than
	 * 64 bytes in the frame" check (step 12). */
	{.desc = "UDP length 108 > frame, whole PING present -> drop_bad_length (7.1 #11)",
	 .f = {.udp_len = 108},
	 .action = XDP_DROP,
	 .stats = ST(drop_bad_length)},
	{.desc = "UDP length 73 > frame, whole PING present, IPv6 -> drop_bad_length",
	 .f = {.v6 = 1, .udp_len = 73},
	 .action = XDP_DROP,
	 .stats = ST(drop_bad_length)},
	{.desc = "UDP length 7, below its own header -> passed, stack drops it",
	 .f = {.udp_len = 7},
	 .action = XDP_PASS},
	{.desc = "protocol version 2 -> drop_bad_version",
	 .m = {.version = 2},
	 .action = XDP_DROP,
	 .stats = ST(drop_bad_version)},
	{.desc = "protocol version 255 -> drop_bad_version (IPv6)",
	 .f = {.v6 = 1},
	 .m = {.version = 0xff},
	 .action = XDP_DROP,
	 .stats = ST(drop_bad_version)},
	/* No XDP program ever sees a frame shorter than ETH_HLEN: test_run
	 * refuses them (even behind XDP metadata), as drivers drop runts. */
	{.desc = "13-byte frame, cut in the EtherType: test_run refuses it (EINVAL)",
	 .f = {.cut = CUT_L2, .cut_off = 13},
	 .run_err = -EINVAL},
	{.desc = "frame of 14 bytes, Ethernet header only",
	 .f = {.cut = CUT_L3},
	 .action = XDP_PASS},
	{.desc = "802.1Q frame cut inside its tag",
	 .f = {.nvlan = 1, .cut = CUT_VLAN, .cut_off = 2},
	 .action = XDP_PASS},
	{.desc = "802.1ad+802.1Q frame cut inside the inner tag",
	 .f = {.nvlan = 2, .tpid = {PKT_ETH_P_8021AD}, .cut = CUT_VLAN, .cut_off = 6},
	 .action = XDP_PASS},
	{.desc = "802.1ad+802.1Q frame ending after its tags",
	 .f = {.nvlan = 2, .tpid = {PKT_ETH_P_8021AD}, .cut = CUT_L3},
	 .action = XDP_PASS},
	{.desc = "IPv4 header cut after 10 bytes",
	 .f = {.cut = CUT_L3, .cut_off = 10},
	 .action = XDP_PASS},
	{.desc = "IPv4 header cut after 19 bytes",
	 .f = {.cut = CUT_L3, .cut_off = 19},
	 .action = XDP_PASS},
	{.desc = "IPv6 header cut after 39 bytes",
	 .f = {.v6 = 1, .cut = CUT_L3, .cut_off = 39},
	 .action = XDP_PASS},
	{.desc = "802.1Q IPv6 header cut after 8 bytes",
	 .f = {.v6 = 1, .nvlan = 1, .cut = CUT_L3, .cut_off = 8},
	 .action = XDP_PASS},
	{.desc = "frame ending after the IPv4 header", .f = {.cut = CUT_L4}, .action = XDP_PASS},
	{.desc = "UDP header cut after 4 bytes (IPv4)",
	 .f = {.cut = CUT_L4, .cut_off = 4},
	 .action = XDP_PASS},
	{.desc = "UDP header cut after 7 bytes (IPv6)",
	 .f = {.v6 = 1, .cut = CUT_L4, .cut_off = 7},
	 .action = XDP_PASS},
	{.desc = "IPv4 IHL 4 (header shorter than 20 bytes)",
	 .f = {.ip_verihl = 0x44},
	 .action = XDP_PASS},
	{.desc = "IPv4 EtherType carrying a version-6 header",
	 .f = {.ip_verihl = 0x65},
	 .action = XDP_PASS},
};

#define PING_BAD_MAC .action = XDP_DROP, .stats = ST(drop_bad_mac)

/* Signatures, keys, cluster and target. */
static const struct xdp_case auth_rows[] = {
	{.desc = "PING with MAC byte 0 flipped", .m = {.flip = FLIP(56)}, PING_BAD_MAC},
	{.desc = "PING with MAC byte 7 flipped", .m = {.flip = FLIP(63)}, PING_BAD_MAC},
	{.desc = "PING with a signed byte (seq) flipped",
	 .m = {.seq = 3, .flip = FLIP(20)},
	 PING_BAD_MAC},
	{.desc = "PING with a signed byte (heartbeat) flipped, IPv6",
	 .f = {.v6 = 1},
	 .m = {.flip = FLIP(40)},
	 PING_BAD_MAC},
	{.desc = "PING signed with a key that is not installed",
	 .m = {.key = KEY_ROGUE},
	 PING_BAD_MAC},
	{.desc = "PING signed with the slot-1 key -> ACK signed with it, KEYNEXT",
	 .m = {.seq = 21, .key = KEY_B},
	 .action = XDP_TX,
	 .stats = PING_OK},
	{.desc = "802.1Q IPv6 PING signed with the slot-1 key -> ACK with KEYNEXT",
	 .f = {.v6 = 1, .nvlan = 1},
	 .m = {.seq = 22,
	       .key = KEY_B,
	       .flags = VIGIL_F_RELAYED | VIGIL_F_KEYNEXT,
	       .origin = T_OTHER_NODE},
	 .action = XDP_TX,
	 .stats = PING_OK},
	{.desc = "PING signed with the slot-1 key once slot 1 is cleared",
	 .m = {.key = KEY_B},
	 .keys = KEYS_A_ONLY,
	 PING_BAD_MAC},
	{.desc = "PING signed with the slot-0 key while only slot 0 is installed",
	 .m = {.seq = 23},
	 .keys = KEYS_A_ONLY,
	 .action = XDP_TX,
	 .stats = PING_OK},
	{.desc = "PING while no key is installed -> drop_no_key",
	 .keys = KEYS_NONE,
	 .action = XDP_DROP,
	 .stats = ST(drop_no_key)},
	{.desc = "PING from another cluster -> drop_wrong_cluster",
	 .m = {.cluster = 0x0badc105U},
	 .action = XDP_DROP,
	 .stats = ST(drop_wrong_cluster)},
	{.desc = "IPv6 PING from a cluster id one bit off ours -> drop_wrong_cluster",
	 .m = {.cluster = T_CLUSTER ^ 1},
	 .f = {.v6 = 1},
	 .action = XDP_DROP,
	 .stats = ST(drop_wrong_cluster)},
	{.desc = "PING addressed to another node -> drop_wrong_target",
	 .m = {.target = T_OTHER_NODE},
	 .action = XDP_DROP,
	 .stats = ST(drop_wrong_target)},
	{.desc = "PING addressed to another node, bad MAC -> MAC checked first",
	 .m = {.target = T_OTHER_NODE, .flip = FLIP(57)},
	 PING_BAD_MAC},
};

#define PR(...)	     .pr = {__VA_ARGS__}
#define PING_LIMITED .action = XDP_DROP, .stats = ST(rx_ping) | ST(drop_rate_limited)
#define PING_REPLAY  .action = XDP_DROP, .stats = ST(rx_ping) | ST(drop_replayed_ping)

/* The "rl" instance: burst 3, 1 answer/s per prober channel (sender, chan),
 * wherever its PINGs come from. */
static const struct xdp_case rl_rows[] = {
	{.desc = "PING 1 of 3 from hv-peer, channel 0",
	 .m = {.seq = 1},
	 .action = XDP_TX,
	 .stats = PING_OK,
	 PR(PR_NEW)},
	{.desc = "PING 2 of 3 from hv-peer",
	 .m = {.seq = 2},
	 .action = XDP_TX,
	 .stats = PING_OK,
	 PR(PR_ANSWERED)},
	{.desc = "PING 3 of 3 from hv-peer (802.1Q)",
	 .f = {.nvlan = 1},
	 .m = {.seq = 3},
	 .action = XDP_TX,
	 .stats = PING_OK,
	 PR(PR_ANSWERED)},
	{.desc = "4th PING from hv-peer -> drop_rate_limited",
	 .m = {.seq = 4},
	 PING_LIMITED,
	 PR(PR_LIMITED)},
	{.desc = "20 more distinct PINGs from hv-peer -> all rate-limited: a flood is capped",
	 .m = {.seq = 5},
	 .times = 20,
	 PING_LIMITED,
	 PR(PR_LIMITED)},
	{.desc = "hv-peer over IPv6 from another address -> still limited (keyed on the sender)",
	 .f = {.v6 = 1, .src = H_OTHER},
	 .m = {.seq = 6},
	 PING_LIMITED,
	 PR(PR_LIMITED)},
	{.desc = "hv-peer's replayed PING -> drop_replayed_ping, checked before the bucket",
	 .m = {.seq = 6, .send = SEND_AGAIN},
	 .f = {.v6 = 1, .src = H_OTHER},
	 PING_REPLAY,
	 PR(PR_UNTOUCHED)},
	{.desc = "hv-peer on channel 9 (vigil ping), same address -> its own bucket",
	 .f = {.sport = 41234},
	 .m = {.seq = 1, .chan = 9},
	 .action = XDP_TX,
	 .stats = PING_OK,
	 PR(PR_NEW)},
	{.desc = "hv-other, signed, from hv-peer's address -> its own bucket",
	 .m = {.seq = 1, .sender = T_OTHER_NODE},
	 .action = XDP_TX,
	 .stats = PING_OK,
	 PR(PR_NEW)},
	{.desc = "hv-other from its own address -> answered from its bucket",
	 .f = {.src = H_OTHER},
	 .m = {.seq = 2, .sender = T_OTHER_NODE},
	 .action = XDP_TX,
	 .stats = PING_OK,
	 PR(PR_ANSWERED)},
	{.desc = "bad-MAC PING claiming hv-peer -> drop_bad_mac, bucket untouched",
	 .m = {.seq = 7, .flip = FLIP(56)},
	 PING_BAD_MAC,
	 PR(PR_UNTOUCHED)},
	{.desc = "bad-MAC PING claiming a new sender -> no probers entry made",
	 .m = {.seq = 1, .sender = T_STRANGER, .flip = FLIP(60)},
	 PING_BAD_MAC,
	 PR(PR_ABSENT)},
	{.desc = "PING for another node -> drop_wrong_target, no probers entry made",
	 .m = {.seq = 1, .sender = T_STRANGER, .target = T_OTHER_NODE},
	 .action = XDP_DROP,
	 .stats = ST(drop_wrong_target),
	 PR(PR_ABSENT)},
};

/*
 * The "replay" instance (docs/protocol.md 7.6): default rate limit (100/s,
 * burst 200), quiet period 300 ms. A captured PING sent again, from any
 * address and any number of times, is never answered again and never costs
 * its prober anything; a prober whose host rebooted (its clock back near
 * zero, seq back to 1) is answered again once its channel has been quiet.
 */
static const struct xdp_case replay_rows[] = {
	{.desc = "hv-peer's first PING -> answered, window opened",
	 .m = {.seq = 1},
	 .action = XDP_TX,
	 .stats = PING_OK,
	 PR(PR_NEW)},
	{.desc = "that PING captured and sent again -> drop_replayed_ping, no token taken",
	 .m = {.seq = 1, .send = SEND_AGAIN},
	 PING_REPLAY,
	 PR(PR_UNTOUCHED)},
	{.desc = "sent again 300 times from hv-peer's address -> each dropped, no token taken",
	 .m = {.seq = 1, .send = SEND_AGAIN},
	 .times = 300,
	 PING_REPLAY,
	 PR(PR_UNTOUCHED)},
	{.desc = "then hv-peer's next PING -> answered (its budget is intact)",
	 .m = {.seq = 2, .mark = 1},
	 .action = XDP_TX,
	 .stats = PING_OK,
	 PR(PR_ANSWERED)},
	{.desc = "that PING sent again from another address, IPv6 -> dropped",
	 .f = {.v6 = 1, .src = H_OTHER},
	 .m = {.seq = 2, .send = SEND_AGAIN},
	 PING_REPLAY,
	 PR(PR_UNTOUCHED)},
	{.desc = "a PING overtaken on the way (sent 1 us before the newest) -> answered",
	 .m = {.seq = 1, .send = SEND_LATE},
	 .action = XDP_TX,
	 .stats = PING_OK,
	 PR(PR_ANSWERED)},
	{.desc = "that late PING sent again -> dropped",
	 .m = {.seq = 1, .send = SEND_AGAIN},
	 PING_REPLAY,
	 PR(PR_UNTOUCHED)},
	{.desc = "the same send time from another sender -> answered: windows are per sender",
	 .m = {.seq = 1, .send = SEND_AGAIN, .sender = T_OTHER_NODE},
	 .action = XDP_TX,
	 .stats = PING_OK,
	 PR(PR_NEW)},
	{.desc = "10 new PINGs from hv-peer -> answered; the window keeps the newest 8",
	 .m = {.seq = 3},
	 .times = 10,
	 .action = XDP_TX,
	 .stats = PING_OK,
	 PR(PR_ANSWERED)},
	{.desc = "the PING of row 4, now older than the whole window -> dropped",
	 .m = {.seq = 2, .send = SEND_MARKED},
	 PING_REPLAY,
	 PR(PR_UNTOUCHED)},
	{.desc = "a PING with send_ns 0 (no prober sends one) -> dropped",
	 .m = {.seq = 4, .send = SEND_AT, .at_ns = 0},
	 PING_REPLAY,
	 PR(PR_UNTOUCHED)},
	{.desc = "send_ns 0 from a sender never seen -> dropped, no probers entry made",
	 .m = {.seq = 1, .send = SEND_AT, .at_ns = 0, .sender = T_STRANGER},
	 PING_REPLAY,
	 PR(PR_ABSENT)},
	/* hv-peer reboots: its CLOCK_MONOTONIC starts again near 0, seq at 1. */
	{.desc = "rebooted hv-peer (clock at 7 s, seq 1) while its channel is busy -> dropped",
	 .m = {.seq = 1, .send = SEND_AT, .at_ns = T_BOOT_NS},
	 PING_REPLAY,
	 PR(PR_UNTOUCHED)},
	{.desc = "its next PING once the channel has been quiet 300 ms -> answered, new window",
	 .m = {.seq = 2, .send = SEND_AT, .at_ns = T_BOOT_NS + 500 * NS_PER_MS},
	 .wait_quiet = 1,
	 .action = XDP_TX,
	 .stats = PING_OK,
	 PR(PR_RESTARTED)},
	{.desc = "and the one after -> answered",
	 .m = {.seq = 3, .send = SEND_AT, .at_ns = T_BOOT_NS + 600 * NS_PER_MS},
	 .action = XDP_TX,
	 .stats = PING_OK,
	 PR(PR_ANSWERED)},
	{.desc = "its first PING after the reboot, sent again -> dropped",
	 .m = {.seq = 2, .send = SEND_AT, .at_ns = T_BOOT_NS + 500 * NS_PER_MS},
	 PING_REPLAY,
	 PR(PR_UNTOUCHED)},
	/* protocol.md 12: a PING captured before the reboot is newer than the
	 * new clock and passes once; the prober's own PINGs still do. */
	{.desc = "a PING captured before the reboot -> answered once (newer than the new clock)",
	 .m = {.seq = 2, .send = SEND_MARKED},
	 .action = XDP_TX,
	 .stats = PING_OK,
	 PR(PR_ANSWERED)},
	{.desc = "the rebooted hv-peer's next PING -> still answered",
	 .m = {.seq = 4, .send = SEND_AT, .at_ns = T_BOOT_NS + 700 * NS_PER_MS},
	 .action = XDP_TX,
	 .stats = PING_OK,
	 PR(PR_ANSWERED)},
	{.desc = "the pre-reboot PING again -> dropped",
	 .m = {.seq = 2, .send = SEND_MARKED},
	 PING_REPLAY,
	 PR(PR_UNTOUCHED)},
	/* The quiet rule, seen from a replayer: one answer per quiet period,
	 * only while the prober itself is silent. */
	{.desc = "after another quiet period, an old PING replayed -> answered once",
	 .m = {.seq = 2, .send = SEND_MARKED},
	 .wait_quiet = 1,
	 .action = XDP_TX,
	 .stats = PING_OK,
	 PR(PR_RESTARTED)},
	{.desc = "replayed again at once -> dropped",
	 .m = {.seq = 2, .send = SEND_MARKED},
	 PING_REPLAY,
	 PR(PR_UNTOUCHED)},
	{.desc = "hv-peer's next genuine PING -> answered",
	 .m = {.seq = 5},
	 .action = XDP_TX,
	 .stats = PING_OK,
	 PR(PR_ANSWERED)},
};

/* Not ours to answer: passed up byte for byte. */
static const struct xdp_case pass_rows[] = {
	{.desc = "ARP request",
	 .f = {.ethertype = PKT_ETH_P_ARP, .body = BODY_ARP},
	 .action = XDP_PASS},
	{.desc = "TCP to port 7301 carrying a PING",
	 .f = {.proto = PKT_IPPROTO_TCP, .body = BODY_TCP},
	 .action = XDP_PASS},
	{.desc = "UDP 40000 -> 7302 carrying a PING",
	 .f = {.sport = 40000, .dport = 7302},
	 .action = XDP_PASS},
	{.desc = "ICMPv6 echo request",
	 .f = {.v6 = 1, .proto = PKT_IPPROTO_ICMPV6, .body = BODY_ICMP6},
	 .action = XDP_PASS},
	{.desc = "IPv4 first fragment (MF) to port 7301 carrying a PING",
	 .f = {.frag_off = PKT_IP_MF},
	 .action = XDP_PASS},
	{.desc = "IPv4 fragment at offset 8 to port 7301",
	 .f = {.frag_off = 1},
	 .action = XDP_PASS},
	{.desc = "IPv6 with a fragment header, UDP to 7301 carrying a PING",
	 .f = {.v6 = 1, .ip6_frag = 1},
	 .action = XDP_PASS},
	{.desc = "UDP to 7301 without the vigil magic",
	 .f = {.body = BODY_NOMAGIC},
	 .action = XDP_PASS},
	{.desc = "UDP to 7301 without the vigil magic (IPv6)",
	 .f = {.v6 = 1, .body = BODY_NOMAGIC},
	 .action = XDP_PASS},
	{.desc = "2-byte datagram from 7301 to an ephemeral port",
	 .f = {.dport = 40000, .sized = 1, .plen_lo = 2, .plen_hi = 2},
	 .action = XDP_PASS},
	{.desc = "three VLAN tags around a PING",
	 .f = {.nvlan = 3, .tpid = {PKT_ETH_P_8021AD, PKT_ETH_P_8021Q, PKT_ETH_P_8021Q}},
	 .action = XDP_PASS},
	{.desc = "GOSSIP to 7301 -> pass_other",
	 .m = {.type = VIGIL_MSG_GOSSIP},
	 .action = XDP_PASS,
	 .stats = ST(pass_other)},
	{.desc = "PING_REQ to 7301 (IPv6, 802.1Q) -> pass_other",
	 .f = {.v6 = 1, .nvlan = 1},
	 .m = {.type = VIGIL_MSG_PING_REQ},
	 .action = XDP_PASS,
	 .stats = ST(pass_other)},
	{.desc = "extension type 200 to 7301 -> pass_other",
	 .m = {.type = 200},
	 .action = XDP_PASS,
	 .stats = ST(pass_other)},
	{.desc = "GOSSIP header cut to 16 bytes -> pass_other (length is the agent's)",
	 .m = {.type = VIGIL_MSG_GOSSIP},
	 .f = {.sized = 1, .plen_lo = 16, .plen_hi = 16},
	 .action = XDP_PASS,
	 .stats = ST(pass_other)},
	{.desc = "PING from 7301 to an ephemeral port -> pass_other",
	 .f = {.dport = 40000},
	 .action = XDP_PASS,
	 .stats = ST(pass_other)},
};

/* ---- docs/protocol.md section 13, byte for byte ------------------------- */

/* 13.3: the PING as hv1 sends it, and the ACK hv2's program must send back. */
static const uint8_t spec_ping[] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x08, 0x00,
	0x45, 0x00, 0x00, 0x5c, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11, 0x26, 0x8f, 0x0a, 0x00,
	0x00, 0x01, 0x0a, 0x00, 0x00, 0x02, 0x1c, 0x85, 0x1c, 0x85, 0x00, 0x48, 0x20, 0xf3,
	0x56, 0x47, 0x49, 0x4c, 0x01, 0x01, 0x00, 0x00, 0xb1, 0x2a, 0x9e, 0x75, 0xa8, 0x18,
	0x64, 0x21, 0x38, 0x30, 0x53, 0xe3, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x0f, 0x42, 0x40, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x64, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x73, 0xc5, 0xf8, 0x8a, 0xe2, 0xf3, 0x76, 0xe2,
};

static const uint8_t spec_ack[] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x08, 0x00,
	0x45, 0x00, 0x00, 0x5c, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11, 0x26, 0x8f, 0x0a, 0x00,
	0x00, 0x02, 0x0a, 0x00, 0x00, 0x01, 0x1c, 0x85, 0x1c, 0x85, 0x00, 0x48, 0x23, 0x38,
	0x56, 0x47, 0x49, 0x4c, 0x01, 0x02, 0x00, 0x00, 0xb1, 0x2a, 0x9e, 0x75, 0x38, 0x30,
	0x53, 0xe3, 0xa8, 0x18, 0x64, 0x21, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x0f, 0x42, 0x40, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0xc8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x45, 0x3d, 0x33, 0x02, 0xe0, 0xd7, 0x6a, 0x64,
};

#define SPEC_OFF_TTL	 22 /* Ethernet 14 + IPv4 8 */
#define SPEC_OFF_IPCSUM	 24
#define SPEC_OFF_UDPCSUM 40
#define SPEC_OFF_MAC	 98 /* Ethernet 14 + IPv4 20 + UDP 8 + 56 */

struct patch {
	int off; /* PATCH(i): byte i of the frame; 0 ends the list */
	uint8_t val;
};

#define PATCH(i) ((i) + 1)

/* A row on a fixed frame: the section 13 frames, with a few bytes changed. */
struct raw_case {
	const char *desc;
	const uint8_t *in;
	size_t len;
	struct patch patch[4];
	int forget; /* first forget hv1's PINGs (its probers entry): a fresh responder */
	int action;
	const uint8_t *out; /* NULL: the input, unchanged */
	size_t out_len;
	uint32_t stats;
};

static const struct raw_case spec_rows[] = {
	{.desc = "13.3: hv1's PING -> the ACK frame of 13.3, byte for byte",
	 .in = spec_ping,
	 .len = sizeof(spec_ping),
	 .action = XDP_TX,
	 .out = spec_ack,
	 .out_len = sizeof(spec_ack),
	 .stats = PING_OK},
	{.desc = "13.3: the same PING again -> drop_replayed_ping (7.6)",
	 .in = spec_ping,
	 .len = sizeof(spec_ping),
	 .action = XDP_DROP,
	 .stats = ST(rx_ping) | ST(drop_replayed_ping)},
	{.desc = "13.3 PING with TTL 63 (header checksum adjusted) -> the same ACK frame",
	 .in = spec_ping,
	 .len = sizeof(spec_ping),
	 .patch = {{PATCH(SPEC_OFF_TTL), 63}, {PATCH(SPEC_OFF_IPCSUM), 0x27}},
	 .forget = 1,
	 .action = XDP_TX,
	 .out = spec_ack,
	 .out_len = sizeof(spec_ack),
	 .stats = PING_OK},
	{.desc = "13.3 PING with UDP checksum 0 (not verified) -> the same ACK frame",
	 .in = spec_ping,
	 .len = sizeof(spec_ping),
	 .patch = {{PATCH(SPEC_OFF_UDPCSUM), 0}, {PATCH(SPEC_OFF_UDPCSUM + 1), 0}},
	 .forget = 1,
	 .action = XDP_TX,
	 .out = spec_ack,
	 .out_len = sizeof(spec_ack),
	 .stats = PING_OK},
	{.desc = "13.3 PING with MAC byte 0 changed -> drop_bad_mac",
	 .in = spec_ping,
	 .len = sizeof(spec_ping),
	 .patch = {{PATCH(SPEC_OFF_MAC), 0x74}},
	 .action = XDP_DROP,
	 .stats = ST(drop_bad_mac)},
	{.desc = "13.3 ACK frame received by hv2 itself (target hv1) -> drop_wrong_target",
	 .in = spec_ack,
	 .len = sizeof(spec_ack),
	 .action = XDP_DROP,
	 .stats = ST(drop_wrong_target)},
};

static void run_raw_table(const struct fx *fx, const struct raw_case *rows, size_t n)
{
	static uint8_t in[PKT_MAX_LEN];
	int failed = 0;

	for (size_t i = 0; i < n; i++) {
		const struct raw_case *c = &rows[i];
		uint64_t t0, t1;
		char name[200];
		int bad;

		snprintf(name, sizeof(name), "%s: %s", fx->name, c->desc);
		if (c->forget) {
			struct vigil_peer_key k = {.node_id = SPEC_HV1, .chan = 0};

			bpf_map_delete_elem(fx->maps.probers, &k);
		}
		memcpy(in, c->in, c->len);
		for (size_t j = 0; j < ARRAY_SIZE(c->patch) && c->patch[j].off; j++)
			in[c->patch[j].off - 1] = c->patch[j].val;
		bad = run_check(fx, name, in, c->len, 0, c->action, c->out, c->out_len, c->stats,
				&t0, &t1);
		print_message("  %-4s %s\n", bad ? "FAIL" : "ok", name);
		failed += bad != 0;
	}
	print_message("  %s: %zu of %zu cases passed\n", fx->name, n - (size_t)failed, n);
	if (failed)
		fail_msg("%d of %zu cases failed (see FAIL lines above)", failed, n);
}

/* packet.h and proto.c, given the values of section 13, must reproduce its
 * frames: the reference the generated rows are compared with is the spec's. */
static int spec_builder_check(uint64_t k0, uint64_t k1)
{
	static const uint8_t hv1_mac[] = {0x02, 0, 0, 0, 0, 0x01};
	static const uint8_t hv2_mac[] = {0x02, 0, 0, 0, 0, 0x02};
	static uint8_t frame[PKT_MAX_LEN];
	struct probe_fields f = {
		.type = VIGIL_MSG_PING,
		.cluster_id = SPEC_AZ1,
		.sender_id = SPEC_HV1,
		.target_id = SPEC_HV2,
		.seq = 1,
		.send_ns = 1000000,
		.incarnation = 1,
		.heartbeat = 100,
	};
	struct vigil_probe ping, ack;
	struct pkt_spec ps, rs;
	size_t len;
	int bad = 0;

	pkt_probe(&ping, &f, k0, k1);
	memset(&ps, 0, sizeof(ps));
	memcpy(ps.dmac, hv2_mac, PKT_ETH_ALEN);
	memcpy(ps.smac, hv1_mac, PKT_ETH_ALEN);
	ps.ethertype = PKT_ETH_P_IP;
	memcpy(ps.saddr, (const uint8_t[]){10, 0, 0, 1}, 4);
	memcpy(ps.daddr, (const uint8_t[]){10, 0, 0, 2}, 4);
	ps.frag_off = PKT_IP_DF;
	ps.ttl = 64;
	ps.proto = PKT_IPPROTO_UDP;
	ps.sport = ps.dport = VIGIL_DEFAULT_PORT;
	ps.body = &ping;
	ps.body_len = sizeof(ping);
	len = pkt_build(frame, &ps, NULL);
	bad += compare_frames("spec: packet.h, 13.3 PING", frame, len, spec_ping,
			      sizeof(spec_ping));

	f.type = VIGIL_MSG_ACK;
	f.sender_id = SPEC_HV2;
	f.target_id = SPEC_HV1;
	f.incarnation = 2;
	f.heartbeat = 200;
	pkt_probe(&ack, &f, k0, k1);
	pkt_spec_reply(&rs, &ps, T_REPLY_TTL, &ack, sizeof(ack));
	len = pkt_build(frame, &rs, NULL);
	bad += compare_frames("spec: packet.h, 13.3 ACK", frame, len, spec_ack, sizeof(spec_ack));
	return bad;
}

/* ---- tests -------------------------------------------------------------- */

static void test_ping_ack(void **state)
{
	run_table(&fx_main, ping_rows, ARRAY_SIZE(ping_rows));
}

static void test_ack_accounting(void **state)
{
	assert_int_equal(maps_peer_add(&fx_main.maps, T_PEER, 0), 0);
	assert_int_equal(maps_peer_add(&fx_main.maps, T_PEER, 3), 0);
	run_table(&fx_main, ack_rows, ARRAY_SIZE(ack_rows));
}

static void test_malformed(void **state)
{
	run_table(&fx_main, malformed_rows, ARRAY_SIZE(malformed_rows));
}

static void test_auth(void **state)
{
	run_table(&fx_main, auth_rows, ARRAY_SIZE(auth_rows));
}

static void test_rate_limit(void **state)
{
	run_table(&fx_rl, rl_rows, ARRAY_SIZE(rl_rows));
}

static void test_replay(void **state)
{
	run_table(&fx_replay, replay_rows, ARRAY_SIZE(replay_rows));
}

/* An upgrade changing VIGIL_MAP_ABI: a peers entry of an older ABI whose
 * layout is unchanged keeps its history; one no version can read is made
 * afresh, or the agent would never see that peer answer again. */
static void test_peer_abi(void **state)
{
	const uint32_t abis[] = {VIGIL_MAP_ABI_PEER_MIN, VIGIL_MAP_ABI + 1, 0};
	struct vigil_peer_key k = {.node_id = T_STRANGER, .chan = 7};
	struct vigil_peer p, got;

	for (size_t i = 0; i < ARRAY_SIZE(abis); i++) {
		int readable = abis[i] >= VIGIL_MAP_ABI_PEER_MIN && abis[i] <= VIGIL_MAP_ABI;

		memset(&p, 0, sizeof(p));
		p.abi = abis[i];
		p.node_id = T_STRANGER;
		p.acks = 5;
		p.last_ack_seq = 77;
		assert_int_equal(maps_peer_add(&fx_main.maps, T_STRANGER, 7), 0);
		assert_int_equal(bpf_map_update_elem(fx_main.maps.peers, &k, &p, BPF_EXIST), 0);
		assert_int_equal(maps_peer_get(&fx_main.maps, T_STRANGER, 7, &got),
				 readable ? 0 : -EPROTO);
		assert_int_equal(maps_peer_ensure(&fx_main.maps, T_STRANGER, 7), 0);
		assert_int_equal(maps_peer_get(&fx_main.maps, T_STRANGER, 7, &got), 0);
		assert_int_equal(got.acks, readable ? 5 : 0);
		assert_int_equal(got.last_ack_seq, readable ? 77 : 0);
		assert_int_equal(got.abi, readable ? abis[i] : VIGIL_MAP_ABI);
		print_message("  ok   main: peers entry of map ABI %u %s\n", abis[i],
			      readable ? "kept with its history" : "made afresh");
	}
	assert_int_equal(maps_peer_del(&fx_main.maps, T_STRANGER, 7), 0);
}

static void test_pass_through(void **state)
{
	run_table(&fx_main, pass_rows, ARRAY_SIZE(pass_rows));
}

static void test_spec_example(void **state)
{
	struct vigil_keyring kr;
	uint8_t key[VIGIL_KEY_LEN];

	/* Key 00 01 .. 0f in slot 0; ids are the names' ids (section 3). */
	for (int i = 0; i < VIGIL_KEY_LEN; i++)
		key[i] = (uint8_t)i;
	memset(&kr, 0, sizeof(kr));
	wire_key_split(key, &kr.slot[0].k0, &kr.slot[0].k1);
	kr.slot[0].valid = 1;
	assert_int_equal(maps_set_keys(&fx_spec.maps, &kr), 0);
	assert_int_equal(wire_name_id("az1"), SPEC_AZ1);
	assert_int_equal(wire_name_id("hv1"), SPEC_HV1);
	assert_int_equal(wire_name_id("hv2"), SPEC_HV2);

	assert_int_equal(spec_builder_check(kr.slot[0].k0, kr.slot[0].k1), 0);
	run_raw_table(&fx_spec, spec_rows, ARRAY_SIZE(spec_rows));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ping_ack),     cmocka_unit_test(test_ack_accounting),
		cmocka_unit_test(test_malformed),    cmocka_unit_test(test_auth),
		cmocka_unit_test(test_rate_limit),   cmocka_unit_test(test_replay),
		cmocka_unit_test(test_pass_through), cmocka_unit_test(test_spec_example),
		cmocka_unit_test(test_peer_abi),
	};

	/* Loading XDP programs takes CAP_BPF (root here): without it, say
	 * skipped (exit 77, as tests/run.sh reads it), not failed. */
	if (geteuid() != 0) {
		printf("test_xdp: skipped: loading the XDP program needs root\n");
		return 77;
	}
	/* Row lines (stdout) and cmocka's errors (stderr) interleave in order. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	return cmocka_run_group_tests_name("xdp", tests, group_setup, group_teardown);
}
