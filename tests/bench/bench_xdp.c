// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * bench_xdp.c - CPU cost of answering one PING: in XDP, and in userspace.
 *
 *   bench_xdp xdp [REPEAT [CALLS]]        the XDP PING->ACK path, BPF_PROG_TEST_RUN
 *   bench_xdp responder PORT N            UDP responder doing the same work
 *   bench_xdp client ADDR PORT N [WINDOW] sends N PINGs, receives the ACKs
 *
 * xdp: loads the real program from its skeleton (rate limit set out of
 * reach, no attach, no pins), installs a key and runs it on a signed
 * Ethernet/IPv4/UDP PING frame with BPF_PROG_TEST_RUN; opts.duration is the
 * kernel's average ns per repetition. test_run does not restore the frame
 * between repetitions and vigil_xdp rewrites the PING into its ACK in place,
 * so a plain repeat would answer one PING and then drop REPEAT-1 ACKs (this
 * is shown as xdp_without_restore). The main figure therefore runs a small
 * wrapper that copies the PING back over the frame and tail-calls vigil_xdp;
 * the program's tx_ack counter must grow by exactly REPEAT, the last run must
 * return XDP_TX and leave a correct ACK (MAC, addresses, both checksums).
 * Restored, the PING is the same PING every time, which the replay window
 * refuses; the program is therefore loaded with a quiet period of 0, so each
 * repetition passes as the first PING after a quiet period: the same lookup,
 * window scan and bucket as a fresh PING, plus clearing the window. The
 * wrapper tail-calling "return XDP_TX" instead gives the floor: what the
 * harness and the wrapper cost alone, included in the main figure. As a
 * cross-check, CALLS calls of one repetition each run vigil_xdp directly on
 * a PING signed afresh for each call (a new send time: the ordinary path
 * through the window), every output checked (their floor includes two timer
 * reads per call).
 *
 * responder: recvmmsg/sendmmsg batches; per datagram it does what the XDP
 * program does (check the header and the SipHash MAC, the target, the
 * prober channel's replay window and answer budget with the program's own
 * bpf/prober.h, build and sign the ACK) and sends the ACK back. On exit it
 * prints its own CPU time (getrusage: user + system) per PING answered.
 *
 * Output lines are "key=value" words, parsed by tests/bench/bench-xdp.sh.
 */
#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "vigil_abi.h"
#include "wire.h"
#include "prober.h"
#include "vigil_xdp.skel.h"

#define BENCH_KEY	"vigil-bench-key!" /* 16 bytes */
#define BENCH_CLUSTER	0x0be4c0deU
#define BENCH_RESPONDER 0x00000b02U /* node id of the answering side */
#define BENCH_PROBER	0x00000b01U
#define BENCH_INCARN	7
#define BENCH_HEARTBEAT 123456789ULL
#define BENCH_RL_RATE	1000000000U /* answers/s per prober channel: never limits */
#define BENCH_RL_BURST	1000000000U
#define BATCH		64
#define DEFAULT_REPEAT	1000000
#define DEFAULT_CALLS	100000
#define DEFAULT_WINDOW	256
#define IDLE_EXIT_MS	1500  /* responder: quiet this long after traffic, exit */
#define START_WAIT_MS	20000 /* responder: no traffic at all this long, exit */
#define CLIENT_LIMIT_MS 60000 /* client: give up after this long */
#define CLIENT_STALL_MS 200   /* client: no ACK this long, count in-flight as lost */

static struct vigil_keyring keyring;

static void die(const char *what)
{
	fprintf(stderr, "bench_xdp: %s: %s\n", what, strerror(errno));
	exit(1);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* This process's CPU time so far, user and system, in ns. */
static void cpu_ns(uint64_t *user, uint64_t *sys)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	*user = (uint64_t)ru.ru_utime.tv_sec * 1000000000ULL +
		(uint64_t)ru.ru_utime.tv_usec * 1000ULL;
	*sys = (uint64_t)ru.ru_stime.tv_sec * 1000000000ULL +
	       (uint64_t)ru.ru_stime.tv_usec * 1000ULL;
}

static void keyring_init(void)
{
	wire_key_split((const uint8_t *)BENCH_KEY, &keyring.slot[0].k0, &keyring.slot[0].k1);
	keyring.slot[0].valid = 1;
}

