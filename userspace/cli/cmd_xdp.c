// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* cmd_xdp.c - `vigil xdp attach|detach|status`: the fast path without an agent. */
#include <net/if.h>
#include <stdio.h>
#include <string.h>

#include <linux/if_link.h>
#include <jansson.h>

#include "cli.h"
#include "loader.h"
#include "log.h"

static int xdp_status(const struct vigil_config *c, int json)
{
	struct loader_status st;
	char ifname[IF_NAMESIZE] = "?";
	const char *mode;
	int err = loader_status(c->pin_dir, &st);

	if (err) {
		if (json)
			printf("{\"attached\": false, \"pin_dir\": \"%s\"}\n", c->pin_dir);
		else
			printf("not attached (nothing pinned at %s)\n", c->pin_dir);
		return EXIT_CHECK;
	}
	if (st.ifindex)
		if_indextoname((unsigned)st.ifindex, ifname);
	mode = st.xdp_flags == XDP_FLAGS_SKB_MODE ? "generic" : "native";
	if (json) {
		json_t *o = json_pack("{s:b, s:s, s:s, s:i, s:s, s:I, s:I, s:s}", "attached",
				      st.attached, "pin_dir", c->pin_dir, "interface", ifname,
				      "ifindex", st.ifindex, "mode", mode, "prog_id",
				      (json_int_t)st.prog_id, "link_id", (json_int_t)st.link_id,
				      "prog_name", st.prog_name);
		json_dumpf(o, stdout, JSON_INDENT(2));
		printf("\n");
		json_decref(o);
	} else {
		printf("%s on %s (ifindex %d), %s mode, prog id %u, link id %u, pins in %s\n",
		       st.attached ? "attached" : "pinned but detached", ifname, st.ifindex, mode,
		       st.prog_id, st.link_id, c->pin_dir);
	}
	return st.attached ? 0 : EXIT_CHECK;
}

static int run(int argc, char **argv)
{
	struct vigil_config c;
	struct cmd_args a;
	struct loader l;
	const char *verb;

	if (cmd_parse(argc, argv, OPT_CONFIG | OPT_JSON, &cmd_xdp, &a))
		return EXIT_USAGE;
	if (a.nargs != 1)
		return cmd_usage(&cmd_xdp);
	verb = argv[a.first];
	if (strcmp(verb, "attach") && strcmp(verb, "detach") && strcmp(verb, "status"))
		return cmd_usage(&cmd_xdp);
	if (config_load(&c, a.config))
		return EXIT_USAGE;

	if (!strcmp(verb, "attach")) {
		if (loader_bringup(&c, &l))
			return EXIT_USAGE;
		printf("attached to %s in %s mode%s; pins in %s\n", c.interface,
		       xdp_mode_name(l.attached), l.reused_link ? " (existing link updated)" : "",
		       c.pin_dir);
		loader_close(&l); /* the pinned link keeps the program running */
		return 0;
	}
	if (!strcmp(verb, "detach")) {
		if (loader_detach(c.pin_dir)) {
			printf("nothing attached at %s\n", c.pin_dir);
			return EXIT_CHECK;
		}
		printf("detached; pins under %s removed\n", c.pin_dir);
		return 0;
	}
	return xdp_status(&c, a.json);
}

const struct cmd cmd_xdp = {
	"xdp",
	run,
	"xdp attach|detach|status [-config FILE] [-j]",
	"load and pin the XDP program, remove it, or show what is attached",
};
