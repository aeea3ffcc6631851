// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* report.c - the members a REPORT lists. */
#include <stdlib.h>

#include "report.h"

static int newest_first(const void *a, const void *b)
{
	const struct dead_member *x = a, *y = b;

	if (x->heard != y->heard)
		return y->heard - x->heard;
	return x->since_ns < y->since_ns ? 1 : x->since_ns > y->since_ns ? -1 : 0;
}

size_t report_select(struct dead_member *d, size_t n, uint32_t *ids, size_t max)
{
	if (n > max) {
		qsort(d, n, sizeof(*d), newest_first);
		n = max;
	}
	for (size_t i = 0; i < n; i++)
		ids[i] = d[i].id;
	return n;
}

long report_build(const struct memb *m, struct wire_report *r)
{
	struct dead_member *dead = malloc((m->n ? m->n : 1) * sizeof(*dead));
	size_t ndead = 0;

	if (!dead)
		return -1;
	for (size_t i = 0; i < m->n; i++)
		if (m->members[i]->state == MEMB_DEAD)
			dead[ndead++] = (struct dead_member){m->members[i]->id,
							     m->members[i]->state_since_ns,
							     m->members[i]->last_ack_ns != 0};
	r->n = report_select(dead, ndead, r->ids, VIGIL_REPORT_MAX_IDS);
	free(dead);
	return (long)ndead;
}
