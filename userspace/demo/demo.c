// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* cmd_demo.c - `vigil demo`: a whole cluster in network namespaces, one host
 * crashed, and the measured timeline from the crash to Masakari's 202.
 *
 * Everything the demo makes carries its PID or lives under its mkdtemp
 * directory, and is removed on exit, on error and on SIGINT/SIGTERM/SIGHUP:
 * children are killed by PID (and any process whose command line names the
 * directory), namespaces deleted (their veths and XDP programs go with them),
 * the private bpffs unmounted, the directory removed. Nothing is created in
 * the root network namespace. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <getopt.h>
#include <limits.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <jansson.h>
#include <linux/bpf.h>
#include <linux/if_link.h>

#include "cli.h"
#include "demo.h"
#include "log.h"
#include "util.h"

extern char **environ;

#define DEMO_MIN_HOSTS 3
#define DEMO_MAX_HOSTS 9
#define DEMO_SERVERS   3
#define DEMO_API       "127.0.0.1:7500" /* api_addr's default, inside each host's netns */
#define DEMO_MK_PORT   "15868"
#define CONVERGE_MS    30000
#define WATCH_MS       30000
#define MK_START_MS    900000 /* the first start installs masakari-api (apt) */
#define IP_MS	       10000

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

static volatile sig_atomic_t demo_stop;

static void on_signal(int sig)
{
	demo_stop = sig;
}

