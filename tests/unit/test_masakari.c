// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_masakari.c - the Keystone and Masakari client against a small local
 * HTTP server that injects what the real API cannot be made to do on demand:
 * slow answers, 5xx, a token rejected with 401, a catalog to search, both
 * kinds of 409, the segments, hosts and notifications a lookup reads (with
 * generated_time at either precision), and the reconciler's segment and
 * aggregate calls. The real masakari-api is
 * exercised by tests/net/test_consensus.sh and test_delivery.sh.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>
#include <gnutls/gnutls.h>
#include <microhttpd.h>

#include "masakari.h"
#include "masakari_seg.h"
#include "nova.h"
#include "util.h"

/* ---- the fake server ------------------------------------------------------ */

static struct {
	struct MHD_Daemon *d;
	uint16_t port;
	/* what /v1/notifications answers */
	unsigned notif_status;
	const char *notif_body;
	unsigned notif_delay_ms;
	int notif_401_once; /* answer 401 to the first POST with a token */
	/* what /v3/auth/tokens answers */
	unsigned auth_status;
	const char *auth_expires; /* expires_at of the token */
	int auth_calls;
	int notif_calls;
	char token_seen[128];
	char last_body[4096];
	int token_serial;
	/* what a lookup reads: segments sa and sb, compute-07 (host_uuid) in sb */
	unsigned seg_status, list_status;
	const char *host_uuid;	   /* "" : no segment has the host */
	const char *list_for_uuid; /* GET /v1/notifications lists list_body for this host */
	const char *list_body;
	int seg_calls, hosts_calls, list_calls;
	char list_query[256];
	/* Nova's os-services (fencing's force_down) */
	unsigned nova_list_status, nova_put_status;
	const char *nova_list_body;
	int nova_put_calls;
	char nova_put_url[256], nova_put_body[256], nova_version[64], nova_query[128];
	/* Masakari's segments and hosts, Nova's aggregates (the reconciler) */
	int reconciler;	     /* /v1/segments* answered as below, not for a lookup */
	unsigned az_status;  /* what a change answers */
	char az_calls[1024]; /* "METHOD URL BODY\n" of each call */
} srv;

static const char *const seg_list_body =
	"{\"segments\": [{\"name\": \"other\", \"uuid\": \"u-other\"}, "
	"{\"name\": \"az1\", \"uuid\": \"u-az1\", \"recovery_method\": \"auto\"}]}";
static const char *const seg_hosts_body =
	"{\"hosts\": [{\"name\": \"compute-1\", \"uuid\": \"h1\", \"on_maintenance\": false}, "
	"{\"name\": \"compute-2\", \"uuid\": \"h2\", \"on_maintenance\": true}]}";
static const char *const aggregates_body =
	"{\"aggregates\": [{\"name\": \"agg-a\", \"availability_zone\": \"az1\", "
	"\"hosts\": [\"compute-1\", \"compute-2\"]}, {\"name\": \"agg-b\", "
	"\"availability_zone\": \"az1\", \"hosts\": [\"compute-2\", \"compute-3\"]}, "
	"{\"name\": \"az2\", \"availability_zone\": \"az2\", \"hosts\": [\"compute-9\"]}]}";

struct req {
	char body[4096];
	size_t len;
};