static void make_ping(struct vigil_probe *m, uint32_t seq)
{
	struct probe_fields f = {
		.type = VIGIL_MSG_PING,
		.cluster_id = BENCH_CLUSTER,
		.sender_id = BENCH_PROBER,
		.target_id = BENCH_RESPONDER,
		.seq = seq,
		.send_ns = now_ns(),
		.incarnation = 1,
		.heartbeat = seq,
	};

	wire_probe_encode(m, &f);
	wire_sign(m, sizeof(*m), keyring.slot[0].k0, keyring.slot[0].k1);
}

/* ---- xdp ---------------------------------------------------------------- */

/* One's-complement sum, folded, not inverted. */
static uint32_t csum_add(uint32_t sum, const void *data, size_t len)
{
	const uint8_t *p = data;

	for (; len > 1; p += 2, len -= 2)
		sum += (uint32_t)p[0] << 8 | p[1];
	if (len)
		sum += (uint32_t)p[0] << 8;
	return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

static uint32_t udp4_pseudo(const struct iphdr *iph, const struct udphdr *uh)
{
	uint8_t ph[12];

	memcpy(ph, &iph->saddr, 4);
	memcpy(ph + 4, &iph->daddr, 4);
	ph[8] = 0;
	ph[9] = IPPROTO_UDP;
	memcpy(ph + 10, &uh->len, 2);
	return csum_add(0, ph, sizeof(ph));
}

#define FRAME_LEN                                                                                  \
	(sizeof(struct ethhdr) + sizeof(struct iphdr) + sizeof(struct udphdr) + VIGIL_PROBE_LEN)

/* Ethernet + IPv4 + UDP + a signed PING from BENCH_PROBER to BENCH_RESPONDER. */
static void make_frame(uint8_t *frame)
{
	static const uint8_t src_mac[ETH_ALEN] = {0x02, 0, 0, 0, 0x0b, 0x01};
	static const uint8_t dst_mac[ETH_ALEN] = {0x02, 0, 0, 0, 0x0b, 0x02};
	struct ethhdr *eth = (struct ethhdr *)frame;
	struct iphdr *iph = (struct iphdr *)(eth + 1);
	struct udphdr *uh = (struct udphdr *)(iph + 1);
	struct vigil_probe *m = (struct vigil_probe *)(uh + 1);
	uint32_t sum;

	memset(frame, 0, FRAME_LEN);
	memcpy(eth->h_dest, dst_mac, ETH_ALEN);
	memcpy(eth->h_source, src_mac, ETH_ALEN);
	eth->h_proto = htons(ETH_P_IP);

	iph->version = 4;
	iph->ihl = 5;
	iph->tot_len = htons(FRAME_LEN - sizeof(*eth));
	iph->id = htons(1);
	iph->ttl = 64;
	iph->protocol = IPPROTO_UDP;
	iph->saddr = htonl(0x0afb0001); /* 10.251.0.1; never leaves the test run */
	iph->daddr = htonl(0x0afb0002);
	iph->check = htons(~csum_fold(csum_add(0, iph, sizeof(*iph))) & 0xffff);

	uh->source = htons(VIGIL_DEFAULT_PORT);
	uh->dest = htons(VIGIL_DEFAULT_PORT);
	uh->len = htons(sizeof(*uh) + VIGIL_PROBE_LEN);
	make_ping(m, 1);
	sum = udp4_pseudo(iph, uh);
	sum = csum_add(sum, uh, sizeof(*uh) + VIGIL_PROBE_LEN);
	uh->check = htons(~csum_fold(sum) & 0xffff);
	if (!uh->check)
		uh->check = 0xffff;
}

/* Is frame the ACK the program must write for make_frame()'s PING? */
static int check_ack_frame(const uint8_t *frame, uint32_t len)
{
	const struct ethhdr *eth = (const struct ethhdr *)frame;
	const struct iphdr *iph = (const struct iphdr *)(eth + 1);
	const struct udphdr *uh = (const struct udphdr *)(iph + 1);
	const struct vigil_probe *m = (const struct vigil_probe *)(uh + 1);
	struct probe_fields f;
	uint32_t sum;
	int slot;

	if (len != FRAME_LEN)
		return -1;
	if (csum_fold(csum_add(0, iph, sizeof(*iph))) != 0xffff)
		return -2;
	if (iph->saddr != htonl(0x0afb0002) || iph->daddr != htonl(0x0afb0001))
		return -3;
	sum = udp4_pseudo(iph, uh);
	sum = csum_add(sum, uh, sizeof(*uh) + VIGIL_PROBE_LEN);
	if (csum_fold(sum) != 0xffff)
		return -4;
	if (wire_verify(m, VIGIL_PROBE_LEN, BENCH_CLUSTER, &keyring, &slot) != WIRE_OK)
		return -5;
	wire_probe_decode(m, &f);
	if (f.type != VIGIL_MSG_ACK || f.sender_id != BENCH_RESPONDER ||
	    f.target_id != BENCH_PROBER || f.seq != 1 || f.incarnation != BENCH_INCARN ||
	    f.heartbeat != BENCH_HEARTBEAT)
		return -6;
	return 0;
}

/*
 * Run prog_fd on a new PING frame calls times, one repetition per call, after
 * a warm-up.
 * Every call must return XDP_TX; if check is set, every output frame must
 * pass check_ack_frame(). Returns the mean of the kernel's per-call
 * durations in ns, or a negative value.
 */
static double run_calls(int prog_fd, long calls, int check)
{
	uint8_t frame[FRAME_LEN], out[256];
	uint64_t sum = 0;
	long i;
	int err;

	for (i = -(calls / 10 + 1); i < calls; i++) {
		LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame, .data_size_in = FRAME_LEN,
			    .data_out = out, .data_size_out = sizeof(out), .repeat = 1);

		make_frame(frame); /* a new PING: signed afresh, a later send time */
		err = bpf_prog_test_run_opts(prog_fd, &opts);
		if (err) {
			fprintf(stderr, "bench_xdp: test_run: %s\n", strerror(-err));
			return -1;
		}
		if (opts.retval != XDP_TX) {
			fprintf(stderr, "bench_xdp: call %ld returned %u, not XDP_TX\n", i,
				opts.retval);
			return -1;
		}
		if (check && (err = check_ack_frame(out, opts.data_size_out))) {
			fprintf(stderr, "bench_xdp: call %ld wrote a bad ACK frame (%d)\n", i, err);
			return -1;
		}
		if (i >= 0)
			sum += opts.duration;
	}
	return (double)sum / (double)calls;
}

