// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* proto.c - the userspace side of the wire format; the XDP program implements
 * the same checks for PING and ACK in bpf/vigil_xdp.bpf.c. */
#include <arpa/inet.h>
#include <endian.h>
#include <string.h>

#include "wire.h"
#include "vigil_siphash.h"

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
	}
	return "unknown error";
}

void wire_key_split(const uint8_t key[VIGIL_KEY_LEN], uint64_t *k0, uint64_t *k1)
{
	*k0 = vigil_load_le64(key);
	*k1 = vigil_load_le64(key + 8);
}

uint32_t wire_name_id(const char *name)
{
	/* A fixed, public key: ids only need to be stable and well spread. */
	uint64_t h = vigil_siphash24(name, (uint32_t)strlen(name), 0x7669676c6e6f6465ULL,
				     0x6964656e74697479ULL);
	uint32_t id = (uint32_t)(h ^ (h >> 32));

	return id ? id : 1;
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
	if (h->version != VIGIL_PROTO_VERSION)
		return WIRE_E_VERSION;
	if ((h->type == VIGIL_MSG_PING || h->type == VIGIL_MSG_ACK) && len != VIGIL_PROBE_LEN)
		return WIRE_E_LENGTH;
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

void wire_probe_encode(struct vigil_probe *m, const struct probe_fields *f)
{
	memset(m, 0, sizeof(*m));
	m->hdr.magic = htonl(VIGIL_MAGIC);
	m->hdr.version = VIGIL_PROTO_VERSION;
	m->hdr.type = f->type;
	m->hdr.flags = htons(f->flags);
	m->hdr.cluster_id = htonl(f->cluster_id);
	m->hdr.sender_id = htonl(f->sender_id);
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
