// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* opreq.c - operator requests waiting for the leader's answer (opreq.h). */
#include <errno.h>
#include <string.h>

#include "opreq.h"
#include "util.h"

int opreq_add(struct opreq_table *t, const struct wire_maint *w, void *ctx, uint64_t now)
{
	struct opreq *r;

	if (t->n == OPREQ_MAX)
		return -EBUSY;
	r = &t->q[t->n++];
	r->w = *w;
	r->first_ns = r->sent_ns = now;
	r->ctx = ctx;
	return 0;
}

static void take(struct opreq_table *t, size_t i, struct opreq *r)
{
	*r = t->q[i];
	memmove(&t->q[i], &t->q[i + 1], (t->n - i - 1) * sizeof(t->q[0]));
	t->n--;
}

int opreq_answered(struct opreq_table *t, const struct wire_answer *a, struct opreq *r)
{
	for (size_t i = 0; i < t->n; i++) {
		const struct wire_maint *w = &t->q[i].w;

		if (w->type == a->request && w->epoch == a->epoch && w->seq == a->seq &&
		    !w->on == !a->on && !strcmp(w->host, a->host)) {
			take(t, i, r);
			return 0;
		}
	}
	t->unmatched++;
	return -1;
}

enum opreq_due opreq_next(struct opreq_table *t, uint64_t now, struct opreq *r)
{
	for (size_t i = 0; i < t->n; i++) {
		struct opreq *q = &t->q[i];

		if (now - q->first_ns >= (uint64_t)OPREQ_WAIT_MS * NSEC_PER_MSEC) {
			take(t, i, r);
			return OPREQ_EXPIRED;
		}
		if (now - q->sent_ns >= (uint64_t)OPREQ_RESEND_MS * NSEC_PER_MSEC) {
			q->sent_ns = now;
			*r = *q;
			return OPREQ_RESEND;
		}
	}
	return OPREQ_NONE;
}

int opreq_pop(struct opreq_table *t, struct opreq *r)
{
	if (!t->n)
		return 0;
	take(t, 0, r);
	return 1;
}