/* Raw BPF instructions, for the two helper programs below. */
#define INSN(c, d, s, o, i)                                                                        \
	{                                                                                          \
		.code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i)                \
	}
#define MOV64_REG(d, s) INSN(BPF_ALU64 | BPF_MOV | BPF_X, d, s, 0, 0)
#define MOV64_IMM(d, i) INSN(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, i)
#define ADD64_IMM(d, i) INSN(BPF_ALU64 | BPF_ADD | BPF_K, d, 0, 0, i)
#define ST_W(d, o, i)	INSN(BPF_ST | BPF_MEM | BPF_W, d, 0, o, i)
#define LD_MAP_FD(d, fd)                                                                           \
	INSN(BPF_LD | BPF_DW | BPF_IMM, d, BPF_PSEUDO_MAP_FD, 0, fd), INSN(0, 0, 0, 0, 0)
#define JEQ_IMM(d, i, o) INSN(BPF_JMP | BPF_JEQ | BPF_K, d, 0, o, i)
#define CALL(f)		 INSN(BPF_JMP | BPF_CALL, 0, 0, 0, f)
#define EXIT()		 INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

/* r0 = XDP_TX; exit: stands in for vigil_xdp to measure the harness alone. */
static int load_floor_prog(void)
{
	struct bpf_insn insns[] = {
		MOV64_IMM(BPF_REG_0, XDP_TX),
		EXIT(),
	};

	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = BPF_XDP);

	return bpf_prog_load(BPF_PROG_TYPE_XDP, "bench_floor", "GPL", insns,
			     sizeof(insns) / sizeof(insns[0]), &opts);
}

/*
 * The restore wrapper: writes the original frame (frame_map[0]) over the
 * packet, then tail-calls jmp_map[0]. test_run hands every repetition the
 * buffer the previous one left behind, and vigil_xdp rewrites its PING into
 * an ACK in place, so without this only the first of many repetitions would
 * see a PING; the rest would take the ACK path and drop.
 */
