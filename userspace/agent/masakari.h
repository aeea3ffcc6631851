/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * masakari.h - a blocking client for OpenStack Masakari's notification API,
 * with Keystone v3 password authentication: send a notification, and find
 * one that was sent before. It runs on a worker thread (notifier.c), never
 * on the agent's event loop.
 */
#ifndef VIGIL_MASAKARI_H
#define VIGIL_MASAKARI_H

#include <stdint.h>

#include "config.h"
#include "httpc.h"
#include "outbox.h"

/* What one notification carries (docs/operations.md explains host_status). */
struct mk_notification {
	char hostname[64];
	char event[16];		 /* STOPPED or STARTED */
	char cluster_status[16]; /* OFFLINE or ONLINE */
	char host_status[16];	 /* NORMAL or UNKNOWN */
	char generated_time[64]; /* UTC, "YYYY-MM-DDTHH:MM:SS.ffffff", fixed per notification */
	char sent_time[64];	 /* ... sent instead ("" = none): the time of sending, once
				  * Masakari's duplicate window blocked the entry's own */
};

struct mk_reply {
	long http_status;  /* 0 if no HTTP answer */
	char uuid[64];	   /* notification_uuid on 202, or of the one found */
	char message[512]; /* why, for logs and `vigil status` */
};

/* A Masakari host as a lookup resolved it (GET /segments, …/hosts?name=). */
struct mk_host_ref {
	char name[64];
	char uuid[64];
	char segment[128]; /* its segment's name, for the operator's command */
};
#define MK_HOSTS_CACHED 32

struct mk_client {
	struct mk_config cfg;
	char token[8192];	    /* cached Keystone token */
	uint64_t token_expires;	    /* CLOCK_REALTIME ns; renewed 5 min before */
	char endpoint[256];	    /* instance-ha endpoint from the catalog (or cfg.url) */
	char compute_endpoint[256]; /* Nova's, from the same catalog ("" if none) */
	uint64_t auth_count;	    /* Keystone authentications done (for tests and metrics) */
	struct mk_host_ref hosts[MK_HOSTS_CACHED]; /* host uuids resolved (lookups) */
	unsigned nhosts, next_host;		   /* how many; the slot to reuse next */
};

void mk_client_init(struct mk_client *c, const struct mk_config *cfg);
/* Send one notification. Never blocks longer than about 2 * timeout_ms. */
enum notify_result mk_send(struct mk_client *c, const struct mk_notification *n,
			   struct mk_reply *r);
/* Find n in Masakari (GET /v1/notifications of its host and type,
 * generated since a second before n's generated_time, matched on
 * generated_time at the precision Masakari stored it and on the payload's
 * event): 1 found (uuid and what it is in r), 0 not there, -1 cannot tell
 * (r->message says why). The host's uuid is resolved once and cached. */
int mk_find(struct mk_client *c, const struct mk_notification *n, struct mk_reply *r);
/* The name of the segment a lookup found host in, or "" (not resolved yet). */
const char *mk_host_segment(const struct mk_client *c, const char *host);
/* One request to Masakari (url: a path "/..." of its endpoint), Nova or
 * anything else behind the same Keystone token: authenticates first if needed, once more after a
 * 401. extra: more "Name: value" headers, NULL-terminated (or NULL). 0 with the answer in resp
 * (free it), -1 with the reason in err (resp->sent: the request went out). */
int mk_request(struct mk_client *c, const char *method, const char *url, const char *body,
	       const char *const *extra, struct httpc_resp *resp, char *err, size_t errsz);
/* A fresh Keystone token in c->token (renew: a new one even if the cached
 * one has not expired, after a 401). 0 (also without auth_url), or -1 with
 * the reason in err. Nova's force_down (nova.c) shares it. */
int mk_authenticate(struct mk_client *c, int renew, char *err, size_t errsz);
/* "HTTP 409: <the error's message>" of an answer, into out. */
void mk_answer_text(const struct httpc_resp *resp, char *out, size_t n);
/* Build n for host at the given UTC time (ns since the epoch): the outbox
 * entry's generated_at. */
void mk_notification_init(struct mk_notification *n, const char *host, int stopped,
			  int power_off_confirmed, uint64_t realtime_ns);
/* Send n with the time of sending as its generated_time (Masakari's
 * duplicate window blocked the entry's own, NOTIFY_BLOCKED); mk_find then
 * takes a notification of it generated since the entry's time as n. */
void mk_notification_sent_at(struct mk_notification *n, uint64_t realtime_ns);

#endif /* VIGIL_MASAKARI_H */
