// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* nova.c - PUT /os-services/{id} {"forced_down": true}, microversion 2.53. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <jansson.h>

#include "httpc.h"
#include "nova.h"

/* One request to Nova with its microversion, behind the Masakari client's
 * token; 0 with the answer in resp, or -1 (msg says why). */
static int request(struct mk_client *auth, const char *method, const char *url, const char *body,
		   struct httpc_resp *resp, char *msg, size_t n)
{
	static const char *const version[] = {"OpenStack-API-Version: compute " NOVA_MICROVERSION,
					      "X-OpenStack-Nova-API-Version: " NOVA_MICROVERSION,
					      NULL};

	if (mk_request(auth, method, url, body, version, resp, msg, n)) {
		httpc_resp_free(resp);
		return -1;
	}
	return 0;
}

int nova_force_down(struct mk_client *auth, const char *url, const char *hostname, char *msg,
		    size_t n)
{
	char ep[256], u[700], *esc;
	const char *id = NULL;
	struct httpc_resp r;
	json_t *root = NULL, *svc;
	int rc = -1;

	msg[0] = '\0';
	if (!url[0] && mk_authenticate(auth, 0, msg, n))
		return -1;
	snprintf(ep, sizeof(ep), "%s", url[0] ? url : auth->compute_endpoint);
	if (!ep[0]) {
		snprintf(msg, n,
			 "no Nova endpoint: the Keystone catalog has no compute service "
			 "(set fencing.nova_url)");
		return -1;
	}
	esc = curl_easy_escape(NULL, hostname, 0);
	snprintf(u, sizeof(u), "%s/os-services?binary=nova-compute&host=%s", ep, esc ? esc : "");
	curl_free(esc);
	if (request(auth, "GET", u, NULL, &r, msg, n))
		return -1;
	if (r.status == 200)
		root = json_loads(r.body ? r.body : "", 0, NULL);
	svc = json_array_get(json_object_get(root, "services"), 0);
	id = json_string_value(json_object_get(svc, "id"));
	if (r.status != 200)
		snprintf(msg, n, "GET os-services answered HTTP %ld", r.status);
	else if (!id)
		snprintf(msg, n, "Nova has no nova-compute service on host %s (microversion %s)",
			 hostname, NOVA_MICROVERSION);
	httpc_resp_free(&r);
	if (!id)
		goto out;
	snprintf(u, sizeof(u), "%s/os-services/%s", ep, id);
	if (request(auth, "PUT", u, "{\"forced_down\": true}", &r, msg, n))
		goto out;
	if (r.status == 200) {
		snprintf(msg, n, "service %s forced down", id);
		rc = 0;
	} else {
		snprintf(msg, n, "PUT os-services/%s answered HTTP %ld", id, r.status);
	}
	httpc_resp_free(&r);
out:
	json_decref(root);
	return rc;
}
