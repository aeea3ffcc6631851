// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * fuzz_shb.c - storage heartbeat records (core/shb.c): shb_decode on what a
 * server reads from another host's file on the shared storage, and the
 * reader's tracker (shb_tracker_scan, shb_evidence) on what decodes.
 *
 * Input: a control byte, then
 *   ctl & SEAL == 0  the file's bytes, as they are;
 *   ctl & SEAL       a body (up to its first newline) that the harness
 *                    seals as a record with the key of slot 0, or of slot 1
 *                    if ctl & NEXT, so the fuzzer reaches the JSON behind
 *                    the MAC.
 * Checked: shb_decode answers one of its four results; a sealed body is
 * never refused for its MAC; what decodes has fields that fit and a node
 * name wire_name_valid takes, and seals, decodes and names its file the
 * same again; the tracker reads an advancing record as its state says,
 * an unchanged one as silent once the stale time passed, another cluster's
 * never.
 */
#include "fuzz.h"
#include "shb.h"

#define SEAL 0x01
#define NEXT 0x02

#define MS	 1000000ULL
#define INTERVAL 1000 /* storage_heartbeat_interval_ms */

static int terminated(const char *s, size_t size)
{
	return memchr(s, '\0', size) != NULL;
}

static int same_record(const struct shb_record *a, const struct shb_record *b)
{
	return a->cluster_id == b->cluster_id && !strcmp(a->node, b->node) &&
	       !strcmp(a->hostname, b->hostname) && !strcmp(a->boot_id, b->boot_id) &&
	       a->epoch == b->epoch && a->counter == b->counter && a->time_ns == b->time_ns &&
	       !strcmp(a->state, b->state);
}

/* The evidence a record read advancing at now gives, by its state. */
static enum fence_evidence advancing(const struct shb_record *r)
{
	if (!strcmp(r->state, "vms-stopped"))
		return FENCE_EV_STOPPED;
	return !strcmp(r->state, "isolated") ? FENCE_EV_ISOLATED : FENCE_EV_RUNNING;
}

/* A decoded record through the tracker: unknown before it is seen to
 * change, its state's evidence while it advances, silent once it stops. */
static void track(const struct shb_record *r)
{
	struct shb_tracker t;
	struct shb_record next = *r;
	uint64_t now = 1000 * MS;

	shb_tracker_init(&t, INTERVAL, now);
	FZ_CHECK(shb_evidence(&t, r->node, now) == FENCE_EV_UNKNOWN, "before any scan: %s",
		 fence_evidence_name(shb_evidence(&t, r->node, now)));
	shb_tracker_scan(&t, r, 1, 0, now);
	FZ_CHECK(shb_evidence(&t, r->node, now) == FENCE_EV_UNKNOWN, "seen once: %s",
		 fence_evidence_name(shb_evidence(&t, r->node, now)));
	next.counter++;
	now += INTERVAL * MS;
	shb_tracker_scan(&t, &next, 1, 0, now);
	FZ_CHECK(shb_evidence(&t, r->node, now) == advancing(r), "advancing, state \"%s\": %s",
		 r->state, fence_evidence_name(shb_evidence(&t, r->node, now)));
	for (int i = 0; i <= SHB_STALE_ROUNDS; i++) {
		now += INTERVAL * MS;
		shb_tracker_scan(&t, &next, 1, 0, now);
	}
	FZ_CHECK(shb_evidence(&t, r->node, now) == FENCE_EV_SILENT, "unchanged: %s",
		 fence_evidence_name(shb_evidence(&t, r->node, now)));
	/* a directory that cannot be read any more tells nothing */
	shb_tracker_failed(&t);
	now += (SHB_STALE_ROUNDS + 1) * INTERVAL * MS;
	FZ_CHECK(shb_evidence(&t, r->node, now) == FENCE_EV_UNREADABLE, "unreadable: %s",
		 fence_evidence_name(shb_evidence(&t, r->node, now)));
	shb_tracker_free(&t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vigil_keyring kr;
	struct shb_record r, back;
	char buf[SHB_RECORD_LEN], again[SHB_RECORD_LEN], name[SHB_NAME_MAX + 8];
	const char *in;
	size_t len;
	int rc, sealed = 0;

	if (size < 1)
		return 0;
	fz_keyring(&kr);
	in = (const char *)data + 1;
	len = size - 1;
	if (data[0] & SEAL) {
		const char *nl = memchr(in, '\n', len);

		len = nl ? (size_t)(nl - in) : len;
		sealed = !shb_seal(in, len, &kr, data[0] & NEXT ? 1 : 0, buf);
		if (!sealed)
			return 0; /* too long for a record */
		in = buf;
		len = sizeof(buf);
	}

	rc = shb_decode(in, len, &kr, FZ_CLUSTER, &r);
	FZ_CHECK(rc == 0 || rc == -1 || rc == -2 || rc == -3, "shb_decode returned %d", rc);
	FZ_CHECK(!sealed || rc != -2, "a record sealed with slot %d refused for its MAC",
		 data[0] & NEXT ? 1 : 0);
	if (rc == -1 || rc == -2)
		return 0;
	FZ_CHECK(rc == 0 || r.cluster_id != FZ_CLUSTER, "-3 for our own cluster");
	FZ_CHECK(terminated(r.node, sizeof(r.node)) && terminated(r.hostname, sizeof(r.hostname)) &&
			 terminated(r.boot_id, sizeof(r.boot_id)) &&
			 terminated(r.state, sizeof(r.state)),
		 "a field unterminated");
	FZ_CHECK(r.node[0] && wire_name_valid(r.node), "node name \"%s\" taken", r.node);

	/* What decodes is what its writer wrote: encoded again, it decodes the same. */
	FZ_CHECK(!shb_encode(&r, &kr, again), "a decoded record does not encode (node \"%s\")",
		 r.node);
	FZ_CHECK(shb_decode(again, sizeof(again), &kr, r.cluster_id, &back) == 0,
		 "a re-encoded record does not decode");
	FZ_CHECK(same_record(&r, &back), "a record changed by a round trip");

	/* Its file name stays in the directory. */
	shb_file_name(r.node, name, sizeof(name));
	FZ_CHECK(!strchr(name, '/') && strcmp(name, SHB_SUFFIX) &&
			 strlen(name) > strlen(SHB_SUFFIX) &&
			 !strcmp(name + strlen(name) - strlen(SHB_SUFFIX), SHB_SUFFIX),
		 "file name \"%s\" for node \"%s\"", name, r.node);

	if (rc == 0)
		track(&r);
	return 0;
}
