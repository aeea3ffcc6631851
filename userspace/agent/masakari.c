// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * masakari.c - POST /v1/notifications exactly as masakari-monitors'
 * hostmonitor does, and GET it back to find an earlier send, with Keystone
 * v3 password auth (token cached, renewed before expiry or on 401, the
 * instance-ha endpoint taken from the catalog unless masakari.url fixes it)
 * or, without auth_url, a fixed endpoint with no auth. libcurl does HTTP,
 * jansson does JSON.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>
#include <jansson.h>

#include "httpc.h"
#include "log.h"
#include "masakari.h"
#include "util.h"

#define TOKEN_RENEW_NS (300ULL * NSEC_PER_SEC) /* renew 5 minutes before expiry */

void mk_client_init(struct mk_client *c, const struct mk_config *cfg)
{
	memset(c, 0, sizeof(*c));
	c->cfg = *cfg;
	if (cfg->url[0])
		snprintf(c->endpoint, sizeof(c->endpoint), "%s", cfg->url);
}

void mk_notification_init(struct mk_notification *n, const char *host, int stopped,
			  int power_off_confirmed, uint64_t realtime_ns)
{
	memset(n, 0, sizeof(*n));
	snprintf(n->hostname, sizeof(n->hostname), "%s", host);
	snprintf(n->event, sizeof(n->event), "%s", stopped ? "STOPPED" : "STARTED");
	snprintf(n->cluster_status, sizeof(n->cluster_status), "%s",
		 stopped ? "OFFLINE" : "ONLINE");
	/* NORMAL for a stopped host only when its power-off is confirmed;
	 * otherwise UNKNOWN (docs/operations.md). A returning host is NORMAL. */
	snprintf(n->host_status, sizeof(n->host_status), "%s",
		 !stopped || power_off_confirmed ? "NORMAL" : "UNKNOWN");
	utc_format(realtime_ns, 6, 0, n->generated_time, sizeof(n->generated_time));
}

void mk_notification_sent_at(struct mk_notification *n, uint64_t realtime_ns)
{
	utc_format(realtime_ns, 6, 0, n->sent_time, sizeof(n->sent_time));
}

/* ---- HTTP --------------------------------------------------------------- */

/* One request to url (with the token, if any); 0 if an HTTP answer came back. */
static int http(const struct mk_client *c, const char *method, const char *url, const char *token,
		const char *body, const char *const *extra, struct httpc_resp *resp, char *err,
		size_t errsz)
{
	char tokhdr[8300];
	const char *hdrs[12] = {"Content-Type: application/json", "Accept: application/json",
				"User-Agent: vigil/" VIGIL_VERSION};
	size_t k = 3;
	struct httpc_req rq = {
		.method = method,
		.url = url,
		.body = body,
		.headers = hdrs,
		.timeout_ms = (long)c->cfg.timeout_ms,
		.capture_header = "X-Subject-Token",
		.ca_file = c->cfg.ca_file,
		.cert_file = c->cfg.cert_file,
		.key_file = c->cfg.key_file,
	};

	for (; extra && *extra && k < ARRAY_SIZE(hdrs) - 2; extra++)
		hdrs[k++] = *extra;
	if (token && *token) {
		snprintf(tokhdr, sizeof(tokhdr), "X-Auth-Token: %s", token);
		hdrs[k++] = tokhdr;
	}
	return httpc_request(&rq, resp, err, errsz);
}

/* ---- Keystone ----------------------------------------------------------- */

/* An ISO 8601 UTC time as Keystone and Masakari write it
 * ("2026-11-25T06:00:00[.123456][Z|+00:00]"): seconds since the epoch and
 * microseconds; *frac says whether a fraction was written. -1 if unreadable. */
static int parse_time(const char *s, int64_t *sec, long *usec, int *frac)
{
	struct tm tm;
	int n = 0, oh = 0, om = 0;
	long us = 0, scale = 100000;
	const char *p;

	memset(&tm, 0, sizeof(tm));
	if (!s || sscanf(s, "%d-%d-%dT%d:%d:%d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
			 &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &n) != 6)
		return -1;
	p = s + n;
	*frac = *p == '.';
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++, scale /= 10)
			us += scale ? (*p - '0') * scale : 0;
	if ((*p == '+' || *p == '-') && sscanf(p + 1, "%d:%d", &oh, &om) >= 1 && *p == '-') {
		oh = -oh; /* "-05:00": 5 h behind UTC */
		om = -om;
	}
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	*sec = (int64_t)timegm(&tm) - (oh * 3600 + om * 60);
	*usec = us;
	return 0;
}

