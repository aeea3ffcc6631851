// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* cli.c - what the commands share: the agent's API, the member table, keys. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <jansson.h>

#include "cli.h"
#include "httpc.h"
#include "log.h"
#include "util.h"

/* cli_http_answer, with a request body (NULL: none). */
static json_t *http_call(const char *method, const char *addr, const char *path, const char *token,
			 const char *body, long timeout_ms, long *status, char *err, size_t errsz)
{
	char url[1024], why[256], hdr[160];
	const char *headers[] = {token ? hdr : NULL, NULL};
	struct httpc_req rq = {.method = method,
			       .url = url,
			       .body = body,
			       .headers = headers,
			       .timeout_ms = timeout_ms};
	struct httpc_resp r;
	json_error_t jerr;
	json_t *j = NULL;

	*status = 0;
	snprintf(url, sizeof(url), "http://%s%s", addr, path);
	if (token)
		snprintf(hdr, sizeof(hdr), "X-Vigil-Token: %s", token);
	if (httpc_request(&rq, &r, why, sizeof(why))) {
		snprintf(err, errsz, "%s %s", CLI_UNREACHABLE, why);
		return NULL;
	}
	*status = r.status;
	if (!(j = json_loads(r.body ? r.body : "", 0, &jerr)))
		snprintf(err, errsz, "%s answered HTTP %ld: %s", url, r.status,
			 r.body ? r.body : "");
	httpc_resp_free(&r);
	return j;
}

json_t *cli_http_answer(const char *method, const char *addr, const char *path, const char *token,
			long timeout_ms, long *status, char *err, size_t errsz)
{
	return http_call(method, addr, path, token, NULL, timeout_ms, status, err, errsz);
}

json_t *cli_http_json(const char *method, const char *addr, const char *path, const char *token,
		      long timeout_ms, char *err, size_t errsz)
{
	long status;
	json_t *j = cli_http_answer(method, addr, path, token, timeout_ms, &status, err, errsz);
	char *text;

	if (!j || status == 200 || status == 202)
		return j;
	text = json_dumps(j, JSON_COMPACT);
	snprintf(err, errsz, "http://%s%s answered HTTP %ld: %s", addr, path, status,
		 text ? text : "");
	free(text);
	json_decref(j);
	return NULL;
}

int cli_api_open(const struct cmd_args *a, struct cli_api *api)
{
	const char *addr = a->http_addr ? a->http_addr : getenv("VIGIL_HTTP_ADDR");
	const char *token = getenv("VIGIL_HTTP_TOKEN");
	struct vigil_config c;

	memset(api, 0, sizeof(*api));
	if (token)
		snprintf(api->token, sizeof(api->token), "%s", token);
	/* Without an address the configuration says where the API is; either
	 * way it says where the token is, if it can be read (root only). */
	if ((!addr || a->config) && config_load(&c, a->config)) {
		if (!addr) {
			log_err("without reading the configuration (root only), VIGIL_HTTP_ADDR or "
				"-http-addr say where the agent's API is (its api_addr, "
				"127.0.0.1:7500 by default), and VIGIL_HTTP_TOKEN the token for "
				"maint and leave");
			return -1;
		}
		config_defaults(&c);
	} else if (addr && !a->config) {
		config_defaults(&c);
	}
	snprintf(api->addr, sizeof(api->addr), "%s", addr ? addr : c.api_addr);
	config_api_token_path(&c, api->token_path, sizeof(api->token_path));
	return 0;
}

/* The token, read from the agent's token file the first time it is needed. */
static const char *api_token(struct cli_api *api)
{
	char buf[sizeof(api->token)];
	long n;

	if (api->token[0])
		return api->token;
	n = api->token_path[0] ? file_read(api->token_path, buf, sizeof(buf)) : -ENOENT;
	if (n <= 0) {
		log_err("cannot read the agent's API token %s: %s (changing something takes it: "
			"run as root, or set VIGIL_HTTP_TOKEN)",
			api->token_path[0] ? api->token_path : "(no configuration)",
			n < 0 ? strerror((int)-n) : "empty");
		return NULL;
	}
	buf[strcspn(buf, "\r\n")] = '\0';
	snprintf(api->token, sizeof(api->token), "%s", buf);
	return api->token;
}

/* Why the agent could not be asked, logged with a hint where one helps. */
static void api_error(const char *err)
{
	if (!strncmp(err, CLI_UNREACHABLE, strlen(CLI_UNREACHABLE)))
		log_err("%s (is `vigil agent` running? is api_addr right? VIGIL_HTTP_ADDR or "
			"-http-addr name another)",
			err);
	else
		log_err("%s", err);
}