static enum MHD_Result answer(struct MHD_Connection *c, unsigned status, const char *body,
			      const char *token)
{
	struct MHD_Response *r =
		MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_MUST_COPY);
	enum MHD_Result ret;

	MHD_add_response_header(r, "Content-Type", "application/json");
	if (token)
		MHD_add_response_header(r, "X-Subject-Token", token);
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url,
			       const char *method, const char *version, const char *upload,
			       size_t *upload_size, void **con_cls)
{
	struct req *rq = *con_cls;
	char catalog[1024], tok[64];
	const char *t;

	(void)cls;
	(void)version;
	if (!rq) {
		rq = calloc(1, sizeof(*rq));
		*con_cls = rq;
		return MHD_YES;
	}
	if (*upload_size) {
		size_t n = *upload_size;

		if (rq->len + n < sizeof(rq->body)) {
			memcpy(rq->body + rq->len, upload, n);
			rq->len += n;
		}
		*upload_size = 0;
		return MHD_YES;
	}
	if (!strcmp(url, "/v3/auth/tokens")) {
		srv.auth_calls++;
		if (srv.auth_status != 201)
			return answer(c, srv.auth_status, "{\"error\": {\"message\": \"no\"}}",
				      NULL);
		snprintf(tok, sizeof(tok), "token-%d", ++srv.token_serial);
		snprintf(
			catalog, sizeof(catalog),
			"{\"token\": {\"expires_at\": \"%s\", \"catalog\": ["
			"{\"type\": \"compute\", \"endpoints\": [{\"interface\": \"internal\", "
			"\"region_id\": \"r1\", \"url\": \"http://127.0.0.1:%u/compute/v2.1\"}]},"
			"{\"type\": \"instance-ha\", \"endpoints\": ["
			"{\"interface\": \"public\", \"region_id\": \"r1\", \"url\": \"http://127.0.0.1:1/x\"},"
			"{\"interface\": \"internal\", \"region_id\": \"r2\", \"url\": \"http://127.0.0.1:1/y\"},"
			"{\"interface\": \"internal\", \"region_id\": \"r1\", \"url\": \"http://127.0.0.1:%u/v1\"}]}]}}",
			srv.auth_expires, srv.port, srv.port);
		return answer(c, 201, catalog, tok);
	}
	if (srv.reconciler &&
	    (!strncmp(url, "/v1/segments", 12) || !strcmp(url, "/compute/v2.1/os-aggregates"))) {
		size_t n = strlen(srv.az_calls);

		snprintf(srv.az_calls + n, sizeof(srv.az_calls) - n, "%s %s %.*s\n", method, url,
			 (int)rq->len, rq->body);
		if (!strcmp(url, "/compute/v2.1/os-aggregates"))
			return answer(c, 200, aggregates_body, NULL);
		if (!strcmp(method, "GET"))
			return answer(c, 200,
				      strstr(url, "/hosts") ? seg_hosts_body : seg_list_body, NULL);
		return answer(c, srv.az_status,
			      srv.az_status == 409
				      ? "{\"conflict\": {\"code\": 409, \"message\": \"exists\"}}"
				      : "{}",
			      NULL);
	}
	if (!strcmp(url, "/v1/segments")) {
		srv.seg_calls++;
		return answer(c, srv.seg_status,
			      "{\"segments\": [{\"uuid\": \"sa\", \"name\": \"az-a\"}, "
			      "{\"uuid\": \"sb\", \"name\": \"az-b\"}]}",
			      NULL);
	}
	if (!strncmp(url, "/v1/segments/", 13)) {
		/* Like masakari 14.0.2: ?name= is accepted and ignored; every
		 * host of the segment comes back. */
		srv.hosts_calls++;
		if (!strcmp(url, "/v1/segments/sb/hosts") && *srv.host_uuid) {
			snprintf(catalog, sizeof(catalog),
				 "{\"hosts\": [{\"uuid\": \"h-06\", \"name\": \"compute-06\"}, "
				 "{\"uuid\": \"%s\", \"name\": \"compute-07\", "
				 "\"on_maintenance\": true}, {\"uuid\": \"h-08\", \"name\": "
				 "\"compute-08\"}]}",
				 srv.host_uuid);
			return answer(c, 200, catalog, NULL);
		}
		return answer(c, 200,
			      "{\"hosts\": [{\"uuid\": \"h-01\", \"name\": \"compute-01\"}]}",
			      NULL);
	}
	if (!strcmp(url, "/v1/notifications") && !strcmp(method, "GET")) {
		const char *h =
			MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "source_host_uuid");
		const char *ty = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "type");
		const char *since =
			MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "generated-since");

		srv.list_calls++;
		snprintf(srv.list_query, sizeof(srv.list_query), "%s %s %s", h ? h : "",
			 ty ? ty : "", since ? since : "");
		if (srv.list_status != 200 || !h || strcmp(h, srv.list_for_uuid))
			return answer(c, srv.list_status, "{\"notifications\": []}", NULL);
		return answer(c, 200, srv.list_body, NULL);
	}
	if (!strcmp(url, "/v1/notifications")) {
		srv.notif_calls++;
		memcpy(srv.last_body, rq->body, rq->len);
		srv.last_body[rq->len] = '\0';
		t = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Auth-Token");
		snprintf(srv.token_seen, sizeof(srv.token_seen), "%s", t ? t : "");
		if (srv.notif_delay_ms)
			usleep(srv.notif_delay_ms * 1000);
		if (srv.notif_401_once && t) {
			srv.notif_401_once = 0;
			return answer(c, 401, "{\"error\": {\"message\": \"expired\"}}", NULL);
		}
		return answer(c, srv.notif_status, srv.notif_body, NULL);
	}
	if (!strncmp(url, "/compute/v2.1/os-services", 25)) {
		const char *v =
			MHD_lookup_connection_value(c, MHD_HEADER_KIND, "OpenStack-API-Version");
		const char *h = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "host");
		const char *b = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "binary");

		snprintf(srv.nova_version, sizeof(srv.nova_version), "%s", v ? v : "");
		if (!strcmp(method, "GET")) {
			snprintf(srv.nova_query, sizeof(srv.nova_query), "%s %s", b ? b : "",
				 h ? h : "");
			return answer(c, srv.nova_list_status, srv.nova_list_body, NULL);
		}
		srv.nova_put_calls++;
		snprintf(srv.nova_put_url, sizeof(srv.nova_put_url), "%s %s", method, url);
		snprintf(srv.nova_put_body, sizeof(srv.nova_put_body), "%.*s", (int)rq->len,
			 rq->body);
		return answer(c, srv.nova_put_status, "{\"service\": {}}", NULL);
	}
	return answer(c, 404, "{}", NULL);
}

static void done(void *cls, struct MHD_Connection *c, void **con_cls,
		 enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)c;
	(void)toe;
	free(*con_cls);
	*con_cls = NULL;
}

static int setup(void **state)
{
	(void)state;
	memset(&srv, 0, sizeof(srv));
	srv.notif_status = 202;
	srv.notif_body =
		"{\"notification\": {\"notification_uuid\": \"4f7c-uuid\", \"status\": \"new\"}}";
	srv.auth_status = 201;
	srv.auth_expires = "2999-01-01T00:00:00.000000Z";
	srv.seg_status = 200;
	srv.list_status = 200;
	srv.host_uuid = "h-07";
	srv.list_for_uuid = "h-07";
	srv.list_body = "{\"notifications\": []}";
	srv.nova_list_status = 200;
	srv.nova_list_body =
		"{\"services\": [{\"id\": \"8f1d-uuid\", \"binary\": "
		"\"nova-compute\", \"host\": \"compute-07\", \"forced_down\": false}]}";
	srv.nova_put_status = 200;
	srv.d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION, 0,
				 NULL, NULL, handler, NULL, MHD_OPTION_NOTIFY_COMPLETED, done, NULL,
				 MHD_OPTION_END);
	if (!srv.d)
		return -1;
	srv.port = MHD_get_daemon_info(srv.d, MHD_DAEMON_INFO_BIND_PORT)->port;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	MHD_stop_daemon(srv.d);
	return 0;
}

