// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* demo.c - `vigil demo`: a whole cluster in network namespaces, one host
 * crashed, and the measured timeline from the crash to Masakari's 202
 * (world.h lists the parts).
 *
 * Everything the demo makes carries its PID or lives under its mkdtemp
 * directory, and is removed on exit, on error and on SIGINT/SIGTERM/SIGHUP:
 * children are killed by PID (and any process whose command line names the
 * directory), namespaces deleted (their veths and XDP programs go with them),
 * the private bpffs unmounted, the directory removed. Nothing is created in
 * the root network namespace. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "demo.h"
#include "log.h"
#include "util.h"
#include "world.h"

static void on_signal(int sig)
{
	demo_stop = sig;
}

static int wait_converged(struct demo *d)
{
	uint64_t end = now_mono_ns() + CONVERGE_MS * NSEC_PER_MSEC, next_draw = 0;

	while (!demo_stop && now_mono_ns() < end) {
		if (!agents_alive(d))
			return -1;
		if (agents_converged(d))
			return 0;
		if (d->tui && now_mono_ns() > next_draw) {
			screen_draw(d, "waiting for the agents to converge", 1);
			next_draw = now_mono_ns() + 250 * NSEC_PER_MSEC;
		}
		usleep(100000);
	}
	if (!demo_stop)
		log_err("the cluster did not converge within %d s (logs: %s/hv*.log)",
			CONVERGE_MS / 1000, d->dir);
	return -1;
}

static int crash_and_watch(struct demo *d)
{
	struct demo_host *v;
	uint64_t end, next_draw = 0;
	int last = d->mk_skip[0] ? ST_VERDICT : ST_NOTIFIED, confirmed = 0;

	/* A non-leader server: its death must be decided by the others. */
	for (int i = DEMO_SERVERS; i >= 1 && !d->victim; i--)
		if (i != d->leader)
			d->victim = i;
	v = &d->h[d->victim];
	for (int i = 1; i <= d->nhosts; i++) {
		struct stat stt;

		d->h[i].log_off = stat(d->h[i].log, &stt) ? 0 : stt.st_size;
	}
	if (!d->tui)
		say(d,
		    "crashing %s: its switch port goes down (no packet in or out) and its agent "
		    "is killed",
		    v->name);
	if (netns_port_down(d, d->victim))
		return -1;
	d->t0 = now_real_ns();
	kill(v->pid, SIGKILL);
	d->have[ST_CRASH] = 1;
	snprintf(d->what[ST_CRASH], sizeof(d->what[ST_CRASH]),
		 "crash %s (all its packets dropped, agent killed)", v->name);

	end = now_mono_ns() + WATCH_MS * NSEC_PER_MSEC;
	while (!demo_stop && now_mono_ns() < end) {
		int shown[ST_N];

		memcpy(shown, d->have, sizeof(shown));
		if (!agents_alive(d))
			return -1;
		for (int i = 1; i <= d->nhosts; i++)
			if (i != d->victim)
				timeline_scan(d, i);
		if (!d->tui)
			for (int s = ST_SUSPECT; s < ST_N; s++)
				if (d->have[s] && !shown[s])
					say(d, "%s", d->what[s]);
		if (d->have[ST_NOTIFIED] && !confirmed && launcher_confirm(d)) {
			confirmed = 1;
			if (!d->tui)
				say(d, "%s", d->what[ST_NOTIFIED]);
		}
		if (d->tui && now_mono_ns() > next_draw) {
			screen_draw(d, "one host crashed", 1);
			next_draw = now_mono_ns() + 200 * NSEC_PER_MSEC;
		}
		if (d->have[last] && (last != ST_NOTIFIED || confirmed))
			return 0;
		usleep(20000);
	}
	if (demo_stop)
		return -1;
	for (int s = ST_SUSPECT; s <= last; s++)
		if (!d->have[s]) {
			log_err("step %d of the timeline did not happen within %d s (logs: "
				"%s/hv*.log)",
				s + 1, WATCH_MS / 1000, d->dir);
			return -1;
		}
	log_err("Masakari does not list the notification the leader says it delivered (see "
		"%s/masakari/api.log)",
		d->dir);
	return -1;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path) && errno != ENOENT ? -1 : 0;
}

