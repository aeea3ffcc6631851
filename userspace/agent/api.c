// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * api.c - the agent's HTTP API. libmicrohttpd serves it from its own thread;
 * the event loop renders the texts when a request asks (api_state, under a
 * lock), so a slow or hostile client can never stall failure detection, and
 * a loop that stalls delays a request by API_WAIT_MS at most.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <microhttpd.h>
#include <sodium.h>

#include "config.h"
#include "api.h"
#include "log.h"
#include "prom.h"
#include "util.h"
#include "wire.h"

struct api_server {
	struct MHD_Daemon *d;
	struct api_state *st;
	struct api_ops ops;
	int metrics_only; /* the metrics_addr listener: /metrics and /v1/health */
	char token[API_TOKEN_MAX];
};

int api_token_load(const char *path, char token[API_TOKEN_MAX])
{
	unsigned char raw[24];
	long n = file_read(path, token, API_TOKEN_MAX);
	int rc;

	if (n > 0) {
		token[strcspn(token, "\r\n")] = '\0';
		if (strlen(token) >= 16)
			return 0;
		log_err("the API token in %s is shorter than 16 characters", path);
		return -1;
	}
	if (n != -ENOENT) {
		log_err("cannot read the API token %s: %s", path, strerror((int)-n));
		return -1;
	}
	randombytes_buf(raw, sizeof(raw));
	base64_encode(raw, sizeof(raw), token);
	strcat(token, "\n");
	rc = file_replace(path, token, strlen(token), 0600);
	token[strcspn(token, "\n")] = '\0';
	if (rc) {
		log_err("cannot write the API token %s: %s", path, strerror(-rc));
		return -1;
	}
	log_info("made the API token %s (mode 0600)", path);
	return 0;
}

/* Does the request carry the token? Compared in constant time. */
static int authorized(struct api_server *s, struct MHD_Connection *c)
{
	const char *t = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Vigil-Token");
	size_t n = strlen(s->token);

	return t && strlen(t) == n && sodium_memcmp(t, s->token, n) == 0;
}

/* The HTTP threads wait for the loop on condition variables of
 * CLOCK_MONOTONIC, until wait_until(ms): a clock step cannot stretch a wait. */
static void cond_init(pthread_cond_t *c)
{
	pthread_condattr_t ca;

	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(c, &ca);
	pthread_condattr_destroy(&ca);
}

static struct timespec wait_until(unsigned ms)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	t.tv_sec += ms / 1000;
	t.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (t.tv_nsec >= 1000000000L) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000L;
	}
	return t;
}

void api_state_init(struct api_state *st)
{
	memset(st, 0, sizeof(*st));
	pthread_mutex_init(&st->lock, NULL);
	cond_init(&st->answered);
}

void api_answer(struct api_state *st, char *(*render)(void *ctx, enum api_doc d), void *ctx,
		int all)
{
	uint64_t upto[API_DOCS];
	char *text[API_DOCS] = {NULL};
	int want[API_DOCS];

	pthread_mutex_lock(&st->lock);
	for (int d = 0; d < API_DOCS; d++) {
		upto[d] = st->doc[d].asked;
		want[d] = all || upto[d] > st->doc[d].answered;
	}
	pthread_mutex_unlock(&st->lock);
	/* Rendered outside the lock: the HTTP threads keep serving the rest. */
	for (int d = 0; d < API_DOCS; d++)
		if (want[d])
			text[d] = render(ctx, (enum api_doc)d);
	pthread_mutex_lock(&st->lock);
	for (int d = 0; d < API_DOCS; d++) {
		struct api_text *t = &st->doc[d];

		if (!want[d])
			continue;
		if (text[d]) {
			free(t->text);
			t->text = text[d];
			t->rendered_ns = now_mono_ns();
		}
		if (upto[d] > t->answered)
			t->answered = upto[d];
	}
	st->loop_late = 0;
	st->answers++;
	pthread_cond_broadcast(&st->answered);
	pthread_mutex_unlock(&st->lock);
}