static void fixed_cfg(struct mk_config *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->url, sizeof(c->url), "http://127.0.0.1:%u/v1", srv.port);
	c->timeout_ms = 1000;
}

static void keystone_cfg(struct mk_config *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->auth_url, sizeof(c->auth_url), "http://127.0.0.1:%u/v3", srv.port);
	snprintf(c->username, sizeof(c->username), "masakari");
	snprintf(c->password, sizeof(c->password), "secret");
	snprintf(c->project_name, sizeof(c->project_name), "service");
	snprintf(c->user_domain_name, sizeof(c->user_domain_name), "Default");
	snprintf(c->project_domain_name, sizeof(c->project_domain_name), "Default");
	snprintf(c->region_name, sizeof(c->region_name), "r1");
	snprintf(c->interface, sizeof(c->interface), "internal");
	c->timeout_ms = 1000;
}

static void notification(struct mk_notification *n)
{
	/* 2026-11-25T06:00:00.123456Z */
	mk_notification_init(n, "compute-07", 1, 0, 1795586400123456789ULL);
}

/* ---- tests ---------------------------------------------------------------- */

static void test_body_is_hostmonitor_format(void **state)
{
	struct mk_notification n;
	struct mk_config cfg;
	struct mk_client c;
	struct mk_reply r;
	json_t *b, *p;

	(void)state;
	fixed_cfg(&cfg);
	mk_client_init(&c, &cfg);
	notification(&n);
	assert_int_equal(mk_send(&c, &n, &r), NOTIFY_DELIVERED);
	assert_string_equal(r.uuid, "4f7c-uuid");
	assert_int_equal(r.http_status, 202);
	b = json_loads(srv.last_body, 0, NULL);
	assert_non_null(b);
	b = json_object_get(b, "notification");
	assert_string_equal(json_string_value(json_object_get(b, "type")), "COMPUTE_HOST");
	assert_string_equal(json_string_value(json_object_get(b, "hostname")), "compute-07");
	assert_string_equal(json_string_value(json_object_get(b, "generated_time")),
			    "2026-11-25T06:00:00.123456");
	p = json_object_get(b, "payload");
	assert_string_equal(json_string_value(json_object_get(p, "event")), "STOPPED");
	assert_string_equal(json_string_value(json_object_get(p, "cluster_status")), "OFFLINE");
	assert_string_equal(json_string_value(json_object_get(p, "host_status")), "UNKNOWN");
	assert_string_equal(srv.token_seen, ""); /* no auth on a fixed endpoint */
}

static void test_started_and_confirmed(void **state)
{
	struct mk_notification n;

	(void)state;
	mk_notification_init(&n, "h", 0, 0, 0);
	assert_string_equal(n.event, "STARTED");
	assert_string_equal(n.cluster_status, "ONLINE");
	assert_string_equal(n.host_status, "NORMAL");
	mk_notification_init(&n, "h", 1, 1, 0);
	assert_string_equal(n.host_status, "NORMAL");
	assert_string_equal(n.generated_time, "1970-01-01T00:00:00.000000");
}

static void expect_result(unsigned status, const char *body, enum notify_result want)
{
	struct mk_notification n;
	struct mk_config cfg;
	struct mk_client c;
	struct mk_reply r;

	srv.notif_status = status;
	srv.notif_body = body;
	fixed_cfg(&cfg);
	mk_client_init(&c, &cfg);
	notification(&n);
	assert_int_equal(mk_send(&c, &n, &r), want);
	assert_int_equal(r.http_status, status);
}

static void test_classification(void **state)
{
	(void)state;
	expect_result(409,
		      "{\"conflictingRequest\": {\"code\": 409, \"message\": \"Notification "
		      "received from host compute-07 of type COMPUTE_HOST is duplicate.\"}}",
		      NOTIFY_DUPLICATE);
	/* masakari 14.0.2's text, then other wordings of the same refusal */
	expect_result(409,
		      "{\"conflictingRequest\": {\"code\": 409, \"message\": \"Notification "
		      "received from host compute-07 of type 'COMPUTE_HOST' is ignored as the "
		      "host is already under maintenance.\"}}",
		      NOTIFY_ON_MAINTENANCE);
	expect_result(409,
		      "{\"conflictingRequest\": {\"code\": 409, \"message\": \"Host compute-07 "
		      "is in Maintenance mode\"}}",
		      NOTIFY_ON_MAINTENANCE);
	/* a 409 without a message is taken as the duplicate it usually is */
	expect_result(409, "{}", NOTIFY_DUPLICATE);
	expect_result(400,
		      "{\"badRequest\": {\"code\": 400, \"message\": \"Host with name "
		      "compute-07 could not be found.\"}}",
		      NOTIFY_HOST_UNKNOWN);
	expect_result(400, "{\"badRequest\": {\"code\": 400, \"message\": \"Invalid input\"}}",
		      NOTIFY_REJECTED);
	/* A 5xx may come after Masakari stored it (its engine RPC failed). */
	expect_result(500, "{\"computeFault\": {\"code\": 500, \"message\": \"boom\"}}",
		      NOTIFY_UNCERTAIN);
	expect_result(503, "not json at all", NOTIFY_UNCERTAIN);
	expect_result(429, "{}", NOTIFY_RETRY);
}

