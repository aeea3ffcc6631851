// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* cmd_xdp.c - `vigil xdp attach|detach|status`: the fast path without an agent. */
#include <getopt.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>

#include <linux/if_link.h>
#include <jansson.h>

#include "cli.h"
#include "loader.h"
#include "log.h"

/* Load, attach and configure the program; keys from c. Shared with the agent. */
int xdp_bringup(const struct vigil_config *c, struct loader *l)
{
	struct vigil_keyring kr;
	struct loader_opts o;
	struct vigil_self me;
	int err;

	if (!c->interface[0]) {
		log_err("no \"interface\" in the configuration: vigil needs the cluster interface");
		return -1;
	}
	if (!c->has_key) {
		log_err("no \"key\" in the configuration; make one with `vigil keygen`");
		return -1;
	}
	cli_loader_opts(c, &o);
	err = loader_load(l, &o);
	if (err)
		return err;
	cli_keyring(c, &kr);
	err = maps_set_keys(&l->maps, &kr);
	if (!err && (maps_get_self(&l->maps, &me) || me.abi != VIGIL_MAP_ABI))
		err = maps_set_self(&l->maps, 0, 0);
	if (err) {
		log_err("cannot initialise the maps: %s", strerror(-err));
		loader_close(l);
		return err;
	}
	err = loader_attach(l, &o);
	if (err)
		loader_close(l);
	return err;
}

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

int cmd_xdp(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'f' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = NULL, *verb;
	struct vigil_config c;
	struct loader l;
	int opt, json = 0;

	while ((opt = getopt_long_only(argc, argv, "j", opts, NULL)) != -1) {
		switch (opt) {
		case 'f':
			path = optarg;
			break;
		case 'j':
			json = 1;
			break;
		default:
			goto usage;
		}
	}
	if (optind != argc - 1)
		goto usage;
	verb = argv[optind];
	if (cli_load_config(&c, path))
		return EXIT_USAGE;

	if (!strcmp(verb, "attach")) {
		if (xdp_bringup(&c, &l))
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
	if (!strcmp(verb, "status"))
		return xdp_status(&c, json);
usage:
	fprintf(stderr, "usage: vigil xdp attach|detach|status [-config FILE] [-j]\n");
	return EXIT_USAGE;
}
