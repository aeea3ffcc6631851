/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * packet.h - build test frames byte by byte, for BPF_PROG_TEST_RUN tests:
 * Ethernet, up to PKT_MAX_VLAN 802.1Q/802.1ad tags, IPv4 or IPv6 (optionally
 * with a fragment extension header), UDP, and signed vigil PING/ACK payloads.
 *
 * Headers are written field by field in network order and the checksums are
 * computed here (RFC 1071, over the bytes as written), independently of the
 * XDP program's csum.h, so a frame built here is a reference the program's
 * output can be compared with byte for byte.
 */
#ifndef VIGIL_TEST_PACKET_H
#define VIGIL_TEST_PACKET_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "wire.h"
#include "vigil_abi.h"

#define PKT_ETH_ALEN	  6
#define PKT_ETH_HLEN	  14
#define PKT_VLAN_HLEN	  4
#define PKT_IP4_HLEN	  20
#define PKT_IP6_HLEN	  40
#define PKT_IP6_FRAG_HLEN 8
#define PKT_UDP_HLEN	  8
#define PKT_MAX_VLAN	  3
#define PKT_MAX_LEN	  2048

#define PKT_ETH_P_IP	 0x0800
#define PKT_ETH_P_ARP	 0x0806
#define PKT_ETH_P_8021Q	 0x8100
#define PKT_ETH_P_8021AD 0x88a8
#define PKT_ETH_P_IPV6	 0x86dd

#define PKT_IPPROTO_TCP	     6
#define PKT_IPPROTO_UDP	     17
#define PKT_IPPROTO_FRAGMENT 44
#define PKT_IPPROTO_ICMPV6   58

#define PKT_IP_DF 0x4000
#define PKT_IP_MF 0x2000

/* Everything a frame is made of. Fields are in host order. */
struct pkt_spec {
	uint8_t dmac[PKT_ETH_ALEN];
	uint8_t smac[PKT_ETH_ALEN];
	int nvlan;		     /* 0..PKT_MAX_VLAN tags, outer first */
	uint16_t tpid[PKT_MAX_VLAN]; /* PKT_ETH_P_8021Q or PKT_ETH_P_8021AD */
	uint16_t tci[PKT_MAX_VLAN];
	uint16_t ethertype;	      /* IPv4, IPv6, or anything: body follows raw */
	uint8_t saddr[16], daddr[16]; /* IPv4 uses the first 4 bytes */
	uint8_t ip_verihl;	      /* IPv4 version/IHL byte; 0 = 0x45 */
	uint8_t tos;
	uint16_t ip_id;
	uint16_t frag_off; /* IPv4 flags and fragment offset */
	uint8_t ttl;	   /* IPv4 TTL or IPv6 hop limit */
	uint32_t flow;	   /* IPv6 flow label */
	int ip6_frag;	   /* IPv6: a fragment header before L4 */
	uint8_t proto;	   /* UDP: header built here; else body is the L4 */
	uint16_t sport, dport;
	uint16_t udp_len; /* 0 = 8 + body_len; else written as given */
	const void *body;
	size_t body_len;
};

/* Where each layer of a built frame starts. */
struct pkt_layout {
	size_t l2;   /* Ethernet header */
	size_t vlan; /* first VLAN tag (== l3 if none) */
	size_t l3;   /* IPv4/IPv6 header (or raw body for other EtherTypes) */
	size_t l4;   /* UDP header (or raw L4 body) */
	size_t body; /* UDP payload */
	size_t len;  /* whole frame */
};

static inline void pkt_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void pkt_put32(uint8_t *p, uint32_t v)
{
	pkt_put16(p, (uint16_t)(v >> 16));
	pkt_put16(p + 2, (uint16_t)v);
}

/* RFC 1071 one's-complement sum of big-endian 16-bit words, unfolded. Only
 * the last piece summed into one checksum may have an odd length. */
static inline uint32_t pkt_csum_add(uint32_t sum, const void *data, size_t len)
{
	const uint8_t *p = data;

	for (; len > 1; p += 2, len -= 2)
		sum += (uint32_t)p[0] << 8 | p[1];
	if (len)
		sum += (uint32_t)p[0] << 8;
	return sum;
}