static void say(struct demo *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(struct demo *d, const char *fmt, ...)
{
	va_list ap;
	double t = (double)(now_mono_ns() - d->start_ns) / 1e9;

	printf("[%5.1fs] ", t);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

/* ---- children ------------------------------------------------------------ */

/* Start argv in its own process group, stdout and stderr to log (appended) or
 * /dev/null; the PID or -errno. */
static pid_t spawn(char *const argv[], const char *log)
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
static int wait_child(pid_t pid, long timeout_ms, int stoppable)
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
static int run_argv(const char *log, long timeout_ms, int stoppable, char *const argv[])
{
	pid_t pid = spawn(argv, log);

	if (pid < 0) {
		log_err("cannot run %s: %s", argv[0], strerror(-pid));
		return -1;
	}
	return wait_child(pid, timeout_ms, stoppable);
}

/* run(log, argv...): a short command that runs even while cleaning up. */
#define run(log, ...) run_argv(log, IP_MS, 0, (char *const[]){__VA_ARGS__, NULL})

/* Run ip(8) with its output in the demo's ip.log; 0 or -1 (logged with the command). */
static int ip_argv(struct demo *d, char *const argv[])
{
	char log[PATH_MAX + 8], cmd[512] = "";
	int rc;

	snprintf(log, sizeof(log), "%s/ip.log", d->dir);
	rc = run_argv(log, IP_MS, 0, argv);
	if (rc) {
		for (size_t i = 0, n = 0; argv[i] && n < sizeof(cmd); i++)
			n += (size_t)snprintf(cmd + n, sizeof(cmd) - n, "%s%s", i ? " " : "",
					      argv[i]);
		log_err("`%s` failed (exit %d; see %s)", cmd, rc, log);
	}
	return rc ? -1 : 0;
}

#define ip(d, ...) ip_argv(d, (char *const[]){"ip", __VA_ARGS__, NULL})

/* ---- network namespaces --------------------------------------------------- */

static int enter_ns(struct demo *d, int fd)
{
	if (setns(fd, CLONE_NEWNET)) {
		log_err("setns: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static void leave_ns(struct demo *d)
{
	if (setns(d->selffd, CLONE_NEWNET))
		log_err("setns back to our own namespace: %s", strerror(errno));
}

static int open_ns(const char *name)
{
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "/run/netns/%s", name);
	return open(p, O_RDONLY | O_CLOEXEC);
}

/* GET addr/path from inside a namespace; NULL if it does not answer (quietly). */
static json_t *ns_get(struct demo *d, int nsfd, const char *addr, const char *path)
{
	char err[512];
	json_t *j;

	if (enter_ns(d, nsfd))
		return NULL;
	j = cli_http_json("GET", addr, path, 1000, err, sizeof(err));
	leave_ns(d);
	return j;
}

/* A 10.a.b.0/24 that no address or route of this host uses (as tests/lib/netns.sh). */
static int pick_net(struct demo *d)
{
	char log[PATH_MAX + 16], *used = NULL;
	size_t n = 0;
	FILE *f;

	snprintf(log, sizeof(log), "%s/host-addrs.txt", d->dir);
	if (run(log, "ip", "-4", "addr", "show") ||
	    run(log, "ip", "-4", "route", "show", "table", "all")) {
		log_err("cannot list this host's addresses and routes with ip(8)");
		return -1;
	}
	f = fopen(log, "r");
	if (!f || getdelim(&used, &n, '\0', f) < 0) {
		if (f)
			fclose(f);
		free(used);
		return -1;
	}
	fclose(f);
	if (strstr(used, " 10.0.0.0/8")) {
		free(used);
		log_err("this host routes all of 10.0.0.0/8; the demo needs an unused private "
			"range");
		return -1;
	}
	for (int tries = 0; tries < 50; tries++) {
		unsigned int a = 200 + (unsigned int)random() % 50,
			     b = 1 + (unsigned int)random() % 250;
		char net[16], wide[24];

		snprintf(net, sizeof(net), "10.%u.%u.", a, b);
		snprintf(wide, sizeof(wide), "10.%u.0.0/16", a);
		if (!strstr(used, net) && !strstr(used, wide)) {
			snprintf(d->net, sizeof(d->net), "10.%u.%u", a, b);
			free(used);
			return 0;
		}
	}
	free(used);
	log_err("no unused private /24 found in 10.200-249.x.0");
	return -1;
}

/* The 2-instruction XDP_PASS program on every switch port: XDP_TX on a veth
 * reaches the peer only if the peer runs an XDP program too. */
static int switch_xdp(struct demo *d)
{
	const struct bpf_insn pass[] = {
		{.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = XDP_PASS},
		{.code = BPF_JMP | BPF_EXIT},
	};
	int fd, rc = 0;

	fd = bpf_prog_load(BPF_PROG_TYPE_XDP, "demo_xdp_pass", "GPL", pass, ARRAY_SIZE(pass), NULL);
	if (fd < 0) {
		log_err("cannot load an XDP program: %s", strerror(-fd));
		return -1;
	}
	if (enter_ns(d, d->swfd)) {
		close(fd);
		return -1;
	}
	for (int i = 1; i <= d->nhosts && !rc; i++) {
		char port[16];
		int err;

		snprintf(port, sizeof(port), "p%d", i);
		err = bpf_xdp_attach((int)if_nametoindex(port), fd, 0, NULL);
		if (err) {
			log_err("cannot attach XDP to %s in %s: %s", port, d->sw, strerror(-err));
			rc = -1;
		}
	}
	leave_ns(d);
	close(fd); /* the attachments hold the program; it goes with the ports */
	return rc;
}

static int netns_add(struct demo *d, const char *name)
{
	/* Counted before it exists: deleting one that was never made is harmless. */
	d->nns++;
	return ip(d, "netns", "add", (char *)name) ||
	       ip(d, "-n", (char *)name, "link", "set", "lo", "up");
}

/* Switch namespace with bridge br0; per host a namespace whose eth0 is a veth
 * to port pI on the bridge. */
static int build_net(struct demo *d)
{
	if (netns_add(d, d->sw) || ip(d, "-n", d->sw, "link", "add", "br0", "type", "bridge") ||
	    ip(d, "-n", d->sw, "link", "set", "br0", "up"))
		return -1;
	for (int i = 1; i <= d->nhosts; i++) {
		struct demo_host *h = &d->h[i];
		char port[16], addr[32];

		snprintf(port, sizeof(port), "p%d", i);
		snprintf(addr, sizeof(addr), "%s/24", h->ip);
		if (netns_add(d, h->ns) ||
		    ip(d, "link", "add", "eth0", "netns", h->ns, "type", "veth", "peer", "name",
		       port, "netns", d->sw) ||
		    ip(d, "-n", d->sw, "link", "set", port, "master", "br0") ||
		    ip(d, "-n", d->sw, "link", "set", port, "up") ||
		    ip(d, "-n", h->ns, "addr", "add", addr, "dev", "eth0") ||
		    ip(d, "-n", h->ns, "link", "set", "eth0", "up"))
			return -1;
		h->nsfd = open_ns(h->ns);
		if (h->nsfd < 0) {
			log_err("cannot open namespace %s: %s", h->ns, strerror(errno));
			return -1;
		}
	}
	d->swfd = open_ns(d->sw);
	if (d->swfd < 0) {
		log_err("cannot open namespace %s: %s", d->sw, strerror(errno));
		return -1;
	}
	return switch_xdp(d);
}

/* Bring host i's switch port down: no packet in or out, as if its kernel had
 * stopped. A direct ioctl, so the crash time is exact. */
static int port_down(struct demo *d, int i)
{
	struct ifreq ifr = {0};
	int s, rc = -1;

	if (enter_ns(d, d->swfd))
		return -1;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "p%d", i);
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s >= 0 && !ioctl(s, SIOCGIFFLAGS, &ifr)) {
		ifr.ifr_flags &= ~IFF_UP;
		rc = ioctl(s, SIOCSIFFLAGS, &ifr);
	}
	if (rc)
		log_err("cannot bring %s down: %s", ifr.ifr_name, strerror(errno));
	if (s >= 0)
		close(s);
	leave_ns(d);
	return rc;
}

/* ---- masakari-api ---------------------------------------------------------- */

/* The launcher: $VIGIL_MASAKARI_LAUNCHER, else next to this binary in a build
 * tree (O/vigil -> tests/lib/) or an install (PREFIX/sbin/vigil -> PREFIX/share/vigil/). */
static int find_launcher(const struct demo *d, char *out, size_t n)
{
	static const char *const rel[] = {"../userspace/tools/masakari-local.sh", "../share/vigil/masakari-local.sh",
					  "../../userspace/tools/masakari-local.sh"};
	const char *env = getenv("VIGIL_MASAKARI_LAUNCHER");
	char dir[PATH_MAX], *slash;

	if (env && *env) {
		snprintf(out, n, "%s", env);
		return access(out, R_OK);
	}
	snprintf(dir, sizeof(dir), "%s", d->exe);
	slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(rel); i++)
		if ((size_t)snprintf(out, n, "%s/%s", dir, rel[i]) < n && !access(out, R_OK))
			return 0;
	return -1;
}

/* The last non-empty line of a file, for error messages. */
static void last_line(const char *path, char *out, size_t n)
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

/* Start the real masakari-api in the switch namespace through the project's
 * launcher and register compute-1..N in segment "vigil". On failure the demo
 * goes on without it; mk_skip says why. */
static void masakari_up(struct demo *d)
{
	char launcher[PATH_MAX], mkdir_[PATH_MAX + 16], log[PATH_MAX + 32], addr[40], env[64];
	char why[400];
	int rc;

	if (find_launcher(d, launcher, sizeof(launcher))) {
		snprintf(d->mk_skip, sizeof(d->mk_skip),
			 "the masakari-api launcher (share/vigil/masakari-local.sh, or "
			 "userspace/tools/masakari-local.sh in a source tree) was not found near this "
			 "binary; set VIGIL_MASAKARI_LAUNCHER");
		return;
	}
	snprintf(addr, sizeof(addr), "%s.1/24", d->net);
	if (ip(d, "-n", d->sw, "addr", "add", addr, "dev", "br0")) {
		snprintf(d->mk_skip, sizeof(d->mk_skip), "cannot address the bridge");
		return;
	}
	snprintf(mkdir_, sizeof(mkdir_), "%s/masakari", d->dir);
	snprintf(log, sizeof(log), "%s/masakari-launcher.log", d->dir);
	snprintf(env, sizeof(env), "MASAKARI_ADDR=%s.1", d->net);
	if (access("/usr/bin/masakari-api", X_OK))
		say(d, "installing masakari-api from Debian (first run only, about 2 minutes) ...");
	rc = run_argv(log, MK_START_MS, 1,
		      (char *const[]){"ip", "netns", "exec", d->sw, "env", env, "bash", launcher,
				      "start", mkdir_, DEMO_MK_PORT, NULL});
	if (demo_stop)
		return;
	for (int i = 1; !rc && i <= d->nhosts; i++) {
		char host[32];

		snprintf(host, sizeof(host), "compute-%d", i);
		rc = run_argv(log, 30000, 1,
			      (char *const[]){"ip", "netns", "exec", d->sw, "env", env, "bash",
					      launcher, "add-host", mkdir_, host, DEMO_MK_PORT,
					      NULL});
	}
	if (rc) {
		last_line(log, why, sizeof(why));
		snprintf(d->mk_skip, sizeof(d->mk_skip), "masakari-api could not be started: %s",
			 why);
		return;
	}
	snprintf(d->mk_addr, sizeof(d->mk_addr), "%s.1:%s", d->net, DEMO_MK_PORT);
}

/* ---- agents ---------------------------------------------------------------- */

static int write_config(struct demo *d, int i, const char *key)
{
	struct demo_host *h = &d->h[i];
	json_t *servers = json_array(), *c;
	char pins[PATH_MAX + 16], data[PATH_MAX + 16], hv[32], url[64];
	int rc, min_healthy = d->nhosts - 1 < 3 ? d->nhosts - 1 : 3;

	for (int s = 1; s <= DEMO_SERVERS; s++) {
		char sv[48];

		snprintf(sv, sizeof(sv), "%s@%s", d->h[s].name, d->h[s].ip);
		json_array_append_new(servers, json_string(sv));
	}
	snprintf(pins, sizeof(pins), "%s/%s", d->bpffs, h->name);
	snprintf(data, sizeof(data), "%s/data/%s", d->dir, h->name);
	snprintf(hv, sizeof(hv), "compute-%d", i);
	c = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:[s], s:o, s:s, s:s, s:i, s:i, s:s}",
		      "node_name", h->name, "cluster", "demo", "interface", "eth0", "key", key,
		      "bpffs", pins, "data_dir", data, "join", d->h[1].ip, "servers", servers,
		      "role", h->server ? "server" : "client", "hypervisor_hostname", hv,
		      "wait_period_ms", 0, "min_healthy_hosts", min_healthy, "log_level", "info");
	if (!c)
		return -1;
	if (d->mk_addr[0]) {
		snprintf(url, sizeof(url), "http://%s/v1", d->mk_addr);
		json_object_set_new(c, "masakari", json_pack("{s:s}", "url", url));
	}
	rc = json_dump_file(c, h->cfg, JSON_INDENT(2));
	json_decref(c);
	if (rc)
		log_err("cannot write %s", h->cfg);
	return rc ? -1 : 0;
}

