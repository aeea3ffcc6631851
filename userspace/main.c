// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* main.c - the vigil binary: one table of commands, each defined with its code. */
#include <stdio.h>
#include <string.h>

#include "agent.h"
#include "cli.h"
#include "demo.h"
#include "fencer.h"
#include "loader.h"
#include "log.h"
#include "util.h"
#include "vigil_abi.h"

extern const struct cmd cmd_help, cmd_version;

static const struct cmd *const commands[] = {
	&cmd_agent, &cmd_members,  &cmd_status, &cmd_check,   &cmd_maint, &cmd_forget,
	&cmd_leave, &cmd_operator, &cmd_ping,	&cmd_xdp,     &cmd_maps,  &cmd_fence,
	&cmd_demo,  &cmd_keygen,   &cmd_config, &cmd_version, &cmd_help,
};

static const struct cmd *find_cmd(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		if (!strcmp(commands[i]->name, name))
			return commands[i];
	return NULL;
}

static void usage(FILE *out)
{
	fprintf(out, "usage: vigil COMMAND [OPTIONS]\n\n"
		     "vigil - in-kernel host liveness monitor for VM high availability\n\n"
		     "commands:\n");
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		fprintf(out, "  %-10s %s\n", commands[i]->name, commands[i]->help);
	fprintf(out,
		"\n`vigil help COMMAND` shows a command's options. Docs: docs/ and vigil(8).\n");
}

static int help(int argc, char **argv)
{
	const struct cmd *c;

	if (argc < 2) {
		usage(stdout);
		return 0;
	}
	c = find_cmd(argv[1]);
	if (!c) {
		fprintf(stderr, "vigil: unknown command '%s'; `vigil help` lists them\n", argv[1]);
		return EXIT_USAGE;
	}
	printf("usage: vigil %s\n\n%s\n", c->usage, c->help);
	return 0;
}

static int version(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("vigil %s (wire protocol %d, probe protocol %d, map ABI %d)\n", VIGIL_VERSION,
	       VIGIL_PROTO_VERSION, VIGIL_PROBE_VERSION, VIGIL_MAP_ABI);
	return 0;
}

const struct cmd cmd_help = {"help", help, "help [COMMAND]", "show help for vigil or one command"};
const struct cmd cmd_version = {"version", version, "version", "print the version"};

int main(int argc, char **argv)
{
	const struct cmd *c;

	log_init();
	loader_route_libbpf_logs();
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))
		return help(1, argv);
	if (!strcmp(argv[1], "-v") || !strcmp(argv[1], "--version"))
		return version(1, argv);
	c = find_cmd(argv[1]);
	if (!c) {
		fprintf(stderr, "vigil: unknown command '%s'; `vigil help` lists them\n", argv[1]);
		return EXIT_USAGE;
	}
	return c->fn(argc - 1, argv + 1);
}
