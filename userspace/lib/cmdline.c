// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* cmdline.c - the shared options of vigil's commands. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cmdline.h"

int cmd_usage(const struct cmd *c)
{
	fprintf(stderr, "usage: vigil %s\n", c->usage);
	return EXIT_USAGE;
}

int cmd_parse(int argc, char **argv, unsigned mask, const struct cmd *c, struct cmd_args *a)
{
	return cmd_parse_ex(argc, argv, mask, NULL, c, a);
}

int cmd_parse_ex(int argc, char **argv, unsigned mask, const struct cmd_option *extra,
		 const struct cmd *c, struct cmd_args *a)
{
	static const struct option all[] = {
		{"config", required_argument, NULL, OPT_CONFIG},
		{"config-test", no_argument, NULL, OPT_CONFIG_TEST},
		{"http-addr", required_argument, NULL, OPT_HTTP_ADDR},
		{"json", no_argument, NULL, OPT_JSON},
	};
	struct option opts[sizeof(all) / sizeof(all[0]) + CMD_OPT_MAX + 1];
	size_t n = 0;
	int opt;

	memset(a, 0, sizeof(*a));
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (mask & (unsigned)all[i].val)
			opts[n++] = all[i];
	/* A command's own options come back as OPT_EXTRA + their index. */
	for (int i = 0; extra && extra[i].name && i < CMD_OPT_MAX; i++)
		opts[n++] = (struct option){extra[i].name,
					    extra[i].value ? required_argument : no_argument, NULL,
					    OPT_EXTRA + i};
	memset(&opts[n], 0, sizeof(opts[n]));
	optind = 1;
	while ((opt = getopt_long_only(argc, argv, mask & OPT_JSON ? "j" : "", opts, NULL)) != -1) {
		switch (opt) {
		case OPT_CONFIG:
			a->config = optarg;
			break;
		case OPT_CONFIG_TEST:
			a->config_test = 1;
			break;
		case OPT_HTTP_ADDR:
			a->http_addr = optarg;
			break;
		case 'j':
		case OPT_JSON:
			a->json = 1;
			break;
		default:
			if (opt >= OPT_EXTRA && opt < OPT_EXTRA + CMD_OPT_MAX) {
				if (extra[opt - OPT_EXTRA].value)
					*extra[opt - OPT_EXTRA].value = optarg;
				else
					*extra[opt - OPT_EXTRA].flag = 1;
				break;
			}
			cmd_usage(c);
			return -1;
		}
	}
	a->first = optind;
	a->nargs = argc - optind;
	return 0;
}