void api_state_free(struct api_state *st)
{
	for (int d = 0; d < API_DOCS; d++) {
		free(st->doc[d].text);
		st->doc[d].text = NULL;
	}
}

static enum MHD_Result reply_typed(struct MHD_Connection *c, unsigned code, const char *body,
				   const char *type);

static enum MHD_Result reply(struct MHD_Connection *c, unsigned code, const char *body)
{
	return reply_typed(c, code, body, "application/json");
}

static enum MHD_Result reply_error(struct MHD_Connection *c, unsigned code, const char *msg)
{
	char body[256];

	snprintf(body, sizeof(body), "{\"error\": \"%s\"}", msg);
	return reply(c, code, body);
}

static enum MHD_Result reply_typed(struct MHD_Connection *c, unsigned code, const char *body,
				   const char *type)
{
	struct MHD_Response *r =
		MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_MUST_COPY);
	enum MHD_Result ret;

	MHD_add_response_header(r, "Content-Type", type);
	ret = MHD_queue_response(c, code, r);
	MHD_destroy_response(r);
	return ret;
}

/*
 * Wake the loop and wait until *done reaches want, at most API_WAIT_MS, and
 * not at all while the loop is known to be late (a request timed out and
 * it has not answered since: a stalled loop costs each request nothing).
 * Called and returns with st->lock held; 1 if it came.
 */
static int wait_loop(struct api_server *s, const uint64_t *done, uint64_t want)
{
	struct api_state *st = s->st;
	struct timespec until;

	s->ops.render(s->ops.ctx);
	if (st->loop_late)
		return 0;
	until = wait_until(API_WAIT_MS);
	while (*done < want)
		if (pthread_cond_timedwait(&st->answered, &st->lock, &until) == ETIMEDOUT &&
		    *done < want) {
			st->loop_late = 1;
			return 0;
		}
	return 1;
}

/* Ask the loop for a fresh text d and wait for it (wait_loop); 1 if fresh. */
static int ask_loop(struct api_server *s, enum api_doc d)
{
	struct api_text *t = &s->st->doc[d];

	return wait_loop(s, &t->answered, ++t->asked);
}

/* /metrics ends with what only the HTTP thread knows: whether the loop
 * answered this scrape, and how old the samples are. */
static char *metrics_text(struct api_state *st, int fresh, double age_s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	fputs(st->doc[API_METRICS].text ? st->doc[API_METRICS].text : "", f);
	prom_metric(f, "vigil_metrics_stale", "gauge",
		    "1 if the event loop did not answer this request in time (it stalled): the "
		    "samples are the last it rendered.",
		    !fresh);
	prom_metric(f, "vigil_metrics_age_seconds", "gauge",
		    "Time since the event loop rendered these samples.", age_s);
	prom_metric(f, "vigil_metrics_stale_total", "counter",
		    "Requests for /metrics served a stale text: the event loop did not answer "
		    "in time.",
		    (double)st->metrics_stale);
	fclose(f);
	return buf;
}

/* A text the loop renders, fresh if the loop answers in time; else the last
 * one, with Age and "Warning: 110" (RFC 7234: the response is stale). */
static enum MHD_Result reply_rendered(struct MHD_Connection *c, struct api_server *s,
				      enum api_doc d, const char *type)
{
	struct api_state *st = s->st;
	struct MHD_Response *r;
	enum MHD_Result ret;
	char *body, age[32];
	double age_s;
	int fresh;

