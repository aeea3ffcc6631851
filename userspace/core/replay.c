// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* replay.c - per-sender replay protection for REPORT and MAINT. */
#include <stdlib.h>

#include "replay.h"
#include "vigil_abi.h"

int replay_newer(uint64_t epoch, uint64_t seq, uint64_t last_epoch, uint64_t last_seq)
{
	return epoch > last_epoch || (epoch == last_epoch && seq > last_seq);
}

enum replay_result replay_check(struct replay *f, uint32_t sender, uint64_t epoch, uint64_t seq,
				uint64_t now_s)
{
	size_t i;

	if (epoch > now_s + VIGIL_EPOCH_AHEAD_S)
		return REPLAY_FUTURE;
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
		f->e[f->n].epoch = 0;
		f->e[f->n].seq = 0;
		f->n++;
	}
	if (!replay_newer(epoch, seq, f->e[i].epoch, f->e[i].seq))
		return REPLAY_REPLAY;
	f->e[i].epoch = epoch;
	f->e[i].seq = seq;
	return REPLAY_OK;
}

const char *replay_result_name(enum replay_result r)
{
	static const char *const names[] = {"ok", "replay", "future", "full"};

	return (unsigned)r < REPLAY_RESULTS ? names[r] : "?";
}

void replay_free(struct replay *f)
{
	free(f->e);
	f->e = NULL;
	f->n = f->cap = 0;
}
