/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * raft_conf.h - Raft configurations from "NAME@ADDR" entries (the servers
 * list), and the recovery of a cluster that lost its quorum for good: a new
 * configuration written into a stopped server's log (`vigil operator raft
 * recover`).
 */
#ifndef VIGIL_RAFT_CONF_H
#define VIGIL_RAFT_CONF_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include <raft.h>

#include "config.h"

/* "ADDR:raft_port" for a server at sa: Raft always uses raft_port, whatever
 * port an entry names. */
void raft_conf_address(const struct sockaddr *sa, uint32_t port, char *out, size_t n);
/* The Raft id of a "NAME@ADDR" entry (ids derive from names). */
uint32_t raft_conf_entry_id(const char *entry);
/* conf (initialised here) holds one voter per "NAME@ADDR" entry. 0, or -1
 * with the reason in err. */
int raft_conf_build(struct raft_configuration *conf, const char entries[][96], int n, uint32_t port,
		    char *err, size_t errn);

/*
 * Recover from a loss of quorum: append a configuration of these voters
 * ("NAME" from the configuration's servers list, or "NAME@ADDR") to the log
 * in c's data_dir, as libraft's raft_recover() does. The agent must be
 * stopped (data_dir's lock is taken). 0, or -1 with the reason in err.
 */
int raft_conf_recover(const struct vigil_config *c, char *const voters[], int n, char *err,
		      size_t errn);

#endif /* VIGIL_RAFT_CONF_H */
