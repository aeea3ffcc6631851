// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * masakari.c - POST /v1/notifications exactly as masakari-monitors'
 * hostmonitor does, with Keystone v3 password auth (token cached, renewed
 * before expiry or on 401, the instance-ha endpoint taken from the catalog)
 * or a fixed endpoint with no auth. libcurl does HTTP, jansson does JSON.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>
#include <jansson.h>

#include "log.h"
#include "masakari.h"
#include "util.h"

#define TOKEN_RENEW_NS (300ULL * NSEC_PER_SEC) /* renew 5 minutes before expiry */
#define MAX_BODY (1u << 22)

const char *mk_result_name(enum mk_result r)
{
	switch (r) {
	case MK_DELIVERED:
		return "delivered";
	case MK_DUPLICATE:
		return "duplicate";
	case MK_HOST_UNKNOWN:
		return "host_unknown";
	case MK_REJECTED:
		return "rejected";
	case MK_RETRY:
		return "retry";
	}
	return "?";
}

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
	time_t sec = (time_t)(realtime_ns / NSEC_PER_SEC);
	struct tm tm;

	memset(n, 0, sizeof(*n));
	snprintf(n->hostname, sizeof(n->hostname), "%s", host);
	snprintf(n->event, sizeof(n->event), "%s", stopped ? "STOPPED" : "STARTED");
	snprintf(n->cluster_status, sizeof(n->cluster_status), "%s", stopped ? "OFFLINE" : "ONLINE");
	/* NORMAL for a stopped host only when its power-off is confirmed;
	 * otherwise UNKNOWN (docs/operations.md). A returning host is NORMAL. */
	snprintf(n->host_status, sizeof(n->host_status), "%s",
		 !stopped || power_off_confirmed ? "NORMAL" : "UNKNOWN");
	gmtime_r(&sec, &tm);
	snprintf(n->generated_time, sizeof(n->generated_time), "%04d-%02d-%02dT%02d:%02d:%02d.%06lu",
		 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 (unsigned long)((realtime_ns % NSEC_PER_SEC) / 1000));
}

/* ---- HTTP --------------------------------------------------------------- */

struct http_resp {
	long status;
	char *body;
	size_t len;
	char subject_token[8192];
};

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct http_resp *r = arg;
	size_t add = size * nmemb;
	char *nb;

	if (r->len + add > MAX_BODY)
		return 0;
	nb = realloc(r->body, r->len + add + 1);
	if (!nb)
		return 0;
	memcpy(nb + r->len, ptr, add);
	r->body = nb;
	r->len += add;
	r->body[r->len] = '\0';
	return add;
}

static size_t on_header(char *buf, size_t size, size_t nitems, void *arg)
{
	struct http_resp *r = arg;
	size_t n = size * nitems;
	static const char name[] = "X-Subject-Token:";

	if (n > sizeof(name) && !strncasecmp(buf, name, sizeof(name) - 1)) {
		const char *v = buf + sizeof(name) - 1;
		size_t vl = n - (sizeof(name) - 1);

		while (vl && (*v == ' ' || *v == '\t')) {
			v++;
			vl--;
		}
		while (vl && (v[vl - 1] == '\r' || v[vl - 1] == '\n' || v[vl - 1] == ' '))
			vl--;
		if (vl < sizeof(r->subject_token)) {
			memcpy(r->subject_token, v, vl);
			r->subject_token[vl] = '\0';
		}
	}
	return n;
}

/* POST body to url; fills resp. Returns 0 if an HTTP answer came back. */
static int http_post(const struct mk_client *c, const char *url, const char *token,
		     const char *body, struct http_resp *resp, char *err, size_t errsz)
{
	struct curl_slist *h = NULL;
	char tokhdr[8300];
	CURLcode rc;
	CURL *e = curl_easy_init();

	memset(resp, 0, sizeof(*resp));
	if (!e) {
		snprintf(err, errsz, "curl_easy_init failed");
		return -1;
	}
	h = curl_slist_append(h, "Content-Type: application/json");
	h = curl_slist_append(h, "Accept: application/json");
	h = curl_slist_append(h, "User-Agent: vigil/" VIGIL_VERSION);
	if (token && *token) {
		snprintf(tokhdr, sizeof(tokhdr), "X-Auth-Token: %s", token);
		h = curl_slist_append(h, tokhdr);
	}
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(e, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, resp);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, resp);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)c->cfg.timeout_ms);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)c->cfg.timeout_ms);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_NOPROXY, "*");
	rc = curl_easy_perform(e);
	if (rc == CURLE_OK)
		curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &resp->status);
	else
		snprintf(err, errsz, "%s: %s", url, curl_easy_strerror(rc));
	curl_slist_free_all(h);
	curl_easy_cleanup(e);
	return rc == CURLE_OK ? 0 : -1;
}

/* ---- Keystone ----------------------------------------------------------- */

static uint64_t parse_iso8601(const char *s)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	if (!s || sscanf(s, "%d-%d-%dT%d:%d:%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
			 &tm.tm_min, &tm.tm_sec) != 6)
		return 0;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return (uint64_t)timegm(&tm) * NSEC_PER_SEC;
}

