// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * vigil_xdp.bpf.c - vigil's in-kernel heartbeat fast path.
 *
 * On the cluster interface this program
 *   - answers signed PINGs addressed to this node with a signed ACK, rewritten
 *     in place and sent back with XDP_TX: no userspace wake-up, so a host
 *     whose kernel runs keeps answering while its agent is stalled;
 *   - records ACKs to this node's own probes into the peers map with the
 *     kernel's receive time, then drops them;
 *   - drops malformed, unsigned, misaddressed or replayed vigil packets with a
 *     per-reason counter;
 *   - passes everything else byte-for-byte untouched.
 * The wire format is docs/protocol.md; the structs are include/vigil_abi.h.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "vigil_abi.h"
#include "vigil_siphash.h"
#include "parsing.h"
#include "csum.h"
#include "vigil_maps.h"
#include "prober.h"
#include "rtt.h"

/* Set through the skeleton's rodata before load (userspace/loader.c). */
const volatile __u16 cfg_port = VIGIL_DEFAULT_PORT;
const volatile __u32 cfg_node_id = 0;
const volatile __u32 cfg_cluster_id = 0;
const volatile __u32 cfg_rl_rate = 100;	 /* answers per second per prober channel */
const volatile __u32 cfg_rl_burst = 200; /* bucket size */
const volatile __u64 cfg_ack_max_age_ns = 10ULL * NSEC_PER_SEC;
const volatile __u64 cfg_ping_quiet_ns = VIGIL_PING_QUIET_NS; /* replay.h */

#define REPLY_TTL 64

/* Where the layers of the packet being handled are. */
struct pkt {
	struct ethhdr *eth;
	struct iphdr *iph;    /* NULL for IPv6 */
	struct ipv6hdr *ip6h; /* NULL for IPv4 */
	struct udphdr *udph;
	void *payload;
};

/*
 * Check the MAC of m against every installed key. On success returns 0 and
 * the slot and key that matched, so the answer is signed with the same key.
 * Returns -1 if no key matches, -2 if no key is installed at all.
 */
static __always_inline int verify_mac(const struct vigil_probe *m, __u32 *slot_out, __u64 *k0,
				      __u64 *k1)
{
	__u64 want = vigil_load_le64(m->mac);
	int any = 0;
	__u32 i;

	for (i = 0; i < VIGIL_KEY_SLOTS; i++) {
		__u32 idx = i;
		struct vigil_key *key = bpf_map_lookup_elem(&keys, &idx);

		if (!key || !key->valid)
			continue;
		any = 1;
		if (vigil_siphash24(m, VIGIL_PROBE_MAC_OFF, key->k0, key->k1) == want) {
			*slot_out = i;
			*k0 = key->k0;
			*k1 = key->k1;
			return 0;
		}
	}
	return any ? -1 : -2;
}

static __always_inline void swap_eth(struct ethhdr *eth)
{
	__u8 tmp[ETH_ALEN];

	__builtin_memcpy(tmp, eth->h_source, ETH_ALEN);
	__builtin_memcpy(eth->h_source, eth->h_dest, ETH_ALEN);
	__builtin_memcpy(eth->h_dest, tmp, ETH_ALEN);
}

/* Turn the packet into the reply carrying ack: swap MACs, addresses and
 * ports, reset the TTL/hop limit, write the payload, fix the checksums. */
static __always_inline void write_reply(struct pkt *pk, struct vigil_probe *ack)
{
	struct udphdr uh;
	__be16 port;
	__u16 csum;

	swap_eth(pk->eth);

	port = pk->udph->source;
	pk->udph->source = pk->udph->dest;
	pk->udph->dest = port;
	__builtin_memcpy(pk->payload, ack, sizeof(*ack));

	uh = *pk->udph;
	uh.check = 0;

	if (pk->iph) {
		struct iphdr *iph = pk->iph;
		struct pseudo_v4 ph;
		__be32 addr = iph->saddr;
		__u16 oldw, neww;

		iph->saddr = iph->daddr;
		iph->daddr = addr; /* a swap leaves the header checksum unchanged */
		__builtin_memcpy(&oldw, &iph->ttl, 2);
		iph->ttl = REPLY_TTL;
		__builtin_memcpy(&neww, &iph->ttl, 2);
		csum_replace2(&iph->check, oldw, neww);

		ph.saddr = iph->saddr;
		ph.daddr = iph->daddr;
		ph.zero = 0;
		ph.proto = IPPROTO_UDP_NR;
		ph.len = uh.len;
		csum = udp_csum(&ph, sizeof(ph), &uh, ack, sizeof(*ack));
		pk->udph->check = csum ? csum : 0xffff; /* 0 means "none" in IPv4 */
	} else if (pk->ip6h) {
		struct ipv6hdr *ip6h = pk->ip6h;
		struct in6_addr a = ip6h->saddr;
		struct pseudo_v6 ph = {};

		ip6h->saddr = ip6h->daddr;
		ip6h->daddr = a;
		ip6h->hop_limit = REPLY_TTL;

		ph.saddr = ip6h->saddr;
		ph.daddr = ip6h->daddr;
		ph.len = bpf_htonl(bpf_ntohs(uh.len));
		ph.nexthdr = IPPROTO_UDP_NR;
		csum = udp_csum(&ph, sizeof(ph), &uh, ack, sizeof(*ack));
		pk->udph->check = csum ? csum : 0xffff;
	}
}

