// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* config.c - table-driven JSON configuration, read with jansson. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "config.h"
#include "secret.h"
#include "log.h"
#include "wire.h"
#include "util.h"

enum cfg_type {
	CFG_STRING, /* char[size] */
	CFG_UINT,   /* uint32_t within [min, max] */
	CFG_KEY,    /* base64 of VIGIL_KEY_LEN bytes; int at aux_off set to 1 */
	CFG_ENUM,   /* int, parsed by parse() */
	CFG_LIST,   /* array of strings into char[CFG_JOIN_MAX][size]; count at aux_off */
	CFG_BOOL,   /* true or false into an int */
	CFG_OBJECT, /* a JSON object, kept as compact text in char[size] */
};

struct cfg_directive {
	const char *name;
	enum cfg_type type;
	size_t off;
	size_t size; /* CFG_STRING: buffer size */
	long long min, max;
	const char *def; /* default as text; NULL = none (required where needed) */
	size_t aux_off;	 /* CFG_KEY: offset of the has_* flag */
	int (*parse)(const char *s);
	const char *allowed; /* CFG_ENUM: the values, for messages; CFG_STRING: the only
				values allowed ("a, b, c"), or NULL for any */
	const char *help;
};

#define OFF(f) offsetof(struct vigil_config, f)
#define SZ(f)  sizeof(((struct vigil_config *)0)->f)
#define STR(name, f, def, help)                                                                    \
	{                                                                                          \
		name, CFG_STRING, OFF(f), SZ(f), 0, 0, def, 0, NULL, NULL, help                    \
	}
/* A string that must be one of the comma-separated allowed values. */
#define CHOICE(name, f, allowed, def, help)                                                        \
	{                                                                                          \
		name, CFG_STRING, OFF(f), SZ(f), 0, 0, def, 0, NULL, allowed, help                 \
	}
#define UINT(name, f, lo, hi, def, help)                                                           \
	{                                                                                          \
		name, CFG_UINT, OFF(f), SZ(f), lo, hi, def, 0, NULL, NULL, help                    \
	}
#define KEY(name, f, flag, help)                                                                   \
	{                                                                                          \
		name, CFG_KEY, OFF(f), SZ(f), 0, 0, NULL, OFF(flag), NULL, NULL, help              \
	}
#define LIST(name, f, count, help)                                                                 \
	{                                                                                          \
		name, CFG_LIST, OFF(f), sizeof(((struct vigil_config *)0)->f[0]), 0, 0, NULL,      \
			OFF(count), NULL, NULL, help                                               \
	}
#define BOOL(name, f, def, help)                                                                   \
	{                                                                                          \
		name, CFG_BOOL, OFF(f), SZ(f), 0, 1, def, 0, NULL, NULL, help                      \
	}
#define OBJECT(name, f, def, help)                                                                 \
	{                                                                                          \
		name, CFG_OBJECT, OFF(f), SZ(f), 0, 0, def, 0, NULL, NULL, help                    \
	}
#define ENUM(name, f, fn, allowed, def, help)                                                      \
	{                                                                                          \
		name, CFG_ENUM, OFF(f), SZ(f), 0, 0, def, 0, fn, allowed, help                     \
	}

const char *xdp_mode_name(enum xdp_mode m)
{
	switch (m) {
	case XDP_MODE_AUTO:
		return "auto";
	case XDP_MODE_NATIVE:
		return "native";
	case XDP_MODE_GENERIC:
		return "generic";
	}
	return "?";
}

int xdp_mode_parse(const char *s)
{
	if (!strcmp(s, "auto"))
		return XDP_MODE_AUTO;
	if (!strcmp(s, "native"))
		return XDP_MODE_NATIVE;
	if (!strcmp(s, "generic"))
		return XDP_MODE_GENERIC;
	return -1;
}

static int role_parse(const char *s)
{
	return !strcmp(s, "client")   ? VIGIL_ROLE_CLIENT
	       : !strcmp(s, "server") ? VIGIL_ROLE_SERVER
				      : -1;
}