/* Find the instance-ha endpoint of the wanted interface (and region). */
static int catalog_endpoint(const struct mk_client *c, json_t *catalog, char *out, size_t n)
{
	size_t i, j;
	json_t *svc, *ep;

	json_array_foreach(catalog, i, svc)
	{
		const char *type = json_string_value(json_object_get(svc, "type"));

		if (!type || strcmp(type, "instance-ha"))
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
			size_t l = strlen(out);
			while (l && out[l - 1] == '/')
				out[--l] = '\0';
			if (l < 3 || strcmp(out + l - 3, "/v1"))
				strncat(out, "/v1", n - strlen(out) - 1);
			return 0;
		}
	}
	return -1;
}

static int keystone_auth(struct mk_client *c, char *err, size_t errsz)
{
	struct http_resp r;
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
	if (http_post(c, url, NULL, text, &r, err, errsz)) {
		free(text);
		return -1;
	}
	free(text);
	c->auth_count++;
	if (r.status != 201 || !r.subject_token[0]) {
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
	if (!c->cfg.url[0] && catalog_endpoint(c, json_object_get(tok, "catalog"), c->endpoint,
					       sizeof(c->endpoint))) {
		snprintf(err, errsz,
			 "keystone catalog has no instance-ha endpoint (interface %s, region %s)",
			 c->cfg.interface, c->cfg.region_name[0] ? c->cfg.region_name : "any");
		json_decref(root);
		goto out;
	}
	json_decref(root);
	snprintf(c->token, sizeof(c->token), "%s", r.subject_token);
	rc = 0;
out:
	free(r.body);
	return rc;
}

static int need_auth(const struct mk_client *c)
{
	return c->cfg.auth_url[0] != '\0';
}

static int token_fresh(const struct mk_client *c)
{
	return c->token[0] && (c->token_expires == 0 || now_real_ns() + TOKEN_RENEW_NS < c->token_expires);
}

/* ---- notifications ------------------------------------------------------ */

static enum mk_result classify(const struct http_resp *resp, struct mk_reply *r)
{
	json_t *root = resp->body ? json_loads(resp->body, 0, NULL) : NULL;
	const char *msg = NULL;

	r->http_status = resp->status;
	if (root && resp->status >= 400) {
		const char *k;
		json_t *v;

		/* Errors look like {"conflictingRequest": {"code": 409, "message": …}}. */
		json_object_foreach(root, k, v)
		{
			if (json_is_object(v) && json_string_value(json_object_get(v, "message")))
				msg = json_string_value(json_object_get(v, "message"));
		}
	}
	snprintf(r->message, sizeof(r->message), "HTTP %ld%s%s", resp->status, msg ? ": " : "",
		 msg ? msg : "");
	if (resp->status == 202 || resp->status == 200 || resp->status == 201) {
		const char *uuid = json_string_value(
			json_object_get(json_object_get(root, "notification"), "notification_uuid"));

		snprintf(r->uuid, sizeof(r->uuid), "%s", uuid ? uuid : "");
		json_decref(root);
		return MK_DELIVERED;
	}
	enum mk_result res = MK_RETRY;

	if (resp->status == 409)
		res = MK_DUPLICATE; /* duplicate, or host already under maintenance */
	else if (resp->status == 400 && msg && strstr(msg, "could not be found"))
		res = MK_HOST_UNKNOWN;
	else if (resp->status >= 400 && resp->status < 500 && resp->status != 401 &&
		 resp->status != 408 && resp->status != 429)
		res = MK_REJECTED;
	json_decref(root); /* msg points into it */
	return res;
}

enum mk_result mk_send(struct mk_client *c, const struct mk_notification *n, struct mk_reply *r)
{
	struct http_resp resp;
	char url[300];
	json_t *body;
	char *text;
	enum mk_result res = MK_RETRY;

	memset(r, 0, sizeof(*r));
	body = json_pack("{s:{s:s, s:s, s:s, s:{s:s, s:s, s:s}}}", "notification", "type",
			 "COMPUTE_HOST", "hostname", n->hostname, "generated_time",
			 n->generated_time, "payload", "event", n->event, "cluster_status",
			 n->cluster_status, "host_status", n->host_status);
	text = json_dumps(body, JSON_COMPACT);
	json_decref(body);

	for (int attempt = 0; attempt < 2; attempt++) {
		if (need_auth(c) && !token_fresh(c) &&
		    keystone_auth(c, r->message, sizeof(r->message))) {
			res = MK_RETRY;
			break;
		}
		if (!c->endpoint[0]) {
			snprintf(r->message, sizeof(r->message), "no Masakari endpoint configured");
			res = MK_RETRY;
			break;
		}
		snprintf(url, sizeof(url), "%s/notifications", c->endpoint);
		if (http_post(c, url, need_auth(c) ? c->token : NULL, text, &resp, r->message,
			      sizeof(r->message))) {
			res = MK_RETRY;
			free(resp.body);
			break;
		}
		if (resp.status == 401 && need_auth(c) && attempt == 0) {
			/* Token revoked or expired early: authenticate again, once. */
			c->token[0] = '\0';
			free(resp.body);
			continue;
		}
		res = classify(&resp, r);
		free(resp.body);
		break;
	}
	free(text);
	return res;
}
