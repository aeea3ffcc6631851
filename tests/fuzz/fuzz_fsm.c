// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * fuzz_fsm.c - the replicated state machine as libraft drives it
 * (userspace/core/raft_fsm.c over fsm.c): log entries applied, and snapshots
 * restored, whatever bytes the log or the snapshot holds.
 *
 * Input: a control byte, then lines. If ctl & 1, the first line is a
 * snapshot, restored through the FSM's restore; every other line is a log
 * entry (a JSON command), padded with NULs to 8 bytes as libraft stores it,
 * applied through the FSM's apply. Checked after each step: states and
 * statuses are known values, outbox ids are below the next id and, from
 * commands alone, unique (a duplicate id would let "delivered" mark the
 * wrong notification), a failed host is marked failed; and at the end a
 * snapshot of the state restores to the same state with every host and
 * notification.
 */
#include <jansson.h>
#include <raft.h>

#include "fuzz.h"
#include "fsm.h"
#include "raft_fsm.h"

#define MAX_LINES 256

/* strict: the state came from commands alone, not from a snapshot of
 * unknown origin (which may say a host is failed and not marked so, or
 * list a notification twice: fsm_load takes a snapshot as written). */
static void check(const struct fsm *f, int strict)
{
	for (size_t i = 0; i < f->nhosts; i++) {
		const struct fsm_host *h = &f->hosts[i];

		FZ_CHECK(h->state <= FSM_LEFT, "host %08x state %d", h->id, h->state);
		FZ_CHECK(!strict || h->state != FSM_FAILED || h->failed,
			 "host %08x failed but not marked", h->id);
		FZ_CHECK(memchr(h->name, 0, sizeof(h->name)) &&
				 memchr(h->hostname, 0, sizeof(h->hostname)),
			 "host names unterminated");
	}
	for (size_t i = 0; i < f->noutbox; i++) {
		const struct fsm_outbox *o = &f->outbox[i];

		FZ_CHECK(o->status <= OUTBOX_CANCELLED, "outbox %llu status %d",
			 (unsigned long long)o->id, o->status);
		/* (a snapshot's id -1 reads as 2^64 - 1: no id is above it) */
		FZ_CHECK(o->id < f->next_outbox_id || o->id == UINT64_MAX,
			 "outbox id %llu, next %llu", (unsigned long long)o->id,
			 (unsigned long long)f->next_outbox_id);
		for (size_t j = 0; strict && j < i; j++)
			FZ_CHECK(f->outbox[j].id != o->id, "outbox id %llu twice",
				 (unsigned long long)o->id);
	}
}

/* libraft hands restore a buffer it allocated: the FSM takes it over when
 * it restores it, and leaves it to libraft when it refuses it. */
static int restore(struct raft_fsm *rf, const void *text, size_t len)
{
	struct raft_buffer b = {.base = raft_malloc(len ? len : 1), .len = len};
	int rc;

	if (!b.base)
		return RAFT_NOMEM;
	memcpy(b.base, text, len);
	rc = rf->restore(rf, &b);
	if (rc)
		raft_free(b.base);
	return rc;
}

static void apply(struct raft_fsm *rf, const void *cmd, size_t len)
{
	struct raft_buffer b = {.len = (len + 8) & ~(size_t)7};
	void *result = NULL;

	b.base = calloc(1, b.len);
	if (!b.base)
		return;
	memcpy(b.base, cmd, len);
	FZ_CHECK(!rf->apply(rf, &b, &result), "apply failed: a bad entry must be skipped");
	free(b.base);
}

/* The state's snapshot restores to the same state, every entry included. */
static void snapshot_round_trip(struct raft_fsm *rf, const struct fsm *f, int strict)
{
	struct raft_buffer *bufs = NULL;
	struct raft_fsm rf2;
	struct fsm f2;
	unsigned n = 0;
	char *a, *b;

	FZ_CHECK(!rf->snapshot(rf, &bufs, &n) && n == 1, "snapshot failed");
	fsm_init(&f2);
	raft_fsm_init(&rf2, &f2);
	FZ_CHECK(!rf2.restore(&rf2, &bufs[0]), "own snapshot refused: %.*s", (int)bufs[0].len,
		 (const char *)bufs[0].base);
	raft_free(bufs);
	a = fsm_dump(f);
	b = fsm_dump(&f2);
	FZ_CHECK(a && b && !strcmp(a, b), "snapshot %s restores as %s", a, b ? b : "(null)");
	FZ_CHECK(f2.nhosts == f->nhosts && f2.noutbox == f->noutbox,
		 "snapshot lost entries: %zu of %zu hosts, %zu of %zu notifications", f2.nhosts,
		 f->nhosts, f2.noutbox, f->noutbox);
	check(&f2, strict);
	free(a);
	free(b);
	fsm_free(&f2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz in = {data, size};
	struct raft_fsm rf;
	struct fsm f;
	uint8_t ctl = fz_u8(&in);

	fsm_init(&f);
	raft_fsm_init(&rf, &f);
	for (int line = 0; in.n && line < MAX_LINES; line++) {
		const uint8_t *nl = memchr(in.p, '\n', in.n);
		size_t want = nl ? (size_t)(nl - in.p) : in.n, len;
		const uint8_t *p = fz_take(&in, want, &len);

		fz_u8(&in); /* the newline */
		if (line == 0 && (ctl & 1)) {
			int rc = restore(&rf, p, len);

			FZ_CHECK(rc == 0 || rc == RAFT_MALFORMED, "restore: %d", rc);
		} else {
			apply(&rf, p, len);
		}
		check(&f, !(ctl & 1));
	}
	snapshot_round_trip(&rf, &f, !(ctl & 1));
	fsm_free(&f);
	return 0;
}