static const struct cfg_directive directives[] = {
	STR("node_name", node_name, NULL,
	    "Name of this host as the cluster (and Nova/Masakari) knows it. Default: hostname."),
	UINT("node_id", node_id, 0, 0xffffffffLL, "0",
	     "32-bit node id on the wire; 0 derives it from node_name."),
	STR("cluster", cluster, "default",
	    "Cluster (availability zone) name; only members of the same cluster talk."),
	STR("interface", interface, NULL,
	    "Cluster network interface; the XDP program attaches here."),
	STR("bind_addr", bind_addr, "",
	    "Address the agent binds and announces (ADDR or ADDR:PORT). Empty: the first "
	    "address of interface."),
	UINT("port", port, 1, 65535, "7301", "UDP port of probes and gossip."),
	KEY("key", key, has_key,
	    "Cluster key, base64 of 16 random bytes (`vigil keygen`). Signs every message."),
	KEY("key_next", key_next, has_key_next,
	    "Second accepted key, for rotation without downtime (docs/operations.md)."),
	STR("key_file", key_file, "",
	    "A file whose first line is the key (instead of \"key\" in this file), mode 0600."),
	STR("key_credential", key_credential, "",
	    "The key from a systemd credential of this name ($CREDENTIALS_DIRECTORY; "
	    "LoadCredential= in the unit) instead of \"key\"."),
	STR("key_next_file", key_next_file, "", "As key_file, for key_next."),
	STR("key_next_credential", key_next_credential, "", "As key_credential, for key_next."),
	STR("bpffs", bpffs, "/sys/fs/bpf/vigil",
	    "Directory on a bpf filesystem; maps and the XDP link are pinned in <bpffs>/<cluster>."),
	ENUM("xdp_mode", xdp_mode, xdp_mode_parse, "auto, native, generic", "auto",
	     "XDP attach mode; auto tries native and falls back to generic."),
	UINT("rate_limit_pps", rate_limit_pps, 1, 1000000, "100",
	     "PINGs answered per second per prober channel (sender and channel, under the MAC; in-kernel)."),
	UINT("rate_limit_burst", rate_limit_burst, 1, 1000000, "200",
	     "Burst of PINGs answered per prober channel before the rate applies."),
	UINT("ack_max_age_ms", ack_max_age_ms, 100, 60000, "10000",
	     "ACKs echoing a send time older than this are refused as stale."),
	ENUM("log_level", log_level, log_level_parse, "error, warn, info, debug", "info",
	     "Log verbosity."),
	ENUM("role", role, role_parse, "client, server", "client",
	     "server: a Raft voter (3 or 5 per cluster); client: gossip only."),
	LIST("join", join, njoin,
	     "Addresses (ADDR or ADDR:PORT) of members to join through; any one is enough."),
	STR("data_dir", data_dir, "/var/lib/vigil", "Directory for the agent's persistent state."),
	STR("api_addr", api_addr, "127.0.0.1:7500", "HTTP API and /metrics listen address."),
	STR("api_token_file", api_token_file, "",
	    "The API's token, which every request that changes something must carry "
	    "(X-Vigil-Token); made at first start, mode 0600. Empty: <data_dir>/api-token."),
	STR("metrics_addr", metrics_addr, "",
	    "A second listen address serving only /metrics (and /v1/health). Empty: none."),
	BOOL("metrics_per_peer", metrics_per_peer, "false",
	     "Also export a series set per peer on /metrics (RTT histogram, smoothed RTT, jitter, "
	     "last ACK age, up, agent stalled: about 31 series per peer); false exports the "
	     "aggregates over all peers only."),
	BOOL("allow_public_bind", allow_public_bind, "false",
	     "Allow bind_addr, api_addr and metrics_addr on public or wildcard addresses."),
	UINT("sched_priority", sched_priority, 0, 99, "50",
	     "The agent's event loop runs SCHED_FIFO at this priority, its memory locked, so "
	     "that detection keeps its pace when VMs saturate the CPUs; 0: ordinary scheduling. "
	     "Needs CAP_SYS_NICE (the unit grants it)."),
	BOOL("leave_on_terminate", leave_on_terminate, "false",
	     "SIGTERM and SIGINT leave the cluster before the agent exits; false: the agent "
	     "stops and the host stays a member (restarts, upgrades). `vigil leave` always "
	     "leaves."),
	UINT("heartbeat_interval_ms", heartbeat_interval_ms, 10, 10000, "100",
	     "Period of the agent heartbeat counter that ACKs carry."),
	UINT("pushpull_interval_ms", pushpull_interval_ms, 0, 3600000, "30000",
	     "Period of full-state anti-entropy exchange with a random member; 0 = off."),
	UINT("probe_interval_ms", memb.probe_interval_ms, 10, 10000, "100", "Probe round period."),
	UINT("probes_per_interval", memb.probes_per_interval, 1, 16, "3",
	     "Members probed per round (constant: load per node does not grow with n)."),
	UINT("probe_timeout_ms", memb.probe_timeout_ms, 5, 10000, "40",
	     "Direct probe timeout (stretched by smoothed RTT and local health)."),
	UINT("indirect_timeout_ms", memb.indirect_timeout_ms, 5, 10000, "60",
	     "Time to wait for relays after a direct miss."),
	UINT("indirect_probes", memb.indirect_probes, 0, 8, "3",
	     "Relays asked to probe a member this node could not reach (k)."),
	UINT("suspicion_min_ms", memb.suspicion_min_ms, 10, 600000, "200",
	     "Suspicion timeout once suspicion_confirm members have confirmed."),
	UINT("suspicion_max_ms", memb.suspicion_max_ms, 10, 600000, "3000",
	     "Suspicion timeout with no independent confirmation."),
	UINT("suspicion_confirm", memb.suspicion_confirm, 1, 8, "3",
	     "Independent confirmations that shrink the suspicion timeout to its minimum."),
	UINT("gossip_interval_ms", memb.gossip_interval_ms, 5, 10000, "50",
	     "Dissemination round period."),
	UINT("gossip_fanout", memb.gossip_fanout, 1, 16, "3", "Members gossiped to per round."),
	UINT("retransmit_mult", memb.retransmit_mult, 1, 16, "4",
	     "Each update is sent retransmit_mult * log10(n+1) times (lambda)."),
	UINT("agent_stall_ms", memb.agent_stall_ms, 100, 600000, "2000",
	     "A peer whose heartbeat has not moved this long while its kernel answers is shown "
	     "as agent stalled."),
	STR("hypervisor_hostname", hypervisor_hostname, "",
	    "This host's name as Nova and Masakari know it. Empty: node_name."),
	LIST("servers", raft.servers, raft.nservers,
	     "The Raft voters to bootstrap with, as NAME@ADDR (3 or 5; the same list on every "
	     "agent)."),
	UINT("raft_port", raft.port, 1, 65535, "7300",
	     "TCP port of Raft among the servers; connections are authenticated with the cluster "
	     "key and encrypted."),
	UINT("raft_election_timeout_ms", raft.election_timeout_ms, 100, 60000, "300",
	     "Raft election timeout; a new leader is elected 1-2 times this long after the old one died."),
	UINT("wait_period_ms", verdict.wait_period_ms, 0, 3600000, "30000",
	     "A majority must report a host unreachable this long before it is declared failed."),
	UINT("min_healthy_hosts", verdict.min_healthy_hosts, 0, 1000, "3",
	     "Hold (and alert on) a notification that would leave fewer hosts in service."),
	UINT("report_interval_ms", verdict.report_interval_ms, 50, 60000, "500",
	     "How often every member reports the hosts it finds unreachable to the servers."),
	STR("masakari.url", masakari.url, "",
	    "Fixed Masakari endpoint (…/v1) instead of Keystone's catalog; it gets the Keystone "
	    "token when masakari.auth_url is set, else no authentication. Empty: from the "
	    "catalog."),
	STR("masakari.auth_url", masakari.auth_url, "",
	    "Keystone v3 URL (…/v3). Empty: no authentication (masakari.url must be set)."),
	STR("masakari.username", masakari.username, "masakari", "Keystone user."),
	STR("masakari.password", masakari.password, "",
	    "Keystone password (prefer masakari.password_file or masakari.password_credential)."),
	STR("masakari.password_file", masakari.password_file, "",
	    "A file whose first line is the Keystone password, mode 0600."),
	STR("masakari.password_credential", masakari.password_credential, "",
	    "The Keystone password from a systemd credential of this name."),
	STR("masakari.ca_file", masakari.ca_file, "",
	    "PEM bundle of the CAs to trust for https:// Keystone, Masakari and Nova URLs. Empty: "
	    "the system's."),
	STR("masakari.cert_file", masakari.cert_file, "",
	    "PEM client certificate for those URLs (mutual TLS). Empty: none."),
	STR("masakari.key_file", masakari.key_file, "",
	    "The client certificate's PEM private key."),
	STR("masakari.project_name", masakari.project_name, "service", "Keystone project."),
	STR("masakari.user_domain_name", masakari.user_domain_name, "Default",
	    "Keystone domain of the user."),
	STR("masakari.project_domain_name", masakari.project_domain_name, "Default",
	    "Keystone domain of the project."),
	STR("masakari.region_name", masakari.region_name, "",
	    "Region of the instance-ha endpoint in the catalog. Empty: any."),
	CHOICE("masakari.interface", masakari.interface, "public, internal, admin", "internal",
	       "Endpoint interface in the catalog: public, internal or admin."),
	UINT("masakari.timeout_ms", masakari.timeout_ms, 100, 600000, "5000",
	     "Timeout of one HTTP request to Keystone or Masakari."),
	UINT("masakari.retry_min_ms", masakari.retry_min_ms, 10, 600000, "500",
	     "First retry delay of an undelivered notification (doubles, with jitter)."),
	UINT("masakari.retry_max_ms", masakari.retry_max_ms, 10, 3600000, "30000",
	     "Longest retry delay; retries never stop."),
	UINT("dead_probe_interval_ms", memb.dead_probe_interval_ms, 100, 600000, "1000",
	     "How often a dead member is told so (a live one refutes; heals partitions)."),
	UINT("max_members", memb.max_members, 3, 2000, "2000",
	     "Members one agent's table holds at most (the kernel's peers map holds two entries "
	     "each); a new member beyond it is refused and counted."),
	UINT("reap_after_ms", memb.reap_after_ms, 60000, 4000000000LL, "259200000",
	     "A member dead or left this long is forgotten (72 h; Consul's reconnect_timeout)."),
	UINT("max_local_health", memb.max_local_health, 0, 16, "8",
	     "Cap of the Lifeguard local health multiplier that stretches this node's probe "
	     "timeouts while it is itself in trouble; 0 turns it off."),
	ENUM("fencing.mode", fencing.mode, fence_mode_parse,
	     "auto, power, none, assume-off, watchdog", "auto",
	     "power: power a failed host off through its fence agent and confirm it before "
	     "notifying (host_status NORMAL); none: detection only (UNKNOWN); assume-off: the "
	     "site guarantees power-off (NORMAL, no fencing); watchdog: hosts self-fence "
	     "(isolation response, watchdog; NORMAL under the watchdog rule); auto: power if an "
	     "agent is configured, else none."),
	STR("fencing.agent", fencing.agent, "",
	    "Default fence agent (fence_ipmilan, fence_redfish, ... or a path), run with its "
	    "parameters on stdin."),
	OBJECT("fencing.params", fencing.params, "{}",
	       "Default fence agent parameters, {\"username\": …, \"password_file\": …}; "
	       "{hostname} and {name} in values are replaced."),
	OBJECT("fencing.hosts", fencing.hosts, "{}",
	       "Per host (hypervisor hostname or node name): {\"agent\": …, parameter: value}, "
	       "over the defaults."),
	UINT("fencing.timeout_ms", fencing.timeout_ms, 1000, 600000, "30000",
	     "One fence agent call; killed (its process group) after this long."),
	UINT("fencing.confirm_timeout_ms", fencing.confirm_timeout_ms, 0, 600000, "60000",
	     "After a successful off, status must report off within this long."),
	UINT("fencing.status_interval_ms", fencing.status_interval_ms, 100, 60000, "1000",
	     "Between status calls while confirming the power-off."),
	UINT("fencing.retry_min_ms", fencing.retry_min_ms, 100, 600000, "2000",
	     "First retry delay of a failed fencing (doubles, with jitter)."),
	UINT("fencing.retry_max_ms", fencing.retry_max_ms, 100, 3600000, "60000",
	     "Longest retry delay of a failed fencing; retries never stop."),
	BOOL("fencing.nova_force_down", fencing.nova_force_down, "false",
	     "After a confirmed fence, mark the host's nova-compute service forced down."),
	STR("fencing.nova_url", fencing.nova_url, "",
	    "Fixed Nova compute endpoint (…/v2.1) used without authentication. Empty: from "
	    "Keystone, with the masakari.* credentials."),
	UINT("fencing.watchdog_margin_ms", fencing.watchdog_margin_ms, 0, 600000, "5000",
	     "Mode watchdog: safety margin of the rule wait_period_ms >= isolation_timeout_ms + "
	     "watchdog_timeout_ms + this."),
	UINT("isolation_timeout_ms", isolation.timeout_ms, 0, 3600000, "10000",
	     "A host whose own probes reach no majority of the zone's hosts this long is "
	     "isolated and runs its isolation response; 0 = no isolation detection."),
	ENUM("isolation_response", isolation.response, iso_response_parse,
	     "none, command, virsh-destroy, reset", "none",
	     "What an isolated host does: none (record and alert), command (isolation_command), "
	     "virsh-destroy (every running libvirt domain), reset (stop feeding the watchdog)."),
	STR("isolation_command", isolation.command, "",
	    "The command response, run with /bin/sh -c; exit status 0 means the VMs are "
	    "stopped."),
	UINT("isolation_command_timeout_ms", isolation.command_timeout_ms, 1000, 3600000, "60000",
	     "A command or virsh-destroy response is killed (its process group) after this long "
	     "and counts as failed."),
	STR("isolation_libvirt_uri", isolation.libvirt_uri, "qemu:///system",
	    "The libvirt connection of the virsh-destroy response (virsh -c URI)."),
	STR("watchdog_device", isolation.watchdog_device, "",
	    "Hardware watchdog fed from the loop that judges isolation (/dev/watchdog); empty: "
	    "none."),
	UINT("watchdog_timeout_ms", isolation.watchdog_timeout_ms, 1000, 600000, "15000",
	     "The watchdog's timeout, set on the device (whole seconds): it resets the host this "
	     "long after the last feed."),
	STR("storage_heartbeat_dir", isolation.storage_dir, "",
	    "Directory on the VMs' shared storage, one per zone, for the storage heartbeat: each "
	    "host writes <dir>/<node_name>.hb, servers read them all; empty: none."),
	UINT("storage_heartbeat_interval_ms", isolation.storage_interval_ms, 100, 60000, "1000",
	     "How often each host writes (fsync) its storage heartbeat record, and servers read "
	     "them all."),
	BOOL("reconcile.enabled", reconcile.enabled, "false",
	     "The Raft leader keeps the zone's Masakari segment (and, with reconcile.aggregate, "
	     "vigil's hosts) in sync with the hosts, through the masakari.* credentials."),
	STR("reconcile.segment", reconcile.segment, "",
	    "Masakari failover segment of the zone. Empty: the cluster name."),
	BOOL("reconcile.create_segment", reconcile.create_segment, "false",
	     "Create the segment if it does not exist, and keep its recovery method."),
	CHOICE("reconcile.recovery_method", reconcile.recovery_method,
	       "auto, reserved_host, auto_priority, rh_priority", "auto",
	       "Recovery method of a segment vigil creates (reconcile.create_segment)."),
	STR("reconcile.aggregate", reconcile.aggregate, "",
	    "Nova host aggregate (its name or availability zone) that decides which hosts are "
	    "in the zone. Empty: vigil's hosts decide."),
	UINT("reconcile.interval_ms", reconcile.interval_ms, 1000, 3600000, "30000",
	     "Between two reconciliation rounds (also one at once on a membership change)."),
	UINT("reconcile.grace_ms", reconcile.grace_ms, 0, 604800000, "600000",
	     "A host out of the aggregate, left or unknown to vigil this long leaves the segment "
	     "(and, out of the aggregate with its agent stopped, vigil)."),
	UINT("reconcile.max_actions", reconcile.max_actions, 1, 1000, "10",
	     "Changes one round makes at most."),
};

