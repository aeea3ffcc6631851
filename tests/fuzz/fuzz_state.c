// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * fuzz_state.c - push-pull STATE frames: wire_state_unframe (zlib inflate,
 * verify, decode) on what arrives over TCP, and memb_merge of what decodes
 * into a membership that already knows a few members.
 *
 * Input: a control byte, then
 *   ctl & RAW == 0  the zlib data of a frame, as the 4-byte length announces it;
 *   ctl & RAW       the STATE message itself: fixed up and signed as
 *                   FZ_FIX, FZ_SIGN, FZ_SIGN_NEXT say (with its type forced
 *                   to STATE if ctl & TYPE), then compressed here.
 * Checked: a sealed STATE decodes exactly when its length matches its count
 * and its names are valid;
 * what decodes frames and unframes to the same updates; the membership's
 * invariants after the merge, after time passes, and after a second merge.
 */
#include <zlib.h>

#include "fuzz.h"

#define RAW  0x80
#define TYPE 0x08

/* The members hv2 knows before the frame arrives: hv1 alive, hv3 suspect,
 * hv4 dead, hv5 left. */
static void known(struct memb *m)
{
	static const struct {
		uint32_t id;
		uint8_t state;
	} k[] = {{FZ_PEER, VIGIL_ST_ALIVE},
		 {3, VIGIL_ST_SUSPECT},
		 {4, VIGIL_ST_DEAD},
		 {5, VIGIL_ST_LEFT}};
	struct wire_update u;

	for (size_t i = 0; i < sizeof(k) / sizeof(k[0]); i++) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&u.addr;

		memset(&u, 0, sizeof(u));
		u.node_id = k[i].id;
		u.incarnation = 1;
		u.from_id = FZ_SELF;
		sin->sin_family = AF_INET;
		sin->sin_port = htons(VIGIL_DEFAULT_PORT);
		sin->sin_addr.s_addr = htonl(0x0a000001 + (uint32_t)i);
		u.addrlen = sizeof(*sin);
		snprintf(u.name, sizeof(u.name), "hv%zu", i + 1);
		memb_merge(m, &u, 1);
		u.state = k[i].state;
		memb_merge(m, &u, 1);
	}
}

/* Every name of n updates on the wire is one a decoder takes. */
static int names_valid(const uint8_t *w, size_t n)
{
	char name[VIGIL_NAME_LEN];

	for (size_t i = 0; i < n; i++) {
		memcpy(name,
		       w + i * sizeof(struct vigil_update) + offsetof(struct vigil_update, name),
		       sizeof(name));
		name[sizeof(name) - 1] = '\0';
		if (!wire_name_valid(name))
			return 0;
	}
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wire_update *u = NULL, *v = NULL;
	struct vigil_keyring kr;
	uint8_t ctl, *raw = NULL, *z = NULL, *frame = NULL;
	size_t n = 0, n2 = 0, len, framelen;
	uLongf zlen;
	int err, sealed = 0;
	struct memb m;

	if (size < 1)
		return 0;
	ctl = data[0];
	len = size - 1;
	fz_keyring(&kr);
	if (ctl & RAW) {
		raw = malloc(len ? len : 1);
		zlen = compressBound(len);
		z = malloc(zlen);
		if (!raw || !z)
			goto out;
		memcpy(raw, data + 1, len);
		if ((ctl & TYPE) && len > offsetof(struct vigil_hdr, type))
			raw[offsetof(struct vigil_hdr, type)] = VIGIL_MSG_STATE;
		sealed = fz_seal(raw, len, ctl) && (ctl & FZ_FIX) && (ctl & TYPE);
		if (compress2(z, &zlen, raw, len, Z_BEST_SPEED) != Z_OK)
			goto out;
	} else {
		zlen = len;
		z = malloc(len ? len : 1);
		if (!z)
			goto out;
		memcpy(z, data + 1, len);
	}

	err = wire_state_unframe(z, zlen, FZ_CLUSTER, &kr, &u, &n);
	if (sealed) {
		struct vigil_gossip g;
		size_t count;
		int fits;

		memcpy(&g, raw, sizeof(g) < len ? sizeof(g) : len);
		count = len >= sizeof(g) ? ntohs(g.count) : 0;
		fits = len >= sizeof(g) + VIGIL_MAC_LEN &&
		       len == sizeof(g) + count * sizeof(struct vigil_update) + VIGIL_MAC_LEN;
		FZ_CHECK(!err == (fits && names_valid(raw + sizeof(g), count)),
			 "sealed STATE of %zu bytes, count %zu: %s", len, count,
			 wire_strerror(err));
	}
	FZ_CHECK(err || u || !n, "no updates returned");
	if (err)
		goto out;

	/* What decoded is what a frame of it carries. */
	FZ_CHECK(!wire_state_frame(u, n, FZ_CLUSTER, FZ_PEER, &kr, &frame, &framelen),
		 "cannot frame %zu decoded updates", n);
	FZ_CHECK(framelen >= 4 && ntohl(*(uint32_t *)(void *)frame) == framelen - 4,
		 "frame length prefix");
	err = wire_state_unframe(frame + 4, framelen - 4, FZ_CLUSTER, &kr, &v, &n2);
	FZ_CHECK(!err && n2 == n, "re-framed STATE refused: %s", wire_strerror(err));
	for (size_t i = 0; i < n; i++)
		FZ_CHECK(fz_update_equal(&u[i], &v[i]), "update %zu changed by a round trip", i);

	fz_memb_init(&m, ctl | 1);
	known(&m);
	fz_memb_check(&m);
	memb_merge(&m, u, n);
	fz_memb_check(&m);
	for (int t = 0; t < 20; t++) {
		fz_world.now += MEMB_TICK_MS * 1000000ULL;
		memb_tick(&m);
	}
	fz_memb_check(&m);
	memb_merge(&m, u, n);
	fz_memb_check(&m);
	memb_free(&m);
out:
	free(frame);
	free(v);
	free(u);
	free(z);
	free(raw);
	return 0;
}