static int load_restore_prog(int frame_map, int jmp_map)
{
	struct bpf_insn insns[] = {
		MOV64_REG(BPF_REG_6, BPF_REG_1), /* r6 = ctx */
		ST_W(BPF_REG_10, -4, 0),	 /* key = 0 */
		MOV64_REG(BPF_REG_2, BPF_REG_10),
		ADD64_IMM(BPF_REG_2, -4),
		LD_MAP_FD(BPF_REG_1, frame_map),
		CALL(BPF_FUNC_map_lookup_elem),
		JEQ_IMM(BPF_REG_0, 0, 10), /* no frame: XDP_ABORTED */
		MOV64_REG(BPF_REG_1, BPF_REG_6),
		MOV64_IMM(BPF_REG_2, 0),
		MOV64_REG(BPF_REG_3, BPF_REG_0),
		MOV64_IMM(BPF_REG_4, FRAME_LEN),
		CALL(BPF_FUNC_xdp_store_bytes), /* packet[0..FRAME_LEN) = frame */
		MOV64_REG(BPF_REG_1, BPF_REG_6),
		LD_MAP_FD(BPF_REG_2, jmp_map),
		MOV64_IMM(BPF_REG_3, 0),
		CALL(BPF_FUNC_tail_call), /* does not return on success */
		MOV64_IMM(BPF_REG_0, XDP_ABORTED),
		EXIT(),
	};

	/* Same attach type as vigil_xdp (libbpf's SEC("xdp")): recent
	 * kernels refuse tail calls between programs of different hooks. */
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = BPF_XDP);

	return bpf_prog_load(BPF_PROG_TYPE_XDP, "bench_restore", "GPL", insns,
			     sizeof(insns) / sizeof(insns[0]), &opts);
}

/*
 * One BPF_PROG_TEST_RUN of prog_fd with repeat repetitions; the kernel's
 * average ns per repetition in *ns. The last repetition must return XDP_TX
 * and, if check is set, leave a correct ACK. Returns 0 or -1.
 */
static int run_repeat(int prog_fd, const uint8_t *frame, uint32_t repeat, int check, uint32_t *ns)
{
	uint8_t out[256];
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame, .data_size_in = FRAME_LEN,
		    .data_out = out, .data_size_out = sizeof(out), .repeat = repeat);
	int err;

	err = bpf_prog_test_run_opts(prog_fd, &opts);
	if (err) {
		fprintf(stderr, "bench_xdp: test_run: %s\n", strerror(-err));
		return -1;
	}
	if (opts.retval != XDP_TX) {
		fprintf(stderr, "bench_xdp: repeat=%u returned %u, not XDP_TX\n", repeat,
			opts.retval);
		return -1;
	}
	if (check && (err = check_ack_frame(out, opts.data_size_out))) {
		fprintf(stderr, "bench_xdp: repeat=%u wrote a bad ACK frame (%d)\n", repeat, err);
		return -1;
	}
	*ns = opts.duration;
	return 0;
}

/* The program's tx_ack counter, summed over CPUs. */
static int64_t tx_acks(const struct vigil_xdp *skel)
{
	int ncpu = libbpf_num_possible_cpus(), i;
	struct vigil_stats *percpu;
	uint32_t zero = 0;
	int64_t tx = 0;

	percpu = calloc((size_t)ncpu, sizeof(*percpu));
	if (!percpu)
		die("calloc");
	if (bpf_map_lookup_elem(bpf_map__fd(skel->maps.stats), &zero, percpu)) {
		perror("bench_xdp: stats");
		tx = -1;
	}
	for (i = 0; tx >= 0 && i < ncpu; i++)
		tx += (int64_t)percpu[i].tx_ack;
	free(percpu);
	return tx;
}

static int libbpf_quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return level == LIBBPF_WARN ? vfprintf(stderr, fmt, ap) : 0;
}

static int set_jump(int jmp_map, int prog_fd)
{
	uint32_t zero = 0;

	if (bpf_map_update_elem(jmp_map, &zero, &prog_fd, BPF_ANY)) {
		perror("bench_xdp: prog array");
		return -1;
	}
	return 0;
}