/*
 * Line of directive key in text, or 0: the first string followed by ':' that
 * is the key at the top level ("port"), or, for a key of a section
 * ("masakari.interface"), the key inside that section's object. Matching on
 * the last name alone would point at the wrong line when a section key
 * shares its name with a top-level one ("interface").
 */
static int key_line(const char *text, const char *key)
{
	const char *dot = strchr(key, '.');
	size_t kl = strlen(key), sl = dot ? (size_t)(dot - key) : 0;
	int line = 1, depth = 0, in_section = 0;

	if (!text)
		return 0;
	for (const char *p = text; *p; p++) {
		const char *s, *q;
		size_t n;

		switch (*p) {
		case '\n':
			line++;
			break;
		case '{':
		case '[':
			depth++;
			break;
		case '}':
		case ']':
			if (--depth < 2)
				in_section = 0;
			break;
		case '"':
			for (s = ++p; *p && *p != '"'; p++)
				if (*p == '\\' && p[1])
					p++;
			if (!*p)
				return 0;
			n = (size_t)(p - s);
			for (q = p + 1; *q == ' ' || *q == '\t' || *q == '\r' || *q == '\n'; q++)
				;
			if (*q != ':')
				break;
			if (depth == 1 && n == kl && !strncmp(s, key, n))
				return line;
			if (dot && depth == 1)
				in_section = n == sl && !strncmp(s, key, sl);
			else if (dot && in_section && depth == 2 && n == kl - sl - 1 &&
				 !strncmp(s, dot + 1, n))
				return line;
			break;
		}
	}
	return 0;
}