static uint64_t parse_iso8601(const char *s)
{
	int64_t sec;
	long us;
	int frac;

	return parse_time(s, &sec, &us, &frac) || sec < 0 ? 0 : (uint64_t)sec * NSEC_PER_SEC;
}

/* Find the endpoint of service type (instance-ha, compute) of the wanted
 * interface (and region); suffix ("/v1") is appended unless the URL ends in it. */
static int catalog_endpoint(const struct mk_client *c, json_t *catalog, const char *want,
			    const char *suffix, char *out, size_t n)
{
	size_t i, j;
	json_t *svc, *ep;

	json_array_foreach(catalog, i, svc)
	{
		const char *type = json_string_value(json_object_get(svc, "type"));

		if (!type || strcmp(type, want))
			continue;
		json_array_foreach(json_object_get(svc, "endpoints"), j, ep)
		{
			const char *itf = json_string_value(json_object_get(ep, "interface"));
			const char *reg = json_string_value(json_object_get(ep, "region_id"));
			const char *reg2 = json_string_value(json_object_get(ep, "region"));
			const char *url = json_string_value(json_object_get(ep, "url"));

			if (!url || !itf || strcmp(itf, c->cfg.interface))
				continue;
			if (c->cfg.region_name[0] && !(reg && !strcmp(reg, c->cfg.region_name)) &&
			    !(reg2 && !strcmp(reg2, c->cfg.region_name)))
				continue;
			snprintf(out, n, "%s", url);
			/* Masakari's catalog URL may or may not end in /v1; notifications
			 * are under /v1. */
			size_t l = strlen(out), sl = strlen(suffix);
			while (l && out[l - 1] == '/')
				out[--l] = '\0';
			if (l < sl || strcmp(out + l - sl, suffix))
				strncat(out, suffix, n - strlen(out) - 1);
			return 0;
		}
	}
	return -1;
}

static int keystone_auth(struct mk_client *c, char *err, size_t errsz)
{
	struct httpc_resp r;
	char url[300];
	json_t *body, *root;
	char *text;
	int rc = -1;

	body = json_pack("{s:{s:{s:[s], s:{s:{s:s, s:{s:s}, s:s}}}, s:{s:{s:s, s:{s:s}}}}}", "auth",
			 "identity", "methods", "password", "password", "user", "name",
			 c->cfg.username, "domain", "name", c->cfg.user_domain_name, "password",
			 c->cfg.password, "scope", "project", "name", c->cfg.project_name, "domain",
			 "name", c->cfg.project_domain_name);
	text = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	snprintf(url, sizeof(url), "%s/auth/tokens", c->cfg.auth_url);
	if (http(c, "POST", url, NULL, text, NULL, &r, err, errsz)) {
		free(text);
		httpc_resp_free(&r);
		return -1;
	}
	free(text);
	c->auth_count++;
	if (r.status != 201 || !r.captured[0]) {
		snprintf(err, errsz, "keystone %.200s answered %ld", url, r.status);
		goto out;
	}
	root = json_loads(r.body ? r.body : "", 0, NULL);
	if (!root) {
		snprintf(err, errsz, "keystone: unreadable token body");
		goto out;
	}
	json_t *tok = json_object_get(root, "token");
	c->token_expires = parse_iso8601(json_string_value(json_object_get(tok, "expires_at")));
	/* Nova's, for fencing's force_down (fencing.nova_force_down); may be absent. */
	catalog_endpoint(c, json_object_get(tok, "catalog"), "compute", "", c->compute_endpoint,
			 sizeof(c->compute_endpoint));
	if (!c->cfg.url[0] && catalog_endpoint(c, json_object_get(tok, "catalog"), "instance-ha",
					       "/v1", c->endpoint, sizeof(c->endpoint))) {
		snprintf(err, errsz,
			 "keystone catalog has no instance-ha endpoint (interface %s, region %s)",
			 c->cfg.interface, c->cfg.region_name[0] ? c->cfg.region_name : "any");
		json_decref(root);
		goto out;
	}
	json_decref(root);
	snprintf(c->token, sizeof(c->token), "%s", r.captured);
	rc = 0;
out:
	httpc_resp_free(&r);
	return rc;
}

static int need_auth(const struct mk_client *c)
{
	return c->cfg.auth_url[0] != '\0';
}

static int token_fresh(const struct mk_client *c)
{
	return c->token[0] &&
	       (c->token_expires == 0 || now_real_ns() + TOKEN_RENEW_NS < c->token_expires);
}

