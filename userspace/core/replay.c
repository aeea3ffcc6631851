// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* replay.c - per-sender replay protection for REPORT and MAINT. */
#include <stdlib.h>

#include "replay.h"

enum replay_result replay_check(struct replay *f, uint32_t sender, uint64_t sent_ns,
				uint64_t now_ns, uint64_t window_ns)
{
	uint64_t skew = sent_ns > now_ns ? sent_ns - now_ns : now_ns - sent_ns;
	size_t i;

	if (skew > window_ns)
		return REPLAY_CLOCK;
	for (i = 0; i < f->n; i++)
		if (f->e[i].sender == sender)
			break;
	if (i == f->n) {
		if (f->n == REPLAY_MAX_SENDERS)
			return REPLAY_FULL;
		if (f->n == f->cap) {
			size_t cap = f->cap ? 2 * f->cap : 16;
			void *e = realloc(f->e, cap * sizeof(*f->e));

			if (!e)
				return REPLAY_FULL;
			f->e = e;
			f->cap = cap;
		}
		f->e[f->n].sender = sender;
		f->e[f->n].last_ns = 0;
		f->n++;
	}
	if (sent_ns <= f->e[i].last_ns)
		return REPLAY_REPLAY;
	f->e[i].last_ns = sent_ns;
	return REPLAY_OK;
}

const char *replay_result_name(enum replay_result r)
{
	static const char *const names[] = {"ok", "replay", "clock", "full"};

	return (unsigned)r < sizeof(names) / sizeof(names[0]) ? names[r] : "?";
}

void replay_free(struct replay *f)
{
	free(f->e);
	f->e = NULL;
	f->n = f->cap = 0;
}