static int fail(char *err, size_t errsz, const char *name, const char *text, const char *key,
		const char *fmt, ...) __attribute__((format(printf, 6, 7)));

static int fail(char *err, size_t errsz, const char *name, const char *text, const char *key,
		const char *fmt, ...)
{
	char msg[400];
	va_list ap;
	int line = key ? key_line(text, key) : 0;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (line)
		snprintf(err, errsz, "%s:%d: %s", name, line, msg);
	else
		snprintf(err, errsz, "%s: %s", name, msg);
	return -1;
}

/* Is s one of the values of allowed ("a, b, c")? */
static int choice_allowed(const char *allowed, const char *s)
{
	size_t n = strlen(s);

	for (const char *p = allowed; *p; p += strspn(p, ", ")) {
		size_t len = strcspn(p, ",");

		if (len == n && !strncmp(p, s, n))
			return 1;
		p += len;
	}
	return 0;
}

static int set_value(struct vigil_config *c, const struct cfg_directive *d, json_t *v,
		     const char *name, const char *text, char *err, size_t errsz)
{
	char *base = (char *)c;

	switch (d->type) {
	case CFG_STRING: {
		const char *s;

		if (!json_is_string(v))
			return fail(err, errsz, name, text, d->name, "\"%s\" must be a string",
				    d->name);
		s = json_string_value(v);
		if (strlen(s) >= d->size)
			return fail(err, errsz, name, text, d->name,
				    "\"%s\" is too long (at most %zu characters)", d->name,
				    d->size - 1);
		if (d->allowed && !choice_allowed(d->allowed, s))
			return fail(err, errsz, name, text, d->name,
				    "\"%s\" = \"%s\" must be one of: %s", d->name, s, d->allowed);
		memcpy(base + d->off, s, strlen(s) + 1);
		return 0;
	}
	case CFG_UINT: {
		json_int_t n;

		if (!json_is_integer(v))
			return fail(err, errsz, name, text, d->name,
				    "\"%s\" must be an integer in [%lld, %lld]", d->name, d->min,
				    d->max);
		n = json_integer_value(v);
		if (n < d->min || n > d->max)
			return fail(err, errsz, name, text, d->name,
				    "\"%s\" = %lld is out of range [%lld, %lld]", d->name,
				    (long long)n, d->min, d->max);
		*(uint32_t *)(void *)(base + d->off) = (uint32_t)n;
		return 0;
	}
	case CFG_KEY: {
		uint8_t buf[64];

		if (!json_is_string(v))
			return fail(err, errsz, name, text, d->name,
				    "\"%s\" must be a base64 string (`vigil keygen` makes one)",
				    d->name);
		if (base64_decode(json_string_value(v), buf, sizeof(buf)) != VIGIL_KEY_LEN)
			return fail(err, errsz, name, text, d->name,
				    "\"%s\" must be base64 of exactly %d bytes (`vigil keygen` "
				    "makes one)",
				    d->name, VIGIL_KEY_LEN);
		memcpy(base + d->off, buf, VIGIL_KEY_LEN);
		*(int *)(void *)(base + d->aux_off) = 1;
		return 0;
	}
	case CFG_LIST: {
		size_t i, n;
		json_t *item;

		if (!json_is_array(v) || (n = json_array_size(v)) > CFG_JOIN_MAX)
			return fail(err, errsz, name, text, d->name,
				    "\"%s\" must be an array of at most %d strings", d->name,
				    CFG_JOIN_MAX);
		json_array_foreach(v, i, item)
		{
			if (!json_is_string(item) || strlen(json_string_value(item)) >= d->size)
				return fail(
					err, errsz, name, text, d->name,
					"\"%s\"[%zu] must be a string of at most %zu characters",
					d->name, i, d->size - 1);
			memcpy(base + d->off + i * d->size, json_string_value(item),
			       strlen(json_string_value(item)) + 1);
		}
		*(int *)(void *)(base + d->aux_off) = (int)n;
		return 0;
	}
	case CFG_BOOL:
		if (!json_is_boolean(v))
			return fail(err, errsz, name, text, d->name, "\"%s\" must be true or false",
				    d->name);
		*(int *)(void *)(base + d->off) = json_is_true(v);
		return 0;
	case CFG_OBJECT: {
		char *t;
		int too_long;

		if (!json_is_object(v))
			return fail(err, errsz, name, text, d->name, "\"%s\" must be an object",
				    d->name);
		t = json_dumps(v, JSON_COMPACT);
		too_long = !t || strlen(t) >= d->size;
		if (!too_long)
			memcpy(base + d->off, t, strlen(t) + 1);
		free(t);
		if (too_long)
			return fail(err, errsz, name, text, d->name,
				    "\"%s\" is too large (at most %zu bytes as compact JSON)",
				    d->name, d->size - 1);
		return 0;
	}
	case CFG_ENUM: {
		int e;

		if (!json_is_string(v) || (e = d->parse(json_string_value(v))) < 0)
			return fail(err, errsz, name, text, d->name, "\"%s\" must be one of: %s",
				    d->name, d->allowed);
		*(int *)(void *)(base + d->off) = e;
		return 0;
	}
	}
	return -1;
}

