/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * httpc.h - one blocking HTTP request with libcurl, the body collected in
 * memory: the Masakari/Keystone client (on a worker thread) and the CLI's
 * calls to the agent's API both use it. Never through a proxy.
 */
#ifndef VIGIL_HTTPC_H
#define VIGIL_HTTPC_H

#include <stddef.h>

#define HTTPC_MAX_BODY (1u << 24) /* larger answers are cut off: an error */

struct httpc_req {
	const char *method; /* "GET", "POST", ... */
	const char *url;
	const char *body;	    /* NULL: none */
	const char *const *headers; /* "Name: value" lines, NULL-terminated; may be NULL */
	long timeout_ms;	    /* whole request, and connect */
	const char *capture_header; /* a response header to keep ("X-Subject-Token"), or NULL */
	/* TLS (https:// URLs): NULL or "" = the system's CA bundle, no client
	 * certificate. The peer's certificate and name are always verified. */
	const char *ca_file;   /* PEM bundle of the CAs to trust */
	const char *cert_file; /* PEM client certificate */
	const char *key_file;  /* its PEM private key */
};

struct httpc_resp {
	long status; /* HTTP status; 0 if no answer */
	char *body;  /* NUL-terminated (malloc'd), or NULL if empty */
	size_t len;
	char captured[8192]; /* value of capture_header, trimmed; "" if absent */
	int sent;	     /* the request went out, at least in part (the server may
			      * have acted on it even without an answer) */
};

/* 0 if an HTTP answer came back (any status), else -1 with the reason in err.
 * resp is always initialised; free it with httpc_resp_free. */
int httpc_request(const struct httpc_req *rq, struct httpc_resp *resp, char *err, size_t errsz);
void httpc_resp_free(struct httpc_resp *resp);

#endif /* VIGIL_HTTPC_H */
