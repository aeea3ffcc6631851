/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* pushpull.h - full-state anti-entropy over TCP, zlib-compressed. */
#ifndef VIGIL_PUSHPULL_H
#define VIGIL_PUSHPULL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "memb.h"

struct agent;

/* Listen on bind_addr (TCP) and start the periodic exchange timer. */
int pushpull_start(struct agent *a, const struct sockaddr *bind_addr);
/* One exchange with to, now. */
int pushpull_with(struct agent *a, const struct sockaddr *to);

/* A frame (4-byte length + zlib data) holding m's signed full state. */
int pp_encode(const struct memb *m, uint8_t **out, size_t *outlen);
/* Inflate, verify and unpack the zlib data of a frame. 0 or a PROTO_E_* /-1. */
int pp_decode(const uint8_t *z, size_t zlen, uint32_t cluster_id, const struct vigil_keyring *kr,
	      struct vigil_update **updates, size_t *n);

#endif /* VIGIL_PUSHPULL_H */
