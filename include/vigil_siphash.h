/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * vigil_siphash.h - SipHash-2-4 (Aumasson & Bernstein), the keyed MAC of
 * every vigil message, as one static inline function used by both the XDP
 * program and the agent so both sides compute bit-identical MACs.
 *
 * The key is two little-endian 64-bit words (k0 = key bytes 0..7). The input
 * is read as little-endian words; the 64-bit result is stored little-endian.
 * tests/unit/test_siphash.c checks it against the reference test vectors.
 */
#ifndef VIGIL_SIPHASH_H
#define VIGIL_SIPHASH_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif

/*
 * Bound on the word loop. The BPF verifier needs one, and the XDP program
 * only ever MACs a 56-byte probe, so 2 KiB is plenty there. Userspace MACs
 * whole messages (a STATE may be 800 KiB) and must cover every byte of them:
 * no bound. (A bound in userspace once left the tail of large messages
 * unauthenticated.)
 */
#if defined(__bpf__)
#define VIGIL_MAX_SIPHASH_WORDS 256U
#else
#define VIGIL_MAX_SIPHASH_WORDS 0xffffffffU
#endif

#define VIGIL_ROTL64(x, b) (((x) << (b)) | ((x) >> (64 - (b))))

#define VIGIL_SIPROUND(v0, v1, v2, v3)                                                             \
	do {                                                                                       \
		v0 += v1;                                                                          \
		v1 = VIGIL_ROTL64(v1, 13);                                                         \
		v1 ^= v0;                                                                          \
		v0 = VIGIL_ROTL64(v0, 32);                                                         \
		v2 += v3;                                                                          \
		v3 = VIGIL_ROTL64(v3, 16);                                                         \
		v3 ^= v2;                                                                          \
		v0 += v3;                                                                          \
		v3 = VIGIL_ROTL64(v3, 21);                                                         \
		v3 ^= v0;                                                                          \
		v2 += v1;                                                                          \
		v1 = VIGIL_ROTL64(v1, 17);                                                         \
		v1 ^= v2;                                                                          \
		v2 = VIGIL_ROTL64(v2, 32);                                                         \
	} while (0)

static __always_inline __u64 vigil_load_le64(const __u8 *p)
{
	__u64 v;

	__builtin_memcpy(&v, p, sizeof(v));
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	v = __builtin_bswap64(v);
#endif
	return v;
}

static __always_inline void vigil_store_le64(__u8 *p, __u64 v)
{
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	v = __builtin_bswap64(v);
#endif
	__builtin_memcpy(p, &v, sizeof(v));
}

/*
 * SipHash-2-4 of len bytes at data. In the XDP program len is a compile-time
 * constant (a multiple of 8) and data an aligned stack copy, so the word loop
 * unrolls into plain 64-bit loads and the tail switch folds away.
 */
static __always_inline __u64 vigil_siphash24(const void *data, __u32 len, __u64 k0, __u64 k1)
{
	const __u8 *p = (const __u8 *)data;
	__u64 v0 = 0x736f6d6570736575ULL ^ k0;
	__u64 v1 = 0x646f72616e646f6dULL ^ k1;
	__u64 v2 = 0x6c7967656e657261ULL ^ k0;
	__u64 v3 = 0x7465646279746573ULL ^ k1;
	__u64 b = ((__u64)len) << 56;
	__u32 words = len / 8, i;
	__u64 m;

	for (i = 0; i < words && i < VIGIL_MAX_SIPHASH_WORDS; i++) {
		m = vigil_load_le64(p + 8 * i);
		v3 ^= m;
		VIGIL_SIPROUND(v0, v1, v2, v3);
		VIGIL_SIPROUND(v0, v1, v2, v3);
		v0 ^= m;
	}

	p += 8 * words;
	switch (len & 7) {
	case 7:
		b |= ((__u64)p[6]) << 48;
		/* fallthrough */
	case 6:
		b |= ((__u64)p[5]) << 40;
		/* fallthrough */
	case 5:
		b |= ((__u64)p[4]) << 32;
		/* fallthrough */
	case 4:
		b |= ((__u64)p[3]) << 24;
		/* fallthrough */
	case 3:
		b |= ((__u64)p[2]) << 16;
		/* fallthrough */
	case 2:
		b |= ((__u64)p[1]) << 8;
		/* fallthrough */
	case 1:
		b |= ((__u64)p[0]);
		break;
	case 0:
		break;
	}

	v3 ^= b;
	VIGIL_SIPROUND(v0, v1, v2, v3);
	VIGIL_SIPROUND(v0, v1, v2, v3);
	v0 ^= b;
	v2 ^= 0xff;
	VIGIL_SIPROUND(v0, v1, v2, v3);
	VIGIL_SIPROUND(v0, v1, v2, v3);
	VIGIL_SIPROUND(v0, v1, v2, v3);
	VIGIL_SIPROUND(v0, v1, v2, v3);
	return v0 ^ v1 ^ v2 ^ v3;
}

#endif /* VIGIL_SIPHASH_H */