	pthread_mutex_lock(&st->lock);
	fresh = ask_loop(s, d);
	if (!fresh && d == API_METRICS)
		st->metrics_stale++;
	age_s = st->doc[d].rendered_ns ? (double)(now_mono_ns() - st->doc[d].rendered_ns) / 1e9 : 0;
	if (d == API_METRICS)
		body = metrics_text(st, fresh, age_s);
	else
		body = strdup(st->doc[d].text ? st->doc[d].text : "null");
	pthread_mutex_unlock(&st->lock);
	if (!body)
		return reply_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
	r = MHD_create_response_from_buffer(strlen(body), body, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, "Content-Type", type);
	if (!fresh) {
		snprintf(age, sizeof(age), "%.0f", age_s);
		MHD_add_response_header(r, "Age", age);
		MHD_add_response_header(r, "Warning", "110 - \"Response is Stale\"");
	}
	ret = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

/*
 * 200 while the event loop runs; 503 while leaving, or when the loop does not
 * answer within API_WAIT_MS (at once while it is known to be late): failure
 * detection, reports and Raft stand still then, while this thread still
 * answers (and the kernel still answers probes, so peers see the host
 * "agent stalled", not dead).
 */
static enum MHD_Result health(struct MHD_Connection *c, struct api_server *s)
{
	struct api_state *st = s->st;
	uint64_t t0 = now_mono_ns();
	const char *why = "";
	char body[160];

	pthread_mutex_lock(&st->lock);
	if (st->stopping)
		why = "leaving";
	else if (!wait_loop(s, &st->answers, st->answers + 1))
		why = "stalled";
	pthread_mutex_unlock(&st->lock);
	snprintf(body, sizeof(body), "{\"healthy\": %s, \"reason\": \"%s\", \"loop_ms\": %llu}",
		 *why ? "false" : "true", why,
		 (unsigned long long)((now_mono_ns() - t0) / NSEC_PER_MSEC));
	return reply(c, *why ? MHD_HTTP_SERVICE_UNAVAILABLE : MHD_HTTP_OK, body);
}

static void call_release(struct api_call *call)
{
	if (--call->refs == 0) {
		pthread_cond_destroy(&call->cond);
		free(call->input);
		free(call->body);
		free(call);
	}
}

void api_call_answer_text(struct api_state *st, struct api_call *c, unsigned code, char *text)
{
	pthread_mutex_lock(&st->lock);
	c->code = text ? code : MHD_HTTP_INTERNAL_SERVER_ERROR;
	c->body = text;
	c->done = 1;
	pthread_cond_signal(&c->cond);
	call_release(c);
	pthread_mutex_unlock(&st->lock);
}

void api_call_answer(struct api_state *st, struct api_call *c, unsigned code, json_t *body)
{
	char *s = body ? json_dumps(body, JSON_COMPACT) : NULL;

	json_decref(body);
	api_call_answer_text(st, c, code, s);
}

/* A request's body, collected (only where an endpoint takes one). */
struct upload {
	char *buf;
	size_t len;
	int too_big; /* more than API_UPLOAD_MAX: refused */
};

/* Ask the loop, wait at most API_CALL_WAIT_MS for its answer, reply it.
 * input (the request's body, or NULL) is taken over. */
static enum MHD_Result call_loop(struct api_server *s, struct MHD_Connection *c, const char *op,
				 const char *arg, int on, char *input)
{
	const char *reason = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "reason");
	struct api_call *call;
	struct timespec until;
	enum MHD_Result ret;
	int rc;

	if (reason && (!wire_name_valid(reason) || strlen(reason) > VIGIL_REASON_MAX)) {
		free(input);
		return reply_error(c, MHD_HTTP_BAD_REQUEST,
				   "bad reason (UTF-8, no control characters, at most 200 bytes)");
	}
	call = calloc(1, sizeof(*call));
	if (!call) {
		free(input);
		return reply_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, "out of memory");
	}
	snprintf(call->op, sizeof(call->op), "%s", op);
	snprintf(call->arg, sizeof(call->arg), "%s", arg);
	snprintf(call->reason, sizeof(call->reason), "%s", reason ? reason : "");
	call->on = on;
	call->input = input;
	call->refs = 2;
	cond_init(&call->cond);
	rc = s->ops.call(s->ops.ctx, call);
	if (rc) {
		pthread_cond_destroy(&call->cond);
		free(call->input);
		free(call);
		return reply_error(c, MHD_HTTP_SERVICE_UNAVAILABLE,
				   rc == -ESHUTDOWN ? "the agent is stopping"
						    : "too many requests in flight, retry");
	}
	until = wait_until(API_CALL_WAIT_MS);
	pthread_mutex_lock(&s->st->lock);
	while (!call->done)
		if (pthread_cond_timedwait(&call->cond, &s->st->lock, &until))
			break;
	if (call->done)
		ret = reply(c, call->code,
			    call->body ? call->body : "{\"error\": \"out of memory\"}");
	else
		ret = reply_error(c, MHD_HTTP_GATEWAY_TIMEOUT,
				  "the agent did not answer in time; check `vigil status`");
	call_release(call);
	pthread_mutex_unlock(&s->st->lock);
	return ret;
}

