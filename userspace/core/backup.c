// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* backup.c - the decided state as a snapshot file, and back (backup.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "backup.h"
#include "util.h"

/* The SHA-256 of state, as hex (backup_sha256). */
static int state_digest(json_t *state, char hex[BACKUP_SHA256_HEX])
{
	unsigned char d[crypto_hash_sha256_BYTES];
	char *text = json_dumps(state, JSON_COMPACT | JSON_SORT_KEYS);

	_Static_assert(BACKUP_SHA256_HEX == 2 * crypto_hash_sha256_BYTES + 1, "hex of SHA-256");
	if (!text)
		return -1;
	crypto_hash_sha256(d, (const unsigned char *)text, strlen(text));
	free(text);
	sodium_bin2hex(hex, BACKUP_SHA256_HEX, d, sizeof(d));
	return 0;
}

int backup_sha256(const char *state, char hex[BACKUP_SHA256_HEX])
{
	json_t *st = json_loads(state, 0, NULL);
	int rc = st ? state_digest(st, hex) : -1;

	json_decref(st);
	return rc;
}

char *backup_encode(const struct fsm *f, const struct backup_meta *m)
{
	char hex[BACKUP_SHA256_HEX], t[40], *s = fsm_dump(f), *out = NULL;
	json_t *state = s ? json_loads(s, 0, NULL) : NULL, *doc;

	free(s);
	if (!state || state_digest(state, hex)) {
		json_decref(state);
		return NULL;
	}
	utc_format(m->time_ns, 6, 1, t, sizeof(t));
	doc = json_pack("{s:i, s:s, s:I, s:s, s:I, s:I, s:s, s:I, s:I, s:I, s:s, s:o}",
			"vigil_snapshot", BACKUP_FORMAT, "cluster", m->cluster, "cluster_id",
			(json_int_t)m->cluster_id, "node", m->node, "term", (json_int_t)m->term,
			"index", (json_int_t)m->index, "time", t, "time_ns", (json_int_t)m->time_ns,
			"hosts", (json_int_t)f->nhosts, "notifications", (json_int_t)f->noutbox,
			"sha256", hex, "state", state);
	if (doc)
		out = json_dumps(doc, JSON_INDENT(1));
	json_decref(doc);
	return out;
}

static const char *str(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "";
}

int backup_decode(const char *text, uint32_t cluster_id, struct backup_meta *m, char **state,
		  char *err, size_t errsz)
{
	char hex[BACKUP_SHA256_HEX], why[256];
	json_error_t je;
	json_t *doc = json_loads(text, 0, &je), *st;
	int rc = -1;

	*state = NULL;
	memset(m, 0, sizeof(*m));
	if (!doc) {
		snprintf(err, errsz, "not a vigil snapshot: not JSON (line %d: %s)", je.line,
			 je.text);
		return -1;
	}
	st = json_object_get(doc, "state");
	snprintf(m->cluster, sizeof(m->cluster), "%s", str(doc, "cluster"));
	snprintf(m->node, sizeof(m->node), "%s", str(doc, "node"));
	m->cluster_id = (uint32_t)json_integer_value(json_object_get(doc, "cluster_id"));
	m->term = (uint64_t)json_integer_value(json_object_get(doc, "term"));
	m->index = (uint64_t)json_integer_value(json_object_get(doc, "index"));
	m->time_ns = (uint64_t)json_integer_value(json_object_get(doc, "time_ns"));
	if (!json_is_integer(json_object_get(doc, "vigil_snapshot")) || !json_is_object(st))
		snprintf(err, errsz, "not a vigil snapshot (no \"vigil_snapshot\" and \"state\")");
	else if (json_integer_value(json_object_get(doc, "vigil_snapshot")) != BACKUP_FORMAT)
		snprintf(err, errsz, "a snapshot of format %lld; this vigil reads format %d",
			 (long long)json_integer_value(json_object_get(doc, "vigil_snapshot")),
			 BACKUP_FORMAT);
	else if (m->cluster_id != cluster_id)
		snprintf(err, errsz,
			 "a snapshot of cluster \"%s\" (id %u), not of this one (id %u): refused",
			 m->cluster, m->cluster_id, cluster_id);
	else if (state_digest(st, hex) || strcmp(hex, str(doc, "sha256")))
		snprintf(err, errsz,
			 "the state does not match its sha256: the file is damaged or was edited");
	else if (!(*state = json_dumps(st, JSON_COMPACT)))
		snprintf(err, errsz, "out of memory");
	else if (fsm_check(*state, why, sizeof(why)) == 0)
		rc = 0;
	else
		snprintf(err, errsz, "the state is not one vigil can restore: %s", why);
	if (rc) {
		free(*state);
		*state = NULL;
	} else {
		m->hosts = json_array_size(json_object_get(st, "hosts"));
		m->notifications = json_array_size(json_object_get(st, "outbox"));
	}
	json_decref(doc);
	return rc;
}
