// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* cmd_maps.c - `vigil maps`: the kernel's view, read from the pins, agent or not. */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"
#include "log.h"
#include "maps.h"
#include "util.h"

struct dump_ctx {
	int json;
	uint64_t now;
	json_t *arr;
};

static double ms(uint64_t ns)
{
	return (double)ns / 1e6;
}

static int dump_peer(const struct vigil_peer_key *k, const struct vigil_peer *p, void *arg)
{
	struct dump_ctx *d = arg;
	double age = p->last_ack_ns ? ms(d->now - p->last_ack_ns) : -1;

	if (d->json) {
		json_t *hist = json_array();

		for (int i = 0; i < VIGIL_RTT_BUCKETS; i++)
			json_array_append_new(hist, json_integer((json_int_t)p->rtt_hist[i]));
		json_array_append_new(
			d->arr,
			json_pack("{s:I, s:i, s:I, s:I, s:f, s:I, s:I, s:I, s:I, s:I, s:I, s:I, "
				  "s:I, s:o}",
				  "node_id", (json_int_t)k->node_id, "chan", k->chan, "acks",
				  (json_int_t)p->acks, "stale_acks", (json_int_t)p->stale_acks,
				  "last_ack_age_ms", age, "last_ack_seq",
				  (json_int_t)p->last_ack_seq, "incarnation",
				  (json_int_t)p->incarnation, "heartbeat", (json_int_t)p->heartbeat,
				  "rtt_ns", (json_int_t)p->rtt_ns, "srtt_ns",
				  (json_int_t)p->srtt_ns, "jitter_ns", (json_int_t)p->jitter_ns,
				  "rtt_min_ns", (json_int_t)p->rtt_min_ns, "rtt_max_ns",
				  (json_int_t)p->rtt_max_ns, "rtt_hist_log2_ns", hist));
		return 0;
	}
	printf("%-10u %4u %10llu %8llu %10.1f %9.3f %9.3f %9.3f %9.3f %9.3f %10llu\n", k->node_id,
	       k->chan, (unsigned long long)p->acks, (unsigned long long)p->stale_acks, age,
	       ms(p->rtt_ns), ms(p->srtt_ns), ms(p->jitter_ns), ms(p->rtt_min_ns),
	       ms(p->rtt_max_ns), (unsigned long long)p->heartbeat);
	return 0;
}

static int run(int argc, char **argv)
{
	struct dump_ctx d = {0};
	struct vigil_config c;
	struct vigil_stats st;
	struct vigil_maps m;
	struct vigil_self me;
	struct cmd_args a;

	if (cmd_parse(argc, argv, OPT_CONFIG | OPT_JSON, &cmd_maps, &a))
		return EXIT_USAGE;
	if (a.nargs)
		return cmd_usage(&cmd_maps);
	d.json = a.json;
	if (config_load(&c, a.config))
		return EXIT_USAGE;
	if (maps_open_pinned(&m, c.pin_dir))
		return EXIT_USAGE;
	if (maps_stats_sum(&m, &st) || maps_get_self(&m, &me)) {
		log_err("cannot read the maps under %s", c.pin_dir);
		maps_close(&m);
		return EXIT_USAGE;
	}
	d.now = now_mono_ns();

	if (d.json) {
		json_t *root = json_object(), *js = json_object();
		const __u64 *f = (const __u64 *)&st;

		for (size_t i = 0; i < VIGIL_STATS_FIELDS; i++)
			json_object_set_new(js, maps_stats_names[i],
					    json_integer((json_int_t)f[i]));
		d.arr = json_array();
		maps_peer_foreach(&m, dump_peer, &d);
		json_object_set_new(root, "pin_dir", json_string(c.pin_dir));
		json_object_set_new(root, "self",
				    json_pack("{s:I, s:I}", "incarnation",
					      (json_int_t)me.incarnation, "heartbeat",
					      (json_int_t)me.heartbeat));
		json_object_set_new(root, "stats", js);
		json_object_set_new(root, "peers", d.arr);
		json_dumpf(root, stdout, JSON_INDENT(2));
		printf("\n");
		json_decref(root);
	} else {
		const __u64 *f = (const __u64 *)&st;

		printf("pins: %s   self: incarnation %u, heartbeat %llu\n\nXDP counters:\n",
		       c.pin_dir, me.incarnation, (unsigned long long)me.heartbeat);
		for (size_t i = 0; i < VIGIL_STATS_FIELDS; i++)
			printf("  %-20s %llu\n", maps_stats_names[i], (unsigned long long)f[i]);
		printf("\n%-10s %4s %10s %8s %10s %9s %9s %9s %9s %9s %10s\n", "NODE_ID", "CHAN",
		       "ACKS", "STALE", "AGE_MS", "RTT_MS", "SRTT_MS", "JITTER", "MIN_MS", "MAX_MS",
		       "HEARTBEAT");
		maps_peer_foreach(&m, dump_peer, &d);
	}
	maps_close(&m);
	return 0;
}

const struct cmd cmd_maps = {
	"maps",
	run,
	"maps [-config FILE] [-j]",
	"print the pinned maps: per-peer kernel RTT stats and XDP counters",
};
