// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * fuzz_memb.c - SWIM membership (userspace/core/memb.c) on arbitrary
 * datagrams that pass its MAC check: memb_receive, with time passing,
 * kernel observations changing, joins, leaves and full-state snapshots in
 * between, in an environment (fuzz.h) that verifies every datagram memb
 * sends.
 *
 * Input: a seed byte for memb's random numbers, then operations, each an
 * op byte and its arguments:
 *   op & 3 == 0  a datagram: control byte (FZ_FIX, FZ_SIGN, FZ_SIGN_NEXT;
 *                FZ_SENDER picks the sender id from a small table by its
 *                high bits), 16-bit length, the bytes; the source address is
 *                (op >> 2) & 7 of a table of IPv4 and IPv6 addresses
 *   op & 3 == 1  time passes: byte < 128: byte + 1 ticks of MEMB_TICK_MS;
 *                else a jump of (byte - 127) * 100 ms and one late tick
 *   op & 3 == 2  the kernel's record changes: (op >> 2) % FZ_OBS_COUNT, and
 *                sends fail while bit 6 is set
 *   op & 3 == 3  (op >> 2) & 3: join through hv1, leave, replace the keys, or
 *                snapshot the table through a STATE frame and back
 * After each: the table's invariants (fz_memb_check), and no incarnation
 * went down.
 */
#include <stddef.h>

#include "fuzz.h"

#define FZ_SENDER 0x08 /* control byte: sender id = senders[ctl >> 5] */
#define MAX_OPS	  128

static const uint32_t senders[8] = {
	FZ_PEER, 0x00000003, 0x00000004, 0x00000005, FZ_SELF, 0x00000001, 0xffffffff, 0,
};

/* Source address i of a small table: hv1..hv4 over IPv4, two IPv6 members,
 * port 0, and an IPv4-mapped IPv6 source. */
static socklen_t source(unsigned i, struct sockaddr_storage *ss)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (i < 4 || i == 6) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(i == 6 ? 0 : VIGIL_DEFAULT_PORT);
		sin->sin_addr.s_addr = htonl(0x0a000001 + i);
		return sizeof(*sin);
	}
	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons(VIGIL_DEFAULT_PORT);
	sin6->sin6_addr.s6_addr[0] = 0xfd;
	sin6->sin6_addr.s6_addr[15] = (uint8_t)i;
	if (i == 7) {
		memset(&sin6->sin6_addr, 0, 16);
		sin6->sin6_addr.s6_addr[10] = sin6->sin6_addr.s6_addr[11] = 0xff;
		sin6->sin6_addr.s6_addr[12] = 10;
		sin6->sin6_addr.s6_addr[15] = 7;
	}
	return sizeof(*sin6);
}

static void datagram(struct memb *m, struct fz *in, unsigned src)
{
	struct sockaddr_storage from;
	socklen_t fromlen = source(src, &from);
	uint8_t ctl = fz_u8(in), *buf;
	size_t want = fz_u16(in) & 0x7ff, len;
	const uint8_t *p = fz_take(in, want, &len);
	uint32_t sender;

	buf = malloc(len ? len : 1);
	if (!buf)
		return;
	memcpy(buf, p, len);
	if ((ctl & FZ_SENDER) && len >= sizeof(struct vigil_hdr)) {
		sender = htonl(senders[ctl >> 5]);
		memcpy(buf + offsetof(struct vigil_hdr, sender_id), &sender, 4);
	}
	fz_seal(buf, len, ctl);
	memb_receive(m, (struct sockaddr *)&from, fromlen, buf, len);
	free(buf);
}

/* The table as a STATE frame, and back: what push-pull sends decodes to
 * what was sent. */
