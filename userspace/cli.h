/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* cli.h - the subcommands of the vigil binary and what they share. */
#ifndef VIGIL_CLI_H
#define VIGIL_CLI_H

#include <stddef.h>
#include <stdio.h>

#include "config.h"
#include "proto.h"

#define VIGIL_DEFAULT_CONFIG "/etc/vigil/vigil.json"

/* Exit codes: 0 ok, 1 the check failed (e.g. no answer), 2 usage or setup error. */
#define EXIT_CHECK 1
#define EXIT_USAGE 2

struct cli_cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *usage;
	const char *help;
};

int cmd_ping(int argc, char **argv);
int cmd_xdp(int argc, char **argv);
int cmd_keygen(int argc, char **argv);
int cmd_maps(int argc, char **argv);
int cmd_config(int argc, char **argv);
int cmd_members(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_maint(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_leave(int argc, char **argv);

/* GET http://addr/path from the agent API; parsed JSON or NULL (logged). */
struct json_t;
struct json_t *cli_api_get(const char *addr, const char *path);
struct json_t *cli_api_request(const char *method, const char *addr, const char *path);
/* The same without logging: on failure NULL and the reason in err. */
struct json_t *cli_http_json(const char *method, const char *addr, const char *path,
			     long timeout_ms, char *err, size_t errsz);
/* The member table of `vigil members` from the /v1/members array. */
void cli_print_members(FILE *out, struct json_t *arr);
/* A fresh random cluster key in base64 (out: at least 32 bytes); 0 or -errno. */
int cli_keygen(char *out);

struct loader;
/* Load, attach and key the XDP program as the configuration says. */
int xdp_bringup(const struct vigil_config *c, struct loader *l);

/* Load the configuration at path (default if NULL), log errors; 0 or -1. */
int cli_load_config(struct vigil_config *c, const char *path);
/* The keyring the configuration describes. */
void cli_keyring(const struct vigil_config *c, struct vigil_keyring *kr);
/* Loader options from the configuration. */
struct loader_opts;
void cli_loader_opts(const struct vigil_config *c, struct loader_opts *o);

#endif /* VIGIL_CLI_H */
