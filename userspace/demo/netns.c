// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* netns.c - the demo's network: a switch namespace with a bridge, one namespace
 * per host on an unused private /24, XDP_PASS on the switch ports. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <linux/if_link.h>

#include "cli.h"
#include "log.h"
#include "util.h"
#include "world.h"

/* Run ip(8) with its output in the demo's ip.log; 0 or -1 (logged with the command). */
int netns_ip(struct demo *d, char *const argv[])
{
	char log[PATH_MAX + 8], cmd[512] = "";
	int rc;

	snprintf(log, sizeof(log), "%s/ip.log", d->dir);
	rc = procs_run(log, IP_MS, 0, argv);
	if (rc) {
		for (size_t i = 0, n = 0; argv[i] && n < sizeof(cmd); i++)
			n += (size_t)snprintf(cmd + n, sizeof(cmd) - n, "%s%s", i ? " " : "",
					      argv[i]);
		log_err("`%s` failed (exit %d; see %s)", cmd, rc, log);
	}
	return rc ? -1 : 0;
}

int netns_enter(struct demo *d, int fd)
{
	if (setns(fd, CLONE_NEWNET)) {
		log_err("setns: %s", strerror(errno));
		return -1;
	}
	return 0;
}

void netns_leave(struct demo *d)
{
	if (setns(d->selffd, CLONE_NEWNET))
		log_err("setns back to our own namespace: %s", strerror(errno));
}

static int netns_open(const char *name)
{
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "/run/netns/%s", name);
	return open(p, O_RDONLY | O_CLOEXEC);
}

/* GET addr/path from inside a namespace; NULL if it does not answer (quietly). */
json_t *netns_get(struct demo *d, int nsfd, const char *addr, const char *path)
{
	char err[512];
	json_t *j;

	if (netns_enter(d, nsfd))
		return NULL;
	j = cli_http_json("GET", addr, path, NULL, 1000, err, sizeof(err));
	netns_leave(d);
	return j;
}

/* A 10.a.b.0/24 that no address or route of this host uses (as tests/lib/netns.sh). */
int netns_pick_net(struct demo *d)
{
	char log[PATH_MAX + 16], *used = NULL;
	size_t n = 0;
	FILE *f;

	snprintf(log, sizeof(log), "%s/host-addrs.txt", d->dir);
	if (procs_sh(log, "ip", "-4", "addr", "show") ||
	    procs_sh(log, "ip", "-4", "route", "show", "table", "all")) {
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
static int netns_switch_xdp(struct demo *d)
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
	if (netns_enter(d, d->swfd)) {
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
	netns_leave(d);
	close(fd); /* the attachments hold the program; it goes with the ports */
	return rc;
}

static int netns_add(struct demo *d, const char *name)
{
	/* Counted before it exists: deleting one that was never made is harmless. */
	d->nns++;
	return netns_ip_cmd(d, "netns", "add", (char *)name) ||
	       netns_ip_cmd(d, "-n", (char *)name, "link", "set", "lo", "up");
}

/* Switch namespace with bridge br0; per host a namespace whose eth0 is a veth
 * to port pI on the bridge. */
int netns_build(struct demo *d)
{
	if (netns_add(d, d->sw) ||
	    netns_ip_cmd(d, "-n", d->sw, "link", "add", "br0", "type", "bridge") ||
	    netns_ip_cmd(d, "-n", d->sw, "link", "set", "br0", "up"))
		return -1;
	for (int i = 1; i <= d->nhosts; i++) {
		struct demo_host *h = &d->h[i];
		char port[16], addr[32];

		snprintf(port, sizeof(port), "p%d", i);
		snprintf(addr, sizeof(addr), "%s/24", h->ip);
		if (netns_add(d, h->ns) ||
		    netns_ip_cmd(d, "link", "add", "eth0", "netns", h->ns, "type", "veth", "peer",
				 "name", port, "netns", d->sw) ||
		    netns_ip_cmd(d, "-n", d->sw, "link", "set", port, "master", "br0") ||
		    netns_ip_cmd(d, "-n", d->sw, "link", "set", port, "up") ||
		    netns_ip_cmd(d, "-n", h->ns, "addr", "add", addr, "dev", "eth0") ||
		    netns_ip_cmd(d, "-n", h->ns, "link", "set", "eth0", "up"))
			return -1;
		h->nsfd = netns_open(h->ns);
		if (h->nsfd < 0) {
			log_err("cannot open namespace %s: %s", h->ns, strerror(errno));
			return -1;
		}
	}
	d->swfd = netns_open(d->sw);
	if (d->swfd < 0) {
		log_err("cannot open namespace %s: %s", d->sw, strerror(errno));
		return -1;
	}
	return netns_switch_xdp(d);
}

/* Bring host i's switch port down: no packet in or out, as if its kernel had
 * stopped. A direct ioctl, so the crash time is exact. */
int netns_port_down(struct demo *d, int i)
{
	struct ifreq ifr = {0};
	int s, rc = -1;

	if (netns_enter(d, d->swfd))
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
	netns_leave(d);
	return rc;
}
