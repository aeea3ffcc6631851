// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* voters.c - the Raft voters follow the membership (voters.h). */
#include <string.h>

#include "voters.h"

static const struct raft_server *server_get(const struct raft_configuration *conf, raft_id id)
{
	for (unsigned i = 0; i < conf->n; i++)
		if (conf->servers[i].id == id)
			return &conf->servers[i];
	return NULL;
}

unsigned voters_count(const struct raft_configuration *conf)
{
	unsigned n = 0;

	for (unsigned i = 0; i < conf->n; i++)
		n += conf->servers[i].role == RAFT_VOTER;
	return n;
}

static int host_failed(const struct fsm *f, uint32_t id)
{
	const struct fsm_host *h = fsm_host(f, id);

	return h && h->failed;
}

enum voter_op voters_next(const struct raft_configuration *conf, const struct memb *m,
			  const struct fsm *f, unsigned configured, struct voter_change *out)
{
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < m->n; i++) {
		const struct member *mb = m->members[i];
		const struct raft_server *s = server_get(conf, mb->id);
		int alive_server = mb->role == VIGIL_ROLE_SERVER && mb->state == MEMB_ALIVE;

		out->member = mb;
		if (alive_server && !s) {
			out->why = "alive_server";
			return out->op = VOTER_ADD;
		}
		if (alive_server && s->role != RAFT_VOTER) {
			out->why = "caught_up";
			return out->op = VOTER_PROMOTE;
		}
		/* A server that left is removed while others take its vote; the
		 * voters never drop below the configured servers that way: a
		 * zone powered down server by server would otherwise end with
		 * one voter, and no leader if that one does not come back. The
		 * operator removes a voter for good with `vigil operator raft
		 * remove-peer`. */
		if (mb->state == MEMB_LEFT && s &&
		    (s->role != RAFT_VOTER || voters_count(conf) > configured)) {
			out->why = "left";
			return out->op = VOTER_REMOVE;
		}
		if (s && s->role == RAFT_VOTER && voters_count(conf) > configured &&
		    host_failed(f, mb->id)) {
			out->why = "failed_and_replaced";
			return out->op = VOTER_REMOVE;
		}
	}
	out->member = NULL;
	return VOTER_NONE;
}
