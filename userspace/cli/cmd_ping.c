// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * cmd_ping.c - `vigil ping`: ping(8) over the vigil protocol. It sends signed
 * PINGs from userspace; the peer's kernel answers them; this host's kernel
 * records each ACK with its own receive time. The RTT printed is therefore
 * measured in-kernel on both ends, whatever this process's scheduling.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "cli.h"
#include "log.h"
#include "maps.h"
#include "util.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

struct ping_stats {
	unsigned sent, acked;
	double min, max, sum, sumsq; /* ms */
};

static int parse_peer(const char *arg, uint32_t port, uint32_t id_opt, char *name, size_t nsz,
		      uint32_t *id, struct sockaddr_storage *ss, socklen_t *sl)
{
	const char *at = strchr(arg, '@');
	const char *addr = at ? at + 1 : arg;

	if (at) {
		if ((size_t)(at - arg) >= nsz || at == arg)
			return -1;
		memcpy(name, arg, (size_t)(at - arg));
		name[at - arg] = '\0';
	} else {
		snprintf(name, nsz, "%s", arg);
	}
	if (addr_parse(addr, (uint16_t)port, ss, sl))
		return -1;
	if (id_opt)
		*id = id_opt;
	else if (at)
		*id = wire_name_id(name);
	else
		return -2;
	return 0;
}

static void sleep_ns(uint64_t ns)
{
	struct timespec ts = {.tv_sec = (time_t)(ns / NSEC_PER_SEC),
			      .tv_nsec = (long)(ns % NSEC_PER_SEC)};

	while (nanosleep(&ts, &ts) && errno == EINTR && !stop)
		;
}

