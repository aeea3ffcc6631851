// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* outbox.c - the leader's delivery rules for the notification outbox. */
#include <stdio.h>
#include <string.h>

#include "outbox.h"
#include "util.h"

const char *notify_result_name(enum notify_result r)
{
	static const char *const names[] = {"delivered",    "duplicate", "found",
					    "host_unknown", "rejected",	 "on_maintenance",
					    "blocked",	    "uncertain", "retry"};

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
	if (r != NOTIFY_ON_MAINTENANCE && r != NOTIFY_DUPLICATE)
		return r;
	/* Masakari sets on_maintenance when it processes a host's STOPPED:
	 * ours, sent earlier, or the refusal of a second failure? A duplicate
	 * of ours, or of the host's previous failure within Masakari's window? */
	found = ops->find(ctx);
	if (found)
		return found < 0 ? NOTIFY_RETRY : r == NOTIFY_DUPLICATE ? r : NOTIFY_FOUND;
	return r == NOTIFY_DUPLICATE ? NOTIFY_BLOCKED : r;
}

/* Is a notification of f waiting for this leader to deliver it? */
static int to_deliver(const struct fsm *f)
{
	for (size_t i = 0; i < f->noutbox; i++)
		if (f->outbox[i].status == OUTBOX_PENDING && !fsm_fence_needed(&f->outbox[i]))
			return 1;
	return 0;
}

int outbox_transfer_due(const struct outbox_sender *s, const struct fsm *f, uint64_t now)
{
	return s->run >= OUTBOX_TRANSFER_FAILURES && to_deliver(f) &&
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
		if (o->status != OUTBOX_PENDING || fsm_fence_needed(o) ||
		    (s->wait && s->wait(s->wait_ctx, o->hostname)))
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
	/* Masakari's window (on generated_time) covers the host's previous
	 * failure: only a later time gets this one past it. */
	if (r == NOTIFY_BLOCKED)
		a->fresh_time = 1;
	/* +-25 % jitter so servers that change leader do not align. */
	a->next_ns = backoff_next(&a->backoff_ms, s->retry_min_ms, s->retry_max_ms, now, rnd);
	return 0;
}
