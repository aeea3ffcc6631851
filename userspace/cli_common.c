// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* cli_common.c - configuration plumbing shared by the subcommands. */
#include <string.h>

#include "cli.h"
#include "loader.h"
#include "log.h"
#include "util.h"

int cli_load_config(struct vigil_config *c, const char *path)
{
	char err[512];

	config_defaults(c);
	if (config_load_file(c, path ? path : VIGIL_DEFAULT_CONFIG, err, sizeof(err))) {
		log_err("%s", err);
		return -1;
	}
	log_set_level((enum log_level)c->log_level);
	return 0;
}

void cli_keyring(const struct vigil_config *c, struct vigil_keyring *kr)
{
	memset(kr, 0, sizeof(*kr));
	if (c->has_key) {
		proto_key_split(c->key, &kr->slot[0].k0, &kr->slot[0].k1);
		kr->slot[0].valid = 1;
	}
	if (c->has_key_next) {
		proto_key_split(c->key_next, &kr->slot[1].k0, &kr->slot[1].k1);
		kr->slot[1].valid = 1;
	}
}

void cli_loader_opts(const struct vigil_config *c, struct loader_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->ifname = c->interface[0] ? c->interface : NULL;
	o->pin_dir = c->pin_dir;
	o->mode = (enum xdp_mode)c->xdp_mode;
	o->port = (uint16_t)c->port;
	o->node_id = c->node_id;
	o->cluster_id = c->cluster_id;
	o->rl_rate = c->rate_limit_pps;
	o->rl_burst = c->rate_limit_burst;
	o->ack_max_age_ns = (uint64_t)c->ack_max_age_ms * NSEC_PER_MSEC;
}
