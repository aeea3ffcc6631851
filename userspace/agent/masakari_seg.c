// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * masakari_seg.c - Masakari's /segments and /segments/{uuid}/hosts, Nova's
 * os-aggregates, os-services and os-hypervisors, through mk_request.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <jansson.h>

#include "httpc.h"
#include "masakari_seg.h"
#include "nova.h"

#define SEG_SERVICE_TYPE "COMPUTE"
#define HOST_TYPE	 "COMPUTE"
#define HOST_CONTROL	 "SSH" /* what masakari-monitors' hosts are registered with */

/* method url (base + path; base NULL: Masakari's endpoint) with body; the answer's JSON in *root if
 * want (NULL otherwise). 0 if the status is one of ok (or 409 and
 * conflict_ok), else -1 with the reason in r. */
static int call(struct mk_client *c, const char *base, const char *method, const char *path,
		const char *version, json_t *body, long ok, int conflict_ok, json_t **root,
		struct mk_result *r)
{
	struct httpc_resp resp;
	char url[700], vhdr[96], nvhdr[96], *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
	const char *extra[3] = {NULL, NULL, NULL};
	int rc = -1;

	json_decref(body);
	if (root)
		*root = NULL;
	r->http = 0;
	snprintf(url, sizeof(url), "%s%s", base ? base : "", path);
	if (version) {
		snprintf(vhdr, sizeof(vhdr), "OpenStack-API-Version: %s", version);
		extra[0] = vhdr;
		if (!strncmp(version, "compute ", 8)) {
			snprintf(nvhdr, sizeof(nvhdr), "X-OpenStack-Nova-API-Version: %s",
				 version + 8);
			extra[1] = nvhdr;
		}
	}
	if (mk_request(c, method, url, text, extra, &resp, r->msg, sizeof(r->msg))) {
		httpc_resp_free(&resp);
		free(text);
		return -1;
	}
	free(text);
	r->http = resp.status;
	mk_answer_text(&resp, r->msg, sizeof(r->msg));
	if (resp.status == ok || (conflict_ok && resp.status == 409)) {
		rc = 0;
		if (root && !(*root = json_loads(resp.body ? resp.body : "", 0, NULL))) {
			snprintf(r->msg, sizeof(r->msg), "%s %s: HTTP %ld with no JSON answer",
				 method, path, resp.status);
			rc = -1;
		}
	}
	httpc_resp_free(&resp);
	return rc;
}

static const char *jstr(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "";
}

static void copy(char *dst, size_t n, json_t *o, const char *k)
{
	snprintf(dst, n, "%s", jstr(o, k));
}

int mk_segment_read(struct mk_client *c, const char *name, struct az_view *v, struct mk_result *r)
{
	json_t *root = NULL, *s, *found = NULL;
	char path[200];
	size_t i;

	v->seg_read = 0;
	v->seg_uuid[0] = '\0';
	free(v->seg);
	v->seg = NULL;
	v->nseg = 0;
	if (call(c, NULL, "GET", "/segments?limit=1000", NULL, NULL, 200, 0, &root, r))
		return -1;
	json_array_foreach(json_object_get(root, "segments"), i, s)
	{
		if (!strcmp(jstr(s, "name"), name))
			found = s;
	}
	if (found) {
		copy(v->seg_uuid, sizeof(v->seg_uuid), found, "uuid");
		copy(v->seg_method, sizeof(v->seg_method), found, "recovery_method");
	}
	json_decref(root);
	if (!v->seg_uuid[0]) {
		v->seg_read = 1;
		return 0;
	}
	snprintf(path, sizeof(path), "/segments/%s/hosts?limit=1000", v->seg_uuid);
	if (call(c, NULL, "GET", path, NULL, NULL, 200, 0, &root, r))
		return -1;
	s = json_object_get(root, "hosts");
	v->seg = calloc(json_array_size(s) + 1, sizeof(*v->seg));
	if (!v->seg) {
		json_decref(root);
		snprintf(r->msg, sizeof(r->msg), "out of memory");
		return -1;
	}
	json_array_foreach(s, i, found)
	{
		struct az_seg_host *h = &v->seg[v->nseg++];

		copy(h->name, sizeof(h->name), found, "name");
		copy(h->uuid, sizeof(h->uuid), found, "uuid");
		h->on_maintenance = json_is_true(json_object_get(found, "on_maintenance"));
	}
	json_decref(root);
	v->seg_read = 1;
	return 0;
}

int mk_segment_create(struct mk_client *c, const char *name, const char *method,
		      struct mk_result *r)
{
	return call(c, NULL, "POST", "/segments", NULL,
		    json_pack("{s:{s:s, s:s, s:s, s:s}}", "segment", "name", name,
			      "recovery_method", method, "service_type", SEG_SERVICE_TYPE,
			      "description", "kept in sync by vigil (reconcile.*)"),
		    201, 1, NULL, r);
}

int mk_segment_method(struct mk_client *c, const char *uuid, const char *method,
		      struct mk_result *r)
{
	char path[120];

	snprintf(path, sizeof(path), "/segments/%s", uuid);
	return call(c, NULL, "PUT", path, NULL,
		    json_pack("{s:{s:s}}", "segment", "recovery_method", method), 200, 0, NULL, r);
}

int mk_host_add(struct mk_client *c, const char *seg_uuid, const char *name, int on_maintenance,
		struct mk_result *r)
{
	char path[120];