int mk_authenticate(struct mk_client *c, int renew, char *err, size_t errsz)
{
	if (!need_auth(c))
		return 0;
	if (renew)
		c->token[0] = '\0';
	return token_fresh(c) ? 0 : keystone_auth(c, err, errsz);
}

/* The endpoint's URL + path in out; -1 (reason in err) if there is none. */
static int endpoint_url(struct mk_client *c, const char *path, char *out, size_t n, char *err,
			size_t errsz)
{
	/* The catalog names the endpoint: authenticate first if it is not known
	 * yet (mk_request renews the token as needed). */
	if (!c->endpoint[0] && mk_authenticate(c, 0, err, errsz))
		return -1;
	if (!c->endpoint[0]) {
		snprintf(err, errsz, "no Masakari endpoint configured");
		return -1;
	}
	snprintf(out, n, "%s%s", c->endpoint, path);
	return 0;
}

int mk_request(struct mk_client *c, const char *method, const char *url, const char *body,
	       const char *const *extra, struct httpc_resp *resp, char *err, size_t errsz)
{
	char full[1024];

	memset(resp, 0, sizeof(*resp));
	if (*url == '/') { /* a path of Masakari's endpoint */
		if (endpoint_url(c, url, full, sizeof(full), err, errsz))
			return -1;
		url = full;
	}
	for (int attempt = 0; attempt < 2; attempt++) {
		/* A 401: the token was revoked or expired early; a new one, once. */
		if (mk_authenticate(c, attempt, err, errsz))
			return -1;
		if (http(c, method, url, need_auth(c) ? c->token : NULL, body, extra, resp, err,
			 errsz))
			return -1;
		if (resp->status != 401 || !need_auth(c) || attempt)
			return 0;
		httpc_resp_free(resp);
	}
	return 0;
}

/* The "message" of a Masakari error body, like
 * {"conflictingRequest": {"code": 409, "message": …}}; NULL if none. */
static const char *error_message(json_t *root)
{
	const char *k, *msg = NULL;
	json_t *v;

	json_object_foreach(root, k, v)
	{
		if (json_is_object(v) && json_string_value(json_object_get(v, "message")))
			msg = json_string_value(json_object_get(v, "message"));
	}
	return msg;
}

void mk_answer_text(const struct httpc_resp *resp, char *out, size_t n)
{
	json_t *root = resp->body && resp->status >= 400 ? json_loads(resp->body, 0, NULL) : NULL;
	const char *msg = root ? error_message(root) : NULL;

	snprintf(out, n, "HTTP %ld%s%s", resp->status, msg ? ": " : "", msg ? msg : "");
	json_decref(root);
}

/* ---- notifications ------------------------------------------------------ */

static enum notify_result classify(const struct httpc_resp *resp, struct mk_reply *r)
{
	json_t *root = resp->body ? json_loads(resp->body, 0, NULL) : NULL;
	const char *msg = root && resp->status >= 400 ? error_message(root) : NULL;
	enum notify_result res = NOTIFY_RETRY;

	r->http_status = resp->status;
	mk_answer_text(resp, r->message, sizeof(r->message));
	if (resp->status == 202 || resp->status == 200 || resp->status == 201) {
		const char *uuid = json_string_value(json_object_get(
			json_object_get(root, "notification"), "notification_uuid"));

		snprintf(r->uuid, sizeof(r->uuid), "%s", uuid ? uuid : "");
		json_decref(root);
		return NOTIFY_DELIVERED;
	}
	/* Masakari answers 409 for two reasons (masakari/ha/api.py,
	 * _create_notification): the host is on_maintenance, checked first
	 * ("... is ignored as the host is already under maintenance."), or a
	 * duplicate ("... is duplicate."): same host, type and payload,
	 * generated within duplicate_notification_detection_interval. */
	if (resp->status == 409)
		res = msg && strcasestr(msg, "maintenance") ? NOTIFY_ON_MAINTENANCE
							    : NOTIFY_DUPLICATE;
	else if (resp->status == 400 && msg && strstr(msg, "could not be found"))
		res = NOTIFY_HOST_UNKNOWN;
	else if (resp->status >= 500)
		res = NOTIFY_UNCERTAIN; /* it may have stored it before failing */
	else if (resp->status >= 400 && resp->status != 401 && resp->status != 408 &&
		 resp->status != 429)
		res = NOTIFY_REJECTED;
	json_decref(root); /* msg points into it */
	return res;
}

enum notify_result mk_send(struct mk_client *c, const struct mk_notification *n, struct mk_reply *r)
{
	struct httpc_resp resp;
	char url[300];
	json_t *body;
	char *text;
	enum notify_result res;

