/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * proc.h - run one program to completion, bounded: its input written to
 * its stdin (never its command line: other users can read that), its stdout
 * and stderr collected, and the whole process group killed once the time is
 * up. Blocking: the agent calls it from libuv's thread pool, a command
 * directly. Another thread may cancel a call by PID (proc_cancel).
 */
#ifndef VIGIL_PROC_H
#define VIGIL_PROC_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define PROC_OUTPUT_MAX 4096

struct proc_call {
	/* what to run */
	const char *const *argv; /* argv[0] is searched in PATH unless it has a '/' */
	const char *input;	 /* written to stdin, then stdin is closed; may be NULL */
	uint64_t timeout_ms;	 /* killed (SIGKILL to its process group) after this */
	/* what came of it */
	int exited;		      /* it exited by itself; code is its exit status */
	int code;		      /* its exit status, or -1 when a signal ended it ... */
	int signal;		      /* ... this one (0 when it exited) */
	int timed_out;		      /* killed after timeout_ms */
	int cancelled;		      /* killed by proc_cancel */
	char output[PROC_OUTPUT_MAX]; /* stdout and stderr, NUL-terminated, cut off */
	uint64_t elapsed_ns;
	/* between threads */
	pthread_mutex_t lock;
	pid_t pid; /* while it runs (not yet reaped); 0 otherwise */
};

void proc_call_init(struct proc_call *c);
void proc_call_destroy(struct proc_call *c);
/* Run c to completion: 0 (whatever its exit status), or -errno if it could
 * not be started (not found, no permission). */
int proc_run(struct proc_call *c);
/* How an ended call ended, for a message: "exited with 3", "killed by
 * signal 9 (Killed)". */
void proc_describe(const struct proc_call *c, char *out, size_t n);
/* From another thread: kill the call's process group now (no-op once it ended). */
void proc_cancel(struct proc_call *c);

#endif /* VIGIL_PROC_H */