/* Fold and complement: the value to store (host order). */
static inline uint16_t pkt_csum_finish(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* Build the frame s describes into buf (PKT_MAX_LEN bytes). Returns its
 * length, and where its layers start in *lay if lay is not NULL. */
static inline size_t pkt_build(uint8_t *buf, const struct pkt_spec *s, struct pkt_layout *lay)
{
	struct pkt_layout l = {0};
	size_t off = 0, ip_len, l4_len;
	uint8_t *ip, *udp;
	uint16_t ulen, csum;
	uint32_t sum;
	int i;

	memset(buf, 0, PKT_MAX_LEN);
	memcpy(buf, s->dmac, PKT_ETH_ALEN);
	memcpy(buf + 6, s->smac, PKT_ETH_ALEN);
	off = 12;
	l.vlan = PKT_ETH_HLEN;
	for (i = 0; i < s->nvlan && i < PKT_MAX_VLAN; i++) {
		pkt_put16(buf + off, s->tpid[i]);
		pkt_put16(buf + off + 2, s->tci[i]);
		off += PKT_VLAN_HLEN;
	}
	pkt_put16(buf + off, s->ethertype);
	off += 2;
	l.l3 = off;

	/* L4: the UDP header, or the raw body for any other protocol. */
	l4_len = s->body_len + (s->proto == PKT_IPPROTO_UDP ? PKT_UDP_HLEN : 0);

	if (s->ethertype == PKT_ETH_P_IP) {
		ip = buf + off;
		ip[0] = s->ip_verihl ? s->ip_verihl : 0x45;
		ip[1] = s->tos;
		pkt_put16(ip + 2, (uint16_t)(PKT_IP4_HLEN + l4_len));
		pkt_put16(ip + 4, s->ip_id);
		pkt_put16(ip + 6, s->frag_off);
		ip[8] = s->ttl;
		ip[9] = s->proto;
		memcpy(ip + 12, s->saddr, 4);
		memcpy(ip + 16, s->daddr, 4);
		pkt_put16(ip + 10, pkt_csum_finish(pkt_csum_add(0, ip, PKT_IP4_HLEN)));
		off += PKT_IP4_HLEN;
	} else if (s->ethertype == PKT_ETH_P_IPV6) {
		ip = buf + off;
		ip_len = l4_len + (s->ip6_frag ? PKT_IP6_FRAG_HLEN : 0);
		pkt_put32(ip, 6U << 28 | (s->flow & 0xfffff));
		pkt_put16(ip + 4, (uint16_t)ip_len);
		ip[6] = s->ip6_frag ? PKT_IPPROTO_FRAGMENT : s->proto;
		ip[7] = s->ttl;
		memcpy(ip + 8, s->saddr, 16);
		memcpy(ip + 24, s->daddr, 16);
		off += PKT_IP6_HLEN;
		if (s->ip6_frag) {
			/* First fragment, more to come, id 0x0000beef. */
			buf[off] = s->proto;
			pkt_put16(buf + off + 2, 0x0001);
			pkt_put32(buf + off + 4, 0x0000beef);
			off += PKT_IP6_FRAG_HLEN;
		}
	} else {
		/* Not IP: the body is all there is. */
		l.l4 = l.body = off;
		memcpy(buf + off, s->body, s->body_len);
		l.len = off + s->body_len;
		if (lay)
			*lay = l;
		return l.len;
	}
	l.l4 = off;

	if (s->proto != PKT_IPPROTO_UDP) {
		l.body = off;
		memcpy(buf + off, s->body, s->body_len);
		l.len = off + s->body_len;
		if (lay)
			*lay = l;
		return l.len;
	}

	udp = buf + off;
	ulen = s->udp_len ? s->udp_len : (uint16_t)(PKT_UDP_HLEN + s->body_len);
	pkt_put16(udp, s->sport);
	pkt_put16(udp + 2, s->dport);
	pkt_put16(udp + 4, ulen);
	memcpy(udp + PKT_UDP_HLEN, s->body, s->body_len);
	l.body = off + PKT_UDP_HLEN;
	l.len = l.body + s->body_len;

	/* Pseudo header, then the UDP header (check = 0) and the bytes present. */
	if (s->ethertype == PKT_ETH_P_IP) {
		sum = pkt_csum_add(0, s->saddr, 4);
		sum = pkt_csum_add(sum, s->daddr, 4);
		sum += PKT_IPPROTO_UDP;
		sum += ulen;
	} else {
		sum = pkt_csum_add(0, s->saddr, 16);
		sum = pkt_csum_add(sum, s->daddr, 16);
		sum += PKT_IPPROTO_UDP; /* 32-bit length's high half is zero */
		sum += ulen;
	}
	sum = pkt_csum_add(sum, udp, PKT_UDP_HLEN + s->body_len);
	csum = pkt_csum_finish(sum);
	pkt_put16(udp + 6, csum ? csum : 0xffff); /* 0 would mean "no checksum" */

	if (lay)
		*lay = l;
	return l.len;
}

/* The reply to s: MACs, addresses and ports swapped, TTL/hop limit reset,
 * carrying body. Everything else (VLAN tags, IP id, flags) is kept. */
static inline void pkt_spec_reply(struct pkt_spec *r, const struct pkt_spec *s, uint8_t ttl,
				  const void *body, size_t body_len)
{
	*r = *s;
	memcpy(r->dmac, s->smac, PKT_ETH_ALEN);
	memcpy(r->smac, s->dmac, PKT_ETH_ALEN);
	memcpy(r->saddr, s->daddr, sizeof(r->saddr));
	memcpy(r->daddr, s->saddr, sizeof(r->daddr));
	r->sport = s->dport;
	r->dport = s->sport;
	r->ttl = ttl;
	r->body = body;
	r->body_len = body_len;
}

/* A PING or ACK with fields f, signed with (k0, k1). */
static inline void pkt_probe(struct vigil_probe *m, const struct probe_fields *f, uint64_t k0,
			     uint64_t k1)
{
	wire_probe_encode(m, f);
	wire_sign(m, sizeof(*m), k0, k1);
}

#endif /* VIGIL_TEST_PACKET_H */