static int mode_xdp(uint32_t repeat, long calls)
{
	struct vigil_self me = {
		.abi = VIGIL_MAP_ABI, .incarnation = BENCH_INCARN, .heartbeat = BENCH_HEARTBEAT};
	struct vigil_key key = {.valid = 1};
	int prog_fd, floor_fd = -1, frame_map = -1, jmp_map = -1, restore_fd = -1, rc = 1;
	uint32_t zero = 0, real_ns, floor_ns, warm_ns;
	double call_real, call_floor;
	uint8_t frame[FRAME_LEN];
	struct vigil_xdp *skel;
	int64_t tx0, tx1;

	libbpf_set_print(libbpf_quiet);
	skel = vigil_xdp__open();
	if (!skel)
		die("vigil_xdp__open");
	skel->rodata->cfg_port = VIGIL_DEFAULT_PORT;
	skel->rodata->cfg_node_id = BENCH_RESPONDER;
	skel->rodata->cfg_cluster_id = BENCH_CLUSTER;
	skel->rodata->cfg_rl_rate = BENCH_RL_RATE;
	skel->rodata->cfg_rl_burst = BENCH_RL_BURST;
	skel->rodata->cfg_ping_quiet_ns = 0; /* the restored PING passes again: see above */
	if (vigil_xdp__load(skel)) {
		fprintf(stderr, "bench_xdp: loading the XDP program failed\n");
		goto out;
	}
	key.k0 = keyring.slot[0].k0;
	key.k1 = keyring.slot[0].k1;
	if (bpf_map_update_elem(bpf_map__fd(skel->maps.keys), &zero, &key, BPF_ANY) ||
	    bpf_map_update_elem(bpf_map__fd(skel->maps.self), &zero, &me, BPF_ANY)) {
		perror("bench_xdp: map update");
		goto out;
	}
	prog_fd = bpf_program__fd(skel->progs.vigil_xdp);
	make_frame(frame);

	floor_fd = load_floor_prog();
	frame_map = bpf_map_create(BPF_MAP_TYPE_ARRAY, "bench_frame", 4, FRAME_LEN, 1, NULL);
	jmp_map = bpf_map_create(BPF_MAP_TYPE_PROG_ARRAY, "bench_jmp", 4, 4, 1, NULL);
	if (floor_fd < 0 || frame_map < 0 || jmp_map < 0) {
		perror("bench_xdp: helper program or maps");
		goto out;
	}
	if (bpf_map_update_elem(frame_map, &zero, frame, BPF_ANY)) {
		perror("bench_xdp: frame map");
		goto out;
	}
	restore_fd = load_restore_prog(frame_map, jmp_map);
	if (restore_fd < 0) {
		perror("bench_xdp: loading the restore wrapper");
		goto out;
	}

	/* Main figure: repeat runs of restore + vigil_xdp; every one must have
	 * answered (tx_ack grows by exactly repeat), the last must be XDP_TX
	 * with a correct ACK. Then the same with the two-instruction program
	 * in vigil_xdp's place: what the wrapper and the harness cost alone. */
	if (set_jump(jmp_map, prog_fd) ||
	    run_repeat(restore_fd, frame, repeat / 10 + 1, 1, &warm_ns))
		goto out;
	tx0 = tx_acks(skel);
	if (run_repeat(restore_fd, frame, repeat, 1, &real_ns))
		goto out;
	tx1 = tx_acks(skel);
	if (tx0 < 0 || tx1 - tx0 != (int64_t)repeat) {
		fprintf(stderr, "bench_xdp: %lld ACKs sent in %u runs\n", (long long)(tx1 - tx0),
			repeat);
		goto out;
	}
	if (set_jump(jmp_map, floor_fd) ||
	    run_repeat(restore_fd, frame, repeat / 10 + 1, 0, &warm_ns) ||
	    run_repeat(restore_fd, frame, repeat, 0, &floor_ns))
		goto out;

	/* Cross-check: vigil_xdp alone, one repetition per call, each call's
	 * output checked; the per-call timer reads show in the floor. */
	call_real = run_calls(prog_fd, calls, 1);
	call_floor = call_real < 0 ? -1 : run_calls(floor_fd, calls, 0);
	if (call_floor < 0)
		goto out;

	printf("xdp repeat=%u tx_ack=%lld ns_per_ping=%u restore_floor_ns=%u percall_calls=%ld "
	       "percall_ns=%.1f percall_floor_ns=%.1f\n",
	       repeat, (long long)(tx1 - tx0), real_ns, floor_ns, calls, call_real, call_floor);

	/* Why the wrapper: the same repeat straight on vigil_xdp. */
	{
		LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame, .data_size_in = FRAME_LEN,
			    .repeat = repeat);

		if (!bpf_prog_test_run_opts(prog_fd, &opts))
			printf("xdp_without_restore repeat=%u last_retval=%u ns_per_run=%u (%s)\n",
			       opts.repeat, opts.retval, opts.duration,
			       opts.retval == XDP_TX
				       ? "XDP_TX"
				       : "not XDP_TX: runs 2.. saw its ACK and dropped it");
	}
	rc = 0;
