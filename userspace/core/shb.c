// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* shb.c - storage heartbeat records and the reader's tracker. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "shb.h"
#include "vigil_siphash.h"

#define NS_PER_MS 1000000ULL
#define MAC_LEN	  16
#define MAC_TAG	  "mac="

static const char kdf_context[] = "vigil storage heartbeat v1";

/* The MAC of text under slot's key: BLAKE2b-128 keyed with a key derived
 * from the cluster key (never the SipHash key itself). */
static void mac(const struct vigil_keyring *kr, int slot, const char *text, size_t len,
		uint8_t out[MAC_LEN])
{
	uint8_t cluster_key[VIGIL_KEY_LEN], key[32];

	vigil_store_le64(cluster_key, kr->slot[slot].k0);
	vigil_store_le64(cluster_key + 8, kr->slot[slot].k1);
	crypto_generichash(key, sizeof(key), (const uint8_t *)kdf_context, sizeof(kdf_context) - 1,
			   cluster_key, sizeof(cluster_key));
	crypto_generichash(out, MAC_LEN, (const uint8_t *)text, len, key, sizeof(key));
	sodium_memzero(cluster_key, sizeof(cluster_key));
	sodium_memzero(key, sizeof(key));
}

int shb_seal(const char *body, size_t len, const struct vigil_keyring *kr, int slot, char *out)
{
	uint8_t m[MAC_LEN];
	char hex[2 * MAC_LEN + 1];
	size_t tail = 1 + strlen(MAC_TAG) + 2 * MAC_LEN + 1; /* "\nmac=HEX\n" */

	if (slot < 0 || slot >= VIGIL_KEY_SLOTS || !kr->slot[slot].valid ||
	    memchr(body, '\n', len) || len + tail >= SHB_RECORD_LEN)
		return -1;
	mac(kr, slot, body, len, m);
	sodium_bin2hex(hex, sizeof(hex), m, sizeof(m));
	memset(out, ' ', SHB_RECORD_LEN);
	memcpy(out, body, len);
	snprintf(out + len, tail + 1, "\n" MAC_TAG "%s\n", hex);
	out[len + tail] = ' '; /* (snprintf's NUL) */
	out[SHB_RECORD_LEN - 1] = '\n';
	return 0;
}

int shb_encode(const struct shb_record *r, const struct vigil_keyring *kr, char *out)
{
	json_t *j = json_pack("{s:i, s:I, s:s, s:s, s:s, s:I, s:I, s:I, s:s}", "v", 1, "cluster",
			      (json_int_t)r->cluster_id, "node", r->node, "hostname", r->hostname,
			      "boot", r->boot_id, "epoch", (json_int_t)r->epoch, "counter",
			      (json_int_t)r->counter, "time", (json_int_t)r->time_ns, "state",
			      r->state);
	char *body = j ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	int rc = body ? shb_seal(body, strlen(body), kr, 0, out) : -1;

	json_decref(j);
	free(body);
	return rc;
}

/* The string member k of o into dst: 0, or -1 if it does not fit. A record
 * holds what its writer's own fields held, so a longer string is no record
 * of vigil's (cut, it could end inside a character). */
static int jcopy(char *dst, size_t size, json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	size_t n = s ? strlen(s) : 0;

	if (n >= size)
		return -1;
	memcpy(dst, s ? s : "", n + 1);
	return 0;
}

int shb_decode(const char *buf, size_t len, const struct vigil_keyring *kr, uint32_t cluster_id,
	       struct shb_record *r)
{
	const char *nl = memchr(buf, '\n', len), *tag;
	uint8_t want[MAC_LEN], got[MAC_LEN];
	size_t body_len;
	int ok = 0;
	json_t *j;

	if (!nl)
		return -1;
	body_len = (size_t)(nl - buf);
	tag = nl + 1;
	if ((size_t)(tag - buf) + strlen(MAC_TAG) + 2 * MAC_LEN > len ||
	    memcmp(tag, MAC_TAG, strlen(MAC_TAG)) ||
	    sodium_hex2bin(want, sizeof(want), tag + strlen(MAC_TAG), 2 * MAC_LEN, NULL, NULL,
			   NULL))
		return -1;
	for (int i = 0; i < VIGIL_KEY_SLOTS && !ok; i++) {
		if (!kr->slot[i].valid)
			continue;
		mac(kr, i, buf, body_len, got);
		ok = !sodium_memcmp(got, want, sizeof(got));
	}
	if (!ok)
		return -2;
	j = json_loadb(buf, body_len, 0, NULL);
	if (!json_is_object(j) || json_integer_value(json_object_get(j, "v")) != 1) {
		json_decref(j);
		return -1;
	}
	memset(r, 0, sizeof(*r));
	r->cluster_id = (uint32_t)json_integer_value(json_object_get(j, "cluster"));
	r->epoch = (uint64_t)json_integer_value(json_object_get(j, "epoch"));
	r->counter = (uint64_t)json_integer_value(json_object_get(j, "counter"));
	r->time_ns = (uint64_t)json_integer_value(json_object_get(j, "time"));
	ok = !jcopy(r->node, sizeof(r->node), j, "node") &&
	     !jcopy(r->hostname, sizeof(r->hostname), j, "hostname") &&
	     !jcopy(r->boot_id, sizeof(r->boot_id), j, "boot") &&
	     !jcopy(r->state, sizeof(r->state), j, "state");
	json_decref(j);
	if (!ok || !r->node[0] || !wire_name_valid(r->node))
		return -1;
	return r->cluster_id == cluster_id ? 0 : -3;
}

