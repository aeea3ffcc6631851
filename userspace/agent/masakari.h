/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * masakari.h - a blocking client for OpenStack Masakari's notification API,
 * with Keystone v3 password authentication. It runs on a worker thread
 * (notifier.c), never on the agent's event loop.
 */
#ifndef VIGIL_MASAKARI_H
#define VIGIL_MASAKARI_H

#include <stdint.h>

#include "config.h"
#include "outbox.h"

/* What one notification carries (docs/operations.md explains host_status). */
struct mk_notification {
	char hostname[64];
	char event[16];		 /* STOPPED or STARTED */
	char cluster_status[16]; /* OFFLINE or ONLINE */
	char host_status[16];	 /* NORMAL or UNKNOWN */
	char generated_time[64]; /* UTC, "YYYY-MM-DDTHH:MM:SS.ffffff", as sent */
	char entry_time[32];	 /* the entry's own time, "YYYY-MM-DDTHH:MM:SS": Masakari
				  * holds this entry if it holds a notification of the host
				  * with this payload generated since then */
};

struct mk_reply {
	long http_status;  /* 0 if no HTTP answer */
	char uuid[64];	   /* notification_uuid on 202 */
	char message[512]; /* why, for logs and `vigil status` */
};

struct mk_client {
	struct mk_config cfg;
	char token[8192];	    /* cached Keystone token */
	uint64_t token_expires;	    /* CLOCK_REALTIME ns; renewed 5 min before */
	char endpoint[256];	    /* instance-ha endpoint from the catalog (or cfg.url) */
	char compute_endpoint[256]; /* Nova's, from the same catalog ("" if none) */
	uint64_t auth_count;	    /* Keystone authentications done (for tests and metrics) */
};

void mk_client_init(struct mk_client *c, const struct mk_config *cfg);
/* Send one notification. Never blocks longer than about 2 * timeout_ms. */
enum notify_result mk_send(struct mk_client *c, const struct mk_notification *n,
			   struct mk_reply *r);
/* A fresh Keystone token in c->token (renew: a new one even if the cached
 * one has not expired, after a 401). 0 (also without auth_url), or -1 with
 * the reason in err. Nova's force_down (nova.c) shares it. */
int mk_authenticate(struct mk_client *c, int renew, char *err, size_t errsz);
/* One request to an OpenStack API (url absolute, or a path "/..." of
 * Masakari's endpoint) with the client's token
 * (a 401 renews it and tries once more), TLS options and timeout; version
 * is an OpenStack-API-Version value ("compute 2.53") or NULL. 0 with the
 * answer in resp (httpc_resp_free it), or -1 with the reason in msg. */
struct httpc_resp;
int mk_request(struct mk_client *c, const char *method, const char *url, const char *version,
	       const char *body, struct httpc_resp *resp, char *msg, size_t n);
/* "HTTP 409: <the error's message>" of an answer, into out. */
void mk_answer_text(const struct httpc_resp *resp, char *out, size_t n);
/* Build n for host at the given UTC time (ns since the epoch): the outbox
 * entry's generated_at. */
void mk_notification_init(struct mk_notification *n, const char *host, int stopped,
			  int power_off_confirmed, uint64_t realtime_ns);
/* Send n with another generated_time (the time of sending, once Masakari's
 * duplicate window blocked the entry's own); it keeps its entry_time. */
void mk_notification_sent_at(struct mk_notification *n, uint64_t realtime_ns);

#endif /* VIGIL_MASAKARI_H */