static int start_agents(struct demo *d)
{
	char key[64];
	int rc = cli_keygen(key);

	if (rc) {
		log_err("getrandom: %s", strerror(-rc));
		return -1;
	}
	for (int i = 1; i <= d->nhosts; i++)
		if (write_config(d, i, key))
			return -1;
	for (int i = 1; i <= d->nhosts && !demo_stop; i++) {
		struct demo_host *h = &d->h[i];
		pid_t pid = spawn((char *const[]){"ip", "netns", "exec", h->ns, d->exe, "agent",
						  "-config", h->cfg, NULL},
				  h->log);

		if (pid < 0) {
			log_err("cannot start the agent of %s: %s", h->name, strerror(-pid));
			return -1;
		}
		h->pid = pid;
		/* Random offsets: agents started together align their probe timers. */
		usleep(20000 + (useconds_t)(random() % 80000));
	}
	return demo_stop ? -1 : 0;
}

/* An agent that exited on its own: say so, with its last log line. */
static int agents_alive(struct demo *d)
{
	for (int i = 1; i <= d->nhosts; i++) {
		struct demo_host *h = &d->h[i];
		char why[400];
		int st;

		if (!h->pid || waitpid(h->pid, &st, WNOHANG) != h->pid)
			continue;
		h->pid = 0;
		if (i == d->victim)
			continue;
		last_line(h->log, why, sizeof(why));
		log_err("the agent of %s exited: %s (log: %s)", h->name, why, h->log);
		return 0;
	}
	return 1;
}

