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
extern const struct cmd cmd_members, cmd_status, cmd_maint, cmd_leave, cmd_ping, cmd_xdp, cmd_maps,
	cmd_keygen, cmd_config;

/* METHOD http://addr/path; the JSON body of a 200 or 202 answer, else NULL
 * and the reason in err. Quiet: the caller decides what to say. */
struct json_t *cli_http_json(const char *method, const char *addr, const char *path,
			     long timeout_ms, char *err, size_t errsz);
/* The same against the local agent's API, errors logged with a hint. */
struct json_t *cli_api_request(const char *method, const char *addr, const char *path);
/* The agent's API address: -http-addr, else api_addr of the configuration.
 * -1 (logged) if the configuration cannot be read. */
int cli_api_addr(const struct cmd_args *a, struct vigil_config *c, const char **addr);
/* The member table of `vigil members` from the /v1/members array. */
void cli_print_members(FILE *out, struct json_t *arr);
/* A fresh random cluster key in base64 (out: at least 32 bytes); 0 or -errno. */
int cli_keygen(char *out);
/* Print a JSON document indented, as every -j listing does. */
void cli_print_json(struct json_t *j);

#endif /* VIGIL_CLI_H */
