/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * consensus.h - the agent's side of failure verdicts and recovery:
 *   every agent reports the hosts it finds unreachable to every server;
 *   servers run Raft (libraft, libuv backend) over the replicated state of
 *   fsm.c; the leader applies the verdict rule of verdict.c and delivers
 *   the notification outbox to Masakari (notifier.c).
 */
#ifndef VIGIL_CONSENSUS_H
#define VIGIL_CONSENSUS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>

struct agent;
struct consensus;
struct json_t;

/* Start reporting (every agent) and, on servers, Raft. NULL on failure. */
struct consensus *consensus_start(struct agent *a);
/* Leave Raft cleanly; done() runs once everything is closed. */
void consensus_close(struct consensus *c, void (*done)(struct agent *a));

/* Send this member's report now (its set of dead members changed). */
void consensus_report_now(struct consensus *c);
/* A REPORT or MAINT datagram (already known to be of that type). */
void consensus_receive(struct consensus *c, const struct sockaddr *from, const void *buf,
		       size_t len);
/* Ask the leader to put host into (on) or out of maintenance. 0 or -errno. */
int consensus_request_maintenance(struct consensus *c, const char *host, int on);

/* Status and metrics, rendered in the event loop. */
void consensus_status(const struct consensus *c, struct json_t *status);
void consensus_metrics(const struct consensus *c, FILE *out);

#endif /* VIGIL_CONSENSUS_H */