static void cleanup(struct demo *d)
{
	uint64_t end;

	for (int i = 1; i <= d->nhosts; i++)
		if (d->h[i].pid)
			kill(d->h[i].pid, SIGTERM);
	if (d->dir[0]) {
		procs_sweep(d, SIGTERM);
		end = now_mono_ns() + 5 * NSEC_PER_SEC;
		while (now_mono_ns() < end) {
			while (waitpid(-1, NULL, WNOHANG) > 0)
				;
			if (!procs_sweep(d, 0))
				break;
			usleep(50000);
		}
		procs_sweep(d, SIGKILL);
	}
	for (int i = 1; i <= d->nhosts; i++)
		if (d->h[i].pid)
			kill(d->h[i].pid, SIGKILL);
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	for (int i = 1; i <= d->nhosts; i++)
		if (d->h[i].nsfd > 0)
			close(d->h[i].nsfd);
	if (d->swfd > 0)
		close(d->swfd);
	/* Deleting a namespace takes its veths, addresses and XDP programs with it. */
	for (int i = d->nns - 1; i >= 0; i--) {
		const char *ns = i == 0 ? d->sw : d->h[i].ns;

		procs_sh(NULL, "ip", "netns", "del", (char *)ns);
	}
	if (d->bpffs_mounted && umount2(d->bpffs, 0) && umount2(d->bpffs, MNT_DETACH))
		log_err("cannot unmount %s: %s", d->bpffs, strerror(errno));
	if (d->dir[0]) {
		if (d->keep_logs) {
			printf("logs and configurations kept in %s\n", d->dir);
			rmdir(d->bpffs);
		} else {
			nftw(d->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
		}
	}
}

static int setup(struct demo *d)
{
	char tmpl[64];
	ssize_t n;

	n = readlink("/proc/self/exe", d->exe, sizeof(d->exe) - 1);
	if (n <= 0) {
		log_err("cannot find this binary (/proc/self/exe): %s", strerror(errno));
		return -1;
	}
	d->exe[n] = '\0';
	d->selffd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (d->selffd < 0) {
		log_err("cannot open /proc/self/ns/net: %s", strerror(errno));
		return -1;
	}
	snprintf(tmpl, sizeof(tmpl), "/tmp/vigil-demo-%d.XXXXXX", (int)getpid());
	if (!mkdtemp(tmpl)) {
		log_err("mkdtemp: %s", strerror(errno));
		return -1;
	}
	snprintf(d->dir, sizeof(d->dir), "%s", tmpl);
	snprintf(d->bpffs, sizeof(d->bpffs), "%s/bpffs", d->dir);
	/* A private bpffs: `ip netns exec` remounts /sys, so /sys/fs/bpf would
	 * not be shared with the agents; this mount is. */
	if (mkdir(d->bpffs, 0700) || mount("bpf", d->bpffs, "bpf", 0, NULL)) {
		log_err("cannot mount a bpffs at %s: %s", d->bpffs, strerror(errno));
		return -1;
	}
	d->bpffs_mounted = 1;
	if (netns_pick_net(d))
		return -1;
	snprintf(d->sw, sizeof(d->sw), "%ssw", d->id);
	for (int i = 1; i <= d->nhosts; i++) {
		struct demo_host *h = &d->h[i];

		snprintf(h->name, sizeof(h->name), "hv%d", i);
		snprintf(h->ns, sizeof(h->ns), "%sh%d", d->id, i);
		snprintf(h->ip, sizeof(h->ip), "%s.%d", d->net, 10 + i);
		snprintf(h->cfg, sizeof(h->cfg), "%s/%s.json", d->dir, h->name);
		snprintf(h->log, sizeof(h->log), "%s/%s.log", d->dir, h->name);
		h->server = i <= DEMO_SERVERS;
	}
	return 0;
}

static int demo_main(struct demo *d)
{
	if (setup(d))
		return -1;
	say(d,
	    "network: %d hosts in namespaces %sh1..%d, one bridge (%ssw), %s.0/24 (unused "
	    "on this host, routed nowhere)",
	    d->nhosts, d->id, d->nhosts, d->id, d->net);
	if (netns_build(d))
		return -1;
	if (d->masakari) {
		say(d, "starting the real masakari-api (Debian's) in the switch namespace ...");
		launcher_start(d);
		if (demo_stop)
			return -1;
		if (d->mk_addr[0])
			say(d, "masakari-api on http://%s/v1, segment \"vigil\" with compute-1..%d",
			    d->mk_addr, d->nhosts);
		else
			say(d, "NOTE: the notification step will be skipped: %s", d->mk_skip);
	} else {
		snprintf(d->mk_skip, sizeof(d->mk_skip), "--no-masakari was given");
	}
	say(d,
	    "agents: hv1..hv%d are Raft servers, the rest clients; XDP on each eth0; wait "
	    "period 0 ms (production default: 30 s)",
	    DEMO_SERVERS);
	if (agents_start(d) || wait_converged(d))
		return -1;
	if (!d->tui) {
		say(d, "converged: every host sees %d alive; Raft leader %s", d->nhosts,
		    d->h[d->leader].name);
		screen_members(d, 1);
	}
	if (crash_and_watch(d))
		return -1;
	if (d->tui) {
		screen_draw(d, "done", 0);
	} else {
		usleep(300000); /* long enough for the survivors to agree on the table */
		screen_members(d, 1);
	}
	printf("\ntimeline (ms after the crash; agents' own log clocks):\n");
	timeline_print(d, stdout);
	printf("\nwith the production wait_period_ms of 30 s the verdict comes 30 s later, "
	       "unless the host comes back.\n");
	return 0;
}

static int demo_cmd(int argc, char **argv)
{
	static const struct option opts[] = {
		{"no-tui", no_argument, NULL, 'p'},
		{"hosts", required_argument, NULL, 'n'},
		{"no-masakari", no_argument, NULL, 'm'},
		{"keep-logs", no_argument, NULL, 'k'},
		{NULL, 0, NULL, 0},
	};
	struct demo d = {.nhosts = 5, .tui = 1, .masakari = 1};
	struct sigaction sa = {.sa_handler = on_signal};
	int opt, rc;
	char *end;

	while ((opt = getopt_long_only(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'p':
			d.tui = 0;
			break;
		case 'n':
			d.nhosts = (int)strtol(optarg, &end, 10);
			if (*end || d.nhosts < DEMO_MIN_HOSTS || d.nhosts > DEMO_MAX_HOSTS) {
				fprintf(stderr, "vigil demo: --hosts must be %d to %d\n",
					DEMO_MIN_HOSTS, DEMO_MAX_HOSTS);
				return EXIT_USAGE;
			}
			break;
		case 'm':
			d.masakari = 0;
			break;
		case 'k':
			d.keep_logs = 1;
			break;
		default:
			return cmd_usage(&cmd_demo);
		}
	}
	if (geteuid() != 0) {
		fprintf(stderr, "vigil demo: needs root (network namespaces, XDP, a bpffs mount); "
				"run it as root or with sudo\n");
		return EXIT_USAGE;
	}
	if (access("/sys/kernel/btf/vmlinux", R_OK)) {
		fprintf(stderr, "vigil demo: the kernel has no BTF (/sys/kernel/btf/vmlinux); "
				"vigil's XDP program needs it\n");
		return EXIT_USAGE;
	}
	if (!isatty(STDOUT_FILENO))
		d.tui = 0;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	log_set_timestamps(0);
	srandom((unsigned int)(now_real_ns() ^ (uint64_t)getpid()));
	snprintf(d.id, sizeof(d.id), "vd%d", (int)getpid());
	d.start_ns = now_mono_ns();
	d.swfd = d.selffd = -1;
	for (int i = 0; i <= DEMO_MAX_HOSTS; i++)
		d.h[i].nsfd = -1;
	if (d.tui)
		fputs("\033[2J", stdout);

	rc = demo_main(&d);
	if (demo_stop)
		printf("\ninterrupted (signal %d); cleaning up ...\n", (int)demo_stop);
	else if (rc)
		printf("\nthe demo failed (see the error above); cleaning up ...\n");
	else
		printf("\ncleaning up ...\n");
	fflush(stdout);
	cleanup(&d);
	if (d.selffd >= 0)
		close(d.selffd);
	if (demo_stop) {
		printf("done: namespaces, links, processes, pins and files removed\n");
		return 128 + (int)demo_stop;
	}
	if (rc) {
		printf("done: everything removed. Run `vigil demo --no-tui --keep-logs` to keep "
		       "the logs, or see docs/design.md.\n");
		return EXIT_CHECK;
	}
	printf("done: namespaces, links, processes, pins and files removed\n");
	return 0;
}

const struct cmd cmd_demo = {
	"demo",
	demo_cmd,
	"demo [--no-tui] [--hosts N] [--no-masakari] [--keep-logs]",
	"a local cluster in namespaces: crash a host, time it to Masakari's 202 (root)",
};
