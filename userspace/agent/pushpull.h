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

#endif /* VIGIL_PUSHPULL_H */