static void test_slow_answer_times_out(void **state)
{
	struct mk_notification n;
	struct mk_config cfg;
	struct mk_client c;
	struct mk_reply r;
	uint64_t t0;

	(void)state;
	srv.notif_delay_ms = 1500;
	fixed_cfg(&cfg);
	cfg.timeout_ms = 300;
	mk_client_init(&c, &cfg);
	notification(&n);
	t0 = now_mono_ns();
	/* The request went out: Masakari may act on it after we gave up. */
	assert_int_equal(mk_send(&c, &n, &r), NOTIFY_UNCERTAIN);
	assert_true(now_mono_ns() - t0 < 1200 * NSEC_PER_MSEC);
	assert_int_equal(r.http_status, 0);
	assert_non_null(strstr(r.message, "imeout"));
	srv.notif_delay_ms = 0;
}

static void test_connection_refused(void **state)
{
	struct mk_notification n;
	struct mk_config cfg;
	struct mk_client c;
	struct mk_reply r;

	(void)state;
	fixed_cfg(&cfg);
	snprintf(cfg.url, sizeof(cfg.url), "http://127.0.0.1:1/v1");
	mk_client_init(&c, &cfg);
	notification(&n);
	assert_int_equal(mk_send(&c, &n, &r), NOTIFY_RETRY);
	assert_true(strlen(r.message) > 0);
}

static void test_keystone_catalog_and_cached_token(void **state)
{
	struct mk_notification n;
	struct mk_config cfg;
	struct mk_client c;
	struct mk_reply r;
	char want[64];

	(void)state;
	keystone_cfg(&cfg);
	mk_client_init(&c, &cfg);
	notification(&n);
	assert_int_equal(mk_send(&c, &n, &r), NOTIFY_DELIVERED);
	snprintf(want, sizeof(want), "http://127.0.0.1:%u/v1", srv.port);
	assert_string_equal(c.endpoint, want); /* internal, region r1 */
	assert_string_equal(srv.token_seen, "token-1");
	assert_int_equal(mk_send(&c, &n, &r), NOTIFY_DELIVERED);
	assert_int_equal(srv.auth_calls, 1); /* cached */
	assert_int_equal(srv.notif_calls, 2);
}

static void test_keystone_401_reauthenticates_once(void **state)
{
	struct mk_notification n;
	struct mk_config cfg;
	struct mk_client c;
	struct mk_reply r;

	(void)state;
	keystone_cfg(&cfg);
	mk_client_init(&c, &cfg);
	notification(&n);
	srv.notif_401_once = 1;
	assert_int_equal(mk_send(&c, &n, &r), NOTIFY_DELIVERED);
	assert_int_equal(srv.auth_calls, 2);
	assert_string_equal(srv.token_seen, "token-2");
}

static void test_keystone_renews_before_expiry(void **state)
{
	struct mk_notification n;
	struct mk_config cfg;
	struct mk_client c;
	struct mk_reply r;
	int auth;

	(void)state;
	srv.auth_expires = "2000-01-01T00:00:00.000000Z"; /* already past */
	keystone_cfg(&cfg);
	mk_client_init(&c, &cfg);
	notification(&n);
	assert_int_equal(mk_send(&c, &n, &r), NOTIFY_DELIVERED);
	auth = srv.auth_calls;
	assert_int_equal(mk_send(&c, &n, &r), NOTIFY_DELIVERED);
	assert_int_equal(srv.auth_calls, auth + 1); /* renewed for the second send */
}

static void test_keystone_failure_is_retried(void **state)
{
	struct mk_notification n;
	struct mk_config cfg;
	struct mk_client c;
	struct mk_reply r;

	(void)state;
	srv.auth_status = 401;
	keystone_cfg(&cfg);
	mk_client_init(&c, &cfg);
	notification(&n);
	assert_int_equal(mk_send(&c, &n, &r), NOTIFY_RETRY);
	assert_int_equal(srv.notif_calls, 0);
	assert_non_null(strstr(r.message, "401"));
}

static void test_keystone_catalog_without_masakari(void **state)
{
	struct mk_notification n;
	struct mk_config cfg;
	struct mk_client c;
	struct mk_reply r;

	(void)state;
	keystone_cfg(&cfg);
	snprintf(cfg.region_name, sizeof(cfg.region_name), "nowhere");
	mk_client_init(&c, &cfg);
	notification(&n);
	assert_int_equal(mk_send(&c, &n, &r), NOTIFY_RETRY);
	assert_non_null(strstr(r.message, "instance-ha"));
}

/* masakari.url with auth_url: the fixed endpoint wins over the catalog (here
 * without any instance-ha in the region), and gets the Keystone token, as
 * vigil.json(5) says. */
static void test_fixed_url_with_keystone_token(void **state)
{
	struct mk_notification n;
	struct mk_config cfg;
	struct mk_client c;
	struct mk_reply r;
	char want[64];

	(void)state;
	keystone_cfg(&cfg);
	snprintf(cfg.region_name, sizeof(cfg.region_name), "nowhere");
	snprintf(cfg.url, sizeof(cfg.url), "http://127.0.0.1:%u/v1", srv.port);
	mk_client_init(&c, &cfg);
	notification(&n);
	assert_int_equal(mk_send(&c, &n, &r), NOTIFY_DELIVERED);
	snprintf(want, sizeof(want), "http://127.0.0.1:%u/v1", srv.port);
	assert_string_equal(c.endpoint, want);
	assert_int_equal(srv.auth_calls, 1);
	assert_string_equal(srv.token_seen, "token-1");
}

/* ---- finding a notification ------------------------------------------------ */

