// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* cmd_members.c - `vigil members`: the agent's member table, like `consul members`. */
#include <getopt.h>
#include <stdio.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <jansson.h>

#include "cli.h"
#include "log.h"

/* How long `vigil leave` waits for the agent to exit. */
#define LEAVE_WAIT_S 10

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

json_t *cli_http_json(const char *method, const char *addr, const char *path, long timeout_ms,
		      char *err, size_t errsz)
{
	struct body b = { 0 };
	char url[256];
	json_error_t jerr;
	json_t *j = NULL;
	CURL *c = curl_easy_init();
	CURLcode rc;
	long code = 0;

	if (!c) {
		snprintf(err, errsz, "curl_easy_init failed");
		return NULL;
	}
	snprintf(url, sizeof(url), "http://%s%s", addr, path);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_cleanup(c);
	if (rc != CURLE_OK)
		snprintf(err, errsz, "cannot reach %s: %s", url, curl_easy_strerror(rc));
	else if (code != 200 && code != 202)
		snprintf(err, errsz, "%s answered HTTP %ld: %s", url, code, b.p ? b.p : "");
	else if (!(j = json_loads(b.p ? b.p : "", 0, &jerr)))
		snprintf(err, errsz, "%s: bad JSON: %s", url, jerr.text);
	free(b.p);
	return j;
}

/* METHOD http://addr/path; returns the parsed JSON body or NULL (logged). */
json_t *cli_api_request(const char *method, const char *addr, const char *path)
{
	char err[512];
	json_t *j = cli_http_json(method, addr, path, 5000, err, sizeof(err));

	if (!j && !strncmp(err, "cannot reach", 12))
		log_err("%s (is `vigil agent` running? is api_addr right?)", err);
	else if (!j)
		log_err("%s", err);
	return j;
}

json_t *cli_api_get(const char *addr, const char *path)
{
	return cli_api_request("GET", addr, path);
}

/* -config FILE / -http-addr ADDR / -j, shared by the API commands. */
static int api_args(int argc, char **argv, const char *usage, const char **addr, int *json,
		    struct vigil_config *c)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'f' },
		{ "http-addr", required_argument, NULL, 'a' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = NULL;
	int opt;

	*addr = NULL;
	*json = 0;
	while ((opt = getopt_long_only(argc, argv, "j", opts, NULL)) != -1) {
		switch (opt) {
		case 'f':
			path = optarg;
			break;
		case 'a':
			*addr = optarg;
			break;
		case 'j':
			*json = 1;
			break;
		default:
			fprintf(stderr, "usage: vigil %s\n", usage);
			return -1;
		}
	}
	if (!*addr) {
		if (cli_load_config(c, path))
			return -1;
		*addr = c->api_addr;
	}
	return 0;
}

int cmd_status(int argc, char **argv)
{
	struct vigil_config c;
	const char *addr;
	json_t *st, *r, *o;
	int json;
	size_t i;

	if (api_args(argc, argv, "status [-config FILE] [-http-addr ADDR] [-j]", &addr, &json, &c))
		return EXIT_USAGE;
	st = cli_api_get(addr, "/v1/status");
	if (!st)
		return EXIT_USAGE;
	if (json) {
		json_dumpf(st, stdout, JSON_INDENT(2));
		printf("\n");
		json_decref(st);
		return 0;
	}
	r = json_object_get(st, "raft");
	printf("node        %s (%s), cluster %s, %s\n",
	       json_string_value(json_object_get(st, "node")),
	       json_string_value(json_object_get(st, "hypervisor_hostname")),
	       json_string_value(json_object_get(st, "cluster")),
	       json_string_value(json_object_get(st, "role")));
	printf("members     %lld alive, %lld suspect, %lld dead, %lld left\n",
	       (long long)json_integer_value(json_object_get(json_object_get(st, "members"), "alive")),
	       (long long)json_integer_value(json_object_get(json_object_get(st, "members"), "suspect")),
	       (long long)json_integer_value(json_object_get(json_object_get(st, "members"), "dead")),
	       (long long)json_integer_value(json_object_get(json_object_get(st, "members"), "left")));
	printf("raft        %s", json_string_value(json_object_get(r, "role")));
	if (json_object_get(r, "term"))
		printf(", term %lld, leader %s, commit %lld, %lld voters",
		       (long long)json_integer_value(json_object_get(r, "term")),
		       json_string_value(json_object_get(r, "leader_address")),
		       (long long)json_integer_value(json_object_get(r, "commit_index")),
		       (long long)json_integer_value(json_object_get(r, "voters")));
	printf("\nwait period %lld ms\n",
	       (long long)json_integer_value(json_object_get(st, "wait_period_ms")));
	json_array_foreach(json_object_get(st, "hosts"), i, o)
	{
		if (i == 0)
			printf("\n%-16s %-24s %-12s\n", "Host", "Hypervisor", "State");
		printf("%-16s %-24s %-12s%s\n", json_string_value(json_object_get(o, "name")),
		       json_string_value(json_object_get(o, "hostname")),
		       json_string_value(json_object_get(o, "state")),
		       json_is_true(json_object_get(o, "failed")) ? " (failed)" : "");
	}
	json_array_foreach(json_object_get(st, "outbox"), i, o)
	{
		const char *err = json_string_value(json_object_get(o, "last_error"));

		if (i == 0)
			printf("\n%-4s %-24s %-8s %-10s %-5s %s\n", "Id", "Hypervisor", "Event",
			       "Status", "Tries", "Last error");
		printf("%-4lld %-24s %-8s %-10s %-5lld %s\n",
		       (long long)json_integer_value(json_object_get(o, "id")),
		       json_string_value(json_object_get(o, "hostname")),
		       json_string_value(json_object_get(o, "event")),
		       json_string_value(json_object_get(o, "status")),
		       (long long)json_integer_value(json_object_get(o, "tries")), err ? err : "");
	}
	json_decref(st);
	return 0;
}

