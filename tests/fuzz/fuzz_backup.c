// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * fuzz_backup.c - a snapshot file as `vigil operator snapshot restore`
 * reads it (userspace/core/backup.c: backup_decode, over fsm.c's
 * fsm_check), and the restore the leader then proposes, applied to a
 * decided state that has a history of its own (fsm_cmd_restore).
 *
 * Input: a control byte, then the file. With ctl & 1 the file, if it is a
 * JSON object, is fixed up first as a genuine one of this cluster would be
 * (format 1, the cluster id of docs/protocol.md section 13, the sha256 of
 * its "state"), so the fuzzer reaches the state's checks and the restore.
 * Checked: a refusal says why and hands back no state; what is taken
 * loads, saves again and reads back to the same state; the restore applies
 * (never skipped as malformed) and keeps what cannot be undone: every
 * notification Masakari had stays delivered under its id, notification
 * ids stay unique and below the next, no request taken is taken again,
 * the audit list ends with the restore, and the result is itself a state
 * fsm_check takes (a backup of it restores too).
 */
#include <jansson.h>

#include "backup.h"
#include "fsm.h"
#include "fuzz.h"

#define T0 1764547200000000000ULL /* 2025-12-01, as docs/protocol.md 13.5 */

/* A decided state with a history: a delivered notification (id 1), one
 * pending (id 2), a request taken from hv1, a host forgotten. */
static void current_state(struct fsm *f)
{
	struct fsm_request rq = {FZ_PEER, 1764547200, 7, "hv1", "decommissioned", T0};
	char *cmds[] = {
		fsm_cmd_member(1, "hv-a", "compute-a", "10.0.0.1:7301"),
		fsm_cmd_member(2, "hv-b", "compute-b", "10.0.0.2:7301"),
		fsm_cmd_member(3, "hv-c", "compute-c", ""),
		fsm_cmd_verdict(1, T0, 0, 2),
		fsm_cmd_delivered(1, "88657e4d-0c61-4a9e-a1b6-6c4b3f1d2e01", "delivered"),
		fsm_cmd_verdict(2, T0 + 1, 0, 2),
		fsm_cmd_left(3),
		fsm_cmd_forget(3, &rq),
	};

	fsm_init(f);
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		FZ_CHECK(cmds[i] && !fsm_apply(f, cmds[i], strlen(cmds[i])), "setup: %s",
			 cmds[i] ? cmds[i] : "(null)");
		free(cmds[i]);
	}
}

