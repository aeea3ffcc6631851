/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * api.h - the agent's HTTP API (libmicrohttpd, its own thread). It never
 * touches the event loop's data: the loop publishes JSON texts into an
 * api_state under its lock, and the API hands requests back through
 * callbacks that only queue them.
 */
#ifndef VIGIL_API_H
#define VIGIL_API_H

#include <pthread.h>
#include <stdint.h>

/* What the loop publishes for the HTTP thread. */
struct api_state {
	pthread_mutex_t lock;
	char *members;	       /* GET /v1/members */
	char *status;	       /* GET /v1/status */
	char *metrics;	       /* GET /metrics */
	int stopping;	       /* /v1/health answers 503 */
	uint64_t published_ns; /* monotonic time of the last api_publish() */
};

/* /v1/health answers 503 "stalled" when the loop has not published (every
 * 100 ms) for this long: as long as a peer waits to call an agent stalled
 * (agent_stall_ms' default). */
#define API_STALL_MS 2000

/* A request the event loop answers while the HTTP thread waits (bounded):
 * an operator's command whose outcome only the loop knows. The HTTP thread
 * makes it, hands it over with api_ops.call, and waits; the loop answers
 * with api_call_answer. Whichever lets go last frees it, so a loop that
 * answers after the wait gave up writes into live memory. */
#define API_CALL_WAIT_MS 5000
struct api_call {
	char op[32];   /* what is asked: "remove-peer", "forget", "maintenance" */
	char arg[128]; /* whom it is about */
	char reason[256];
	int on; /* maintenance: on or off */
	/* the answer */
	unsigned code; /* HTTP status */
	char body[1024];
	/* hand-over (under api_state.lock) */
	int refs, done;
	pthread_cond_t cond;
};
/* The loop's answer: code and a JSON body (taken over). */
struct json_t;
void api_call_answer(struct api_state *st, struct api_call *c, unsigned code, struct json_t *body);

/* What the API asks of the agent (called from the HTTP thread). */
struct api_ops {
	/* hand a call to the loop (which must answer it, even when stopping);
	 * 0, -EBUSY (queue full) or -ESHUTDOWN (stopping) */
	int (*call)(void *ctx, struct api_call *c);
	/* queue a maintenance request; 0, -EINVAL (bad host) or -EBUSY (queue full) */
	int (*maintenance)(void *ctx, const char *host, int on);
	/* leave the cluster gracefully and exit */
	void (*leave)(void *ctx);
	void *ctx;
};

struct api_server;

void api_state_init(struct api_state *st);
/* Replace the published texts (taken over; a NULL metrics keeps the old one). */
void api_publish(struct api_state *st, char *members, char *status, char *metrics);
void api_state_free(struct api_state *st);

/* The token requests that change something must carry (X-Vigil-Token), read
 * from path, or made there (random, mode 0600) if it does not exist. 0, or
 * -1 (logged). */
#define API_TOKEN_MAX 128
int api_token_load(const char *path, char token[API_TOKEN_MAX]);

/* Listen on addr (key names it in messages). metrics_only serves /metrics and
 * /v1/health alone; token is what mutating requests must carry. NULL
 * (logged) on failure. */
struct api_server *api_start(const char *key, const char *addr, int metrics_only, const char *token,
			     struct api_state *st, const struct api_ops *ops);
void api_stop(struct api_server *s);

#endif /* VIGIL_API_H */
