/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * config.h - vigil's JSON configuration (docs/configuration.md). Every key is
 * one row of the directive table in config.c: type, range, default, help.
 */
#ifndef VIGIL_CONFIG_H
#define VIGIL_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "fence.h"
#include "isolation.h"
#include "memb.h"
#include "vigil_abi.h"

#define CFG_NAME_MAX	     64
#define CFG_PATH_MAX	     256
#define CFG_JOIN_MAX	     16
#define VIGIL_API_PORT	     7500 /* api_addr and metrics_addr without a port */
#define VIGIL_DEFAULT_CONFIG "/etc/vigil/vigil.json"

/* How the XDP program is attached (key xdp_mode). */
enum xdp_mode {
	XDP_MODE_AUTO = 0, /* native, falling back to generic */
	XDP_MODE_NATIVE,
	XDP_MODE_GENERIC,
};

const char *xdp_mode_name(enum xdp_mode m);
int xdp_mode_parse(const char *s); /* -1 if unknown */

/* Where and how the Raft leader notifies Masakari (keys masakari.*). */
struct mk_config {
	char url[256];	    /* fixed endpoint (…/v1), with the token if auth_url; "": catalog */
	char auth_url[256]; /* Keystone v3, e.g. http://keystone:5000/v3 */
	char username[64];
	char password[128];
	char project_name[64];
	char user_domain_name[64];
	char project_domain_name[64];
	char region_name[64];
	char interface[16]; /* endpoint interface in the catalog: public, internal, admin */
	char password_file[CFG_PATH_MAX]; /* the password, from a file ... */
	char password_credential[64];	  /* ... or a systemd credential */
	char ca_file[CFG_PATH_MAX];	  /* TLS: CAs to trust ("" = the system's) */
	char cert_file[CFG_PATH_MAX], key_file[CFG_PATH_MAX]; /* TLS client certificate */
	uint32_t timeout_ms;				      /* per HTTP request */
	uint32_t retry_min_ms; /* first retry delay; doubles up to retry_max_ms, with jitter */
	uint32_t retry_max_ms;
};

/* Raft among the servers (keys servers, raft_port, raft_election_timeout_ms). */
struct raft_config {
	char servers[CFG_JOIN_MAX][96]; /* NAME@ADDR of the initial Raft voters */
	int nservers;
	uint32_t port; /* TCP port of Raft among servers */
	uint32_t election_timeout_ms;
};

/* The verdict rule and the reports it rests on (keys wait_period_ms,
 * min_healthy_hosts, report_interval_ms). */
struct verdict_config {
	uint32_t wait_period_ms;     /* unreachable this long (by a majority) = failed */
	uint32_t min_healthy_hosts;  /* hold notifications that would leave fewer */
	uint32_t report_interval_ms; /* members report their view to the servers */
};

/* HA per availability zone kept in sync by the Raft leader (keys
 * reconcile.*; core/azsync.h). */
struct reconcile_config {
	int enabled;
	char segment[CFG_NAME_MAX]; /* Masakari segment; "" = the cluster name */
	int create_segment;	    /* create it if missing, keep its recovery method */
	char recovery_method[16];
	char aggregate[CFG_NAME_MAX]; /* Nova aggregate or availability zone; "" = none */
	uint32_t interval_ms;	      /* between rounds */
	uint32_t grace_ms;	      /* on the way out this long before removed */
	uint32_t max_actions;	      /* per round */
};