/* A list of one notification of compute-07 as Masakari shows it. */
static char list_buf[1024];
static const char *one_listed(const char *generated_time, const char *event)
{
	snprintf(list_buf, sizeof(list_buf),
		 "{\"notifications\": [{\"notification_uuid\": \"f00d-uuid\", \"status\": "
		 "\"finished\", \"type\": \"COMPUTE_HOST\", \"source_host_uuid\": \"h-07\", "
		 "\"generated_time\": \"%s\", \"payload\": {\"event\": \"%s\", "
		 "\"cluster_status\": \"OFFLINE\", \"host_status\": \"NORMAL\"}}]}",
		 generated_time, event);
	return list_buf;
}

static int find_at(uint64_t generated_ns, const char *stored, const char *event, struct mk_reply *r)
{
	struct mk_notification n;
	struct mk_config cfg;
	struct mk_client c;

	srv.list_body = one_listed(stored, event);
	fixed_cfg(&cfg);
	mk_client_init(&c, &cfg);
	mk_notification_init(&n, "compute-07", 1, 1, generated_ns);
	return mk_find(&c, &n, r);
}

static void test_find_found(void **state)
{
	struct mk_notification n;
	struct mk_config cfg;
	struct mk_client c;
	struct mk_reply r;

	(void)state;
	srv.list_body = one_listed("2026-11-25T06:00:00.123456", "STOPPED");
	fixed_cfg(&cfg);
	mk_client_init(&c, &cfg);
	notification(&n);
	assert_int_equal(mk_find(&c, &n, &r), 1);
	assert_string_equal(r.uuid, "f00d-uuid");
	assert_non_null(strstr(r.message, "found in Masakari"));
	assert_non_null(strstr(r.message, "finished"));
	/* the host resolved through the segments (az-b has it) ... */
	assert_int_equal(srv.seg_calls, 1);
	assert_int_equal(srv.hosts_calls, 2);
	assert_string_equal(mk_host_segment(&c, "compute-07"), "az-b");
	/* ... the list asked by host uuid, type, and a second before ours */
	assert_string_equal(srv.list_query, "h-07 COMPUTE_HOST 2026-11-25T05:59:59");
	/* a second lookup uses the cached uuid: one request */
	assert_int_equal(mk_find(&c, &n, &r), 1);
	assert_int_equal(srv.seg_calls, 1);
	assert_int_equal(srv.list_calls, 2);
	assert_int_equal(srv.notif_calls, 0); /* nothing was sent */
}

/* Masakari's database keeps microseconds (sqlite, MySQL DATETIME(6)) or
 * whole seconds (MySQL DATETIME truncates or rounds; MariaDB truncates). */
static void test_find_generated_time_precision(void **state)
{
	const uint64_t t = 1795586400123456789ULL;    /* 06:00:00.123456 */
	const uint64_t late = 1795586400623456789ULL; /* 06:00:00.623456 */
	struct mk_reply r;

	(void)state;
	assert_int_equal(find_at(t, "2026-11-25T06:00:00.123456", "STOPPED", &r), 1);
	assert_int_equal(find_at(t, "2026-11-25T06:00:00.123456+00:00", "STOPPED", &r), 1);
	assert_int_equal(find_at(t, "2026-11-25T06:00:00.000000", "STOPPED", &r), 1);
	assert_int_equal(find_at(t, "2026-11-25T06:00:00", "STOPPED", &r), 1);
	assert_int_equal(find_at(t, "2026-11-25T06:00:00Z", "STOPPED", &r), 1);
	assert_int_equal(find_at(late, "2026-11-25T06:00:01.000000", "STOPPED", &r), 1);
	/* other notifications of the host */
	assert_int_equal(find_at(t, "2026-11-25T06:00:00.123457", "STOPPED", &r), 0);
	assert_int_equal(find_at(t, "2026-11-25T06:00:01", "STOPPED", &r), 0); /* t rounds down */
	assert_int_equal(find_at(t, "2026-11-25T05:59:59", "STOPPED", &r), 0);
	assert_int_equal(find_at(t, "2026-11-25T06:00:00.123456", "STARTED", &r), 0);
	/* the same instant written in another zone */
	assert_int_equal(find_at(t, "2026-11-25T07:00:00.123456+01:00", "STOPPED", &r), 1);
}

static void test_find_not_found_and_errors(void **state)
{
	struct mk_notification n;
	struct mk_config cfg;
	struct mk_client c;
	struct mk_reply r;

	(void)state;
	fixed_cfg(&cfg);
	mk_client_init(&c, &cfg);
	notification(&n);
	assert_int_equal(mk_find(&c, &n, &r), 0);
	/* the list cannot be read: cannot tell */
	srv.list_status = 500;
	assert_int_equal(mk_find(&c, &n, &r), -1);
	assert_non_null(strstr(r.message, "HTTP 500"));
	srv.list_status = 200;
	/* the segments cannot be read: cannot tell */
	mk_client_init(&c, &cfg);
	srv.seg_status = 503;
	assert_int_equal(mk_find(&c, &n, &r), -1);
	srv.seg_status = 200;
	/* no segment has the host: Masakari holds nothing of it */
	srv.host_uuid = "";
	assert_int_equal(mk_find(&c, &n, &r), 0);
	/* nothing listens */
	snprintf(cfg.url, sizeof(cfg.url), "http://127.0.0.1:1/v1");
	mk_client_init(&c, &cfg);
	assert_int_equal(mk_find(&c, &n, &r), -1);
	assert_non_null(strstr(r.message, "onnect"));
	assert_int_equal(srv.notif_calls, 0);
}

/* A host deleted and added again has a new uuid: the cached one lists
 * nothing, so the lookup resolves the host afresh before saying "not there". */
