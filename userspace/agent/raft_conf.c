// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* raft_conf.c - Raft configurations and the recovery of a lost quorum (raft_conf.h). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <raft/uv.h>

#include "fsm.h"
#include "raft_conf.h"
#include "raft_fsm.h"
#include "util.h"
#include "wire.h"

void raft_conf_address(const struct sockaddr *sa, uint32_t port, char *out, size_t n)
{
	struct sockaddr_storage ss;

	memset(&ss, 0, sizeof(ss));
	memcpy(&ss, sa,
	       sa->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
					 : sizeof(struct sockaddr_in));
	((struct sockaddr_in *)&ss)->sin_port = htons((uint16_t)port);
	addr_format((struct sockaddr *)&ss, out, n);
}

uint32_t raft_conf_entry_id(const char *entry)
{
	const char *at = strchr(entry, '@');
	char name[96];

	snprintf(name, sizeof(name), "%.*s", (int)(at ? at - entry : (long)strlen(entry)), entry);
	return wire_name_id(name);
}

int raft_conf_build(struct raft_configuration *conf, const char entries[][96], int n, uint32_t port,
		    char *err, size_t errn)
{
	raft_configuration_init(conf);
	for (int i = 0; i < n; i++) {
		const char *at = strchr(entries[i], '@');
		struct sockaddr_storage ss;
		socklen_t sl;
		char addr[128];
		int rc;

		if (!at || addr_parse(at + 1, (uint16_t)port, &ss, &sl)) {
			snprintf(err, errn, "bad server entry \"%s\" (NAME@ADDR)", entries[i]);
			raft_configuration_close(conf);
			return -1;
		}
		raft_conf_address((struct sockaddr *)&ss, port, addr, sizeof(addr));
		rc = raft_configuration_add(conf, raft_conf_entry_id(entries[i]), addr, RAFT_VOTER);
		if (rc) {
			snprintf(err, errn, "server %s: %s", entries[i], raft_strerror(rc));
			raft_configuration_close(conf);
			return -1;
		}
	}
	return 0;
}

/* "NAME@ADDR" for a voter given as NAME (looked up in the servers list) or
 * NAME@ADDR. */
static int voter_entry(const struct vigil_config *c, const char *v, char out[96])
{
	size_t len = strlen(v);

	if (strchr(v, '@')) {
		snprintf(out, 96, "%s", v);
		return 0;
	}
	for (int i = 0; i < c->raft.nservers; i++)
		if (!strncmp(c->raft.servers[i], v, len) && c->raft.servers[i][len] == '@') {
			snprintf(out, 96, "%s", c->raft.servers[i]);
			return 0;
		}
	return -1;
}

static void closed(struct raft *r)
{
	(void)r;
}

int raft_conf_recover(const struct vigil_config *c, char *const voters[], int n, char *err,
		      size_t errn)
{
	char entries[CFG_JOIN_MAX][96], dir[PATH_MAX];
	const char *addr = "";
	struct raft_configuration conf;
	struct raft_uv_transport transport = {0};
	struct raft_io io = {0};
	struct raft_fsm rfsm;
	struct raft r = {0};
	struct fsm f;
	uv_loop_t loop;
	long holder;
	int lock, rc, self_in = 0;

	if (n <= 0 || n > CFG_JOIN_MAX) {
		snprintf(err, errn, "name 1 to %d voters", CFG_JOIN_MAX);
		return -1;
	}
	for (int i = 0; i < n; i++) {
		if (voter_entry(c, voters[i], entries[i])) {
			snprintf(err, errn,
				 "%s is not in this configuration's servers list: give NAME@ADDR",
				 voters[i]);
			return -1;
		}
		self_in |= raft_conf_entry_id(entries[i]) == c->node_id;
	}
	if (!self_in) {
		snprintf(err, errn, "the voters must include this server (%s)", c->node_name);
		return -1;
	}
	lock = dir_lock(c->data_dir, &holder);
	if (lock < 0) {
		if (lock == -EWOULDBLOCK)
			snprintf(err, errn, "the agent (pid %ld) is running: stop it first",
				 holder);
		else
			snprintf(err, errn, "cannot lock data_dir %s: %s", c->data_dir,
				 strerror(-lock));
		return -1;
	}
	snprintf(dir, sizeof(dir), "%s/raft", c->data_dir);
	if (access(dir, F_OK)) {
		snprintf(err, errn, "%s: no Raft state to recover (%s)", dir, strerror(errno));
		close(lock);
		return -1;
	}
	if (raft_conf_build(&conf, (const char(*)[96])entries, n, c->raft.port, err, errn)) {
		close(lock);
		return -1;
	}
	fsm_init(&f);
	raft_fsm_init(&rfsm, &f);
	uv_loop_init(&loop);
	rc = raft_uv_tcp_init(&transport, &loop);
	if (!rc)
		rc = raft_uv_init(&io, &loop, dir, &transport);
	for (unsigned i = 0; i < conf.n; i++)
		if (conf.servers[i].id == c->node_id)
			addr = conf.servers[i].address;
	if (!rc)
		rc = raft_init(&r, &io, &rfsm, c->node_id, addr);
	if (!rc) {
		rc = raft_recover(&r, &conf);
		if (rc)
			snprintf(err, errn, "raft_recover: %s (%s)", raft_strerror(rc),
				 raft_errmsg(&r));
		raft_close(&r, closed);
		uv_run(&loop, UV_RUN_DEFAULT);
	} else {
		snprintf(err, errn, "cannot open the Raft state in %s: %s", dir, raft_strerror(rc));
	}
	if (io.impl)
		raft_uv_close(&io);
	if (transport.impl)
		raft_uv_tcp_close(&transport);
	uv_run(&loop, UV_RUN_DEFAULT);
	uv_loop_close(&loop);
	raft_configuration_close(&conf);
	fsm_free(&f);
	close(lock);
	return rc ? -1 : 0;
}