	memset(r, 0, sizeof(*r));
	if (endpoint_url(c, "/notifications", url, sizeof(url), r->message, sizeof(r->message)))
		return NOTIFY_RETRY;
	body = json_pack("{s:{s:s, s:s, s:s, s:{s:s, s:s, s:s}}}", "notification", "type",
			 "COMPUTE_HOST", "hostname", n->hostname, "generated_time",
			 n->sent_time[0] ? n->sent_time : n->generated_time, "payload", "event",
			 n->event, "cluster_status", n->cluster_status, "host_status",
			 n->host_status);
	text = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	if (mk_request(c, "POST", url, text, NULL, &resp, r->message, sizeof(r->message)))
		/* Written but unanswered (a timeout, a reset): Masakari may have it. */
		res = resp.sent ? NOTIFY_UNCERTAIN : NOTIFY_RETRY;
	else
		res = classify(&resp, r);
	httpc_resp_free(&resp);
	free(text);
	return res;
}

/* ---- finding a notification ---------------------------------------------- */

/* GET url as JSON: 0 with the document in *out, -1 (why in err). */
static int get_json(struct mk_client *c, const char *url, json_t **out, char *err, size_t errsz)
{
	struct httpc_resp resp;
	json_t *root = NULL;

	*out = NULL;
	if (mk_request(c, "GET", url, NULL, NULL, &resp, err, errsz)) {
		httpc_resp_free(&resp);
		return -1;
	}
	if (resp.status == 200)
		root = json_loads(resp.body ? resp.body : "", 0, NULL);
	if (!root)
		snprintf(err, errsz, "GET %.200s answered HTTP %ld%s", url, resp.status,
			 resp.status == 200 ? " with unreadable JSON" : "");
	httpc_resp_free(&resp);
	*out = root;
	return root ? 0 : -1;
}

static struct mk_host_ref *cached_host(const struct mk_client *c, const char *host)
{
	for (unsigned i = 0; i < c->nhosts; i++)
		if (!strcmp(c->hosts[i].name, host))
			return (struct mk_host_ref *)&c->hosts[i];
	return NULL;
}

const char *mk_host_segment(const struct mk_client *c, const char *host)
{
	const struct mk_host_ref *h = cached_host(c, host);

	return h ? h->segment : "";
}

/* Resolve host's uuid through every segment (a host name is unique in
 * Masakari) into the cache: 0, 1 if no segment has it, -1 (why in err).
 * Masakari 14.0.2 accepts ?name= but does not filter on it: every host of
 * the segment comes back, and the name is matched here. */
static int resolve_host(struct mk_client *c, const char *host, char *err, size_t errsz)
{
	char url[600], *esc;
	json_t *segs, *seg, *hosts, *hv;
	struct mk_host_ref *h;
	const char *huuid = NULL;
	size_t i, j;
	int rc = 1;

	if (endpoint_url(c, "/segments", url, sizeof(url), err, errsz) ||
	    get_json(c, url, &segs, err, errsz))
		return -1;
	esc = curl_easy_escape(NULL, host, 0);
	json_array_foreach(json_object_get(segs, "segments"), i, seg)
	{
		const char *suuid = json_string_value(json_object_get(seg, "uuid"));
		const char *sname = json_string_value(json_object_get(seg, "name"));

		if (!suuid)
			continue;
		snprintf(url, sizeof(url), "%s/segments/%s/hosts?name=%s", c->endpoint, suuid,
			 esc ? esc : "");
		if (get_json(c, url, &hosts, err, errsz)) {
			rc = -1;
			break;
		}
		json_array_foreach(json_object_get(hosts, "hosts"), j, hv)
		{
			const char *name = json_string_value(json_object_get(hv, "name"));

			huuid = json_string_value(json_object_get(hv, "uuid"));
			if (huuid && name && !strcmp(name, host))
				break;
			huuid = NULL;
		}
		if (huuid) {
			h = cached_host(c, host);
			if (!h) {
				h = &c->hosts[c->next_host];
				c->next_host = (c->next_host + 1) % MK_HOSTS_CACHED;
				if (c->nhosts < MK_HOSTS_CACHED)
					c->nhosts++;
			}
			snprintf(h->name, sizeof(h->name), "%s", host);
			snprintf(h->uuid, sizeof(h->uuid), "%s", huuid);
			snprintf(h->segment, sizeof(h->segment), "%s", sname ? sname : suuid);
			rc = 0;
		}
		json_decref(hosts);
		if (rc == 0)
			break;
	}
	curl_free(esc);
	json_decref(segs);
	return rc;
}