/*
 * May the PING m, whose MAC verified, be answered (prober.h)? Its prober
 * channel is (sender_id, chan), both under the MAC, so a replayed or spoofed
 * packet can only ever touch the record of the channel it was captured from,
 * and only a key holder can make a new record. Returns 1, or 0 after
 * counting why not.
 */
static __always_inline int admit_ping(const struct vigil_probe *m, struct vigil_stats *st)
{
	struct vigil_peer_key key = {};
	struct vigil_prober *p, np;
	enum prober_verdict v;
	__u64 now = bpf_ktime_get_ns();

	key.node_id = bpf_ntohl(m->hdr.sender_id);
	key.chan = m->chan;
	p = bpf_map_lookup_elem(&probers, &key);
	v = prober_admit(p ? p : &np, !p, bpf_be64_to_cpu(m->send_ns), now, cfg_ping_quiet_ns,
			 cfg_rl_rate, cfg_rl_burst);
	if (v == PROBER_REPLAYED) {
		STAT_INC(st, drop_replayed_ping);
		return 0;
	}
	if (v == PROBER_LIMITED) {
		STAT_INC(st, drop_rate_limited);
		return 0;
	}
	if (!p)
		bpf_map_update_elem(&probers, &key, &np, BPF_ANY);
	return 1;
}

static __always_inline int handle_ping(struct pkt *pk, const struct vigil_probe *m, __u32 slot,
				       __u64 k0, __u64 k1, struct vigil_stats *st)
{
	struct vigil_probe ack;
	struct vigil_self *me;
	__u32 zero = 0;
	__u16 flags;
	__u64 mac;

	if (bpf_ntohl(m->target_id) != cfg_node_id) {
		STAT_INC(st, drop_wrong_target);
		return XDP_DROP;
	}
	STAT_INC(st, rx_ping);
	if (!admit_ping(m, st))
		return XDP_DROP;

	ack = *m;
	flags = bpf_ntohs(m->hdr.flags) & VIGIL_F_RELAYED;
	if (slot)
		flags |= VIGIL_F_KEYNEXT;
	ack.hdr.type = VIGIL_MSG_ACK;
	ack.hdr.flags = bpf_htons(flags);
	ack.hdr.sender_id = bpf_htonl(cfg_node_id);
	ack.target_id = m->hdr.sender_id;
	__builtin_memset(ack.pad, 0, sizeof(ack.pad));
	ack.reserved = 0;
	me = bpf_map_lookup_elem(&self, &zero);
	ack.incarnation = me ? bpf_htonl(me->incarnation) : 0;
	ack.heartbeat = me ? bpf_cpu_to_be64(me->heartbeat) : 0;
	mac = vigil_siphash24(&ack, VIGIL_PROBE_MAC_OFF, k0, k1);
	vigil_store_le64(ack.mac, mac);

	write_reply(pk, &ack);
	STAT_INC(st, tx_ack);
	return XDP_TX;
}

static __always_inline int handle_ack(const struct vigil_probe *m, struct vigil_stats *st)
{
	struct vigil_peer_key key = {};
	struct vigil_probe_slot *sl;
	struct vigil_inflight *inf;
	struct vigil_peer *p;
	__u64 now, send_ns;
	__u32 seq;

	if (bpf_ntohl(m->target_id) != cfg_node_id) {
		STAT_INC(st, drop_wrong_target);
		return XDP_DROP;
	}

	key.node_id = bpf_ntohl(m->hdr.sender_id);
	key.chan = m->chan;
	p = bpf_map_lookup_elem(&peers, &key);
	inf = bpf_map_lookup_elem(&inflight, &key);
	if (!p || !inf) {
		STAT_INC(st, drop_unknown_peer);
		return XDP_DROP;
	}

	now = bpf_ktime_get_ns();
	seq = bpf_ntohl(m->seq);
	send_ns = bpf_be64_to_cpu(m->send_ns);
	sl = &inf->slot[seq & (VIGIL_INFLIGHT - 1)];

	/* Only an answer to a probe we really sent, newer than the last one
	 * counted and not older than the maximum age, refreshes liveness. */
	if (sl->send_ns == 0 || sl->seq != seq || sl->send_ns != send_ns || now < send_ns ||
	    now - send_ns > cfg_ack_max_age_ns ||
	    (p->acks && (__s32)(seq - p->last_ack_seq) <= 0)) {
		p->stale_acks++;
		STAT_INC(st, drop_stale_ack);
		return XDP_DROP;
	}

	p->last_ack_ns = now;
	p->last_send_ns = send_ns;
	p->last_ack_seq = seq;
	p->incarnation = bpf_ntohl(m->incarnation);
	p->heartbeat = bpf_be64_to_cpu(m->heartbeat);
	rtt_account(p, now - send_ns);
	STAT_INC(st, rx_ack);
	return XDP_DROP; /* the agent reads the peers map, not the packet */
}

