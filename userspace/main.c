// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* main.c - the vigil binary: one table of subcommands. */
#include <stdio.h>
#include <string.h>

#include "agent.h"
#include "cli.h"
#include "log.h"
#include "util.h"

static int cmd_help(int argc, char **argv);
static int cmd_version(int argc, char **argv);

static const struct cli_cmd commands[] = {
	{ "agent", cmd_agent, "agent -config FILE [-config-test]",
	  "run the agent: membership, failure detection, HTTP API" },
	{ "members", cmd_members, "members [-config FILE] [-http-addr ADDR] [-j]",
	  "list the cluster's members as this host's agent sees them" },
	{ "status", cmd_status, "status [-config FILE] [-http-addr ADDR] [-j]",
	  "this agent, the Raft state, decided hosts and the notification outbox" },
	{ "maint", cmd_maint, "maint enable|disable HOST [-config FILE] [-http-addr ADDR]",
	  "put a host into or out of maintenance (never notified about while in it)" },
	{ "leave", cmd_leave, "leave [-config FILE] [-http-addr ADDR]",
	  "make the agent leave the cluster gracefully (members see it left) and exit" },
	{ "ping", cmd_ping, "ping [-config FILE] [-c COUNT] [-i SECONDS] [-W SECONDS] [-j] NAME@ADDR[:PORT]",
	  "probe a peer over the vigil protocol; RTTs are measured in-kernel" },
	{ "xdp", cmd_xdp, "xdp attach|detach|status [-config FILE] [-j]",
	  "load and pin the XDP program, remove it, or show what is attached" },
	{ "maps", cmd_maps, "maps [-config FILE] [-j]",
	  "print the pinned maps: per-peer kernel RTT stats and XDP counters" },
	{ "demo", cmd_demo, "demo [--no-tui] [--hosts N] [--no-masakari] [--keep-logs]",
	  "a local cluster in namespaces: crash a host, time it to Masakari's 202 (root)" },
	{ "keygen", cmd_keygen, "keygen", "print a fresh random cluster key (base64)" },
	{ "config", cmd_config, "config [-config FILE -config-test]",
	  "list every configuration key, or validate a file" },
	{ "version", cmd_version, "version", "print the version" },
	{ "help", cmd_help, "help [COMMAND]", "show help for vigil or one command" },
};

static const struct cli_cmd *find_cmd(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

static void usage(FILE *out)
{
	fprintf(out, "usage: vigil COMMAND [OPTIONS]\n\n"
		     "vigil - in-kernel host liveness monitor for VM high availability\n\n"
		     "commands:\n");
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].help);
	fprintf(out, "\n`vigil help COMMAND` shows a command's options. Docs: docs/ and vigil(8).\n");
}

static int cmd_help(int argc, char **argv)
{
	const struct cli_cmd *c;

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

static int cmd_version(int argc, char **argv)
{
	printf("vigil %s (wire protocol %d, map ABI %d)\n", VIGIL_VERSION, VIGIL_PROTO_VERSION,
	       VIGIL_MAP_ABI);
	return 0;
}

int main(int argc, char **argv)
{
	const struct cli_cmd *c;

	log_route_libbpf();
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))
		return cmd_help(1, argv);
	if (!strcmp(argv[1], "-v") || !strcmp(argv[1], "--version"))
		return cmd_version(1, argv);
	c = find_cmd(argv[1]);
	if (!c) {
		fprintf(stderr, "vigil: unknown command '%s'; `vigil help` lists them\n", argv[1]);
		return EXIT_USAGE;
	}
	return c->fn(argc - 1, argv + 1);
}