/* ---- what the cluster says ------------------------------------------------- */

static int count_state(json_t *members, const char *prefix)
{
	size_t i;
	json_t *m;
	int n = 0;

	json_array_foreach(members, i, m)
	{
		const char *st = json_string_value(json_object_get(m, "state"));

		n += st && !strncmp(st, prefix, strlen(prefix));
	}
	return n;
}

/* Every agent sees every host alive, a leader exists, and its Raft state has
 * every host as a member (so a verdict can be counted against all of them). */
static int converged(struct demo *d)
{
	d->leader = 0;
	for (int i = 1; i <= d->nhosts; i++) {
		json_t *m = ns_get(d, d->h[i].nsfd, DEMO_API, "/v1/members");
		int ok = m && count_state(m, "alive") == d->nhosts;

		json_decref(m);
		if (!ok)
			return 0;
	}
	for (int i = 1; i <= DEMO_SERVERS; i++) {
		json_t *st = ns_get(d, d->h[i].nsfd, DEMO_API, "/v1/status");
		const char *role =
			json_string_value(json_object_get(json_object_get(st, "raft"), "role"));

		if (role && !strcmp(role, "leader")) {
			json_t *hosts = json_object_get(st, "hosts"), *o;
			size_t k;
			int members = 0;

			json_array_foreach(hosts, k, o)
			{
				members += !strcmp(json_string_value(json_object_get(o, "state"))
							   ?: "",
						   "member");
			}
			if (members == d->nhosts)
				d->leader = i;
		}
		json_decref(st);
	}
	return d->leader != 0;
}