void config_defaults(struct vigil_config *c)
{
	char err[128];

	memset(c, 0, sizeof(*c));
	for (size_t i = 0; i < ARRAY_SIZE(directives); i++) {
		const struct cfg_directive *d = &directives[i];
		json_t *v;

		if (!d->def)
			continue;
		if (d->type == CFG_UINT)
			v = json_integer(strtoll(d->def, NULL, 0));
		else if (d->type == CFG_BOOL)
			v = json_boolean(!strcmp(d->def, "true"));
		else if (d->type == CFG_OBJECT)
			v = json_loads(d->def, 0, NULL);
		else
			v = json_string(d->def);
		set_value(c, d, v, "defaults", NULL, err, sizeof(err));
		json_decref(v);
	}
	if (gethostname(c->node_name, sizeof(c->node_name) - 1))
		snprintf(c->node_name, sizeof(c->node_name), "localhost");
}

int config_set(struct vigil_config *c, const char *key, const char *value, char *err, size_t errsz)
{
	json_t *v;
	int rc;

	for (size_t i = 0; i < ARRAY_SIZE(directives); i++) {
		if (strcmp(directives[i].name, key))
			continue;
		v = json_loads(value, JSON_DECODE_ANY, NULL);
		if (!v)
			v = json_string(value);
		rc = set_value(c, &directives[i], v, "set", NULL, err, errsz);
		json_decref(v);
		return rc;
	}
	snprintf(err, errsz, "unknown key \"%s\" (`vigil config` lists the keys)", key);
	return -1;
}

int config_check_bind(const struct vigil_config *c, const char *key, const struct sockaddr *sa,
		      char *err, size_t errsz)
{
	char addr[80];

	if (c->allow_public_bind || !addr_is_public(sa))
		return 0;
	addr_format(sa, addr, sizeof(addr));
	snprintf(err, errsz,
		 "\"%s\" = %s is a public or wildcard address: vigil listens only on loopback "
		 "or private ones (RFC 1918, RFC 6598, link-local, fc00::/7); set "
		 "\"allow_public_bind\": true to allow it",
		 key, addr);
	return -1;
}

/* The listen addresses parse and are private (unless allowed). */
static int check_listen_addrs(const struct vigil_config *c, const char *name, const char *text,
			      char *err, size_t errsz)
{
	const struct {
		const char *key, *val;
		uint16_t port;
	} l[] = {
		{"bind_addr", c->bind_addr, (uint16_t)c->port},
		{"api_addr", c->api_addr, VIGIL_API_PORT},
		{"metrics_addr", c->metrics_addr, VIGIL_API_PORT},
	};
	char msg[384];

	for (size_t i = 0; i < ARRAY_SIZE(l); i++) {
		struct sockaddr_storage ss;
		socklen_t sl;

		if (!l[i].val[0] && strcmp(l[i].key, "api_addr"))
			continue; /* empty: derived from the interface, or none */
		if (addr_parse(l[i].val, l[i].port, &ss, &sl))
			return fail(err, errsz, name, text, l[i].key,
				    "\"%s\" = \"%s\" is not ADDR or ADDR:PORT", l[i].key, l[i].val);
		if (config_check_bind(c, l[i].key, (struct sockaddr *)&ss, msg, sizeof(msg)))
			return fail(err, errsz, name, text, l[i].key, "%s", msg);
	}
	return 0;
}

/* The same host? Raft uses raft_port whatever port an entry names, so only
 * the addresses are compared. */
static int same_address(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return 0;
	if (a->ss_family == AF_INET)
		return ((const struct sockaddr_in *)a)->sin_addr.s_addr ==
		       ((const struct sockaddr_in *)b)->sin_addr.s_addr;
	return !memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
		       &((const struct sockaddr_in6 *)b)->sin6_addr, sizeof(struct in6_addr));
}

/*
 * The servers list, whose entries each parse as NAME@ADDR: an odd number
 * of distinct servers (names, ids, addresses), and at least one on a
 * server. An even count tolerates no more failures than one fewer, and a
 * name or address listed twice would be one voter counted twice.
 */
static int check_servers(const struct vigil_config *c, const char *name, const char *text,
			 char *err, size_t errsz)
{
	const struct raft_config *r = &c->raft;
	struct sockaddr_storage ss[CFG_JOIN_MAX];
	char names[CFG_JOIN_MAX][sizeof(r->servers[0])];
	socklen_t sl;

	if (c->role == VIGIL_ROLE_SERVER && !r->nservers)
		return fail(err, errsz, name, text, "role",
			    "\"role\" is server but \"servers\" is empty: list the cluster's 3 or "
			    "5 Raft servers as NAME@ADDR, the same list on every agent");
	if (r->nservers % 2 == 0 && r->nservers)
		return fail(err, errsz, name, text, "servers",
			    "\"servers\" lists %d servers: use an odd number (3 or 5); %d "
			    "servers survive no more failures than %d",
			    r->nservers, r->nservers, r->nservers - 1);
	for (int i = 0; i < r->nservers; i++) {
		const char *at = strchr(r->servers[i], '@');

		snprintf(names[i], sizeof(names[i]), "%.*s", (int)(at - r->servers[i]),
			 r->servers[i]);
		addr_parse(at + 1, 1, &ss[i], &sl);
		for (int j = 0; j < i; j++) {
			char a[80];

			if (!strcmp(names[i], names[j]))
				return fail(err, errsz, name, text, "servers",
					    "\"servers\"[%d] and [%d] both name \"%s\"", j, i,
					    names[i]);
			if (wire_name_id(names[i]) == wire_name_id(names[j]))
				return fail(err, errsz, name, text, "servers",
					    "\"servers\"[%d] \"%s\" and [%d] \"%s\" have the same "
					    "node id %u: rename one",
					    j, names[j], i, names[i], wire_name_id(names[i]));
			if (same_address(&ss[i], &ss[j])) {
				inet_ntop(
					ss[i].ss_family,
					ss[i].ss_family == AF_INET
						? (void *)&((struct sockaddr_in *)&ss[i])->sin_addr
						: (void *)&((struct sockaddr_in6 *)&ss[i])
							  ->sin6_addr,
					a, sizeof(a));
				return fail(err, errsz, name, text, "servers",
					    "\"servers\"[%d] and [%d] have the same address %s", j,
					    i, a);
			}
		}
	}
	return 0;
}

