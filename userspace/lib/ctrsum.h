/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * ctrsum.h - the sum of counters that come and go and restart from zero,
 * kept monotonic: what a Prometheus counter summed over parts must be, or
 * every part that disappears or restarts reads as a reset of the whole and
 * rate() shows a burst that never happened.
 *
 * Each part (a key) holds a vector of `width` counters. An update brings
 * every part present with its current values: a part's growth since the
 * last update is added to the totals; a part that is new, or whose values
 * went back (it restarted), adds its values whole; a part that is gone
 * takes nothing back and is forgotten.
 */
#ifndef VIGIL_CTRSUM_H
#define VIGIL_CTRSUM_H

#include <stddef.h>
#include <stdint.h>

struct ctrsum {
	size_t width;
	uint64_t *total; /* [width]: the monotonic sums */
	/* the parts of the last update and of the one in progress: rows of
	 * (key, width values), the last sorted by key */
	uint64_t *last, *next;
	size_t nlast, nnext, cap; /* rows */
};

/* 0, or -ENOMEM. */
int ctrsum_init(struct ctrsum *c, size_t width);
void ctrsum_free(struct ctrsum *c);
/* An update: ctrsum_part for every part present, then ctrsum_end. A part
 * that cannot be stored (-ENOMEM) counts as absent this time. */
int ctrsum_part(struct ctrsum *c, uint64_t key, const uint64_t *values);
void ctrsum_end(struct ctrsum *c);

#endif /* VIGIL_CTRSUM_H */
