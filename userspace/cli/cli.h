/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* cli.h - the vigil commands an operator runs, and what they share. */
#ifndef VIGIL_CLI_H
#define VIGIL_CLI_H

#include <stddef.h>
#include <stdio.h>

#include "cmdline.h"
#include "config.h"

struct json_t;

/* The commands, each defined in its cmd_*.c. */
extern const struct cmd cmd_members, cmd_status, cmd_check, cmd_maint, cmd_forget, cmd_leave,
	cmd_ping, cmd_xdp, cmd_maps, cmd_keygen, cmd_config, cmd_operator;

/* How every command says the agent's API did not answer: CLI_UNREACHABLE
 * " http://ADDR/PATH: why" (docs/operations.md quotes it). */
#define CLI_UNREACHABLE "cannot reach the agent at"

/* METHOD http://addr/path (with the API token if token is not NULL); the
 * JSON body of the answer, whatever its HTTP status (in *status; 0 if none
 * came), else NULL and the reason in err. Quiet. */
struct json_t *cli_http_answer(const char *method, const char *addr, const char *path,
			       const char *token, long timeout_ms, long *status, char *err,
			       size_t errsz);
/* METHOD http://addr/path (with the API token if token is not NULL); the
 * JSON body of a 200 or 202 answer, else NULL and the reason in err. Quiet:
 * the caller decides what to say. */
struct json_t *cli_http_json(const char *method, const char *addr, const char *path,
			     const char *token, long timeout_ms, char *err, size_t errsz);

/* The local agent's API, as the commands reach it. */
struct cli_api {
	char addr[128];	       /* -http-addr, else $VIGIL_HTTP_ADDR, else api_addr */
	char token_path[4096]; /* the agent's api_token_file ("" if not known) */
	char token[128];       /* $VIGIL_HTTP_TOKEN, else read from token_path when needed */
};

/* Find the API: -1 (logged) if neither an address is given nor the
 * configuration can be read. */
int cli_api_open(const struct cmd_args *a, struct cli_api *api);
/* METHOD path on the agent; the token goes with anything but GET. The JSON
 * answer, or NULL with the error logged and a hint. */
struct json_t *cli_api_request(struct cli_api *api, const char *method, const char *path);
/* METHOD path on the agent, with body (NULL: none) and the token, waiting
 * at most timeout_ms: the JSON answer whatever its HTTP status (in
 * *status), or NULL with the error logged (no token, unreachable, not
 * JSON). For the calls whose refusals the command explains itself. */
struct json_t *cli_api_call(struct cli_api *api, const char *method, const char *path,
			    const char *body, long timeout_ms, long *status);
/* path, with "?reason=" and reason percent-encoded unless reason is NULL,
 * into out (n bytes). */
void cli_reason_path(const char *path, const char *reason, char *out, size_t n);
/* The "error" of an API answer, else "HTTP status" (a static buffer). */
const char *cli_answer_error(struct json_t *j, long status);
/* An operator's request the Raft leader answers (maint, forget): METHOD
 * path (with ?reason=REASON unless NULL), waited for. 0 when it applied,
 * EXIT_ALREADY when it was so already, each with the answer in *answer (to
 * json_decref); else the reason logged and EXIT_UNKNOWN (no such host),
 * EXIT_NO_LEADER (no leader answered), EXIT_CHECK (refused) or EXIT_USAGE
 * (the agent cannot be asked, or the request is wrong). */
#define CLI_REQUEST_WAIT_MS 10000
int cli_request(struct cli_api *api, const char *method, const char *path, const char *reason,
		struct json_t **answer);
/* The member table of `vigil members` from the /v1/members array. */
void cli_print_members(FILE *out, struct json_t *arr);
/* A fresh random cluster key in base64 (out: at least 32 bytes); 0 or -errno. */
int cli_keygen(char *out);
/* `vigil check openstack` (cmd_check_os.c): 0, or EXIT_CHECK on findings. */
int check_openstack(const struct cmd_args *a);
/* Print a JSON document indented, as every -j listing does. */
void cli_print_json(struct json_t *j);

#endif /* VIGIL_CLI_H */