/* Does Masakari's generated_time `stored` name our (sec, usec)? A database
 * that keeps microseconds stores ours exactly; one that keeps seconds
 * (MySQL's DATETIME) truncates or rounds them. */
static int same_time(const char *stored, int64_t sec, long usec)
{
	int64_t s;
	long us;
	int frac;

	if (parse_time(stored, &s, &us, &frac))
		return 0;
	if (us)
		return s == sec && us == usec;
	return s == sec || (s == sec + 1 && usec >= 500000);
}

/* Was Masakari's generated_time `stored` at or after second sec? */
static int not_before(const char *stored, int64_t sec)
{
	int64_t s;
	long us;
	int frac;

	return !parse_time(stored, &s, &us, &frac) && s >= sec;
}

/* 1 if Masakari's list of the host's notifications holds n (r says which):
 * one generated at n's own time, or, for an n sent with times of sending
 * (mk_notification_sent_at), at or after it. */
static int match(json_t *list, const struct mk_notification *n, struct mk_reply *r)
{
	int64_t sec;
	long usec;
	int frac;
	size_t i;
	json_t *v;

	if (parse_time(n->generated_time, &sec, &usec, &frac))
		return 0;
	json_array_foreach(json_object_get(list, "notifications"), i, v)
	{
		const char *gt = json_string_value(json_object_get(v, "generated_time"));
		const char *ev =
			json_string_value(json_object_get(json_object_get(v, "payload"), "event"));
		const char *uuid = json_string_value(json_object_get(v, "notification_uuid"));
		const char *st = json_string_value(json_object_get(v, "status"));

		if (!gt || !ev || strcasecmp(ev, n->event) ||
		    !(n->sent_time[0] ? not_before(gt, sec) : same_time(gt, sec, usec)))
			continue;
		r->http_status = 200;
		snprintf(r->uuid, sizeof(r->uuid), "%s", uuid ? uuid : "");
		snprintf(r->message, sizeof(r->message),
			 "found in Masakari: notification %s, status %s, generated %s", r->uuid,
			 st ? st : "?", gt);
		return 1;
	}
	return 0;
}

/* GET the host's notifications generated since `since` and match n: 1, 0,
 * or -1 (why in r->message). */
static int find_under(struct mk_client *c, const char *host_uuid, const char *since,
		      const struct mk_notification *n, struct mk_reply *r)
{
	char url[600], *esc;
	json_t *list;
	int found;

	if (endpoint_url(c, "/notifications", url, sizeof(url), r->message, sizeof(r->message)))
		return -1;
	esc = curl_easy_escape(NULL, since, 0);
	snprintf(url + strlen(url), sizeof(url) - strlen(url),
		 "?source_host_uuid=%s&type=COMPUTE_HOST&generated-since=%s", host_uuid,
		 esc ? esc : "");
	curl_free(esc);
	if (get_json(c, url, &list, r->message, sizeof(r->message)))
		return -1;
	found = match(list, n, r);
	json_decref(list);
	return found;
}

int mk_find(struct mk_client *c, const struct mk_notification *n, struct mk_reply *r)
{
	const struct mk_host_ref *h;
	char since[32], uuid[64] = "";
	int64_t sec;
	long usec;
	int frac, rc;
	time_t t;
	struct tm tm;

	memset(r, 0, sizeof(*r));
	if (parse_time(n->generated_time, &sec, &usec, &frac)) {
		snprintf(r->message, sizeof(r->message), "unreadable generated_time %s",
			 n->generated_time);
		return -1;
	}
	/* A second earlier: Masakari may have stored whole seconds. */
	t = (time_t)(sec - 1);
	gmtime_r(&t, &tm);
	strftime(since, sizeof(since), "%Y-%m-%dT%H:%M:%S", &tm);
	h = cached_host(c, n->hostname);
	if (h) {
		rc = find_under(c, h->uuid, since, n, r);
		if (rc)
			return rc;
		/* Not under the cached uuid: the host may have been deleted and
		 * added again since. Resolve it afresh. */
		snprintf(uuid, sizeof(uuid), "%s", h->uuid);
	}
	rc = resolve_host(c, n->hostname, r->message, sizeof(r->message));
	if (rc)
		return rc < 0 ? -1 : 0; /* no such host: no notification of it */
	h = cached_host(c, n->hostname);
	return strcmp(h->uuid, uuid) ? find_under(c, h->uuid, since, n, r) : 0;
}