static void snapshot_round_trip(const struct memb *m)
{
	size_t cap = m->n + 1, n, n2 = 0;
	struct wire_update *u = calloc(cap, sizeof(*u)), *v = NULL;
	struct vigil_keyring kr;
	uint8_t *frame = NULL;
	size_t framelen;
	int err;

	if (!u)
		return;
	n = memb_snapshot(m, u, cap);
	FZ_CHECK(n == cap, "snapshot of %zu, want %zu", n, cap);
	fz_keyring(&kr);
	if (!wire_state_frame(u, n, FZ_CLUSTER, FZ_SELF, &kr, &frame, &framelen)) {
		err = wire_state_unframe(frame + 4, framelen - 4, FZ_CLUSTER, &kr, &v, &n2);
		FZ_CHECK(!err && n2 == n, "own STATE frame refused: %s", wire_strerror(err));
		for (size_t i = 0; i < n; i++)
			FZ_CHECK(fz_update_equal(&u[i], &v[i]), "STATE update %zu changed", i);
	}
	free(frame);
	free(v);
	free(u);
}

/* Time passes: b < 128, b + 1 ticks MEMB_TICK_MS apart (as the agent's
 * timer runs); else a jump of (b - 127) * 100 ms and one late tick (a
 * stalled agent). */
static void ticks(struct memb *m, uint8_t b)
{
	if (b & 0x80) {
		fz_world.now += (b - 127u) * 100 * 1000000ULL;
		memb_tick(m);
		return;
	}
	for (unsigned t = b + 1u; t; t--) {
		fz_world.now += MEMB_TICK_MS * 1000000ULL;
		memb_tick(m);
	}
}

/* Incarnations only grow (SWIM: only a member raises its own, and a
 * lower one is never news). Members are forgotten only when reaped, so
 * index i holds the same member from one check to the next unless its id
 * says otherwise. */
struct incs {
	uint64_t self, *inc;
	uint32_t *id;
	size_t n;
};

static void check_incarnations(const struct memb *m, struct incs *seen)
{
	uint64_t *inc;
	uint32_t *id;

	FZ_CHECK(m->self.incarnation >= seen->self, "own incarnation %#llx -> %#llx",
		 (unsigned long long)seen->self, (unsigned long long)m->self.incarnation);
	seen->self = m->self.incarnation;
	for (size_t i = 0; i < seen->n && i < m->n; i++)
		FZ_CHECK(m->members[i]->id != seen->id[i] ||
				 m->members[i]->incarnation >= seen->inc[i],
			 "member %08x incarnation %#llx -> %#llx", seen->id[i],
			 (unsigned long long)seen->inc[i],
			 (unsigned long long)m->members[i]->incarnation);
	inc = realloc(seen->inc, (m->n ? m->n : 1) * sizeof(*inc));
	if (inc)
		seen->inc = inc;
	id = realloc(seen->id, (m->n ? m->n : 1) * sizeof(*id));
	if (id)
		seen->id = id;
	if (!inc || !id) {
		seen->n = 0;
		return;
	}
	seen->n = m->n;
	for (size_t i = 0; i < m->n; i++) {
		seen->inc[i] = m->members[i]->incarnation;
		seen->id[i] = m->members[i]->id;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct incs seen = {0, NULL, NULL, 0};
	struct fz in = {data, size};
	struct sockaddr_storage seed_addr;
	socklen_t seed_len = source(0, &seed_addr);
	struct vigil_keyring kr;
	struct memb m;

	fz_memb_init(&m, fz_u8(&in));
	for (int ops = 0; in.n && ops < MAX_OPS; ops++) {
		uint8_t op = fz_u8(&in);

		switch (op & 3) {
		case 0:
			datagram(&m, &in, (op >> 2) & 7);
			break;
		case 1:
			ticks(&m, fz_u8(&in));
			break;
		case 2:
			fz_world.obs = (enum fz_obs)((op >> 2) % FZ_OBS_COUNT);
			fz_world.probe_fails = !!(op & 0x40);
			break;
		case 3:
			switch ((op >> 2) & 3) {
			case 0:
				memb_join(&m, (struct sockaddr *)&seed_addr, seed_len);
				break;
			case 1:
				memb_leave(&m);
				break;
			case 2:
				fz_keyring(&kr);
				memb_set_keys(&m, &kr);
				break;
			case 3:
				snapshot_round_trip(&m);
				break;
			}
			break;
		}
		fz_memb_check(&m);
		check_incarnations(&m, &seen);
	}
	free(seen.inc);
	free(seen.id);
	memb_free(&m);
	return 0;
}