/* A request that changes something came without the token. */
static enum MHD_Result forbidden(struct MHD_Connection *c)
{
	return reply_error(c, MHD_HTTP_FORBIDDEN,
			   "X-Vigil-Token missing or wrong (the token is in the agent's "
			   "api_token_file; the CLI sends it)");
}

/* A host or server name from a URL: a clean name (wire_name_valid) of
 * fewer than 64 bytes, nothing that would cut a path or a JSON string. */
static int name_ok(const char *s)
{
	return *s && strlen(s) < 64 && !strpbrk(s, "/\\\"") && wire_name_valid(s);
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
			      const char *method, const char *version, const char *upload,
			      size_t *upload_size, void **con_cls)
{
	struct api_server *s = cls;
	int put_snapshot = !strcmp(url, "/v1/operator/snapshot") && !strcmp(method, "PUT");
	/* a body is kept only for a request with the token: no one else makes
	 * the agent hold 16 MiB (the others' is dropped as it comes) */
	int takes_body = put_snapshot && !s->metrics_only && authorized(s, c);
	struct upload *up;
	char *input;

	(void)version;
	sched_thread_normal(); /* (HTTP never competes with the loop) */
	if (!*con_cls) {
		/* First call for this request: headers only. */
		*con_cls = takes_body ? calloc(1, sizeof(struct upload)) : (void *)c;
		return *con_cls ? MHD_YES : MHD_NO;
	}
	up = takes_body ? *con_cls : NULL;
	if (*upload_size) {
		/* Only the snapshot takes a body; every other is dropped. */
		if (up && !up->too_big && up->len + *upload_size <= API_UPLOAD_MAX) {
			char *b = realloc(up->buf, up->len + *upload_size + 1);

			if (b) {
				memcpy(b + up->len, upload, *upload_size);
				up->buf = b;
				up->len += *upload_size;
				b[up->len] = '\0';
			} else {
				up->too_big = 1;
			}
		} else if (up) {
			up->too_big = 1;
		}
		*upload_size = 0;
		return MHD_YES;
	}
	if (s->metrics_only && strcmp(url, "/metrics") && strcmp(url, "/v1/health"))
		return reply_error(c, MHD_HTTP_NOT_FOUND, "only /metrics and /v1/health here");
	/* What changes something takes PUT or DELETE, never a browser's
	 * simple request, and the token: a local user without it, or a web
	 * page, cannot turn HA off or stop the agent. */
	if (!strcmp(url, "/v1/agent/leave")) {
		if (strcmp(method, "PUT"))
			return reply_error(c, MHD_HTTP_METHOD_NOT_ALLOWED, "use PUT");
		if (!authorized(s, c))
			return forbidden(c);
		s->ops.leave(s->ops.ctx);
		return reply(c, MHD_HTTP_OK,
			     "{\"leaving\": true, \"status\": \"leave broadcast; the agent "
			     "exits\"}");
	}
	if (!strncmp(url, "/v1/maintenance/", 16) || !strncmp(url, "/v1/forget/", 11)) {
		int forget = url[4] == 'f', on = !strcmp(method, "PUT");
		const char *host = url + (forget ? 11 : 16);

		if (forget ? !on : !on && strcmp(method, "DELETE"))
			return reply_error(c, MHD_HTTP_METHOD_NOT_ALLOWED,
					   forget ? "use PUT" : "use PUT or DELETE");
		if (!authorized(s, c))
			return forbidden(c);
		if (!name_ok(host))
			return reply_error(c, MHD_HTTP_BAD_REQUEST, "bad host name");
		return call_loop(s, c, forget ? "forget" : "maintenance", host, on && !forget,
				 NULL);
	}
	if (!strcmp(url, "/v1/operator/snapshot")) {
		int save = !strcmp(method, "GET");

		if (!save && !put_snapshot)
			return reply_error(c, MHD_HTTP_METHOD_NOT_ALLOWED, "use GET or PUT");
		if (!authorized(s, c))
			return forbidden(c);
		if (save) {
			const char *stale =
				MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "stale");

			return call_loop(s, c, "snapshot-save", "", stale && !strcmp(stale, "1"),
					 NULL);
		}
		if (up->too_big)
			return reply_error(c, MHD_HTTP_CONTENT_TOO_LARGE,
					   "snapshot larger than 16 MiB, or out of memory");
		if (!up->len)
			return reply_error(c, MHD_HTTP_BAD_REQUEST,
					   "no snapshot in the request's body");
		input = up->buf;
		up->buf = NULL;
		return call_loop(s, c, "snapshot-restore", "", 0, input);
	}
	if (!strncmp(url, "/v1/operator/raft/peer/", 23)) {
		const char *who = url + 23;

		if (strcmp(method, "DELETE"))
			return reply_error(c, MHD_HTTP_METHOD_NOT_ALLOWED, "use DELETE");
		if (!authorized(s, c))
			return forbidden(c);
		if (!name_ok(who))
			return reply_error(c, MHD_HTTP_BAD_REQUEST, "bad server name");
		return call_loop(s, c, "remove-peer", who, 0, NULL);
	}
	if (strcmp(method, "GET") && strcmp(method, "HEAD"))
		return reply_error(c, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed");
	if (!strcmp(url, "/v1/members"))
		return reply_rendered(c, s, API_MEMBERS, "application/json");
	if (!strcmp(url, "/v1/status"))
		return reply_rendered(c, s, API_STATUS, "application/json");
	if (!strcmp(url, "/metrics"))
		return reply_rendered(c, s, API_METRICS,
				      "text/plain; version=0.0.4; charset=utf-8");
	if (!strcmp(url, "/v1/health"))
		return health(c, s);
	return reply_error(c, MHD_HTTP_NOT_FOUND, "no such endpoint");
}