out:
	if (restore_fd >= 0)
		close(restore_fd);
	if (jmp_map >= 0)
		close(jmp_map);
	if (frame_map >= 0)
		close(frame_map);
	if (floor_fd >= 0)
		close(floor_fd);
	vigil_xdp__destroy(skel);
	return rc;
}

/* ---- responder ---------------------------------------------------------- */

/* The XDP program's probers map, as a small direct-mapped table keyed by
 * (sender_id, chan); each slot holds what the map's value does. */
#define PROBER_SLOTS 1024

static struct prober_slot {
	int used;
	struct vigil_peer_key key;
	struct vigil_prober p;
} prober_table[PROBER_SLOTS];

static int admit(const struct vigil_probe *m, uint64_t now)
{
	struct vigil_peer_key key = {.node_id = ntohl(m->hdr.sender_id), .chan = m->chan};
	struct prober_slot *sl = &prober_table[((key.node_id ^ key.chan) * 2654435761U) >> 22];
	int is_new = !sl->used || memcmp(&sl->key, &key, sizeof(key));
	struct vigil_prober np;

	if (prober_admit(is_new ? &np : &sl->p, is_new, be64toh(m->send_ns), now,
			 VIGIL_PING_QUIET_NS, BENCH_RL_RATE, BENCH_RL_BURST) != PROBER_ANSWER)
		return 0;
	if (is_new) {
		sl->used = 1;
		sl->key = key;
		sl->p = np;
	}
	return 1;
}

/* What the XDP program does with one datagram: 1 and the ACK in ack, or 0. */
static int answer(const void *buf, size_t len, struct vigil_probe *ack)
{
	const struct vigil_probe *m = buf;
	uint16_t flags;
	int slot = 0;

	if (wire_verify(buf, len, BENCH_CLUSTER, &keyring, &slot) != WIRE_OK)
		return 0;
	if (m->hdr.type != VIGIL_MSG_PING || ntohl(m->target_id) != BENCH_RESPONDER)
		return 0;
	if (!admit(m, now_ns()))
		return 0;

	*ack = *m;
	flags = ntohs(m->hdr.flags) & VIGIL_F_RELAYED;
	if (slot)
		flags |= VIGIL_F_KEYNEXT;
	ack->hdr.type = VIGIL_MSG_ACK;
	ack->hdr.flags = htons(flags);
	ack->hdr.sender_id = htonl(BENCH_RESPONDER);
	ack->target_id = m->hdr.sender_id;
	memset(ack->pad, 0, sizeof(ack->pad));
	ack->reserved = 0;
	ack->incarnation = htonl(BENCH_INCARN);
	ack->heartbeat = htobe64(BENCH_HEARTBEAT);
	wire_sign(ack, sizeof(*ack), keyring.slot[slot].k0, keyring.slot[slot].k1);
	return 1;
}

