// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* learn.c - the membership learns the hosts the decided state counts (learn.h). */
#include <string.h>

#include "learn.h"
#include "util.h"

size_t learn_decided_hosts(struct memb *m, const struct fsm *f, uint16_t port, int retell)
{
	size_t learned = 0;

	for (size_t i = 0; i < f->nhosts; i++) {
		const struct fsm_host *h = &f->hosts[i];
		const struct member *mb;
		struct sockaddr_storage ss;
		socklen_t sl;

		/* a verdict stands, or it left: nothing left to find out */
		if (h->state == FSM_LEFT || h->failed || h->id == m->self.id)
			continue;
		mb = memb_find(m, h->id);
		if (mb) {
			if (retell && mb->state == MEMB_DEAD)
				memb_retell(m, h->id);
			continue;
		}
		if (!h->addr[0] || addr_parse(h->addr, port, &ss, &sl))
			continue; /* recorded before addresses were */
		learned += (size_t)memb_learn(m, h->id, h->name, (struct sockaddr *)&ss, sl);
	}
	return learned;
}

size_t learn_forgotten(struct memb *m, const struct fsm *f)
{
	size_t told = 0;

	for (size_t i = 0; i < f->naudit; i++) {
		const struct fsm_audit *a = &f->audit[i];

		/* (a host that reported since is counted again: not forgotten) */
		if (!strcmp(a->action, "forget") && a->id && !fsm_host(f, a->id))
			told += (size_t)memb_forget(m, a->id);
	}
	return told;
}
