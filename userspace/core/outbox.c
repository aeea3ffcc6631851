// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* outbox.c - the leader's delivery rules for the notification outbox. */
#include <stdio.h>
#include <string.h>

#include "outbox.h"

#define NS_PER_MS 1000000ULL

const char *notify_result_name(enum notify_result r)
{
	static const char *const names[] = {"delivered",    "duplicate", "found",
					    "host_unknown", "rejected",	 "on_maintenance",
					    "uncertain",    "retry"};

	return (unsigned)r < NOTIFY_RESULTS ? names[r] : "?";
}

int notify_delivered(enum notify_result r)
{
	return r == NOTIFY_DELIVERED || r == NOTIFY_DUPLICATE || r == NOTIFY_FOUND;
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
	a->unsure = 1; /* never tried here, not known as this leader's own */
	return a;
}

void outbox_lead(struct outbox_sender *s)
{
	s->nattempts = 0;
	s->run = 0;
}

void outbox_created(struct outbox_sender *s, uint64_t id)
{
	struct outbox_attempt *a = attempt_for(s, id);

	if (!a->tries)
		a->unsure = 0;
}

int outbox_unsure(const struct outbox_sender *s, uint64_t id)
{
	const struct outbox_attempt *a = outbox_attempt(s, id);

	return !a || a->unsure;
}

enum notify_result outbox_deliver(const struct outbox_ops *ops, void *ctx, int unsure)
{
	enum notify_result r;
	int found;

	if (unsure) {
		found = ops->find(ctx);
		if (found)
			return found > 0 ? NOTIFY_FOUND : NOTIFY_RETRY;
	}
	r = ops->send(ctx);
	if (r != NOTIFY_ON_MAINTENANCE)
		return r;
	/* Masakari sets on_maintenance when it processes a host's STOPPED:
	 * ours, sent earlier, or the refusal of a second failure? */
	found = ops->find(ctx);
	return found > 0 ? NOTIFY_FOUND : found ? NOTIFY_RETRY : NOTIFY_ON_MAINTENANCE;
}

int outbox_transfer_due(const struct outbox_sender *s, uint64_t now)
{
	return s->run >= OUTBOX_TRANSFER_FAILURES &&
	       now - s->run_since_ns >= OUTBOX_TRANSFER_AFTER_NS &&
	       (!s->transferred || now - s->transferred_ns >= OUTBOX_TRANSFER_QUIET_NS);
}

void outbox_transferred(struct outbox_sender *s, uint64_t now)
{
	s->transferred = 1;
	s->transferred_ns = now;
	s->transfers++;
	s->run = 0;
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
	/* Only this leader's path failing counts toward handing leadership
	 * over; any answer from Masakari proves the path works. */
	if (r == NOTIFY_RETRY || r == NOTIFY_UNCERTAIN) {
		if (!s->run++)
			s->run_since_ns = now;
	} else {
		s->run = 0;
	}
	if (notify_delivered(r)) {
		/* Masakari has it: no resend while "delivered" commits; should
		 * it not commit, look the entry up rather than send it again. */
		a->unsure = 1;
		a->next_ns = now + OUTBOX_COMMIT_WAIT_NS;
		return 1;
	}
	/* An answer to a send made after any lookup needed: Masakari refused
	 * it, so it does not hold it. A RETRY leaves what we knew. */
	if (r == NOTIFY_UNCERTAIN)
		a->unsure = 1;
	else if (r != NOTIFY_RETRY)
		a->unsure = 0;
	a->backoff_ms = a->backoff_ms ? a->backoff_ms * 2 : s->retry_min_ms;
	if (a->backoff_ms > s->retry_max_ms)
		a->backoff_ms = s->retry_max_ms;
	/* +-25 % jitter so servers that change leader do not align. */
	a->next_ns = now + (a->backoff_ms * 3 / 4 + rnd % (a->backoff_ms / 2 + 1)) * NS_PER_MS;
	return 0;
}