/* Scan host i's log from its crash-time offset for the victim's events. */
static void scan_log(struct demo *d, int i)
{
	struct demo_host *h = &d->h[i], *v = &d->h[d->victim];
	char pat_state[64], pat_verdict[64], pat_notif[64], line[1024];
	FILE *f = fopen(h->log, "r");

	if (!f)
		return;
	snprintf(pat_state, sizeof(pat_state), "event=state member=%s ", v->name);
	snprintf(pat_verdict, sizeof(pat_verdict), "verdict: %s (", v->name);
	snprintf(pat_notif, sizeof(pat_notif), "for compute-%d STOPPED (HTTP 20", d->victim);
	fseeko(f, h->log_off, SEEK_SET);
	while (fgets(line, sizeof(line), f)) {
		struct tm tm = {0};
		int ms = 0;
		enum step s;
		long rel;

		if (!strchr(line, '\n'))
			break; /* a partial line: read it whole next time */
		h->log_off += (off_t)strlen(line);
		line[strcspn(line, "\n")] = '\0';
		if (strstr(line, pat_state) && strstr(line, " to=suspect"))
			s = ST_SUSPECT;
		else if (strstr(line, pat_state) && strstr(line, " to=dead"))
			s = ST_DEAD;
		else if (strstr(line, pat_verdict))
			s = ST_VERDICT;
		else if (strstr(line, pat_notif) && strstr(line, " delivered"))
			s = ST_NOTIFIED;
		else
			continue;
		/* "2026-11-30T08:10:00.123Z info: ...": the agents' CLOCK_REALTIME, ms. */
		if (sscanf(line, "%d-%d-%dT%d:%d:%d.%dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
			   &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &ms) != 7)
			continue;
		tm.tm_year -= 1900;
		tm.tm_mon -= 1;
		rel = (long)(((int64_t)timegm(&tm) * 1000 + ms) - (int64_t)(d->t0 / NSEC_PER_MSEC));
		if (d->have[s] && d->ms[s] <= rel)
			continue;
		d->have[s] = 1;
		d->ms[s] = rel < 0 ? 0 : rel;
		switch (s) {
		case ST_SUSPECT:
			snprintf(d->what[s], sizeof(d->what[s]), "first suspicion of %s (by %s)",
				 v->name, h->name);
			break;
		case ST_DEAD:
			snprintf(d->what[s], sizeof(d->what[s]), "%s declared dead (first by %s)",
				 v->name, h->name);
			break;
		case ST_VERDICT: {
			/* "... failed: 4 of 5 hosts reported it unreachable for the wait period" */
			const char *why = strstr(line, "failed: ") ?: "failed";
			const char *cut = strstr(why, " for the wait period");

			snprintf(d->what[s], sizeof(d->what[s]),
				 "Raft verdict (leader %s): %s (compute-%d) %.*s", h->name, v->name,
				 d->victim, cut ? (int)(cut - why) : (int)strlen(why), why);
			break;
		}
		default:
			snprintf(d->what[s], sizeof(d->what[s]),
				 "notification for compute-%d delivered by %s (HTTP 202)",
				 d->victim, h->name);
		}
	}
	fclose(f);
}

