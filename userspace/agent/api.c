// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * api.c - the agent's HTTP API. libmicrohttpd serves it from its own thread;
 * the event loop publishes JSON snapshots (api_state) under a lock, so a
 * slow or hostile client can never stall failure detection.
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

void api_state_init(struct api_state *st)
{
	memset(st, 0, sizeof(*st));
	pthread_mutex_init(&st->lock, NULL);
}

void api_publish(struct api_state *st, char *members, char *status, char *metrics)
{
	pthread_mutex_lock(&st->lock);
	free(st->members);
	free(st->status);
	st->members = members;
	st->status = status;
	if (metrics) {
		free(st->metrics);
		st->metrics = metrics;
	}
	st->published_ns = now_mono_ns();
	pthread_mutex_unlock(&st->lock);
}

void api_state_free(struct api_state *st)
{
	free(st->members);
	free(st->status);
	free(st->metrics);
	st->members = st->status = st->metrics = NULL;
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

static enum MHD_Result reply_published(struct MHD_Connection *c, struct api_state *st, char **which,
				       const char *type)
{
	enum MHD_Result ret;

	pthread_mutex_lock(&st->lock);
	ret = reply_typed(c, MHD_HTTP_OK, *which ? *which : "null", type);
	pthread_mutex_unlock(&st->lock);
	return ret;
}

/*
 * 200 while the event loop runs; 503 while leaving, or when the loop has not
 * published for API_STALL_MS: failure detection, reports and Raft stand
 * still then, while this thread still answers (and the kernel still
 * answers probes, so peers see the host "agent stalled", not dead).
 */
static enum MHD_Result health(struct MHD_Connection *c, struct api_state *st)
{
	const char *why = "";
	char body[160];
	uint64_t age_ms;

	pthread_mutex_lock(&st->lock);
	age_ms = (now_mono_ns() - st->published_ns) / NSEC_PER_MSEC;
	if (st->stopping)
		why = "leaving";
	else if (age_ms > API_STALL_MS)
		why = "stalled";
	pthread_mutex_unlock(&st->lock);
	snprintf(body, sizeof(body),
		 "{\"healthy\": %s, \"reason\": \"%s\", \"last_publish_ms\": %llu}",
		 *why ? "false" : "true", why, (unsigned long long)age_ms);
	return reply(c, *why ? MHD_HTTP_SERVICE_UNAVAILABLE : MHD_HTTP_OK, body);
}

static void call_release(struct api_call *call)
{
	if (--call->refs == 0) {
		pthread_cond_destroy(&call->cond);
		free(call);
	}
}

void api_call_answer(struct api_state *st, struct api_call *c, unsigned code, json_t *body)
{
	char *s = body ? json_dumps(body, JSON_COMPACT) : NULL;

	json_decref(body);
	pthread_mutex_lock(&st->lock);
	c->code = s ? code : MHD_HTTP_INTERNAL_SERVER_ERROR;
	snprintf(c->body, sizeof(c->body), "%s", s ? s : "{\"error\": \"out of memory\"}");
	free(s);
	c->done = 1;
	pthread_cond_signal(&c->cond);
	call_release(c);
	pthread_mutex_unlock(&st->lock);
}

/* Ask the loop, wait at most API_CALL_WAIT_MS for its answer, reply it. */
static enum MHD_Result call_loop(struct api_server *s, struct MHD_Connection *c, const char *op,
				 const char *arg, int on)
{
	const char *reason = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "reason");
	struct api_call *call;
	struct timespec until;
	enum MHD_Result ret;
	int rc;

	if (reason && !wire_name_valid(reason))
		return reply_error(c, MHD_HTTP_BAD_REQUEST,
				   "bad reason (UTF-8, no control characters)");
	call = calloc(1, sizeof(*call));
	if (!call)
		return reply_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, "out of memory");
	snprintf(call->op, sizeof(call->op), "%s", op);
	snprintf(call->arg, sizeof(call->arg), "%s", arg);
	snprintf(call->reason, sizeof(call->reason), "%s", reason ? reason : "");
	call->on = on;
	call->refs = 2;
	pthread_cond_init(&call->cond, NULL);
	rc = s->ops.call(s->ops.ctx, call);
	if (rc) {
		pthread_cond_destroy(&call->cond);
		free(call);
		return reply_error(c, MHD_HTTP_SERVICE_UNAVAILABLE,
				   rc == -ESHUTDOWN ? "the agent is stopping"
						    : "too many requests in flight, retry");
	}
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += API_CALL_WAIT_MS / 1000;
	pthread_mutex_lock(&s->st->lock);
	while (!call->done)
		if (pthread_cond_timedwait(&call->cond, &s->st->lock, &until))
			break;
	if (call->done)
		ret = reply(c, call->code, call->body);
	else
		ret = reply_error(c, MHD_HTTP_GATEWAY_TIMEOUT,
				  "the agent did not answer in time; check `vigil status`");
	call_release(call);
	pthread_mutex_unlock(&s->st->lock);
	return ret;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
			      const char *method, const char *version, const char *upload,
			      size_t *upload_size, void **con_cls)
{
	struct api_server *s = cls;

	(void)version;
	(void)upload;
	if (!*con_cls) {
		/* First call for this request: headers only. */
		*con_cls = c;
		return MHD_YES;
	}
	if (*upload_size) {
		*upload_size = 0; /* no endpoint takes a body yet */
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
			return reply_error(c, MHD_HTTP_FORBIDDEN,
					   "X-Vigil-Token missing or wrong (the token is in the "
					   "agent's api_token_file; the CLI sends it)");
		s->ops.leave(s->ops.ctx);
		return reply(c, MHD_HTTP_OK,
			     "{\"leaving\": true, \"status\": \"leave broadcast; the agent "
			     "exits\"}");
	}
	if (!strncmp(url, "/v1/maintenance/", 16)) {
		const char *host = url + 16;
		char body[256];
		int on = !strcmp(method, "PUT"), rc;

		if (!on && strcmp(method, "DELETE"))
			return reply_error(c, MHD_HTTP_METHOD_NOT_ALLOWED, "use PUT or DELETE");
		if (!authorized(s, c))
			return reply_error(c, MHD_HTTP_FORBIDDEN,
					   "X-Vigil-Token missing or wrong (the token is in the "
					   "agent's api_token_file; the CLI sends it)");
		if (!*host || strlen(host) >= 64 || strchr(host, '/') || strchr(host, '"') ||
		    strchr(host, '\\') || !wire_name_valid(host))
			return reply_error(c, MHD_HTTP_BAD_REQUEST, "bad host name");
		rc = s->ops.maintenance(s->ops.ctx, host, on);
		if (rc)
			return reply_error(c, MHD_HTTP_SERVICE_UNAVAILABLE,
					   "too many requests in flight, retry");
		snprintf(body, sizeof(body),
			 "{\"host\": \"%s\", \"maintenance\": %s, \"status\": \"forwarded to "
			 "the servers; the leader applies it\"}",
			 host, on ? "true" : "false");
		return reply(c, MHD_HTTP_ACCEPTED, body);
	}
	if (!strncmp(url, "/v1/operator/raft/peer/", 23)) {
		const char *who = url + 23;

		if (strcmp(method, "DELETE"))
			return reply_error(c, MHD_HTTP_METHOD_NOT_ALLOWED, "use DELETE");
		if (!authorized(s, c))
			return reply_error(c, MHD_HTTP_FORBIDDEN,
					   "X-Vigil-Token missing or wrong (the token is in the "
					   "agent's api_token_file; the CLI sends it)");
		if (!*who || strlen(who) >= 64 || !wire_name_valid(who) || strpbrk(who, "/\\\""))
			return reply_error(c, MHD_HTTP_BAD_REQUEST, "bad server name");
		return call_loop(s, c, "remove-peer", who, 0);
	}
	if (strcmp(method, "GET") && strcmp(method, "HEAD"))
		return reply_error(c, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed");
	if (!strcmp(url, "/v1/members"))
		return reply_published(c, s->st, &s->st->members, "application/json");
	if (!strcmp(url, "/v1/status"))
		return reply_published(c, s->st, &s->st->status, "application/json");
	if (!strcmp(url, "/metrics"))
		return reply_published(c, s->st, &s->st->metrics,
				       "text/plain; version=0.0.4; charset=utf-8");
	if (!strcmp(url, "/v1/health"))
		return health(c, s->st);
	return reply_error(c, MHD_HTTP_NOT_FOUND, "no such endpoint");
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
				64U, MHD_OPTION_END);
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
