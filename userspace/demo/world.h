/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * world.h - what the parts of `vigil demo` share: the demo's hosts, its
 * namespaces, directory and timeline, and each part's functions.
 *
 *   demo.c      the command: options, the steps, clean-up
 *   procs.c     child processes: spawn, wait, bounded runs, the final sweep;
 *               demo_stop
 *   netns.c     the namespaces, the bridge, the private range, a port down
 *   launcher.c  masakari-api through the project's launcher
 *   agents.c    the agents' configurations, their start, convergence
 *   timeline.c  the agents' event lines turned into the timeline
 *   screen.c    the output: progress lines (say), the live member table
 *
 * Everything the demo makes carries its PID or lives under its mkdtemp
 * directory, and is removed on exit, on error and on SIGINT/SIGTERM/SIGHUP.
 */
#ifndef VIGIL_DEMO_WORLD_H
#define VIGIL_DEMO_WORLD_H

#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include <jansson.h>

#include "eventlog.h"

#define DEMO_MIN_HOSTS 3
#define DEMO_MAX_HOSTS 9
#define DEMO_SERVERS   3
#define DEMO_API       "127.0.0.1:7500" /* api_addr's default, inside each host's netns */
#define DEMO_MK_PORT   "15868"
#define CONVERGE_MS    30000
#define WATCH_MS       30000
#define MK_START_MS    900000 /* the first start installs masakari-api (apt) */
#define IP_MS	       10000  /* a short command: ip(8), a launcher step */

/* The five steps of the timeline, in the order they happen. */
enum step { ST_CRASH, ST_SUSPECT, ST_DEAD, ST_VERDICT, ST_NOTIFIED, ST_N };

struct demo_host {
	char name[16]; /* hvI */
	char ns[32];   /* network namespace, vd<pid>hI */
	char ip[20];   /* $net.(10+I) on eth0 */
	char cfg[128]; /* its configuration */
	char log[128]; /* its agent's stdout and stderr */
	int server;    /* a Raft voter */
	int nsfd;      /* open /run/netns/<ns>, for setns() */
	pid_t pid;     /* agent (ip netns exec execs it), 0 when gone */
	off_t log_off; /* log size at the crash: events are read after it */
};

struct demo {
	/* configuration (command line) */
	int nhosts;
	int tui;
	int masakari;
	int keep_logs;
	/* state */
	char id[24];	    /* vd<pid>: prefix of every name */
	char exe[PATH_MAX]; /* this binary, for the agents */
	char dir[64];	    /* mkdtemp: configs, data, logs, bpffs, masakari */
	char bpffs[80];
	int bpffs_mounted;
	char net[16]; /* private /24, "10.a.b" */
	char sw[32];  /* the switch namespace (bridge br0, ports pI) */
	int swfd;
	int selffd;				/* our own network namespace, to come back to */
	int nns;				/* namespaces created so far (switch first) */
	struct demo_host h[DEMO_MAX_HOSTS + 1]; /* 1-based */
	char mk_addr[32];  /* masakari-api's host:port in the switch namespace */
	char mk_skip[512]; /* why notification is skipped; empty if it is not */
	int leader, victim;
	uint64_t start_ns; /* CLOCK_MONOTONIC at start, for the plain log */
	/* the timeline */
	uint64_t t0; /* CLOCK_REALTIME of the crash */
	int have[ST_N];
	long ms[ST_N];
	char what[ST_N][256];
};

/* Set (to the signal) when SIGINT, SIGTERM or SIGHUP asks the demo to stop. */
extern volatile sig_atomic_t demo_stop;

/* A progress line on stdout: seconds since the start, then the message. */
void say(struct demo *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* procs.c */
pid_t procs_spawn(char *const argv[], const char *log);
int procs_wait(pid_t pid, long timeout_ms, int stoppable);
int procs_run(const char *log, long timeout_ms, int stoppable, char *const argv[]);
/* procs_sh(log, argv...): a short command that runs even while cleaning up. */
#define procs_sh(log, ...) procs_run(log, IP_MS, 0, (char *const[]){__VA_ARGS__, NULL})
void procs_last_line(const char *path, char *out, size_t n);
int procs_sweep(struct demo *d, int sig);

/* netns.c */
int netns_ip(struct demo *d, char *const argv[]);
#define netns_ip_cmd(d, ...) netns_ip(d, (char *const[]){"ip", __VA_ARGS__, NULL})
int netns_enter(struct demo *d, int fd);
void netns_leave(struct demo *d);
json_t *netns_get(struct demo *d, int nsfd, const char *addr, const char *path);
int netns_pick_net(struct demo *d);
int netns_build(struct demo *d);
int netns_port_down(struct demo *d, int i);

/* launcher.c */
void launcher_start(struct demo *d);
int launcher_confirm(struct demo *d);

/* agents.c */
int agents_start(struct demo *d);
int agents_alive(struct demo *d);
int agents_converged(struct demo *d);

/* timeline.c */
void timeline_scan(struct demo *d, int i);
void timeline_print(struct demo *d, FILE *out);

/* screen.c */
void screen_draw(struct demo *d, const char *phase, int with_timeline);
void screen_members(struct demo *d, int i);

#endif /* VIGIL_DEMO_WORLD_H */