/* A request ended: its collected body, if any, goes. */
static void completed(void *cls, struct MHD_Connection *c, void **con_cls,
		      enum MHD_RequestTerminationCode toe)
{
	struct upload *up = *con_cls;

	(void)cls;
	(void)toe;
	if (up && *con_cls != (void *)c) {
		free(up->buf);
		free(up);
	}
	*con_cls = NULL;
}

struct api_server *api_start(const char *key, const char *addr, int metrics_only, const char *token,
			     struct api_state *st, const struct api_ops *ops)
{
	struct sockaddr_storage ss;
	struct api_server *s;
	socklen_t sl;

	if (addr_parse(addr, VIGIL_API_PORT, &ss, &sl)) {
		log_err("bad %s \"%s\"", key, addr);
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->st = st;
	s->ops = *ops;
	snprintf(s->token, sizeof(s->token), "%s", token);
	s->metrics_only = metrics_only;
	s->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG |
					(ss.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0),
				0, NULL, NULL, handle, s, MHD_OPTION_SOCK_ADDR, &ss,
				MHD_OPTION_CONNECTION_TIMEOUT, 10U, MHD_OPTION_CONNECTION_LIMIT,
				64U, MHD_OPTION_NOTIFY_COMPLETED, completed, NULL, MHD_OPTION_END);
	if (!s->d) {
		log_err("cannot listen on %s %s (in use?)", key, addr);
		free(s);
		return NULL;
	}
	if (metrics_only)
		log_info("metrics on http://%s/metrics", addr);
	else
		log_info("HTTP API on http://%s/v1/", addr);
	return s;
}

void api_stop(struct api_server *s)
{
	if (!s)
		return;
	MHD_stop_daemon(s->d);
	free(s);
}
