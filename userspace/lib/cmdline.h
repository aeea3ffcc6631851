/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * cmdline.h - the options every vigil command shares (-config FILE,
 * -config-test, -http-addr ADDR, -j), parsed in one place, and the exit
 * codes every command uses.
 */
#ifndef VIGIL_CMDLINE_H
#define VIGIL_CMDLINE_H

/* Exit codes: 0 ok, 1 the check failed (e.g. no answer), 2 usage or setup error.
 * An operator's request the Raft leader answers (maint, forget) adds: */
#define EXIT_CHECK     1
#define EXIT_USAGE     2
#define EXIT_UNKNOWN   3 /* no such host in the decided state */
#define EXIT_NO_LEADER 4 /* no Raft leader answered: not applied as far as one knows */
#define EXIT_ALREADY   5 /* it was so already: nothing changed */

/* One command of the vigil binary: its name, usage and help live with it. */
struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *usage; /* after "vigil " */
	const char *help;
};

/* "usage: vigil USAGE" on stderr; returns EXIT_USAGE. */
int cmd_usage(const struct cmd *c);

enum cmd_opt {
	OPT_CONFIG = 1 << 0,	  /* -config FILE */
	OPT_CONFIG_TEST = 1 << 1, /* -config-test */
	OPT_HTTP_ADDR = 1 << 2,	  /* -http-addr ADDR */
	OPT_JSON = 1 << 3,	  /* -j, -json */
	OPT_EXTRA = 1 << 8,	  /* cmd_parse_ex: a command's own options, from here up */
};

struct cmd_args {
	const char *config;    /* NULL: the default path */
	const char *http_addr; /* NULL: api_addr of the configuration */
	int config_test;
	int json;
	int first; /* index in argv of the first operand */
	int nargs; /* operands: argv[first .. first + nargs - 1] */
};

/* Parse the options in mask (single or double dash, anywhere among the
 * operands). On an unknown option prints c's usage and returns -1; else 0. */
int cmd_parse(int argc, char **argv, unsigned mask, const struct cmd *c, struct cmd_args *a);

/* An option of one command: -NAME VALUE, its text stored in *value (left
 * alone if the option is not given). */
struct cmd_option {
	const char *name;
	const char **value; /* -NAME VALUE: set to VALUE ... */
	int *flag;	    /* ... or, if value is NULL, -NAME alone: set to 1 */
};
#define CMD_OPT_MAX 8
/* cmd_parse, and the command's own options (extra ends with a NULL name). */
int cmd_parse_ex(int argc, char **argv, unsigned mask, const struct cmd_option *extra,
		 const struct cmd *c, struct cmd_args *a);

#endif /* VIGIL_CMDLINE_H */