void shb_file_name(const char *node, char *out, size_t n)
{
	size_t o = 0;

	for (; *node && o + sizeof(SHB_SUFFIX) < n; node++)
		out[o++] = isalnum((unsigned char)*node) || strchr("._-", *node) ? *node : '_';
	snprintf(out + o, n - o, "%s", SHB_SUFFIX);
}

/* ---- tracker ------------------------------------------------------------------------------- */

uint64_t shb_stale_ns(uint32_t interval_ms)
{
	/* written every interval and read every interval: a live writer is
	 * seen to change at least every two; four leave room for jitter, and
	 * the floor for a storage whose fsync stalls under load */
	uint64_t ms = (uint64_t)SHB_STALE_ROUNDS * interval_ms;

	return (ms > SHB_STALE_MIN_MS ? ms : SHB_STALE_MIN_MS) * NS_PER_MS;
}

void shb_tracker_init(struct shb_tracker *t, uint32_t interval_ms, uint64_t now)
{
	memset(t, 0, sizeof(*t));
	t->stale_ns = shb_stale_ns(interval_ms);
	t->started_ns = now;
}

void shb_tracker_free(struct shb_tracker *t)
{
	free(t->hosts);
	t->hosts = NULL;
	t->n = 0;
}

const struct shb_host *shb_tracker_host(const struct shb_tracker *t, const char *node)
{
	for (size_t i = 0; t && i < t->n; i++)
		if (!strcmp(t->hosts[i].rec.node, node))
			return &t->hosts[i];
	return NULL;
}

static int same(const struct shb_record *a, const struct shb_record *b)
{
	return a->counter == b->counter && a->epoch == b->epoch &&
	       !strcmp(a->boot_id, b->boot_id) && !strcmp(a->state, b->state);
}

void shb_tracker_scan(struct shb_tracker *t, const struct shb_record *recs, size_t n, uint64_t bad,
		      uint64_t now)
{
	t->scans_ok++;
	t->scan_ok_ns = now;
	t->failing = 0;
	t->bad_records += bad;
	for (size_t i = 0; i < n; i++) {
		struct shb_host *h = (struct shb_host *)shb_tracker_host(t, recs[i].node);

		if (!h) {
			h = realloc(t->hosts, (t->n + 1) * sizeof(*h));
			if (!h)
				return;
			t->hosts = h;
			h = &t->hosts[t->n++];
			memset(h, 0, sizeof(*h));
			h->rec = recs[i];
			h->seen_ns = now; /* whether it advances is yet to be seen */
		} else if (!same(&h->rec, &recs[i])) {
			h->rec = recs[i];
			h->changed_ns = now;
		}
		h->read_ns = now;
	}
}

void shb_tracker_failed(struct shb_tracker *t)
{
	t->scans_failed++;
	t->failing = 1;
}

/* Was "when" longer than the stale time before now? */
static int older(const struct shb_tracker *t, uint64_t when, uint64_t now)
{
	return now > when && now - when > t->stale_ns;
}

enum fence_evidence shb_evidence(const struct shb_tracker *t, const char *node, uint64_t now)
{
	const struct shb_host *h;

	if (!t)
		return FENCE_EV_NONE;
	if (!t->scan_ok_ns || older(t, t->scan_ok_ns, now))
		return t->failing && older(t, t->started_ns, now) ? FENCE_EV_UNREADABLE
								  : FENCE_EV_UNKNOWN;
	h = shb_tracker_host(t, node);
	if (!h)
		return older(t, t->started_ns, now) ? FENCE_EV_NO_RECORD : FENCE_EV_UNKNOWN;
	if (h->changed_ns && !older(t, h->changed_ns, now)) {
		if (!strcmp(h->rec.state, "vms-stopped"))
			return FENCE_EV_STOPPED;
		return !strcmp(h->rec.state, "isolated") ? FENCE_EV_ISOLATED : FENCE_EV_RUNNING;
	}
	/* Never seen to change: silent only once watched long enough. */
	if (!h->changed_ns && !older(t, h->seen_ns, now))
		return FENCE_EV_UNKNOWN;
	return FENCE_EV_SILENT;
}