/* ctl & 1: the file as a genuine one would be, if it is a JSON object. */
static char *fix_up(const char *text)
{
	json_t *doc = json_loads(text, 0, NULL), *st;
	char hex[BACKUP_SHA256_HEX], *s, *out;

	if (!json_is_object(doc)) {
		json_decref(doc);
		return NULL;
	}
	json_object_set_new(doc, "vigil_snapshot", json_integer(BACKUP_FORMAT));
	json_object_set_new(doc, "cluster_id", json_integer(FZ_CLUSTER));
	st = json_object_get(doc, "state");
	s = st ? json_dumps(st, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
	if (s && !backup_sha256(s, hex))
		json_object_set_new(doc, "sha256", json_string(hex));
	free(s);
	out = json_dumps(doc, JSON_COMPACT);
	json_decref(doc);
	return out;
}

/* Taken state loads, is saved again, and reads back the same. */
static void round_trip(const char *state)
{
	struct backup_meta m = {.cluster = "az1", .cluster_id = FZ_CLUSTER, .node = "hv2"};
	char err[512], *doc, *back, *a, *b;
	struct backup_meta m2;
	struct fsm f, g;

	fsm_init(&f);
	fsm_init(&g);
	FZ_CHECK(!fsm_load(&f, state), "a checked state does not load: %s", state);
	a = fsm_dump(&f);
	FZ_CHECK(a && !fsm_check(a, err, sizeof(err)), "a loaded state dumps as one refused: %s",
		 err);
	doc = backup_encode(&f, &m);
	FZ_CHECK(doc, "no document");
	FZ_CHECK(!backup_decode(doc, FZ_CLUSTER, &m2, &back, err, sizeof(err)),
		 "a saved state is refused: %s", err);
	FZ_CHECK(m2.hosts == f.nhosts && m2.notifications == f.noutbox, "counts changed");
	FZ_CHECK(!fsm_load(&g, back), "the saved state does not load");
	b = fsm_dump(&g);
	FZ_CHECK(b && !strcmp(a, b), "state %s saved reads back as %s", a, b ? b : "(null)");
	free(a);
	free(b);
	free(doc);
	free(back);
	fsm_free(&f);
	fsm_free(&g);
}

/* Does state hold a notification id (or the next) so near FSM_ID_MAX
 * that the ids a restore hands out run out? */
static int ids_near_end(const char *state)
{
	json_t *st = json_loads(state, 0, NULL), *v;
	json_int_t top = json_integer_value(json_object_get(st, "next_outbox_id"));
	size_t i;

	json_array_foreach(json_object_get(st, "outbox"), i, v)
	{
		if (json_integer_value(json_object_get(v, "id")) > top)
			top = json_integer_value(json_object_get(v, "id"));
	}
	json_decref(st);
	return (uint64_t)top > FSM_ID_MAX - 64;
}

/* The restore, applied to a state with its own history. */
static void restore(const char *state)
{
	char *cmd = fsm_cmd_restore(state, "hv2", "fuzzed", T0 + 5), *text, err[512];
	struct fsm cur, f;

	current_state(&cur);
	current_state(&f);
	FZ_CHECK(cmd, "no restore command for a checked state");
	if (fsm_apply(&f, cmd, strlen(cmd))) {
		/* skipped only when the ids the merge hands out run out */
		FZ_CHECK(f.next_outbox_id == cur.next_outbox_id && ids_near_end(state),
			 "a checked state's restore is skipped");
		free(cmd);
		fsm_free(&cur);
		fsm_free(&f);
		return;
	}
	free(cmd);
	for (size_t i = 0; i < f.noutbox; i++) {
		FZ_CHECK(f.outbox[i].id < f.next_outbox_id, "notification id %llu, next %llu",
			 (unsigned long long)f.outbox[i].id, (unsigned long long)f.next_outbox_id);
		for (size_t j = 0; j < i; j++)
			FZ_CHECK(f.outbox[j].id != f.outbox[i].id, "notification id %llu twice",
				 (unsigned long long)f.outbox[i].id);
	}
	for (size_t i = 0; i < cur.noutbox; i++) {
		const struct fsm_outbox *o = fsm_outbox_get(&f, cur.outbox[i].id);

		if (cur.outbox[i].status == OUTBOX_DELIVERED)
			FZ_CHECK(
				o && o->status == OUTBOX_DELIVERED &&
					o->host_id == cur.outbox[i].host_id &&
					!strcmp(o->uuid, cur.outbox[i].uuid),
				"notification %llu Masakari has is not delivered after the restore",
				(unsigned long long)cur.outbox[i].id);
	}
	for (size_t i = 0; i < cur.nmaint_marks; i++) {
		const struct fsm_maint_mark *m = &cur.maint_marks[i];

		FZ_CHECK(!fsm_maint_newer(&f, m->sender, m->epoch, m->seq),
			 "a request taken before the restore would be taken again");
	}
	FZ_CHECK(f.next_outbox_id >= cur.next_outbox_id, "notification ids went back");
	FZ_CHECK(f.naudit && !strcmp(f.audit[f.naudit - 1].action, "restore") &&
			 !strcmp(f.audit[f.naudit - 1].by, "hv2"),
		 "the restore is not the audit list's last entry");
	text = fsm_dump(&f);
	FZ_CHECK(text && !fsm_check(text, err, sizeof(err)),
		 "the restored state is not one a backup of it could restore: %s", err);
	free(text);
	fsm_free(&cur);
	fsm_free(&f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text, *fixed = NULL, *state = (char *)"x", err[512] = "";
	struct backup_meta m;
	uint8_t ctl;

	if (size < 1)
		return 0;
	ctl = data[0];
	/* The CLI reads the file as text: it ends at the first NUL. */
	text = malloc(size);
	if (!text)
		return 0;
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	if ((ctl & 1) && (fixed = fix_up(text))) {
		free(text);
		text = fixed;
	}
	if (backup_decode(text, FZ_CLUSTER, &m, &state, err, sizeof(err))) {
		FZ_CHECK(!state && *err, "a refusal without a reason, or with a state");
	} else {
		FZ_CHECK(state && !fsm_check(state, err, sizeof(err)),
			 "a state taken that fsm_check refuses: %s", err);
		round_trip(state);
		restore(state);
		free(state);
	}
	free(text);
	return 0;
}