static int run(int argc, char **argv)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'f'},
		{"count", required_argument, NULL, 'c'},
		{"interval", required_argument, NULL, 'i'},
		{"timeout", required_argument, NULL, 'W'},
		{"id", required_argument, NULL, 'n'},
		{"json", no_argument, NULL, 'j'},
		{"quiet", no_argument, NULL, 'q'},
		{NULL, 0, NULL, 0},
	};
	double interval = 1.0, timeout = -1;
	const char *path = NULL;
	struct sockaddr_storage ss;
	struct ping_stats ps = {.min = INFINITY};
	struct vigil_keyring kr;
	struct vigil_config c;
	struct vigil_maps m;
	char name[CFG_NAME_MAX], addrs[80];
	long count = -1;
	uint32_t id_opt = 0, target;
	int opt, json = 0, quiet = 0, fd, rc = EXIT_USAGE;
	socklen_t sl;
	uint8_t chan;

	while ((opt = getopt_long_only(argc, argv, "c:i:W:n:jq", opts, NULL)) != -1) {
		char *end = NULL;

		switch (opt) {
		case 'f':
			path = optarg;
			break;
		case 'c':
			count = strtol(optarg, &end, 10);
			if (*end || count < 1)
				goto usage;
			break;
		case 'i':
			interval = strtod(optarg, &end);
			if (*end || interval < 0.001 || interval > 3600)
				goto usage;
			break;
		case 'W':
			timeout = strtod(optarg, &end);
			if (*end || timeout <= 0 || timeout > 60)
				goto usage;
			break;
		case 'n':
			id_opt = (uint32_t)strtoul(optarg, &end, 0);
			if (*end || !id_opt)
				goto usage;
			break;
		case 'j':
			json = 1;
			break;
		case 'q':
			quiet = 1;
			break;
		default:
			goto usage;
		}
	}
	if (optind != argc - 1)
		goto usage;
	if (config_load(&c, path))
		return EXIT_USAGE;
	if (!c.has_key) {
		log_err("no \"key\" in the configuration; vigil ping signs its probes with it");
		return EXIT_USAGE;
	}
	switch (parse_peer(argv[optind], c.port, id_opt, name, sizeof(name), &target, &ss, &sl)) {
	case 0:
		break;
	case -2:
		log_err("give the peer's node name (NAME@ADDR) or its id (-id N): the kernel "
			"answers only PINGs addressed to it");
		return EXIT_USAGE;
	default:
		log_err("bad peer '%s': expected NAME@ADDR[:PORT] or ADDR[:PORT] -id N",
			argv[optind]);
		return EXIT_USAGE;
	}
	if (timeout < 0)
		timeout = interval < 1.0 ? interval : 1.0;

	/* ACKs are recorded by this host's XDP program, so it must be there. */
	if (maps_open_pinned(&m, c.pin_dir)) {
		log_err("the XDP program is not loaded on this host: start the agent or run "
			"`vigil xdp attach`");
		return EXIT_USAGE;
	}
	/* A channel of its own: 0 and 255 are the agent's (MEMB_CHAN_AGENT/RELAY). */
	chan = (uint8_t)(1 + getpid() % 254);
	if (maps_peer_add(&m, target, chan)) {
		log_err("cannot add peer %u to the peers map: %s", target, strerror(errno));
		goto out_maps;
	}
	config_keyring(&c, &kr);

	fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		log_err("socket: %s", strerror(errno));
		goto out_peer;
	}
	if (c.bind_addr[0]) {
		struct sockaddr_storage bs;
		socklen_t bl;

		if (addr_parse(c.bind_addr, 0, &bs, &bl) || bind(fd, (struct sockaddr *)&bs, bl)) {
			log_err("cannot bind to bind_addr %s: %s", c.bind_addr, strerror(errno));
			goto out_fd;
		}
	}
	addr_format((struct sockaddr *)&ss, addrs, sizeof(addrs));
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (!json)
		printf("VIGIL PING %s (%s) id %u: %u-byte probes, RTT measured in-kernel\n", name,
		       addrs, target, VIGIL_PROBE_LEN);
	fflush(stdout);

	for (uint32_t seq = 1; !stop && (count < 0 || seq <= (uint32_t)count); seq++) {
		struct probe_fields f = {.type = VIGIL_MSG_PING,
					 .cluster_id = c.cluster_id,
					 .sender_id = c.node_id,
					 .target_id = target,
					 .seq = seq,
					 .chan = chan};
		uint64_t start = now_mono_ns(), deadline, wait_ns;
		struct vigil_probe msg;
		struct vigil_peer p;
		int got = 0;

		f.send_ns = start;
		wire_probe_encode(&msg, &f);
		wire_sign(&msg, sizeof(msg), kr.slot[0].k0, kr.slot[0].k1);
		if (maps_inflight_record(&m, target, chan, seq, f.send_ns)) {
			log_err("cannot record the probe in the inflight map");
			break;
		}
		ps.sent++;
		if (sendto(fd, &msg, sizeof(msg), 0, (struct sockaddr *)&ss, sl) < 0)
			log_warn("sendto %s: %s", addrs, strerror(errno));

		/* Poll the kernel's record; the RTT itself comes from kernel
		 * timestamps, so the poll period does not affect it. */
		deadline = start + (uint64_t)(timeout * 1e9);
		while (!stop && now_mono_ns() < deadline) {
			if (maps_peer_get(&m, target, chan, &p) == 0 && p.acks &&
			    p.last_ack_seq == seq) {
				got = 1;
				break;
			}
			sleep_ns(100 * NSEC_PER_USEC);
		}
		if (got) {
			double rtt = (double)p.rtt_ns / 1e6;

			ps.acked++;
			ps.sum += rtt;
			ps.sumsq += rtt * rtt;
			ps.min = rtt < ps.min ? rtt : ps.min;
			ps.max = rtt > ps.max ? rtt : ps.max;
			if (!json && !quiet)
				printf("ack from %s: seq=%u rtt=%.3f ms incarnation=%u "
				       "heartbeat=%llu\n",
				       name, seq, rtt, p.incarnation,
				       (unsigned long long)p.heartbeat);
		} else if (!json && !quiet && !stop) {
			printf("no ack from %s: seq=%u (timeout %.3f s)\n", name, seq, timeout);
		}
		fflush(stdout);
		if (count >= 0 && seq == (uint32_t)count)
			break;
		wait_ns = start + (uint64_t)(interval * 1e9);
		if (now_mono_ns() < wait_ns && !stop)
			sleep_ns(wait_ns - now_mono_ns());
	}

	{
		double avg = ps.acked ? ps.sum / ps.acked : 0;
		double mdev = ps.acked ? sqrt(fmax(0, ps.sumsq / ps.acked - avg * avg)) : 0;
		double loss = ps.sent ? 100.0 * (ps.sent - ps.acked) / ps.sent : 0;

		if (!ps.acked)
			ps.min = 0;
		if (json) {
			json_t *o = json_pack(
				"{s:s, s:s, s:I, s:i, s:i, s:f, s:f, s:f, s:f, s:f}", "peer", name,
				"address", addrs, "node_id", (json_int_t)target, "sent", ps.sent,
				"acked", ps.acked, "loss_pct", loss, "rtt_min_ms", ps.min,
				"rtt_avg_ms", avg, "rtt_max_ms", ps.max, "rtt_mdev_ms", mdev);
			json_dumpf(o, stdout, JSON_INDENT(2));
			printf("\n");
			json_decref(o);
		} else {
			printf("\n--- %s vigil ping statistics ---\n"
			       "%u probes sent, %u acked, %.1f%% loss\n",
			       name, ps.sent, ps.acked, loss);
			if (ps.acked)
				printf("rtt min/avg/max/mdev = %.3f/%.3f/%.3f/%.3f ms\n", ps.min,
				       avg, ps.max, mdev);
		}
	}
	rc = ps.acked ? 0 : EXIT_CHECK;
out_fd:
	close(fd);
out_peer:
	maps_peer_del(&m, target, chan);
out_maps:
	maps_close(&m);
	return rc;
usage:
	return cmd_usage(&cmd_ping);
}

const struct cmd cmd_ping = {
	"ping",
	run,
	"ping [-config FILE] [-c COUNT] [-i SECONDS] [-W SECONDS] [-id N] [-j] [-q] "
	"NAME@ADDR[:PORT]",
	"probe a peer over the vigil protocol; RTTs are measured in-kernel",
};
