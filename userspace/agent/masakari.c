// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * masakari.c - POST /v1/notifications exactly as masakari-monitors'
 * hostmonitor does, with Keystone v3 password auth (token cached, renewed
 * before expiry or on 401, the instance-ha endpoint taken from the catalog
 * unless masakari.url fixes it) or, without auth_url, a fixed endpoint with
 * no auth. libcurl does HTTP, jansson does JSON.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

/* ---- HTTP --------------------------------------------------------------- */

/* POST body to url (with the token, if any); 0 if an HTTP answer came back. */
static int http_post(const struct mk_client *c, const char *url, const char *token,
		     const char *body, struct httpc_resp *resp, char *err, size_t errsz)
{
	char tokhdr[8300];
	const char *hdrs[] = {"Content-Type: application/json", "Accept: application/json",
			      "User-Agent: vigil/" VIGIL_VERSION, NULL, NULL};
	struct httpc_req rq = {
		.method = "POST",
		.url = url,
		.body = body,
		.headers = hdrs,
		.timeout_ms = (long)c->cfg.timeout_ms,
		.capture_header = "X-Subject-Token",
		.ca_file = c->cfg.ca_file,
		.cert_file = c->cfg.cert_file,
		.key_file = c->cfg.key_file,
	};

	if (token && *token) {
		snprintf(tokhdr, sizeof(tokhdr), "X-Auth-Token: %s", token);
		hdrs[3] = tokhdr;
	}
	return httpc_request(&rq, resp, err, errsz);
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
	if (http_post(c, url, NULL, text, &r, err, errsz)) {
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

/* ---- notifications ------------------------------------------------------ */

static enum notify_result classify(const struct httpc_resp *resp, struct mk_reply *r)
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
		const char *uuid = json_string_value(json_object_get(
			json_object_get(root, "notification"), "notification_uuid"));

		snprintf(r->uuid, sizeof(r->uuid), "%s", uuid ? uuid : "");
		json_decref(root);
		return NOTIFY_DELIVERED;
	}
	enum notify_result res = NOTIFY_RETRY;

	if (resp->status == 409)
		res = NOTIFY_DUPLICATE; /* duplicate, or host already under maintenance */
	else if (resp->status == 400 && msg && strstr(msg, "could not be found"))
		res = NOTIFY_HOST_UNKNOWN;
	else if (resp->status >= 400 && resp->status < 500 && resp->status != 401 &&
		 resp->status != 408 && resp->status != 429)
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
	enum notify_result res = NOTIFY_RETRY;

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
			res = NOTIFY_RETRY;
			break;
		}
		if (!c->endpoint[0]) {
			snprintf(r->message, sizeof(r->message), "no Masakari endpoint configured");
			res = NOTIFY_RETRY;
			break;
		}
		snprintf(url, sizeof(url), "%s/notifications", c->endpoint);
		if (http_post(c, url, need_auth(c) ? c->token : NULL, text, &resp, r->message,
			      sizeof(r->message))) {
			res = NOTIFY_RETRY;
			httpc_resp_free(&resp);
			break;
		}
		if (resp.status == 401 && need_auth(c) && attempt == 0) {
			/* Token revoked or expired early: authenticate again, once. */
			c->token[0] = '\0';
			httpc_resp_free(&resp);
			continue;
		}
		res = classify(&resp, r);
		httpc_resp_free(&resp);
		break;
	}
	free(text);
	return res;
}
