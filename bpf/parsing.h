/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* parsing.h - bounds-checked header parsers for the XDP fast path. */
#ifndef VIGIL_BPF_PARSING_H
#define VIGIL_BPF_PARSING_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define ETH_P_IP       0x0800
#define ETH_P_IPV6     0x86DD
#define ETH_P_8021Q    0x8100
#define ETH_P_8021AD   0x88A8
#define IPPROTO_UDP_NR 17
#define IP_MF	       0x2000
#define IP_OFFSET      0x1FFF
#define VLAN_MAX_DEPTH 2
#define ETH_ALEN       6

/* Where the parser stands in the packet. */
struct hdr_cursor {
	void *pos;
};

struct vlan_tag {
	__be16 tci;
	__be16 encap_proto;
};

static __always_inline int proto_is_vlan(__be16 proto)
{
	return proto == bpf_htons(ETH_P_8021Q) || proto == bpf_htons(ETH_P_8021AD);
}

/*
 * Ethernet header and up to VLAN_MAX_DEPTH 802.1Q/802.1ad tags. Returns the
 * inner EtherType (network order) or -1 if the frame is truncated. A frame
 * with more tags returns the outer-most tag's type, which no caller handles,
 * so it passes untouched.
 */
static __always_inline int parse_ethhdr(struct hdr_cursor *nh, void *data_end,
					struct ethhdr **ethhdr)
{
	struct ethhdr *eth = nh->pos;
	struct vlan_tag *tag;
	__be16 proto;
	int i;

	if ((void *)(eth + 1) > data_end)
		return -1;
	*ethhdr = eth;
	proto = eth->h_proto;
	tag = (void *)(eth + 1);

	for (i = 0; i < VLAN_MAX_DEPTH; i++) {
		if (!proto_is_vlan(proto))
			break;
		if ((void *)(tag + 1) > data_end)
			return -1;
		proto = tag->encap_proto;
		tag++;
	}
	nh->pos = tag;
	return proto;
}

/* IPv4 header with options. Returns the L4 protocol, or -1 if truncated or
 * malformed. Fragments are reported through *frag so callers can pass them. */
static __always_inline int parse_iphdr(struct hdr_cursor *nh, void *data_end, struct iphdr **iphdr,
				       int *frag)
{
	struct iphdr *iph = nh->pos;
	int hdrsize;

	if ((void *)(iph + 1) > data_end)
		return -1;
	if (iph->version != 4)
		return -1;
	hdrsize = iph->ihl * 4;
	if (hdrsize < (int)sizeof(*iph))
		return -1;
	if (nh->pos + hdrsize > data_end)
		return -1;
	*frag = !!(iph->frag_off & bpf_htons(IP_MF | IP_OFFSET));
	nh->pos += hdrsize;
	*iphdr = iph;
	return iph->protocol;
}

/* IPv6 fixed header. Returns the next header (extension headers, including
 * fragments, are not walked: vigil never sends them, so they pass). */
static __always_inline int parse_ip6hdr(struct hdr_cursor *nh, void *data_end,
					struct ipv6hdr **ip6hdr)
{
	struct ipv6hdr *ip6h = nh->pos;

	if ((void *)(ip6h + 1) > data_end)
		return -1;
	if (ip6h->version != 6)
		return -1;
	nh->pos = ip6h + 1;
	*ip6hdr = ip6h;
	return ip6h->nexthdr;
}

/* UDP header. Returns the UDP length (header included) or -1. */
static __always_inline int parse_udphdr(struct hdr_cursor *nh, void *data_end,
					struct udphdr **udphdr)
{
	struct udphdr *h = nh->pos;
	int len;

	if ((void *)(h + 1) > data_end)
		return -1;
	nh->pos = h + 1;
	*udphdr = h;
	len = bpf_ntohs(h->len);
	if (len < (int)sizeof(*h))
		return -1;
	return len;
}

#endif /* VIGIL_BPF_PARSING_H */