/* The fencing section's own checks (fence.c), reported as a key's error. */
static int fence_finish(struct vigil_config *c, const char *name, const char *text, char *err,
			size_t errsz)
{
	const char *key = "fencing.mode";
	char msg[400];

	if (!fence_config_finish(&c->fencing, &key, msg, sizeof(msg)))
		return 0;
	return fail(err, errsz, name, text, key, "%s", msg);
}

/* Isolation, watchdog and storage heartbeat, and mode watchdog's rule
 * (isolation.c), reported as a key's error. */
static int isolation_finish(const struct vigil_config *c, const char *name, const char *text,
			    char *err, size_t errsz)
{
	const char *key = "isolation_timeout_ms";
	char msg[400];

	if (!isolation_config_finish(&c->isolation, &c->fencing, c->verdict.wait_period_ms, &key,
				     msg, sizeof(msg)))
		return 0;
	return fail(err, errsz, name, text, key, "%s", msg);
}

/* A key kept outside the configuration file (KEY_file or KEY_credential):
 * read now, so that -config-test and a reload see what the agent would. */
static int key_secret(const char *name, const char *text, char *err, size_t errsz, const char *key,
		      const char *file, const char *cred, uint8_t out[VIGIL_KEY_LEN], int *has)
{
	char s[128], why[300];
	uint8_t buf[64];
	int n;

	if (!*file && !*cred)
		return 0;
	if (*has || (*file && *cred))
		return fail(err, errsz, name, text, key,
			    "set one of \"%s\", \"%s_file\" and \"%s_credential\"", key, key, key);
	if (secret_read(file, cred, s, sizeof(s), why, sizeof(why)))
		return fail(err, errsz, name, text, key, "\"%s\": %s", key, why);
	n = base64_decode(s, buf, sizeof(buf));
	secret_wipe(s, sizeof(s));
	if (n != VIGIL_KEY_LEN) {
		secret_wipe(buf, sizeof(buf));
		return fail(err, errsz, name, text, key,
			    "\"%s\" from %s is not base64 of exactly %d bytes (`vigil keygen` "
			    "makes one)",
			    key, *file ? file : cred, VIGIL_KEY_LEN);
	}
	memcpy(out, buf, VIGIL_KEY_LEN);
	secret_wipe(buf, sizeof(buf));
	*has = 1;
	return 0;
}

static int secrets_load(struct vigil_config *c, const char *name, const char *text, char *err,
			size_t errsz)
{
	struct mk_config *m = &c->masakari;
	char why[300];

	if (key_secret(name, text, err, errsz, "key", c->key_file, c->key_credential, c->key,
		       &c->has_key) ||
	    key_secret(name, text, err, errsz, "key_next", c->key_next_file, c->key_next_credential,
		       c->key_next, &c->has_key_next))
		return -1;
	if (!m->password_file[0] && !m->password_credential[0])
		return 0;
	if (m->password[0] || (m->password_file[0] && m->password_credential[0]))
		return fail(err, errsz, name, text, "masakari.password",
			    "set one of \"masakari.password\", \"masakari.password_file\" and "
			    "\"masakari.password_credential\"");
	if (secret_read(m->password_file, m->password_credential, m->password, sizeof(m->password),
			why, sizeof(why)))
		return fail(err, errsz, name, text, "masakari.password", "%s", why);
	return 0;
}

int config_warn(const struct vigil_config *c, const char *path)
{
	const struct mk_config *m = &c->masakari;
	int inline_key = (c->has_key && !c->key_file[0] && !c->key_credential[0]) ||
			 (c->has_key_next && !c->key_next_file[0] && !c->key_next_credential[0]);
	int inline_password = m->password[0] && !m->password_file[0] && !m->password_credential[0];
	struct stat st;

	int n = 0;

	if (path && (inline_key || inline_password) && !stat(path, &st) && (st.st_mode & 077) &&
	    ++n)
		log_warn("%s holds %s and is readable by %s (mode %03o): chmod 600 it, or keep the "
			 "secrets in key_file / masakari.password_file (or systemd credentials)",
			 path, inline_key ? "the cluster key" : "the Keystone password",
			 st.st_mode & 007 ? "everyone" : "its group",
			 (unsigned)(st.st_mode & 0777));
	if (m->password[0] && !strncmp(m->auth_url, "http://", 7) && ++n)
		log_warn("masakari.auth_url is http://: the Keystone password travels in clear "
			 "text; use https:// (masakari.ca_file names the CAs to trust)");
	if (!c->verdict.wait_period_ms && ++n)
		log_warn("%s: \"wait_period_ms\" is 0: a host is declared failed (and its VMs "
			 "evacuated) as soon as a majority misses it, even if it is only "
			 "rebooting; for tests and demonstrations only",
			 path);
	if (c->heartbeat_interval_ms >= c->memb.agent_stall_ms && ++n)
		log_warn("%s: \"heartbeat_interval_ms\" (%u) is not below \"agent_stall_ms\" "
			 "(%u): peers would show this agent stalled between two beats",
			 path, c->heartbeat_interval_ms, c->memb.agent_stall_ms);
	/* (mode watchdog refuses it: its rule needs more) */
	if (c->isolation.timeout_ms && c->isolation.response != ISO_RESP_NONE &&
	    c->verdict.wait_period_ms && c->isolation.timeout_ms >= c->verdict.wait_period_ms &&
	    ++n)
		log_warn("%s: \"isolation_timeout_ms\" (%u) is not below \"wait_period_ms\" (%u): "
			 "a cut-off host would run its isolation response only after the zone may "
			 "have declared it failed; only a confirmed fence then stands between its "
			 "VMs and their evacuation",
			 path, c->isolation.timeout_ms, c->verdict.wait_period_ms);
	if (c->raft.nservers == 1 && ++n)
		log_warn("%s: one server in \"servers\": no verdict while it is down; use 3 or "
			 "5 outside a lab",
			 path);
	return n;
}