static void test_find_host_added_again(void **state)
{
	struct mk_notification n;
	struct mk_config cfg;
	struct mk_client c;
	struct mk_reply r;

	(void)state;
	fixed_cfg(&cfg);
	mk_client_init(&c, &cfg);
	notification(&n);
	assert_int_equal(mk_find(&c, &n, &r), 0); /* caches h-07 */
	srv.host_uuid = "h-07-new";
	srv.list_for_uuid = "h-07-new";
	srv.list_body = one_listed("2026-11-25T06:00:00.123456", "STOPPED");
	assert_int_equal(mk_find(&c, &n, &r), 1);
	assert_int_equal(srv.seg_calls, 2);
}

/* The notifier's sequence (outbox_deliver) with this client. */
struct call {
	struct mk_client *c;
	struct mk_notification *n;
	struct mk_reply r;
};

static int call_find(void *ctx)
{
	struct call *k = ctx;

	return mk_find(k->c, k->n, &k->r);
}

static enum notify_result call_send(void *ctx)
{
	struct call *k = ctx;

	return mk_send(k->c, k->n, &k->r);
}

static void test_on_maintenance_then_lookup(void **state)
{
	static const struct outbox_ops ops = {call_find, call_send};
	struct mk_notification n;
	struct mk_config cfg;
	struct mk_client c;
	struct call k = {&c, &n, {0}};

	(void)state;
	fixed_cfg(&cfg);
	mk_client_init(&c, &cfg);
	notification(&n);
	srv.notif_status = 409;
	srv.notif_body = "{\"conflictingRequest\": {\"code\": 409, \"message\": \"Notification "
			 "received from host compute-07 of type 'COMPUTE_HOST' is ignored as the "
			 "host is already under maintenance.\"}}";
	/* Not in Masakari: a refused second failure. */
	assert_int_equal(outbox_deliver(&ops, &k, 0), NOTIFY_ON_MAINTENANCE);
	assert_int_equal(srv.notif_calls, 1);
	assert_int_equal(srv.list_calls, 1);
	/* Our earlier send, processed: the engine set the flag. */
	srv.list_body = one_listed("2026-11-25T06:00:00.123456", "STOPPED");
	assert_int_equal(outbox_deliver(&ops, &k, 0), NOTIFY_FOUND);
	assert_string_equal(k.r.uuid, "f00d-uuid");
	/* Unsure: looked up first, found, never sent. */
	assert_int_equal(outbox_deliver(&ops, &k, 1), NOTIFY_FOUND);
	assert_int_equal(srv.notif_calls, 2);
}

/* ---- Nova force_down (fencing) ---------------------------------------------- */

static void test_nova_force_down(void **state)
{
	struct mk_config cfg;
	struct mk_client c;
	char msg[256];

	(void)state;
	keystone_cfg(&cfg);
	mk_client_init(&c, &cfg);
	/* The compute endpoint from the same catalog, the same token. */
	assert_int_equal(nova_force_down(&c, "", "compute-07", msg, sizeof(msg)), 0);
	assert_string_equal(srv.nova_query, "nova-compute compute-07");
	assert_string_equal(srv.nova_version, "compute 2.53");
	assert_string_equal(srv.nova_put_url, "PUT /compute/v2.1/os-services/8f1d-uuid");
	assert_string_equal(srv.nova_put_body, "{\"forced_down\": true}");
	assert_int_equal(srv.auth_calls, 1);
	assert_non_null(strstr(msg, "forced down"));
}

static void expect_nova_error(const char *url, const char *says)
{
	struct mk_config cfg;
	struct mk_client c;
	char msg[256];

	fixed_cfg(&cfg);
	mk_client_init(&c, &cfg);
	assert_int_equal(nova_force_down(&c, url, "compute-07", msg, sizeof(msg)), -1);
	if (!strstr(msg, says))
		fail_msg("\"%s\" does not say \"%s\"", msg, says);
}

static void test_nova_faults(void **state)
{
	char url[128];

	(void)state;
	snprintf(url, sizeof(url), "http://127.0.0.1:%u/compute/v2.1", srv.port);
	srv.nova_list_body = "{\"services\": []}";
	expect_nova_error(url, "Nova has no nova-compute service on host compute-07");
	srv.nova_list_status = 500;
	expect_nova_error(url, "GET os-services answered HTTP 500");
	srv.nova_list_status = 200;
	srv.nova_list_body = "{\"services\": [{\"id\": \"8f1d-uuid\"}]}";
	srv.nova_put_status = 400;
	expect_nova_error(url, "PUT os-services/8f1d-uuid answered HTTP 400");
	expect_nova_error("http://127.0.0.1:1/v2.1", "Couldn't connect");
	/* No fixed URL and no Keystone: no endpoint to ask. */
	expect_nova_error("", "no Nova endpoint");
	assert_int_equal(srv.nova_put_calls, 1);
}

/* ---- TLS: masakari.ca_file, cert_file, key_file -------------------------- */

static struct {
	char dir[64];
	char *srv_key, *srv_crt, *cli_crt;
	struct MHD_Daemon *d;
	uint16_t port;
	int client_verified; /* the last request came with a client certificate we trust */
} tls;

static char *slurp(const char *dir, const char *name)
{
	char path[128], *buf = calloc(1, 16384);
	long n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	n = file_read(path, buf, 16384);
	assert_true(n > 0);
	return buf;
}