static int udp_socket(void)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0), sz = 4 << 20;

	if (fd < 0)
		die("socket");
	/* FORCE: root may exceed rmem_max; the plain option is the fallback. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof(sz)))
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	return fd;
}

static void send_all(int fd, struct mmsghdr *v, unsigned int n)
{
	unsigned int done = 0;
	int r;

	while (done < n) {
		r = sendmmsg(fd, v + done, n - done, 0);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			die("sendmmsg");
		}
		done += (unsigned int)r;
	}
}

static int mode_responder(int port, long n)
{
	static uint8_t in[BATCH][VIGIL_MAX_MSG];
	static struct vigil_probe acks[BATCH];
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	struct sockaddr_in from[BATCH];
	struct iovec iov[BATCH], oiov[BATCH];
	struct mmsghdr msgs[BATCH], out[BATCH];
	struct timeval tv = {.tv_usec = 100000};
	uint64_t user0, sys0, user1, sys1, cpu, last_rx, start;
	long answered = 0, refused = 0, batches = 0;
	int fd, r, i, started = 0;
	unsigned int nout;

	fd = udp_socket();
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)))
		die("bind");
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)))
		die("SO_RCVTIMEO");
	for (i = 0; i < BATCH; i++) {
		iov[i].iov_base = in[i];
		iov[i].iov_len = sizeof(in[i]);
		oiov[i].iov_base = &acks[i];
		oiov[i].iov_len = sizeof(acks[i]);
	}
	printf("ready port=%d\n", port);
	fflush(stdout);

	start = last_rx = now_ns();
	cpu_ns(&user0, &sys0);
	while (answered < n) {
		for (i = 0; i < BATCH; i++) {
			memset(&msgs[i].msg_hdr, 0, sizeof(msgs[i].msg_hdr));
			msgs[i].msg_hdr.msg_name = &from[i];
			msgs[i].msg_hdr.msg_namelen = sizeof(from[i]);
			msgs[i].msg_hdr.msg_iov = &iov[i];
			msgs[i].msg_hdr.msg_iovlen = 1;
		}
		r = recvmmsg(fd, msgs, BATCH, MSG_WAITFORONE, NULL);
		if (r < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				die("recvmmsg");
			if (started && now_ns() - last_rx > IDLE_EXIT_MS * 1000000ULL)
				break;
			if (!started && now_ns() - start > START_WAIT_MS * 1000000ULL)
				break;
			continue;
		}
		started = 1;
		batches++;
		last_rx = now_ns();
		nout = 0;
		for (i = 0; i < r; i++) {
			if (!answer(in[i], msgs[i].msg_len, &acks[nout])) {
				refused++;
				continue;
			}
			memset(&out[nout].msg_hdr, 0, sizeof(out[nout].msg_hdr));
			out[nout].msg_hdr.msg_name = &from[i];
			out[nout].msg_hdr.msg_namelen = msgs[i].msg_hdr.msg_namelen;
			out[nout].msg_hdr.msg_iov = &oiov[nout];
			out[nout].msg_hdr.msg_iovlen = 1;
			nout++;
		}
		if (nout)
			send_all(fd, out, nout);
		answered += nout;
	}
	cpu_ns(&user1, &sys1);
	close(fd);
	cpu = user1 - user0 + sys1 - sys0;
	printf("responder answered=%ld refused=%ld batches=%ld per_batch=%.1f user_ns=%llu "
	       "sys_ns=%llu cpu_ns=%llu ns_per_ping=%.1f\n",
	       answered, refused, batches,
	       batches ? (double)(answered + refused) / (double)batches : 0.0,
	       (unsigned long long)(user1 - user0), (unsigned long long)(sys1 - sys0),
	       (unsigned long long)cpu, answered ? (double)cpu / (double)answered : 0.0);
	return answered ? 0 : 1;
}

/* ---- client ------------------------------------------------------------- */