/* Derived values and cross-key checks. */
static int config_finish(struct vigil_config *c, const char *name, const char *text, char *err,
			 size_t errsz)
{
	if (!c->node_name[0])
		return fail(err, errsz, name, text, "node_name", "\"node_name\" must not be empty");
	for (size_t i = 0; i < 3; i++) {
		static const char *const keys[] = {"node_name", "cluster", "hypervisor_hostname"};
		const char *v[] = {c->node_name, c->cluster, c->hypervisor_hostname};

		if (!wire_name_valid(v[i]))
			return fail(err, errsz, name, text, keys[i],
				    "\"%s\" must be UTF-8 without control characters", keys[i]);
	}
	if (!c->cluster[0] || strchr(c->cluster, '/'))
		return fail(err, errsz, name, text, "cluster",
			    "\"cluster\" must be a non-empty name without '/'");
	if (secrets_load(c, name, text, err, errsz))
		return -1;
	for (int i = 0; i < 2; i++) {
		static const uint8_t zero[VIGIL_KEY_LEN];
		static const char *const keys[] = {"key", "key_next"};

		if ((i ? c->has_key_next : c->has_key) &&
		    !memcmp(i ? c->key_next : c->key, zero, VIGIL_KEY_LEN))
			return fail(
				err, errsz, name, text, keys[i],
				"\"%s\" is all zeros: anyone could sign with it (`vigil keygen` "
				"makes a random one)",
				keys[i]);
	}
	if (c->has_key_next && !c->has_key)
		return fail(err, errsz, name, text, "key_next",
			    "\"key_next\" needs \"key\" to be set too");
	if (c->has_key_next && !memcmp(c->key, c->key_next, VIGIL_KEY_LEN))
		return fail(err, errsz, name, text, "key_next",
			    "\"key_next\" is the same as \"key\": a rotation needs a new key "
			    "(`vigil keygen`); without one, remove key_next");
	for (int i = 0; i < c->njoin; i++) {
		struct sockaddr_storage ss;
		socklen_t sl;

		if (addr_parse(c->join[i], (uint16_t)c->port, &ss, &sl))
			return fail(err, errsz, name, text, "join",
				    "\"join\"[%d] = \"%s\" is not ADDR or ADDR:PORT", i,
				    c->join[i]);
	}
	if (c->memb.suspicion_min_ms > c->memb.suspicion_max_ms)
		return fail(err, errsz, name, text, "suspicion_min_ms",
			    "\"suspicion_min_ms\" must not exceed \"suspicion_max_ms\"");
	if (strlen(c->node_name) >= VIGIL_NAME_LEN)
		return fail(err, errsz, name, text, "node_name", "\"node_name\" is too long");
	for (int i = 0; i < c->raft.nservers; i++) {
		const char *at = strchr(c->raft.servers[i], '@');
		struct sockaddr_storage ss;
		socklen_t sl;

		if (!at || at == c->raft.servers[i] || addr_parse(at + 1, 1, &ss, &sl))
			return fail(err, errsz, name, text, "servers",
				    "\"servers\"[%d] = \"%s\" is not NAME@ADDR", i,
				    c->raft.servers[i]);
	}
	if (check_servers(c, name, text, err, errsz))
		return -1;
	if (check_listen_addrs(c, name, text, err, errsz))
		return -1;
	if (c->masakari.retry_min_ms > c->masakari.retry_max_ms)
		return fail(err, errsz, name, text, "masakari.retry_min_ms",
			    "\"masakari.retry_min_ms\" must not exceed \"masakari.retry_max_ms\"");
	if (fence_finish(c, name, text, err, errsz) || isolation_finish(c, name, text, err, errsz))
		return -1;
	if (!c->hypervisor_hostname[0])
		snprintf(c->hypervisor_hostname, sizeof(c->hypervisor_hostname), "%s",
			 c->node_name);
	/* Raft knows the servers by the id of the name in "servers" (the
	 * same list on every agent): a server cannot have an id of its own. */
	if (c->node_id && c->role == VIGIL_ROLE_SERVER && c->node_id != wire_name_id(c->node_name))
		return fail(err, errsz, name, text, "node_id",
			    "\"node_id\" = %u on a server: Raft knows servers by the id of their "
			    "name (%u for \"%s\"); leave node_id unset",
			    c->node_id, wire_name_id(c->node_name), c->node_name);
	if (!c->node_id)
		c->node_id = wire_name_id(c->node_name);
	c->cluster_id = wire_name_id(c->cluster);
	snprintf(c->pin_dir, sizeof(c->pin_dir), "%s/%s", c->bpffs, c->cluster);
	return 0;
}

/* Apply the keys of obj; nested objects are sections ("masakari": {...}) whose
 * keys are the directives named "<section>.<key>". */
static int apply_object(struct vigil_config *c, json_t *obj, const char *prefix, const char *name,
			const char *text, char *err, size_t errsz)
{
	char full[128];
	const char *k;
	json_t *v;

	json_object_foreach(obj, k, v)
	{
		const struct cfg_directive *d = NULL;
		int section = 0;

		snprintf(full, sizeof(full), "%s%s", prefix, k);
		for (size_t i = 0; i < ARRAY_SIZE(directives); i++) {
			if (!strcmp(directives[i].name, full))
				d = &directives[i];
			else if (!strncmp(directives[i].name, full, strlen(full)) &&
				 directives[i].name[strlen(full)] == '.')
				section = 1;
		}
		if (!d && section && json_is_object(v)) {
			strncat(full, ".", sizeof(full) - strlen(full) - 1);
			if (apply_object(c, v, full, name, text, err, errsz))
				return -1;
			continue;
		}
		if (!d)
			return fail(err, errsz, name, text, full,
				    section ? "\"%s\" must be an object"
					    : "unknown key \"%s\" (`vigil config` lists the keys)",
				    full);
		if (set_value(c, d, v, name, text, err, errsz))
			return -1;
	}
	return 0;
}

static int config_apply(struct vigil_config *c, json_t *root, const char *name, const char *text,
			char *err, size_t errsz)
{
	if (!json_is_object(root))
		return fail(err, errsz, name, NULL, NULL,
			    "the configuration must be a JSON object");
	if (apply_object(c, root, "", name, text, err, errsz))
		return -1;
	return config_finish(c, name, text, err, errsz);
}

