// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* httpc.c - one blocking HTTP request with libcurl. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "httpc.h"

struct sink {
	struct httpc_resp *resp;
	const char *capture;
};

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct httpc_resp *r = ((struct sink *)arg)->resp;
	size_t add = size * nmemb;
	char *nb;

	if (r->len + add > HTTPC_MAX_BODY)
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
	struct sink *s = arg;
	size_t n = size * nitems, nl;
	const char *v;

	if (!s->capture)
		return n;
	nl = strlen(s->capture);
	if (n <= nl || strncasecmp(buf, s->capture, nl) || buf[nl] != ':')
		return n;
	v = buf + nl + 1;
	n -= nl + 1;
	while (n && (*v == ' ' || *v == '\t')) {
		v++;
		n--;
	}
	while (n && (v[n - 1] == '\r' || v[n - 1] == '\n' || v[n - 1] == ' '))
		n--;
	if (n < sizeof(s->resp->captured)) {
		memcpy(s->resp->captured, v, n);
		s->resp->captured[n] = '\0';
	}
	return size * nitems;
}

int httpc_request(const struct httpc_req *rq, struct httpc_resp *resp, char *err, size_t errsz)
{
	struct sink sink = {resp, rq->capture_header};
	struct curl_slist *h = NULL;
	CURLcode rc;
	long sent = 0;
	CURL *e;

	memset(resp, 0, sizeof(*resp));
	e = curl_easy_init();
	if (!e) {
		snprintf(err, errsz, "curl_easy_init failed");
		return -1;
	}
	for (const char *const *p = rq->headers; p && *p; p++)
		h = curl_slist_append(h, *p);
	curl_easy_setopt(e, CURLOPT_URL, rq->url);
	curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, rq->method);
	if (h)
		curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);
	if (rq->body)
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, rq->body);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, &sink);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, &sink);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, rq->timeout_ms);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, rq->timeout_ms);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
	if (rq->ca_file && *rq->ca_file)
		curl_easy_setopt(e, CURLOPT_CAINFO, rq->ca_file);
	if (rq->cert_file && *rq->cert_file)
		curl_easy_setopt(e, CURLOPT_SSLCERT, rq->cert_file);
	if (rq->key_file && *rq->key_file)
		curl_easy_setopt(e, CURLOPT_SSLKEY, rq->key_file);
	rc = curl_easy_perform(e);
	if (curl_easy_getinfo(e, CURLINFO_REQUEST_SIZE, &sent) == CURLE_OK)
		resp->sent = sent > 0;
	if (rc == CURLE_OK)
		curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &resp->status);
	else
		snprintf(err, errsz, "%s: %s", rq->url, curl_easy_strerror(rc));
	curl_slist_free_all(h);
	curl_easy_cleanup(e);
	return rc == CURLE_OK ? 0 : -1;
}

void httpc_resp_free(struct httpc_resp *resp)
{
	free(resp->body);
	resp->body = NULL;
	resp->len = 0;
}
