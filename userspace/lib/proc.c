// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* proc.c - posix_spawn with a stdin pipe, bounded by a timeout, killed by PID. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "proc.h"

extern char **environ;

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

void proc_call_init(struct proc_call *c)
{
	memset(c, 0, sizeof(*c));
	pthread_mutex_init(&c->lock, NULL);
}

void proc_call_destroy(struct proc_call *c)
{
	pthread_mutex_destroy(&c->lock);
}

/* SIGKILL to the call's process group (the agent and what it started,
 * e.g. fence_ipmilan's ipmitool), while its PID is still ours. */
static void kill_group(struct proc_call *c)
{
	pthread_mutex_lock(&c->lock);
	if (c->pid > 0) {
		kill(-c->pid, SIGKILL);
		kill(c->pid, SIGKILL);
	}
	pthread_mutex_unlock(&c->lock);
}

void proc_cancel(struct proc_call *c)
{
	pthread_mutex_lock(&c->lock);
	c->cancelled = 1;
	pthread_mutex_unlock(&c->lock);
	kill_group(c);
}

/* Has pid exited (not reaped: its PID stays ours until waitpid)? */
static int exited_(pid_t pid)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	return !waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) && si.si_pid == pid;
}

static void collect(struct proc_call *c, int fd, size_t *len, int *open_)
{
	char sink[1024];
	ssize_t r;

	if (*len + 1 < sizeof(c->output))
		r = read(fd, c->output + *len, sizeof(c->output) - 1 - *len);
	else
		r = read(fd, sink, sizeof(sink)); /* beyond what we keep */
	if (r > 0 && *len + 1 < sizeof(c->output))
		*len += (size_t)r;
	else if (r == 0 || (r < 0 && errno != EINTR && errno != EAGAIN))
		*open_ = 0;
	c->output[*len] = '\0';
}

static int spawn(struct proc_call *c, int in, int out)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	struct sched_param other = {.sched_priority = 0};
	sigset_t none, pipe_;
	pid_t pid;
	int rc;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, in, 0);
	posix_spawn_file_actions_adddup2(&fa, out, 1);
	posix_spawn_file_actions_adddup2(&fa, out, 2);
	posix_spawnattr_init(&at);
	sigemptyset(&none);
	sigemptyset(&pipe_);
	sigaddset(&pipe_, SIGPIPE); /* the daemon ignores it; the program must not inherit that */
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setsigdefault(&at, &pipe_);
	posix_spawnattr_setpgroup(&at, 0); /* its own group: a timeout kills all of it */
	/* ordinary scheduling, whatever the calling thread's (the agent's
	 * real-time priority is for its loop, never for a fence agent) */
	posix_spawnattr_setschedpolicy(&at, SCHED_OTHER);
	posix_spawnattr_setschedparam(&at, &other);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
					      POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSCHEDULER);
	pthread_mutex_lock(&c->lock);
	if (c->cancelled)
		rc = ECANCELED;
	else
		rc = posix_spawnp(&pid, c->argv[0], &fa, &at, (char *const *)c->argv, environ);
	if (!rc)
		c->pid = pid;
	pthread_mutex_unlock(&c->lock);
	posix_spawnattr_destroy(&at);
	posix_spawn_file_actions_destroy(&fa);
	return -rc;
}

int proc_run(struct proc_call *c)
{
	int in[2], out[2], pidfd, out_open = 1, status = 0, rc;
	uint64_t t0 = mono_ns(), deadline = t0 + c->timeout_ms * 1000000ULL;
	size_t len = 0;
	pid_t pid;

	c->exited = c->timed_out = c->signal = 0;
	c->output[0] = '\0';
	if (pipe2(in, O_CLOEXEC))
		return -errno;
	if (pipe2(out, O_CLOEXEC)) {
		rc = -errno;
		close(in[0]);
		close(in[1]);
		return rc;
	}
	rc = spawn(c, in[0], out[1]);
	close(in[0]);
	close(out[1]);
	if (rc) {
		close(in[1]);
		close(out[0]);
		return rc;
	}
	pid = c->pid;
	/* The input is small (well under a pipe's 64 KiB): one write, no wait.
	 * A program that exits without reading costs an EPIPE, nothing more. */
	if (c->input && write(in[1], c->input, strlen(c->input)) < 0)
		(void)0;
	close(in[1]);
	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	for (;;) {
		struct pollfd p[2] = {{.fd = pidfd, .events = POLLIN},
				      {.fd = out_open ? out[0] : -1, .events = POLLIN}};
		uint64_t now = mono_ns();
		int n;

		if (now >= deadline) {
			c->timed_out = 1;
			kill_group(c);
			break;
		}
		/* Without a pidfd (an old kernel), look every 50 ms. */
		n = poll(p, 2, pidfd < 0 ? 50 : (int)((deadline - now) / 1000000ULL) + 1);
		if (n < 0 && errno != EINTR)
			break;
		if (n > 0 && (p[1].revents & (POLLIN | POLLHUP)))
			collect(c, out[0], &len, &out_open);
		if (n > 0 && (p[0].revents & POLLIN))
			break; /* it exited */
		if (pidfd < 0 && exited_(pid))
			break;
	}
	/* What it wrote last, without waiting for a descendant holding the pipe. */
	fcntl(out[0], F_SETFL, O_NONBLOCK);
	while (out_open && len + 1 < sizeof(c->output))
		collect(c, out[0], &len, &out_open);
	close(out[0]);
	if (pidfd >= 0)
		close(pidfd);
	/* Exited or SIGKILLed: reaped at once. The PID is forgotten under the
	 * lock before the reap, so proc_cancel never signals a reused PID. */
	pthread_mutex_lock(&c->lock);
	c->pid = 0;
	pthread_mutex_unlock(&c->lock);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	c->exited = WIFEXITED(status) && !c->timed_out && !c->cancelled;
	c->code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	c->signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
	c->elapsed_ns = mono_ns() - t0;
	return 0;
}

void proc_describe(const struct proc_call *c, char *out, size_t n)
{
	if (c->signal)
		snprintf(out, n, "killed by signal %d (%s)", c->signal, strsignal(c->signal));
	else
		snprintf(out, n, "exited with %d", c->code);
}