	snprintf(path, sizeof(path), "/segments/%s/hosts", seg_uuid);
	return call(c, NULL, "POST", path, NULL,
		    json_pack("{s:{s:s, s:s, s:s, s:b}}", "host", "name", name, "type", HOST_TYPE,
			      "control_attributes", HOST_CONTROL, "on_maintenance", on_maintenance),
		    201, 0, NULL, r);
}

int mk_host_remove(struct mk_client *c, const char *seg_uuid, const char *host_uuid,
		   struct mk_result *r)
{
	char path[160];
	int rc;

	snprintf(path, sizeof(path), "/segments/%s/hosts/%s", seg_uuid, host_uuid);
	rc = call(c, NULL, "DELETE", path, NULL, NULL, 204, 0, NULL, r);
	return rc && r->http == 404 ? 0 : rc; /* gone already */
}

int mk_host_maintenance(struct mk_client *c, const char *seg_uuid, const char *host_uuid, int on,
			struct mk_result *r)
{
	char path[160];

	snprintf(path, sizeof(path), "/segments/%s/hosts/%s", seg_uuid, host_uuid);
	return call(c, NULL, "PUT", path, NULL,
		    json_pack("{s:{s:b}}", "host", "on_maintenance", on), 200, 0, NULL, r);
}

/* ---- Nova ------------------------------------------------------------------ */

/* Nova's endpoint into ep (the fixed url, or the catalog's); 0 or -1. */
static int nova_endpoint(struct mk_client *c, const char *url, char *ep, size_t n,
			 struct mk_result *r)
{
	if (!url[0] && mk_authenticate(c, 0, r->msg, sizeof(r->msg)))
		return -1;
	snprintf(ep, n, "%s", url[0] ? url : c->compute_endpoint);
	if (!ep[0]) {
		snprintf(r->msg, sizeof(r->msg),
			 "no Nova endpoint: the Keystone catalog has no compute service "
			 "(set fencing.nova_url)");
		return -1;
	}
	return 0;
}

int nova_aggregate_read(struct mk_client *c, const char *url, const char *name, struct az_view *v,
			struct mk_result *r)
{
	char ep[256];
	json_t *root, *a, *h;
	size_t i, j, total = 0;

	v->agg_read = v->agg_found = 0;
	free(v->agg);
	v->agg = NULL;
	v->nagg = 0;
	if (nova_endpoint(c, url, ep, sizeof(ep), r) ||
	    call(c, ep, "GET", "/os-aggregates", "compute " NOVA_MICROVERSION, NULL, 200, 0, &root,
		 r))
		return -1;
	json_array_foreach(json_object_get(root, "aggregates"), i, a) total +=
		json_array_size(json_object_get(a, "hosts"));
	v->agg = calloc(total + 1, sizeof(*v->agg));
	if (!v->agg) {
		json_decref(root);
		snprintf(r->msg, sizeof(r->msg), "out of memory");
		return -1;
	}
	json_array_foreach(json_object_get(root, "aggregates"), i, a)
	{
		if (strcmp(jstr(a, "name"), name) && strcmp(jstr(a, "availability_zone"), name))
			continue;
		v->agg_found = 1;
		json_array_foreach(json_object_get(a, "hosts"), j, h)
		{
			const char *s = json_string_value(h);

			if (s && !az_in_aggregate(v, s))
				snprintf(v->agg[v->nagg++], sizeof(v->agg[0]), "%s", s);
		}
	}
	json_decref(root);
	v->agg_read = 1;
	return 0;
}

long nova_compute_hosts(struct mk_client *c, const char *url, struct nova_host **out,
			struct mk_result *r)
{
	char ep[256];
	json_t *root, *hv = NULL, *s, *x;
	size_t i, j, n = 0;

	*out = NULL;
	if (nova_endpoint(c, url, ep, sizeof(ep), r) ||
	    call(c, ep, "GET", "/os-services?binary=nova-compute", "compute " NOVA_MICROVERSION,
		 NULL, 200, 0, &root, r))
		return -1;
	s = json_object_get(root, "services");
	*out = calloc(json_array_size(s) + 1, sizeof(**out));
	if (!*out) {
		json_decref(root);
		return -1;
	}
	json_array_foreach(s, i, x)
	{
		struct nova_host *h = &(*out)[n++];

		copy(h->host, sizeof(h->host), x, "host");
		copy(h->state, sizeof(h->state), x, "state");
		copy(h->status, sizeof(h->status), x, "status");
		h->forced_down = json_is_true(json_object_get(x, "forced_down"));
	}
	json_decref(root);
	/* The hypervisors, matched to their service's host (2.53 lists it). */
	if (!call(c, ep, "GET", "/os-hypervisors/detail", "compute " NOVA_MICROVERSION, NULL, 200,
		  0, &hv, r)) {
		json_array_foreach(json_object_get(hv, "hypervisors"), i, x)
		{
			const char *host = jstr(json_object_get(x, "service"), "host");

			for (j = 0; j < n; j++) {
				if (strcmp((*out)[j].host, host))
					continue;
				copy((*out)[j].hypervisor, sizeof((*out)[j].hypervisor), x,
				     "hypervisor_hostname");
				copy((*out)[j].hv_state, sizeof((*out)[j].hv_state), x, "state");
			}
		}
		json_decref(hv);
	}
	return (long)n;
}
