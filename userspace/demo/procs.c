// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* procs.c - the demo's child processes: spawn, bounded waits, the final sweep. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "util.h"
#include "world.h"

extern char **environ;

volatile sig_atomic_t demo_stop;

/* Start argv in its own process group, stdout and stderr to log (appended) or
 * /dev/null; the PID or -errno. */
pid_t procs_spawn(char *const argv[], const char *log)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	const char *out = log ? log : "/dev/null";
	pid_t pid;
	int rc;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, out, O_WRONLY | O_CREAT | O_APPEND, 0600);
	posix_spawn_file_actions_adddup2(&fa, 1, 2);
	posix_spawnattr_init(&at);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP);
	posix_spawnattr_setpgroup(&at, 0);
	rc = posix_spawnp(&pid, argv[0], &fa, &at, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	return rc ? -rc : pid;
}

/* Wait for pid at most timeout_ms (or until a signal asks us to stop, when
 * stoppable); its exit code, or -1 when it had to be killed. */
int procs_wait(pid_t pid, long timeout_ms, int stoppable)
{
	uint64_t end = now_mono_ns() + (uint64_t)timeout_ms * NSEC_PER_MSEC;
	int st;

	for (;;) {
		pid_t r = waitpid(pid, &st, WNOHANG);

		if (r == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
		if (r < 0 && errno != EINTR)
			return -1;
		if (now_mono_ns() > end || (stoppable && demo_stop)) {
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
			return -1;
		}
		usleep(5000);
	}
}

/* Run a command to completion, bounded (and cut short by a signal to us when
 * stoppable); its exit code. */
int procs_run(const char *log, long timeout_ms, int stoppable, char *const argv[])
{
	pid_t pid = procs_spawn(argv, log);

	if (pid < 0) {
		log_err("cannot run %s: %s", argv[0], strerror(-pid));
		return -1;
	}
	return procs_wait(pid, timeout_ms, stoppable);
}

/* The last non-empty line of a file, for error messages. */
void procs_last_line(const char *path, char *out, size_t n)
{
	char line[320];
	FILE *f = fopen(path, "r");

	snprintf(out, n, "no output");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (line[0])
			snprintf(out, n, "%s", line);
	}
	fclose(f);
}

/* Send sig (0: none) by PID to every process whose command line names our
 * directory: agents, the masakari launcher and masakari-api, which runs in a
 * session of its own. Returns how many there are. */
int procs_sweep(struct demo *d, int sig)
{
	DIR *dp = opendir("/proc");
	struct dirent *e;
	int n = 0;

	while (dp && (e = readdir(dp))) {
		char p[64], cmd[4096];
		pid_t pid = (pid_t)atoi(e->d_name);
		ssize_t r;
		int fd;

		if (pid <= 0 || pid == getpid())
			continue;
		snprintf(p, sizeof(p), "/proc/%d/cmdline", pid);
		fd = open(p, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		r = read(fd, cmd, sizeof(cmd) - 1);
		close(fd);
		if (r <= 0)
			continue; /* a kernel thread or a zombie */
		for (ssize_t i = 0; i < r; i++)
			if (!cmd[i])
				cmd[i] = ' ';
		cmd[r] = '\0';
		if (strstr(cmd, d->dir)) {
			n++;
			if (sig)
				kill(pid, sig);
		}
	}
	if (dp)
		closedir(dp);
	return n;
}