static enum MHD_Result tls_handler(void *cls, struct MHD_Connection *c, const char *url,
				   const char *method, const char *version, const char *upload,
				   size_t *upload_size, void **con_cls)
{
	const union MHD_ConnectionInfo *ci;
	unsigned status = 1;
	static const char body[] = "{\"notification\": {\"notification_uuid\": \"tls-uuid\"}}";

	(void)cls, (void)url, (void)method, (void)version, (void)upload;
	if (!*con_cls) {
		*con_cls = c;
		return MHD_YES;
	}
	if (*upload_size) {
		*upload_size = 0;
		return MHD_YES;
	}
	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_GNUTLS_SESSION);
	tls.client_verified =
		ci &&
		gnutls_certificate_verify_peers2((gnutls_session_t)ci->tls_session, &status) == 0 &&
		status == 0 &&
		gnutls_certificate_get_peers((gnutls_session_t)ci->tls_session, NULL);
	return answer(c, 202, body, NULL);
}

static int tls_setup(void **state)
{
	char cmd[1024];

	(void)state;
	snprintf(tls.dir, sizeof(tls.dir), "/tmp/vigil-tls.XXXXXX");
	if (!mkdtemp(tls.dir))
		return -1;
	/* a server certificate for 127.0.0.1, and a client one, each its own CA */
	snprintf(cmd, sizeof(cmd),
		 "cd %s && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 "
		 "-nodes -days 2 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 "
		 "-keyout srv.key -out srv.crt 2>/dev/null && "
		 "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
		 "-days 2 -subj /CN=vigil -keyout cli.key -out cli.crt 2>/dev/null",
		 tls.dir);
	if (system(cmd))
		return -1;
	tls.srv_key = slurp(tls.dir, "srv.key");
	tls.srv_crt = slurp(tls.dir, "srv.crt");
	tls.cli_crt = slurp(tls.dir, "cli.crt");
	tls.d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_TLS, 0, NULL, NULL,
				 tls_handler, NULL, MHD_OPTION_HTTPS_MEM_KEY, tls.srv_key,
				 MHD_OPTION_HTTPS_MEM_CERT, tls.srv_crt, MHD_OPTION_HTTPS_MEM_TRUST,
				 tls.cli_crt, MHD_OPTION_END);
	if (!tls.d)
		return -1;
	tls.port = MHD_get_daemon_info(tls.d, MHD_DAEMON_INFO_BIND_PORT)->port;
	return 0;
}

static int tls_teardown(void **state)
{
	char cmd[128];

	(void)state;
	MHD_stop_daemon(tls.d);
	free(tls.srv_key);
	free(tls.srv_crt);
	free(tls.cli_crt);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tls.dir);
	return system(cmd) ? -1 : 0;
}

static enum notify_result tls_send(const char *ca, const char *cert, const char *key,
				   struct mk_reply *r)
{
	struct mk_notification n;
	struct mk_config cfg = {.timeout_ms = 2000};
	struct mk_client c;

	snprintf(cfg.url, sizeof(cfg.url), "https://127.0.0.1:%u/v1", tls.port);
	if (ca)
		snprintf(cfg.ca_file, sizeof(cfg.ca_file), "%s/%s", tls.dir, ca);
	if (cert) {
		snprintf(cfg.cert_file, sizeof(cfg.cert_file), "%s/%s", tls.dir, cert);
		snprintf(cfg.key_file, sizeof(cfg.key_file), "%s/%s", tls.dir, key);
	}
	mk_client_init(&c, &cfg);
	mk_notification_init(&n, "compute-07", 1, 0, 1764547200000000000ULL);
	tls.client_verified = 0;
	return mk_send(&c, &n, r);
}

/* An https:// Masakari: its certificate is checked against masakari.ca_file
 * (a server whose CA is not trusted gets nothing), and the client
 * certificate of masakari.cert_file / key_file is presented. */
static void test_tls_ca_and_client_certificate(void **state)
{
	struct mk_reply r;

	(void)state;
	assert_int_equal(tls_send(NULL, NULL, NULL, &r), NOTIFY_RETRY); /* not the system's CA */
	assert_int_equal(r.http_status, 0);
	assert_int_equal(tls_send("cli.crt", NULL, NULL, &r), NOTIFY_RETRY); /* a wrong CA */
	assert_int_equal(tls_send("srv.crt", NULL, NULL, &r), NOTIFY_DELIVERED);
	assert_string_equal(r.uuid, "tls-uuid");
	assert_false(tls.client_verified);
	assert_int_equal(tls_send("srv.crt", "cli.crt", "cli.key", &r), NOTIFY_DELIVERED);
	assert_true(tls.client_verified);
}

/* ---- the reconciler's calls --------------------------------------------------- */

