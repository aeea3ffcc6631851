/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * api.h - the agent's HTTP API (libmicrohttpd, its own thread). It never
 * touches the event loop's data: a request for a text the loop renders
 * (/v1/members, /v1/status, /metrics) asks the loop for it and waits, at
 * most API_WAIT_MS, for the loop to publish it into an api_state under its
 * lock (api_answer); a loop that does not answer in time gets the last text
 * it rendered served, said to be stale, and no request waits for it again
 * until it has answered. Changes are handed to the loop through callbacks
 * that only queue them, or, when only the loop knows their outcome, as an
 * api_call it answers (bounded as well).
 */
#ifndef VIGIL_API_H
#define VIGIL_API_H

#include <pthread.h>
#include <stdint.h>

/* How long a request waits for the loop to render the text it asks for. */
#define API_WAIT_MS 1000

/* The texts the loop renders on request. */
enum api_doc {
	API_MEMBERS = 0, /* GET /v1/members */
	API_STATUS,	 /* GET /v1/status */
	API_METRICS,	 /* GET /metrics */
	API_DOCS,
};

struct api_text {
	char *text;		  /* the last one rendered (malloc'd); NULL before the first */
	uint64_t rendered_ns;	  /* CLOCK_MONOTONIC when */
	uint64_t asked, answered; /* requests for it made; served by a render */
};

/* What the loop and the HTTP threads share, under lock. */
struct api_state {
	pthread_mutex_t lock;
	pthread_cond_t answered; /* the loop published what was asked */
	struct api_text doc[API_DOCS];
	int loop_late;		/* a request timed out; the loop has not answered since */
	uint64_t answers;	/* api_answer() calls: the loop ran */
	uint64_t metrics_stale; /* /metrics requests served a stale text */
	int stopping;		/* /v1/health answers 503 */
};

/* A request the event loop answers while the HTTP thread waits (bounded):
 * an operator's command whose outcome only the loop knows. The HTTP thread
 * makes it, hands it over with api_ops.call, and waits; the loop answers
 * with api_call_answer. Whichever lets go last frees it, so a loop that
 * answers after the wait gave up writes into live memory. */
#define API_CALL_WAIT_MS 5000
#define API_UPLOAD_MAX	 (16u << 20) /* the largest request body taken (a snapshot) */
struct api_call {
	char op[32];   /* what is asked: "remove-peer", "forget", "maintenance",
			* "snapshot-save", "snapshot-restore" */
	char arg[128]; /* whom it is about */
	char reason[256];
	int on;	     /* maintenance: on or off; snapshot-save: stale */
	char *input; /* the request's body (NUL-terminated), or NULL */
	/* the answer */
	unsigned code; /* HTTP status */
	char *body;    /* JSON text (malloc'd) */
	/* hand-over (under api_state.lock) */
	int refs, done;
	pthread_cond_t cond;
};
/* The loop's answer: code and a JSON body (taken over). */
struct json_t;
void api_call_answer(struct api_state *st, struct api_call *c, unsigned code, struct json_t *body);
/* ... with the body as JSON text (malloc'd, taken over; NULL: out of memory). */
void api_call_answer_text(struct api_state *st, struct api_call *c, unsigned code, char *text);

/* What the API asks of the agent (called from the HTTP thread). */
struct api_ops {
	/* hand a call to the loop (which must answer it, even when stopping);
	 * 0, -EBUSY (queue full) or -ESHUTDOWN (stopping) */
	int (*call)(void *ctx, struct api_call *c);
	/* leave the cluster gracefully and exit */
	void (*leave)(void *ctx);
	/* texts are asked for: wake the loop, which calls api_answer */
	void (*render)(void *ctx);
	void *ctx;
};

struct api_server;

void api_state_init(struct api_state *st);
/* From the loop: render each text asked for since the last call (every
 * text if all), publish it and wake the requests waiting for it. render
 * returns the text (malloc'd; NULL keeps the last one). */
void api_answer(struct api_state *st, char *(*render)(void *ctx, enum api_doc d), void *ctx,
		int all);
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