struct vigil_config {
	/* identity */
	char node_name[CFG_NAME_MAX]; /* this host, as the cluster knows it */
	uint32_t node_id;	      /* 0 = derived from node_name */
	char cluster[CFG_NAME_MAX];   /* availability zone / cluster name */
	/* network */
	char interface[32]; /* cluster interface (XDP attaches here) */
	char bind_addr[64]; /* address probes are sent from */
	uint32_t port;	    /* UDP port of probes and gossip */
	/* security */
	uint8_t key[VIGIL_KEY_LEN]; /* primary cluster key (signs) */
	int has_key;
	uint8_t key_next[VIGIL_KEY_LEN]; /* secondary key, accepted (rotation) */
	int has_key_next;
	/* the keys from files or systemd credentials instead (read at load) */
	char key_file[CFG_PATH_MAX], key_credential[64];
	char key_next_file[CFG_PATH_MAX], key_next_credential[64];
	/* XDP */
	char bpffs[CFG_PATH_MAX]; /* bpffs directory; pins go to <bpffs>/<cluster> */
	int xdp_mode;		  /* enum xdp_mode */
	uint32_t rate_limit_pps;  /* ACKs per second per source address */
	uint32_t rate_limit_burst;
	uint32_t ack_max_age_ms; /* older echoed send times are refused */
	/* logging */
	int log_level; /* enum log_level */
	/* agent */
	int role;		     /* enum vigil_role */
	char join[CFG_JOIN_MAX][64]; /* addresses of members to join through */
	int njoin;
	char data_dir[CFG_PATH_MAX];	   /* state the agent keeps across restarts */
	char api_addr[64];		   /* HTTP API listen address */
	char metrics_addr[64];		   /* second listener, /metrics only; "" = none */
	int metrics_per_peer;		   /* per-peer series on /metrics (about 31 each) */
	char api_token_file[CFG_PATH_MAX]; /* the API's token; "" = <data_dir>/api-token */
	int allow_public_bind;		   /* permit public/wildcard listen addresses */
	int leave_on_terminate;		   /* SIGTERM/SIGINT leave, not just stop */
	uint32_t sched_priority;	   /* SCHED_FIFO priority of the loop; 0 = normal */
	uint32_t heartbeat_interval_ms;	   /* agent heartbeat counter period */
	uint32_t pushpull_interval_ms;	   /* anti-entropy period; 0 = off */
	struct memb_config memb;	   /* SWIM timing and fan-out */
	/* consensus and recovery */
	char hypervisor_hostname[CFG_NAME_MAX]; /* as Nova/Masakari know it; default node_name */
	struct raft_config raft;
	struct verdict_config verdict;
	struct mk_config masakari;	   /* where and how to notify */
	struct fence_config fencing;	   /* how a failed host is powered off before (fence.h) */
	struct reconcile_config reconcile; /* the zone's segment and aggregate kept in sync */
	/* isolation: response, hardware watchdog, storage heartbeat (isolation.h) */
	struct isolation_config isolation;

	/* derived by config_finish() */
	uint32_t cluster_id;
	char pin_dir[CFG_PATH_MAX + CFG_NAME_MAX];
};

/* Defaults for every key. */
void config_defaults(struct vigil_config *c);
/* Load and validate a file over the defaults. On error returns -1 with a
 * message naming the file, line, key and allowed range in err. */
int config_load_file(struct vigil_config *c, const char *path, char *err, size_t errsz);
/* Same, from a string (name is used in messages). */
int config_load_string(struct vigil_config *c, const char *text, const char *name, char *err,
		       size_t errsz);
/* Set one key from its text (JSON scalar, or a bare string), checked as a
 * file's would be; no cross-key checks. 0, or -1 with the reason in err. */
int config_set(struct vigil_config *c, const char *key, const char *value, char *err, size_t errsz);
/* 0 if the configuration allows listening on sa (private, or allow_public_bind);
 * else -1 with a message naming key and how to allow it. */
struct sockaddr;
int config_check_bind(const struct vigil_config *c, const char *key, const struct sockaddr *sa,
		      char *err, size_t errsz);
/* The keys whose values differ between the running configuration and the
 * next one but that SIGHUP does not apply (only a restart does), as
 * "a, b, c" in out; returns how many. */
int config_restart_keys(const struct vigil_config *running, const struct vigil_config *next,
			char *out, size_t size);
/* Print the directive table as a reference (used for docs and `vigil config`). */
void config_print_reference(FILE *out);
/* config_defaults + config_load_file (path NULL: the default), errors
 * logged, log level applied: what every command does first. 0 or -1. */
int config_load(struct vigil_config *c, const char *path);
/* What the agent and `vigil xdp attach` need beyond a valid file, without
 * touching the system: a key and an interface. 0, or -1 with the reason in
 * err. (The agent checks the interface exists.) */
int config_check_agent(const struct vigil_config *c, const char *name, char *err, size_t errsz);
/* Warn (log) about what the agent runs with but should not: secrets in a
 * file others can read (path: the file c came from), a password sent over
 * http://, wait_period_ms 0, a heartbeat slower than agent_stall_ms, a
 * single server. Returns how many warnings. */
int config_warn(const struct vigil_config *c, const char *path);
/* Where the API token is: api_token_file, else <data_dir>/api-token. */
void config_api_token_path(const struct vigil_config *c, char *out, size_t size);
/* The keyring the configuration describes (slot 0 signs). */
struct vigil_keyring;
void config_keyring(const struct vigil_config *c, struct vigil_keyring *kr);

#endif /* VIGIL_CONFIG_H */