int config_load_string(struct vigil_config *c, const char *text, const char *name, char *err,
		       size_t errsz)
{
	json_error_t jerr;
	json_t *root;
	int rc;

	root = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		snprintf(err, errsz, "%s:%d:%d: %s", name, jerr.line, jerr.column, jerr.text);
		return -1;
	}
	rc = config_apply(c, root, name, text, err, errsz);
	json_decref(root);
	return rc;
}

int config_load_file(struct vigil_config *c, const char *path, char *err, size_t errsz)
{
	FILE *f = fopen(path, "r");
	char *text;
	long n;
	int rc;

	if (!f) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || n > (1 << 20) || fseek(f, 0, SEEK_SET)) {
		snprintf(err, errsz, "%s: unreadable or larger than 1 MiB", path);
		fclose(f);
		return -1;
	}
	text = calloc(1, (size_t)n + 1);
	if (!text || fread(text, 1, (size_t)n, f) != (size_t)n) {
		snprintf(err, errsz, "%s: read error", path);
		free(text);
		fclose(f);
		return -1;
	}
	fclose(f);
	rc = config_load_string(c, text, path, err, errsz);
	free(text);
	return rc;
}

int config_load(struct vigil_config *c, const char *path)
{
	char err[512];

	config_defaults(c);
	if (config_load_file(c, path ? path : VIGIL_DEFAULT_CONFIG, err, sizeof(err))) {
		log_err("%s", err);
		return -1;
	}
	log_set_level((enum log_level)c->log_level);
	return 0;
}

int config_check_agent(const struct vigil_config *c, const char *name, char *err, size_t errsz)
{
	if (!c->has_key)
		return fail(err, errsz, name, NULL, NULL,
			    "no \"key\": the agent signs every message with it (make one with "
			    "`vigil keygen`, the same on every host)");
	if (!c->interface[0])
		return fail(err, errsz, name, NULL, NULL,
			    "no \"interface\": the agent attaches the XDP program to the "
			    "cluster interface");
	return 0;
}

void config_api_token_path(const struct vigil_config *c, char *out, size_t size)
{
	if (c->api_token_file[0])
		snprintf(out, size, "%s", c->api_token_file);
	else
		snprintf(out, size, "%s/api-token", c->data_dir);
}

void config_keyring(const struct vigil_config *c, struct vigil_keyring *kr)
{
	memset(kr, 0, sizeof(*kr));
	if (c->has_key) {
		wire_key_split(c->key, &kr->slot[0].k0, &kr->slot[0].k1);
		kr->slot[0].valid = 1;
	}
	if (c->has_key_next) {
		wire_key_split(c->key_next, &kr->slot[1].k0, &kr->slot[1].k1);
		kr->slot[1].valid = 1;
	}
}

/*
 * Does SIGHUP apply this key? The agent's reload() applies the keys (from
 * wherever they come), the log level, its own two timers, metrics_per_peer
 * and every membership timing key (struct memb_config); the rest is read
 * once at start. `vigil config`, vigil.json(5)
 * and docs/operations.md say so from here, and reload() names the changed
 * keys it cannot apply.
 */
static int reloadable(const struct cfg_directive *d)
{
	static const char *const names[] = {
		"key",
		"key_file",
		"key_credential",
		"key_next",
		"key_next_file",
		"key_next_credential",
		"log_level",
		"heartbeat_interval_ms",
		"pushpull_interval_ms",
		"metrics_per_peer",
	};

	if (d->off >= OFF(memb) && d->off < OFF(memb) + SZ(memb))
		return 1;
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (!strcmp(d->name, names[i]))
			return 1;
	return 0;
}

/* Do a and b hold the same value of d? */
static int same_value(const struct vigil_config *a, const struct vigil_config *b,
		      const struct cfg_directive *d)
{
	const char *pa = (const char *)a + d->off, *pb = (const char *)b + d->off;

	switch (d->type) {
	case CFG_STRING:
	case CFG_OBJECT: /* compact JSON text */
		return !strcmp(pa, pb);
	case CFG_LIST: {
		int n = *(const int *)(const void *)((const char *)a + d->aux_off);

		if (n != *(const int *)(const void *)((const char *)b + d->aux_off))
			return 0;
		for (int i = 0; i < n; i++)
			if (strcmp(pa + (size_t)i * d->size, pb + (size_t)i * d->size))
				return 0;
		return 1;
	}
	case CFG_KEY:
		return *(const int *)(const void *)((const char *)a + d->aux_off) ==
			       *(const int *)(const void *)((const char *)b + d->aux_off) &&
		       !memcmp(pa, pb, VIGIL_KEY_LEN);
	case CFG_UINT:
	case CFG_ENUM:
	case CFG_BOOL:
		return !memcmp(pa, pb, d->size);
	}
	return 0;
}

int config_restart_keys(const struct vigil_config *running, const struct vigil_config *next,
			char *out, size_t size)
{
	size_t len = 0;
	int n = 0;

	if (size)
		out[0] = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(directives); i++) {
		const struct cfg_directive *d = &directives[i];

		if (reloadable(d) || same_value(running, next, d))
			continue;
		if (len < size)
			len += (size_t)snprintf(out + len, size - len, "%s%s", n ? ", " : "",
						d->name);
		n++;
	}
	return n;
}

void config_print_reference(FILE *out)
{
	for (size_t i = 0; i < ARRAY_SIZE(directives); i++) {
		const struct cfg_directive *d = &directives[i];

		fprintf(out, "%-18s ", d->name);
		switch (d->type) {
		case CFG_STRING:
			if (d->allowed)
				fprintf(out, "one of: %s", d->allowed);
			else
				fprintf(out, "string");
			break;
		case CFG_UINT:
			fprintf(out, "integer [%lld, %lld]", d->min, d->max);
			break;
		case CFG_KEY:
			fprintf(out, "base64 key (%d bytes)", VIGIL_KEY_LEN);
			break;
		case CFG_ENUM:
			fprintf(out, "one of: %s", d->allowed);
			break;
		case CFG_LIST:
			fprintf(out, "array of strings (at most %d)", CFG_JOIN_MAX);
			break;
		case CFG_BOOL:
			fprintf(out, "boolean");
			break;
		case CFG_OBJECT:
			fprintf(out, "object");
			break;
		}
		fprintf(out, "; default: %s%s\n    %s\n",
			d->def ? (*d->def ? d->def : "\"\"") : "none",
			reloadable(d) ? "; SIGHUP reloads it" : "", d->help);
	}
}