static int mode_client(const char *addr, int port, long n, long window)
{
	static struct vigil_probe pings[BATCH];
	static uint8_t in[BATCH][VIGIL_MAX_MSG];
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	struct iovec iov[BATCH], oiov[BATCH];
	struct mmsghdr msgs[BATCH], out[BATCH];
	long sent = 0, acked = 0, lost = 0, bad = 0, inflight = 0, want, i;
	uint64_t t0, last_ack, now, user0, sys0, user1, sys1;
	struct pollfd pfd;
	int fd, r, slot;

	if (inet_pton(AF_INET, addr, &sin.sin_addr) != 1) {
		fprintf(stderr, "bench_xdp: bad address %s\n", addr);
		return 1;
	}
	fd = udp_socket();
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)))
		die("connect");
	for (i = 0; i < BATCH; i++) {
		iov[i].iov_base = in[i];
		iov[i].iov_len = sizeof(in[i]);
		oiov[i].iov_base = &pings[i];
		oiov[i].iov_len = sizeof(pings[i]);
	}
	pfd.fd = fd;
	pfd.events = POLLIN;

	t0 = last_ack = now_ns();
	cpu_ns(&user0, &sys0);
	while (acked + lost < n) {
		now = now_ns();
		if (now - t0 > CLIENT_LIMIT_MS * 1000000ULL) {
			fprintf(stderr, "bench_xdp: client gave up after %d ms\n", CLIENT_LIMIT_MS);
			break;
		}
		while (sent < n && window - inflight >= (window < 2 * BATCH ? 1 : BATCH / 2)) {
			want = n - sent;
			if (want > window - inflight)
				want = window - inflight;
			if (want > BATCH)
				want = BATCH;
			for (i = 0; i < want; i++) {
				make_ping(&pings[i], (uint32_t)(sent + i + 1));
				memset(&out[i].msg_hdr, 0, sizeof(out[i].msg_hdr));
				out[i].msg_hdr.msg_iov = &oiov[i];
				out[i].msg_hdr.msg_iovlen = 1;
			}
			send_all(fd, out, (unsigned int)want);
			sent += want;
			inflight += want;
		}
		r = poll(&pfd, 1, 20);
		if (r < 0 && errno != EINTR)
			die("poll");
		if (r <= 0) {
			/* Nothing for a while: whatever is in flight is lost. */
			if (inflight && now_ns() - last_ack > CLIENT_STALL_MS * 1000000ULL) {
				lost += inflight;
				inflight = 0;
				last_ack = now_ns();
			}
			continue;
		}
		for (i = 0; i < BATCH; i++) {
			memset(&msgs[i].msg_hdr, 0, sizeof(msgs[i].msg_hdr));
			msgs[i].msg_hdr.msg_iov = &iov[i];
			msgs[i].msg_hdr.msg_iovlen = 1;
		}
		r = recvmmsg(fd, msgs, BATCH, MSG_DONTWAIT, NULL);
		if (r < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
				continue;
			die("recvmmsg");
		}
		for (i = 0; i < r; i++) {
			const struct vigil_probe *m = (const struct vigil_probe *)in[i];

			if (wire_verify(in[i], msgs[i].msg_len, BENCH_CLUSTER, &keyring, &slot) ||
			    m->hdr.type != VIGIL_MSG_ACK || ntohl(m->target_id) != BENCH_PROBER) {
				bad++;
				continue;
			}
			acked++;
			if (inflight)
				inflight--;
		}
		last_ack = now_ns();
	}
	now = now_ns();
	cpu_ns(&user1, &sys1);
	close(fd);
	/* The client's own CPU per ACK, for comparison with the responder's:
	 * over veth each side also pays the receive path of what it sends. */
	printf("client sent=%ld acked=%ld lost=%ld bad=%ld elapsed_ms=%.1f pps=%.0f "
	       "client_ns_per_ping=%.1f\n",
	       sent, acked, lost, bad, (double)(now - t0) / 1e6,
	       (double)acked * 1e9 / (double)(now - t0),
	       acked ? (double)(user1 - user0 + sys1 - sys0) / (double)acked : 0.0);
	return acked ? 0 : 1;
}

static void usage(void)
{
	fprintf(stderr, "usage: bench_xdp xdp [REPEAT [CALLS]]\n"
			"       bench_xdp responder PORT N\n"
			"       bench_xdp client ADDR PORT N [WINDOW]\n");
	exit(2);
}

static long arg_long(const char *s, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < min || v > max) {
		fprintf(stderr, "bench_xdp: bad number %s\n", s);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	keyring_init();
	if (argc >= 2 && !strcmp(argv[1], "xdp") && argc <= 4)
		return mode_xdp(argc >= 3 ? (uint32_t)arg_long(argv[2], 1, 100000000)
					  : DEFAULT_REPEAT,
				argc == 4 ? arg_long(argv[3], 1, 100000000) : DEFAULT_CALLS);
	if (argc == 4 && !strcmp(argv[1], "responder"))
		return mode_responder((int)arg_long(argv[2], 1, 65535),
				      arg_long(argv[3], 1, 1000000000));
	if ((argc == 5 || argc == 6) && !strcmp(argv[1], "client"))
		return mode_client(argv[2], (int)arg_long(argv[3], 1, 65535),
				   arg_long(argv[4], 1, 1000000000),
				   argc == 6 ? arg_long(argv[5], 1, 1 << 20) : DEFAULT_WINDOW);
	usage();
	return 2;
}