static void test_segment_calls(void **state)
{
	struct az_view v = {0};
	struct mk_config cfg;
	struct mk_client c;
	struct mk_result r;
	char url[128];

	(void)state;
	keystone_cfg(&cfg);
	mk_client_init(&c, &cfg);
	srv.reconciler = 1;
	/* The segment by name among others, its hosts and their maintenance. */
	assert_int_equal(mk_segment_read(&c, "az1", &v, &r), 0);
	assert_true(v.seg_read);
	assert_string_equal(v.seg_uuid, "u-az1");
	assert_string_equal(v.seg_method, "auto");
	assert_int_equal(v.nseg, 2);
	assert_string_equal(v.seg[1].name, "compute-2");
	assert_string_equal(v.seg[1].uuid, "h2");
	assert_true(v.seg[1].on_maintenance);
	assert_false(v.seg[0].on_maintenance);
	assert_int_equal(srv.auth_calls, 1); /* one token for both calls */
	/* None of that name: read, and empty. */
	assert_int_equal(mk_segment_read(&c, "az9", &v, &r), 0);
	assert_true(v.seg_read);
	assert_string_equal(v.seg_uuid, "");
	assert_int_equal(v.nseg, 0);
	/* Changes: their bodies as Masakari's schema wants them. */
	srv.az_calls[0] = '\0';
	srv.az_status = 201;
	assert_int_equal(mk_host_add(&c, "u-az1", "compute-3", 1, &r), 0);
	srv.az_status = 200;
	assert_int_equal(mk_host_maintenance(&c, "u-az1", "h2", 0, &r), 0);
	srv.az_status = 204;
	assert_int_equal(mk_host_remove(&c, "u-az1", "h1", &r), 0);
	assert_string_equal(
		srv.az_calls,
		"POST /v1/segments/u-az1/hosts {\"host\":{\"name\":\"compute-3\",\"type\":"
		"\"COMPUTE\",\"control_attributes\":\"SSH\",\"on_maintenance\":true}}\n"
		"PUT /v1/segments/u-az1/hosts/h2 {\"host\":{\"on_maintenance\":false}}\n"
		"DELETE /v1/segments/u-az1/hosts/h1 \n");
	/* A segment that exists already is made; a host gone already is removed;
	 * a refusal says why. */
	srv.az_status = 409;
	assert_int_equal(mk_segment_create(&c, "az1", "auto", &r), 0);
	srv.az_status = 404;
	assert_int_equal(mk_host_remove(&c, "u-az1", "h1", &r), 0);
	srv.az_status = 409;
	assert_int_equal(mk_host_add(&c, "u-az1", "compute-3", 0, &r), -1);
	assert_int_equal(r.http, 409);
	assert_string_equal(r.msg, "HTTP 409: exists");
	/* The aggregate by name or by zone: every aggregate of the zone, each
	 * host once. */
	snprintf(url, sizeof(url), "http://127.0.0.1:%u/compute/v2.1", srv.port);
	assert_int_equal(nova_aggregate_read(&c, url, "az1", &v, &r), 0);
	assert_true(v.agg_read && v.agg_found);
	assert_int_equal(v.nagg, 3);
	assert_true(az_in_aggregate(&v, "compute-3"));
	assert_false(az_in_aggregate(&v, "compute-9"));
	assert_int_equal(nova_aggregate_read(&c, url, "agg-b", &v, &r), 0);
	assert_int_equal(v.nagg, 2);
	assert_int_equal(nova_aggregate_read(&c, url, "nope", &v, &r), 0);
	assert_false(v.agg_found);
	az_view_free(&v);
	/* Masakari down: not read, and why. */
	snprintf(cfg.auth_url, sizeof(cfg.auth_url), "http://127.0.0.1:1/v3");
	mk_client_init(&c, &cfg);
	assert_int_equal(mk_segment_read(&c, "az1", &v, &r), -1);
	assert_false(v.seg_read);
	assert_non_null(strstr(r.msg, "Couldn't connect"));
	az_view_free(&v);
}

/* Sent again with the time of sending (NOTIFY_BLOCKED): the POST carries it,
 * and a lookup takes a notification of the host generated since the entry's
 * own time as this one, not one from before. */
static void test_sent_at(void **state)
{
	const uint64_t t = 1795586400123456789ULL; /* 06:00:00.123456 */
	struct mk_notification n;
	struct mk_config cfg;
	struct mk_client c;
	struct mk_reply r;

	(void)state;
	fixed_cfg(&cfg);
	mk_client_init(&c, &cfg);
	mk_notification_init(&n, "compute-07", 1, 1, t);
	mk_notification_sent_at(&n, 1795586700000000000ULL);
	assert_int_equal(mk_send(&c, &n, &r), NOTIFY_DELIVERED);
	assert_non_null(strstr(srv.last_body, "\"generated_time\":\"2026-11-25T06:05:00.000000\""));
	srv.list_body = one_listed("2026-11-25T06:05:00.000000", "STOPPED");
	assert_int_equal(mk_find(&c, &n, &r), 1);
	assert_string_equal(srv.list_query, "h-07 COMPUTE_HOST 2026-11-25T05:59:59");
	srv.list_body = one_listed("2026-11-25T05:59:00.000000", "STOPPED"); /* the previous */
	assert_int_equal(mk_find(&c, &n, &r), 0);
	srv.list_body = one_listed("2026-11-25T06:05:00.000000", "STARTED");
	assert_int_equal(mk_find(&c, &n, &r), 0);
	/* Without a time of sending, only the entry's own time matches. */
	mk_notification_init(&n, "compute-07", 1, 1, t);
	srv.list_body = one_listed("2026-11-25T06:05:00.000000", "STOPPED");
	assert_int_equal(mk_find(&c, &n, &r), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_body_is_hostmonitor_format, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nova_force_down, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nova_faults, setup, teardown),
		cmocka_unit_test(test_started_and_confirmed),
		cmocka_unit_test_setup_teardown(test_classification, setup, teardown),
		cmocka_unit_test_setup_teardown(test_slow_answer_times_out, setup, teardown),
		cmocka_unit_test_setup_teardown(test_connection_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_keystone_catalog_and_cached_token, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_keystone_401_reauthenticates_once, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_keystone_renews_before_expiry, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_keystone_failure_is_retried, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fixed_url_with_keystone_token, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_keystone_catalog_without_masakari, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_tls_ca_and_client_certificate, tls_setup,
						tls_teardown),
		cmocka_unit_test_setup_teardown(test_find_found, setup, teardown),
		cmocka_unit_test_setup_teardown(test_find_generated_time_precision, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_find_not_found_and_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_find_host_added_again, setup, teardown),
		cmocka_unit_test_setup_teardown(test_on_maintenance_then_lookup, setup, teardown),
		cmocka_unit_test_setup_teardown(test_segment_calls, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sent_at, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