json_t *cli_api_request(struct cli_api *api, const char *method, const char *path)
{
	const char *token = NULL;
	char err[512];
	json_t *j;

	if (strcmp(method, "GET") && !(token = api_token(api)))
		return NULL;
	j = cli_http_json(method, api->addr, path, token, 5000, err, sizeof(err));
	if (!j)
		api_error(err);
	return j;
}

json_t *cli_api_call(struct cli_api *api, const char *method, const char *path, const char *body,
		     long timeout_ms, long *status)
{
	const char *token = api_token(api);
	char err[512];
	json_t *j;

	if (!token)
		return NULL;
	j = http_call(method, api->addr, path, token, body, timeout_ms, status, err, sizeof(err));
	if (!j)
		api_error(err);
	return j;
}

/* s percent-encoded for a URL (out: 3 * strlen(s) + 1 bytes is enough). */
static void url_escape(const char *s, char *out, size_t n)
{
	size_t o = 0;

	for (; *s && o + 4 <= n; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    strchr("-._~", c))
			out[o++] = (char)c;
		else
			o += (size_t)snprintf(out + o, n - o, "%%%02X", c);
	}
	if (n)
		out[o] = '\0';
}

void cli_reason_path(const char *path, const char *reason, char *out, size_t n)
{
	char esc[3 * 256 + 1];

	url_escape(reason ? reason : "", esc, sizeof(esc));
	snprintf(out, n, "%s%s%s", path, reason ? "?reason=" : "", reason ? esc : "");
}

const char *cli_answer_error(json_t *j, long status)
{
	static char buf[64];
	const char *e = json_string_value(json_object_get(j, "error"));

	if (e)
		return e;
	snprintf(buf, sizeof(buf), "HTTP %ld", status);
	return buf;
}

int cli_request(struct cli_api *api, const char *method, const char *path, const char *reason,
		json_t **answer)
{
	const char *result;
	long status = 0;
	char url[1024];
	json_t *j;
	int rc;

	*answer = NULL;
	cli_reason_path(path, reason, url, sizeof(url));
	/* longer than the agent waits for the leader (API_CALL_WAIT_MS) */
	j = cli_api_call(api, method, url, NULL, CLI_REQUEST_WAIT_MS, &status);
	if (!j)
		return EXIT_USAGE;
	result = json_string_value(json_object_get(j, "result"));
	result = result ? result : "";
	if (status == 200) {
		*answer = j;
		return strcmp(result, "already") ? 0 : EXIT_ALREADY;
	}
	log_err("%s", cli_answer_error(j, status));
	/* 403 (token) and 400 (a bad request) are the caller's to fix; anything
	 * else was refused (alive, pending, undecided) or not taken */
	rc = !strcmp(result, "unknown")	      ? EXIT_UNKNOWN
	     : !strcmp(result, "no_leader")   ? EXIT_NO_LEADER
	     : status == 403 || status == 400 ? EXIT_USAGE
					      : EXIT_CHECK;
	json_decref(j);
	return rc;
}

void cli_print_members(FILE *out, json_t *arr)
{
	/* a server with a storage heartbeat says what each host's record says */
	int storage = json_object_get(json_array_get(arr, 0), "storage") != NULL;
	size_t i;
	json_t *m;

	fprintf(out, "%-16s %-22s %-22s %6s %-7s %9s %9s%s\n", "Node", "Address", "Status", "Inc",
		"Role", "RTT_ms", "Ack_age", storage ? " Storage" : "");
	json_array_foreach(arr, i, m)
	{
		double age = json_real_value(json_object_get(m, "last_ack_age_ms"));
		const char *sto = json_string_value(json_object_get(m, "storage"));
		char agebuf[32];

		if (age < 0)
			snprintf(agebuf, sizeof(agebuf), "-");
		else
			snprintf(agebuf, sizeof(agebuf), "%.0fms", age);
		fprintf(out, "%-16s %-22s %-22s %6lld %-7s %9.3f %9s%s%s\n",
			json_string_value(json_object_get(m, "name")),
			json_string_value(json_object_get(m, "address")),
			json_string_value(json_object_get(m, "state")),
			(long long)json_integer_value(json_object_get(m, "incarnation")),
			json_string_value(json_object_get(m, "role")),
			json_real_value(json_object_get(m, "srtt_ms")), agebuf, storage ? " " : "",
			storage ? (sto ? sto : "-") : "");
	}
}

int cli_keygen(char *out)
{
	uint8_t key[VIGIL_KEY_LEN];

	if (getrandom(key, sizeof(key), 0) != (ssize_t)sizeof(key))
		return -errno;
	base64_encode(key, sizeof(key), out);
	return 0;
}

void cli_print_json(json_t *j)
{
	json_dumpf(j, stdout, JSON_INDENT(2));
	printf("\n");
}