/* Masakari's own word: the notification it holds for the victim. */
static int masakari_confirm(struct demo *d)
{
	json_t *r = ns_get(d, d->swfd, d->mk_addr, "/v1/notifications"), *n;
	size_t i;
	int found = 0;

	json_array_foreach(json_object_get(r, "notifications"), i, n)
	{
		json_t *p = json_object_get(n, "payload");
		const char *uuid = json_string_value(json_object_get(n, "notification_uuid"));

		if (strcmp(json_string_value(json_object_get(p, "event")) ?: "", "STOPPED") ||
		    !uuid)
			continue;
		snprintf(d->what[ST_NOTIFIED], sizeof(d->what[ST_NOTIFIED]),
			 "Masakari accepted notification %.8s… for compute-%d (HTTP 202, status "
			 "%s)",
			 uuid, d->victim, json_string_value(json_object_get(n, "status")) ?: "?");
		found = 1;
	}
	json_decref(r);
	return found;
}

/* ---- output ---------------------------------------------------------------- */

static void print_timeline(struct demo *d, FILE *out)
{
	for (int s = 0; s < ST_N; s++) {
		if (s == ST_NOTIFIED && d->mk_skip[0])
			fprintf(out, "  %9s  notification skipped: %s\n", "-", d->mk_skip);
		else if (d->have[s])
			fprintf(out, "  %+6ld ms  %s\n", d->ms[s], d->what[s]);
	}
}

/* The live screen: hv1's member table, the Raft leader, the timeline so far
 * (unless the caller prints it itself). */