SEC("xdp")
int vigil_xdp(struct xdp_md *ctx)
{
	void *data_end = (void *)(long)ctx->data_end;
	void *data = (void *)(long)ctx->data;
	struct hdr_cursor nh = {.pos = data};
	struct pkt pk = {};
	struct vigil_stats *st;
	struct vigil_probe msg;
	struct vigil_hdr *hdr;
	__u64 k0 = 0, k1 = 0;
	int proto, ulen, frag = 0, to_port, from_port, rc;
	__u32 zero = 0, slot = 0, plen;

	proto = parse_ethhdr(&nh, data_end, &pk.eth);
	if (proto == bpf_htons(ETH_P_IP)) {
		if (parse_iphdr(&nh, data_end, &pk.iph, &frag) != IPPROTO_UDP_NR || frag)
			return XDP_PASS;
	} else if (proto == bpf_htons(ETH_P_IPV6)) {
		if (parse_ip6hdr(&nh, data_end, &pk.ip6h) != IPPROTO_UDP_NR)
			return XDP_PASS;
	} else {
		return XDP_PASS;
	}

	ulen = parse_udphdr(&nh, data_end, &pk.udph);
	if (ulen < 0)
		return XDP_PASS;
	to_port = pk.udph->dest == bpf_htons(cfg_port);
	from_port = pk.udph->source == bpf_htons(cfg_port);
	if (!to_port && !from_port)
		return XDP_PASS;

	st = bpf_map_lookup_elem(&stats, &zero);
	pk.payload = nh.pos;
	plen = (__u32)ulen - sizeof(struct udphdr);
	hdr = pk.payload;

	/* Too short to carry our magic: not identifiable as vigil. On our own
	 * port nothing legitimate looks like this. */
	if (plen < sizeof(__be32) || pk.payload + sizeof(__be32) > data_end) {
		if (!to_port)
			return XDP_PASS;
		STAT_INC(st, drop_truncated);
		return XDP_DROP;
	}
	if (hdr->magic != bpf_htonl(VIGIL_MAGIC))
		return XDP_PASS;
	if (plen < sizeof(*hdr) || (void *)(hdr + 1) > data_end) {
		STAT_INC(st, drop_truncated);
		return XDP_DROP;
	}
	/* The agent's own messages go up, whatever their version: the agent
	 * checks it. PING and ACK have their own version, unchanged since 1,
	 * so hosts of two agent protocol versions still probe each other. */
	if (hdr->type != VIGIL_MSG_PING && hdr->type != VIGIL_MSG_ACK) {
		STAT_INC(st, pass_other);
		return XDP_PASS;
	}
	if (hdr->version != VIGIL_PROBE_VERSION) {
		STAT_INC(st, drop_bad_version);
		return XDP_DROP;
	}
	if (hdr->type == VIGIL_MSG_PING && !to_port) {
		STAT_INC(st, pass_other);
		return XDP_PASS;
	}
	if (plen != VIGIL_PROBE_LEN) {
		STAT_INC(st, drop_bad_length);
		return XDP_DROP;
	}
	if (pk.payload + VIGIL_PROBE_LEN > data_end) {
		STAT_INC(st, drop_truncated);
		return XDP_DROP;
	}

	/* Work on an aligned stack copy: the MAC is computed over it, and the
	 * packet is touched only once the message is known to be genuine. */
	__builtin_memcpy(&msg, pk.payload, VIGIL_PROBE_LEN);
	if (bpf_ntohl(msg.hdr.cluster_id) != cfg_cluster_id) {
		STAT_INC(st, drop_wrong_cluster);
		return XDP_DROP;
	}
	rc = verify_mac(&msg, &slot, &k0, &k1);
	if (rc == -2) {
		STAT_INC(st, drop_no_key);
		return XDP_DROP;
	}
	if (rc) {
		STAT_INC(st, drop_bad_mac);
		return XDP_DROP;
	}

	if (msg.hdr.type == VIGIL_MSG_PING)
		return handle_ping(&pk, &msg, slot, k0, k1, st);
	return handle_ack(&msg, st);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
