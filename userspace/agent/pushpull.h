/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* pushpull.h - full-state anti-entropy over TCP, zlib-compressed (docs/protocol.md 10.4). */
#ifndef VIGIL_PUSHPULL_H
#define VIGIL_PUSHPULL_H

#include <stdint.h>
#include <sys/socket.h>

#include <uv.h>

#include "memb.h"

struct pushpull {
	/* configuration */
	uint32_t interval_ms; /* exchange with a random alive member this often; 0 = off */
	/* wiring */
	struct memb *memb; /* whose state is exchanged (and keys used) */
	/* state */
	uv_loop_t *loop;
	uv_tcp_t listener;
	uv_timer_t timer;
	uint64_t exchanges;    /* completed state exchanges */
	unsigned active;       /* connections open, both ways */
	uint64_t refused;      /* connections refused: too many at once */
	struct pp_conn *conns; /* the open ones (closed by pushpull_close) */
	int closed;
};

/* Listen on bind_addr (TCP) and start the periodic exchange. 0 or -1 (logged). */
int pushpull_start(struct pushpull *pp, uv_loop_t *loop, const struct sockaddr *bind_addr);
/* Exchange every interval_ms from now on (0: stop); at start and on reload. */
void pushpull_set_interval(struct pushpull *pp, uint32_t interval_ms);
/* One exchange with to, now. */
int pushpull_with(struct pushpull *pp, const struct sockaddr *to);
/* Stop: the listener, the timer and every exchange in progress are closed
 * (their callbacks run on the loop's next turns). */
void pushpull_close(struct pushpull *pp);

#endif /* VIGIL_PUSHPULL_H */