static void draw(struct demo *d, const char *phase, int with_timeline)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *m = open_memstream(&buf, &n);
	json_t *arr = ns_get(d, d->h[1].nsfd, DEMO_API, "/v1/members");

	if (!m) {
		json_decref(arr);
		return;
	}
	fprintf(m, "vigil demo: %d hosts on %s.0/24, %s\n\n", d->nhosts, d->net, phase);
	fprintf(m, "members as hv1 sees them (GET /v1/members):\n");
	if (arr)
		cli_print_members(m, arr);
	else
		fprintf(m, "  (hv1's agent is not answering yet)\n");
	fprintf(m, "\nRaft leader: %s\n\n", d->leader ? d->h[d->leader].name : "(none yet)");
	if (d->victim && with_timeline)
		print_timeline(d, m);
	fclose(m);
	json_decref(arr);
	/* Home, each line cleared to its end, the rest of the screen cleared. */
	fputs("\033[H", stdout);
	for (char *p = buf, *line; (line = strsep(&p, "\n")) && p;)
		printf("%s\033[K\n", line);
	fputs("\033[J", stdout);
	fflush(stdout);
	free(buf);
}

static void print_members(struct demo *d, int i)
{
	json_t *arr = ns_get(d, d->h[i].nsfd, DEMO_API, "/v1/members");

	if (!arr)
		return;
	printf("\n  members as %s sees them (`vigil members`):\n", d->h[i].name);
	cli_print_members(stdout, arr);
	printf("\n");
	json_decref(arr);
}

/* ---- the demo -------------------------------------------------------------- */

static int wait_converged(struct demo *d)
{
	uint64_t end = now_mono_ns() + CONVERGE_MS * NSEC_PER_MSEC, next_draw = 0;

	while (!demo_stop && now_mono_ns() < end) {
		if (!agents_alive(d))
			return -1;
		if (converged(d))
			return 0;
		if (d->tui && now_mono_ns() > next_draw) {
			draw(d, "waiting for the agents to converge", 1);
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
	if (port_down(d, d->victim))
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
				scan_log(d, i);
		if (!d->tui)
			for (int s = ST_SUSPECT; s < ST_N; s++)
				if (d->have[s] && !shown[s])
					say(d, "%s", d->what[s]);
		if (d->have[ST_NOTIFIED] && !confirmed && masakari_confirm(d)) {
			confirmed = 1;
			if (!d->tui)
				say(d, "%s", d->what[ST_NOTIFIED]);
		}
		if (d->tui && now_mono_ns() > next_draw) {
			draw(d, "one host crashed", 1);
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

/* Send sig (0: none) by PID to every process whose command line names our
 * directory: agents, the masakari launcher and masakari-api, which runs in a
 * session of its own. Returns how many there are. */
static int sweep(struct demo *d, int sig)
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

static void cleanup(struct demo *d)
{
	uint64_t end;

	for (int i = 1; i <= d->nhosts; i++)
		if (d->h[i].pid)
			kill(d->h[i].pid, SIGTERM);
	if (d->dir[0]) {
		sweep(d, SIGTERM);
		end = now_mono_ns() + 5 * NSEC_PER_SEC;
		while (now_mono_ns() < end) {
			while (waitpid(-1, NULL, WNOHANG) > 0)
				;
			if (!sweep(d, 0))
				break;
			usleep(50000);
		}
		sweep(d, SIGKILL);
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

		run(NULL, "ip", "netns", "del", (char *)ns);
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
	if (pick_net(d))
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
	if (build_net(d))
		return -1;
	if (d->masakari) {
		say(d, "starting the real masakari-api (Debian's) in the switch namespace ...");
		masakari_up(d);
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
	if (start_agents(d) || wait_converged(d))
		return -1;
	if (!d->tui) {
		say(d, "converged: every host sees %d alive; Raft leader %s", d->nhosts,
		    d->h[d->leader].name);
		print_members(d, 1);
	}
	if (crash_and_watch(d))
		return -1;
	if (d->tui) {
		draw(d, "done", 0);
	} else {
		usleep(300000); /* long enough for the survivors to agree on the table */
		print_members(d, 1);
	}
	printf("\ntimeline (ms after the crash; agents' own log clocks):\n");
	print_timeline(d, stdout);
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
	"demo", demo_cmd, "demo [--no-tui] [--hosts N] [--no-masakari] [--keep-logs]",
	"a local cluster in namespaces: crash a host, time it to Masakari's 202 (root)",
};