int cmd_maint(int argc, char **argv)
{
	static const char usage[] = "maint enable|disable HOST [-config FILE] [-http-addr ADDR]";
	struct vigil_config c;
	const char *addr, *verb, *host;
	char path[128];
	json_t *r;
	int json;

	if (argc < 3) {
		fprintf(stderr, "usage: vigil %s\n", usage);
		return EXIT_USAGE;
	}
	verb = argv[1];
	host = argv[2];
	if (strcmp(verb, "enable") && strcmp(verb, "disable")) {
		fprintf(stderr, "usage: vigil %s\n", usage);
		return EXIT_USAGE;
	}
	if (api_args(argc - 2, argv + 2, usage, &addr, &json, &c))
		return EXIT_USAGE;
	snprintf(path, sizeof(path), "/v1/maintenance/%s", host);
	r = cli_api_request(strcmp(verb, "enable") ? "DELETE" : "PUT", addr, path);
	if (!r)
		return EXIT_USAGE;
	printf("maintenance %s for %s: forwarded to the servers (check `vigil status` on a "
	       "server)\n",
	       strcmp(verb, "enable") ? "off" : "on", host);
	json_decref(r);
	return 0;
}

void cli_print_members(FILE *out, json_t *arr)
{
	size_t i;
	json_t *m;

	fprintf(out, "%-16s %-22s %-22s %6s %-7s %9s %9s\n", "Node", "Address", "Status", "Inc", "Role",
	       "RTT_ms", "Ack_age");
	json_array_foreach(arr, i, m)
	{
		double age = json_real_value(json_object_get(m, "last_ack_age_ms"));
		char agebuf[32];

		if (age < 0)
			snprintf(agebuf, sizeof(agebuf), "-");
		else
			snprintf(agebuf, sizeof(agebuf), "%.0fms", age);
		fprintf(out, "%-16s %-22s %-22s %6lld %-7s %9.3f %9s\n",
		       json_string_value(json_object_get(m, "name")),
		       json_string_value(json_object_get(m, "address")),
		       json_string_value(json_object_get(m, "state")),
		       (long long)json_integer_value(json_object_get(m, "incarnation")),
		       json_string_value(json_object_get(m, "role")),
		       json_real_value(json_object_get(m, "srtt_ms")), agebuf);
	}
}

/* Like `consul leave`: the agent tells the members it leaves (they show it
 * "left", never failed) and exits 0. Waits until it no longer answers. */
int cmd_leave(int argc, char **argv)
{
	static const char usage[] = "leave [-config FILE] [-http-addr ADDR]";
	const struct timespec tick = { 0, 100 * 1000 * 1000 };
	struct vigil_config c;
	const char *addr;
	json_t *r;
	int json;

	if (api_args(argc, argv, usage, &addr, &json, &c))
		return EXIT_USAGE;
	r = cli_api_request("PUT", addr, "/v1/agent/leave");
	if (!r)
		return EXIT_USAGE;
	json_decref(r);
	printf("leaving the cluster: the agent at %s told its members\n", addr);
	for (int i = 0; i < LEAVE_WAIT_S * 10; i++) {
		char err[512];
		json_t *h = cli_http_json("GET", addr, "/v1/health", 1000, err, sizeof(err));

		json_decref(h);
		if (!h && !strncmp(err, "cannot reach", 12)) {
			printf("graceful leave complete: the agent exited\n");
			return 0;
		}
		nanosleep(&tick, NULL);
	}
	log_err("the agent at %s still answers %d s after the leave request", addr, LEAVE_WAIT_S);
	return EXIT_CHECK;
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
	json_t *arr;

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
	cli_print_members(stdout, arr);
	json_decref(arr);
	return 0;
}
