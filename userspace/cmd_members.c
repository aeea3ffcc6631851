// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* cmd_members.c - `vigil members`: the agent's member table, like `consul members`. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <jansson.h>

#include "cli.h"
#include "log.h"

struct body {
	char *p;
	size_t n;
};

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct body *b = arg;
	size_t add = size * nmemb;
	char *np;

	if (b->n + add > (1u << 24))
		return 0;
	np = realloc(b->p, b->n + add + 1);
	if (!np)
		return 0;
	memcpy(np + b->n, ptr, add);
	b->p = np;
	b->n += add;
	b->p[b->n] = '\0';
	return add;
}

/* GET http://addr/path; returns the parsed JSON body or NULL (logged). */
json_t *cli_api_get(const char *addr, const char *path)
{
	struct body b = { 0 };
	char url[256];
	long code = 0;
	json_error_t jerr;
	json_t *j = NULL;
	CURL *c = curl_easy_init();
	CURLcode rc;

	if (!c)
		return NULL;
	snprintf(url, sizeof(url), "http://%s%s", addr, path);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 5000L);
	curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
	rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_cleanup(c);
	if (rc != CURLE_OK) {
		log_err("cannot reach the agent at %s: %s (is `vigil agent` running? is api_addr "
			"right?)",
			url, curl_easy_strerror(rc));
	} else if (code != 200) {
		log_err("%s answered HTTP %ld: %s", url, code, b.p ? b.p : "");
	} else if (!(j = json_loads(b.p ? b.p : "", 0, &jerr))) {
		log_err("%s: bad JSON from the agent: %s", url, jerr.text);
	}
	free(b.p);
	return j;
}

int cmd_members(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'f' },
		{ "http-addr", required_argument, NULL, 'a' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = NULL, *addr = NULL;
	struct vigil_config c;
	int opt, json = 0;
	size_t i;
	json_t *arr, *m;

	while ((opt = getopt_long_only(argc, argv, "j", opts, NULL)) != -1) {
		switch (opt) {
		case 'f':
			path = optarg;
			break;
		case 'a':
			addr = optarg;
			break;
		case 'j':
			json = 1;
			break;
		default:
			fprintf(stderr, "usage: vigil members [-config FILE] [-http-addr ADDR] [-j]\n");
			return EXIT_USAGE;
		}
	}
	if (!addr) {
		if (cli_load_config(&c, path))
			return EXIT_USAGE;
		addr = c.api_addr;
	}
	arr = cli_api_get(addr, "/v1/members");
	if (!arr)
		return EXIT_USAGE;
	if (json) {
		json_dumpf(arr, stdout, JSON_INDENT(2));
		printf("\n");
		json_decref(arr);
		return 0;
	}
	printf("%-16s %-22s %-22s %6s %-7s %9s %9s\n", "Node", "Address", "Status", "Inc", "Role",
	       "RTT_ms", "Ack_age");
	json_array_foreach(arr, i, m)
	{
		double age = json_real_value(json_object_get(m, "last_ack_age_ms"));
		char agebuf[32];

		if (age < 0)
			snprintf(agebuf, sizeof(agebuf), "-");
		else
			snprintf(agebuf, sizeof(agebuf), "%.0fms", age);
		printf("%-16s %-22s %-22s %6lld %-7s %9.3f %9s\n",
		       json_string_value(json_object_get(m, "name")),
		       json_string_value(json_object_get(m, "address")),
		       json_string_value(json_object_get(m, "state")),
		       (long long)json_integer_value(json_object_get(m, "incarnation")),
		       json_string_value(json_object_get(m, "role")),
		       json_real_value(json_object_get(m, "srtt_ms")), agebuf);
	}
	json_decref(arr);
	return 0;
}
