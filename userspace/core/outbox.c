// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* outbox.c - the leader's delivery rules for the notification outbox. */
#include <stdio.h>
#include <string.h>

#include "outbox.h"

#define NS_PER_MS 1000000ULL

const char *notify_result_name(enum notify_result r)
{
	static const char *const names[] = {"delivered", "duplicate", "host_unknown", "rejected",
					    "retry"};

	return (unsigned)r < NOTIFY_RESULTS ? names[r] : "?";
}

void outbox_sender_init(struct outbox_sender *s, uint32_t retry_min_ms, uint32_t retry_max_ms)
{
	memset(s, 0, sizeof(*s));
	s->retry_min_ms = retry_min_ms ? retry_min_ms : 1;
	s->retry_max_ms = retry_max_ms < s->retry_min_ms ? s->retry_min_ms : retry_max_ms;
}

const struct outbox_attempt *outbox_attempt(const struct outbox_sender *s, uint64_t id)
{
	for (size_t i = 0; i < s->nattempts; i++)
		if (s->attempts[i].outbox_id == id)
			return &s->attempts[i];
	return NULL;
}

/* The record of entry id, made if there is none. */
static struct outbox_attempt *attempt_for(struct outbox_sender *s, uint64_t id)
{
	struct outbox_attempt *a = (struct outbox_attempt *)outbox_attempt(s, id);

	if (a)
		return a;
	if (s->nattempts == OUTBOX_TRACKED) {
		/* Forget the oldest record (its entry was delivered long ago). */
		memmove(&s->attempts[0], &s->attempts[1],
			(OUTBOX_TRACKED - 1) * sizeof(s->attempts[0]));
		s->nattempts--;
	}
	a = &s->attempts[s->nattempts++];
	memset(a, 0, sizeof(*a));
	a->outbox_id = id;
	return a;
}

const struct fsm_outbox *outbox_next(struct outbox_sender *s, const struct fsm *f, uint64_t now)
{
	for (size_t i = 0; i < f->noutbox; i++) {
		const struct fsm_outbox *o = &f->outbox[i];
		const struct outbox_attempt *a;

		/* A STOPPED of a fencing verdict waits for its committed "fenced". */
		if (o->status != OUTBOX_PENDING || fsm_fence_needed(o))
			continue;
		a = outbox_attempt(s, o->id);
		if (!a || now >= a->next_ns)
			return o;
	}
	return NULL;
}

int outbox_answer(struct outbox_sender *s, uint64_t id, enum notify_result r, const char *message,
		  uint64_t now, uint32_t rnd)
{
	struct outbox_attempt *a = attempt_for(s, id);

	a->tries++;
	a->last = r;
	snprintf(a->message, sizeof(a->message), "%s", message ? message : "");
	s->sent_by_result[r]++;
	if (r == NOTIFY_DELIVERED || r == NOTIFY_DUPLICATE) {
		/* Masakari has it: no resend while "delivered" commits. */
		a->next_ns = now + OUTBOX_COMMIT_WAIT_NS;
		return 1;
	}
	a->backoff_ms = a->backoff_ms ? a->backoff_ms * 2 : s->retry_min_ms;
	if (a->backoff_ms > s->retry_max_ms)
		a->backoff_ms = s->retry_max_ms;
	/* +-25 % jitter so servers that change leader do not align. */
	a->next_ns = now + (a->backoff_ms * 3 / 4 + rnd % (a->backoff_ms / 2 + 1)) * NS_PER_MS;
	return 0;
}
