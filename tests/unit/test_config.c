// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_config.c - config_load_string(): defaults, a full valid file, every
 * kind of error message (file:line, key, allowed range or values), and the
 * fields config_finish() derives.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "loader.h"
#include "log.h"
#include "wire.h"

/* base64 of bytes 00..0f and 10..1f */
#define KEY_A "AAECAwQFBgcICQoLDA0ODw=="
#define KEY_B "EBESExQVFhcYGRobHB0eHw=="

static struct vigil_config cfg;
static char err[512];

/* Defaults, then text over them, as the agent and the CLI do. */
static int load(const char *text)
{
	config_defaults(&cfg);
	err[0] = '\0';
	return config_load_string(&cfg, text, "test.json", err, sizeof(err));
}

static void load_ok(const char *text)
{
	if (load(text))
		fail_msg("config_load_string failed: %s", err);
}

/* Loading must fail with a message containing every one of the strings. */
#define load_fails(text, ...) load_fails_(text, (const char *[]){__VA_ARGS__, NULL})

static void load_fails_(const char *text, const char **want)
{
	if (!load(text))
		fail_msg("config_load_string accepted:\n%s", text);
	for (; *want; want++)
		if (!strstr(err, *want))
			fail_msg("error \"%s\" does not contain \"%s\"", err, *want);
}

static void test_defaults(void **state)
{
	char host[CFG_NAME_MAX] = "";

	load_ok("{}");
	/* identity: node_name is the host name, ids derived */
	assert_int_equal(gethostname(host, sizeof(host) - 1), 0);
	assert_string_equal(cfg.node_name, host);
	assert_int_equal(cfg.node_id, wire_name_id(host));
	assert_string_equal(cfg.cluster, "default");
	assert_int_equal(cfg.cluster_id, wire_name_id("default"));
	assert_string_equal(cfg.hypervisor_hostname, host);
	/* network */
	assert_string_equal(cfg.interface, "");
	assert_string_equal(cfg.bind_addr, "");
	assert_int_equal(cfg.port, VIGIL_DEFAULT_PORT);
	/* security: no key unless configured */
	assert_int_equal(cfg.has_key, 0);
	assert_int_equal(cfg.has_key_next, 0);
	/* XDP */
	assert_string_equal(cfg.bpffs, "/sys/fs/bpf/vigil");
	assert_string_equal(cfg.pin_dir, "/sys/fs/bpf/vigil/default");
	assert_int_equal(cfg.xdp_mode, XDP_MODE_AUTO);
	assert_int_equal(cfg.rate_limit_pps, 100);
	assert_int_equal(cfg.rate_limit_burst, 200);
	assert_int_equal(cfg.ack_max_age_ms, 10000);
	assert_int_equal(cfg.log_level, LOG_LVL_INFO);
	/* agent */
	assert_int_equal(cfg.role, 0);
	assert_int_equal(cfg.njoin, 0);
	assert_string_equal(cfg.data_dir, "/var/lib/vigil");
	assert_string_equal(cfg.api_addr, "127.0.0.1:7500");
	assert_string_equal(cfg.metrics_addr, "");
	assert_int_equal(cfg.metrics_per_peer, 0);
	assert_int_equal(cfg.allow_public_bind, 0);
	assert_int_equal(cfg.sched_priority, 50);
	assert_int_equal(cfg.leave_on_terminate, 0);
	assert_int_equal(cfg.heartbeat_interval_ms, 100);
	assert_int_equal(cfg.pushpull_interval_ms, 30000);
	assert_int_equal(cfg.memb.probe_interval_ms, 100);
	assert_int_equal(cfg.memb.probes_per_interval, 3);
	assert_int_equal(cfg.memb.probe_timeout_ms, 40);
	assert_int_equal(cfg.memb.indirect_timeout_ms, 60);
	assert_int_equal(cfg.memb.indirect_probes, 3);
	assert_int_equal(cfg.memb.suspicion_min_ms, 200);
	assert_int_equal(cfg.memb.suspicion_max_ms, 3000);
	assert_int_equal(cfg.memb.suspicion_confirm, 3);
	assert_int_equal(cfg.memb.gossip_interval_ms, 50);
	assert_int_equal(cfg.memb.gossip_fanout, 3);
	assert_int_equal(cfg.memb.retransmit_mult, 4);
	assert_int_equal(cfg.memb.agent_stall_ms, 2000);
	assert_int_equal(cfg.memb.dead_probe_interval_ms, 1000);
	/* consensus and recovery */
	assert_int_equal(cfg.raft.nservers, 0);
	assert_int_equal(cfg.raft.port, 7300);
	assert_int_equal(cfg.raft.election_timeout_ms, 300);
	assert_int_equal(cfg.verdict.wait_period_ms, 30000);
	assert_int_equal(cfg.verdict.min_healthy_hosts, 3);
	assert_int_equal(cfg.verdict.report_interval_ms, 500);
	assert_string_equal(cfg.masakari.url, "");
	assert_string_equal(cfg.masakari.auth_url, "");
	assert_string_equal(cfg.masakari.username, "masakari");
	assert_string_equal(cfg.masakari.password, "");
	assert_string_equal(cfg.masakari.project_name, "service");
	assert_string_equal(cfg.masakari.user_domain_name, "Default");
	assert_string_equal(cfg.masakari.project_domain_name, "Default");
	assert_string_equal(cfg.masakari.region_name, "");
	assert_string_equal(cfg.masakari.interface, "internal");
	assert_int_equal(cfg.masakari.timeout_ms, 5000);
	assert_int_equal(cfg.masakari.retry_min_ms, 500);
	assert_int_equal(cfg.masakari.retry_max_ms, 30000);
}

static const char full_config[] =
	"{\n"
	"  \"node_name\": \"hv-01\",\n"
	"  \"cluster\": \"az1\",\n"
	"  \"interface\": \"eth1\",\n"
	"  \"bind_addr\": \"10.0.0.1\",\n"
	"  \"port\": 7400,\n"
	"  \"key\": \"" KEY_A "\",\n"
	"  \"key_next\": \"" KEY_B "\",\n"
	"  \"bpffs\": \"/run/bpf\",\n"
	"  \"xdp_mode\": \"generic\",\n"
	"  \"rate_limit_pps\": 50,\n"
	"  \"rate_limit_burst\": 60,\n"
	"  \"ack_max_age_ms\": 5000,\n"
	"  \"log_level\": \"debug\",\n"
	"  \"role\": \"server\",\n"
	"  \"join\": [\"10.0.0.2\", \"10.0.0.3:7400\", \"[fd00::4]:7400\"],\n"
	"  \"data_dir\": \"/tmp/vigil\",\n"
	"  \"api_addr\": \"0.0.0.0:8500\",\n"
	"  \"metrics_addr\": \"10.0.0.1:9100\",\n"
	"  \"metrics_per_peer\": true,\n"
	"  \"allow_public_bind\": true,\n"
	"  \"heartbeat_interval_ms\": 20,\n"
	"  \"pushpull_interval_ms\": 0,\n"
	"  \"probe_interval_ms\": 200,\n"
	"  \"probes_per_interval\": 2,\n"
	"  \"probe_timeout_ms\": 90,\n"
	"  \"indirect_timeout_ms\": 150,\n"
	"  \"indirect_probes\": 0,\n"
	"  \"suspicion_min_ms\": 400,\n"
	"  \"suspicion_max_ms\": 4000,\n"
	"  \"suspicion_confirm\": 2,\n"
	"  \"gossip_interval_ms\": 40,\n"
	"  \"gossip_fanout\": 4,\n"
	"  \"retransmit_mult\": 5,\n"
	"  \"agent_stall_ms\": 3000,\n"
	"  \"dead_probe_interval_ms\": 2000,\n"
	"  \"hypervisor_hostname\": \"compute-01.example\",\n"
	"  \"servers\": [\"hv-01@10.0.0.1\", \"hv-02@10.0.0.2:7300\",\n"
	"              \"hv-03@[fd00::3]:7300\"],\n"
	"  \"raft_port\": 7399,\n"
	"  \"raft_election_timeout_ms\": 2000,\n"
	"  \"wait_period_ms\": 60000,\n"
	"  \"min_healthy_hosts\": 0,\n"
	"  \"report_interval_ms\": 250,\n"
	"  \"masakari\": {\n"
	"    \"url\": \"\",\n"
	"    \"auth_url\": \"http://keystone:5000/v3\",\n"
	"    \"username\": \"vigil\",\n"
	"    \"password\": \"s3cret\",\n"
	"    \"project_name\": \"admin\",\n"
	"    \"user_domain_name\": \"Users\",\n"
	"    \"project_domain_name\": \"Projects\",\n"
	"    \"region_name\": \"RegionTwo\",\n"
	"    \"interface\": \"public\",\n"
	"    \"timeout_ms\": 3000,\n"
	"    \"retry_min_ms\": 100,\n"
	"    \"retry_max_ms\": 9000\n"
	"  }\n"
	"}\n";

static void test_full_config(void **state)
{
	static const uint8_t key_a[VIGIL_KEY_LEN] = {0, 1, 2,  3,  4,  5,  6,  7,
						     8, 9, 10, 11, 12, 13, 14, 15};
	uint8_t key_b[VIGIL_KEY_LEN];

	for (int i = 0; i < VIGIL_KEY_LEN; i++)
		key_b[i] = (uint8_t)(16 + i);
	load_ok(full_config);
	assert_string_equal(cfg.node_name, "hv-01");
	assert_string_equal(cfg.cluster, "az1");
	assert_string_equal(cfg.interface, "eth1");
	assert_string_equal(cfg.bind_addr, "10.0.0.1");
	assert_int_equal(cfg.port, 7400);
	assert_int_equal(cfg.has_key, 1);
	assert_memory_equal(cfg.key, key_a, VIGIL_KEY_LEN);
	assert_int_equal(cfg.has_key_next, 1);
	assert_memory_equal(cfg.key_next, key_b, VIGIL_KEY_LEN);
	assert_string_equal(cfg.bpffs, "/run/bpf");
	assert_int_equal(cfg.xdp_mode, XDP_MODE_GENERIC);
	assert_int_equal(cfg.rate_limit_pps, 50);
	assert_int_equal(cfg.rate_limit_burst, 60);
	assert_int_equal(cfg.ack_max_age_ms, 5000);
	assert_int_equal(cfg.log_level, LOG_LVL_DEBUG);
	assert_int_equal(cfg.role, 1);
	assert_int_equal(cfg.njoin, 3);
	assert_string_equal(cfg.join[0], "10.0.0.2");
	assert_string_equal(cfg.join[1], "10.0.0.3:7400");
	assert_string_equal(cfg.join[2], "[fd00::4]:7400");
	assert_string_equal(cfg.data_dir, "/tmp/vigil");
	assert_string_equal(cfg.api_addr, "0.0.0.0:8500");
	assert_string_equal(cfg.metrics_addr, "10.0.0.1:9100");
	assert_int_equal(cfg.metrics_per_peer, 1);
	assert_int_equal(cfg.allow_public_bind, 1);
	assert_int_equal(cfg.heartbeat_interval_ms, 20);
	assert_int_equal(cfg.pushpull_interval_ms, 0);
	assert_int_equal(cfg.memb.probe_interval_ms, 200);
	assert_int_equal(cfg.memb.probes_per_interval, 2);
	assert_int_equal(cfg.memb.probe_timeout_ms, 90);
	assert_int_equal(cfg.memb.indirect_timeout_ms, 150);
	assert_int_equal(cfg.memb.indirect_probes, 0);
	assert_int_equal(cfg.memb.suspicion_min_ms, 400);
	assert_int_equal(cfg.memb.suspicion_max_ms, 4000);
	assert_int_equal(cfg.memb.suspicion_confirm, 2);
	assert_int_equal(cfg.memb.gossip_interval_ms, 40);
	assert_int_equal(cfg.memb.gossip_fanout, 4);
	assert_int_equal(cfg.memb.retransmit_mult, 5);
	assert_int_equal(cfg.memb.agent_stall_ms, 3000);
	assert_int_equal(cfg.memb.dead_probe_interval_ms, 2000);
	assert_string_equal(cfg.hypervisor_hostname, "compute-01.example");
	assert_int_equal(cfg.raft.nservers, 3);
	assert_string_equal(cfg.raft.servers[0], "hv-01@10.0.0.1");
	assert_string_equal(cfg.raft.servers[2], "hv-03@[fd00::3]:7300");
	assert_int_equal(cfg.raft.port, 7399);
	assert_int_equal(cfg.raft.election_timeout_ms, 2000);
	assert_int_equal(cfg.verdict.wait_period_ms, 60000);
	assert_int_equal(cfg.verdict.min_healthy_hosts, 0);
	assert_int_equal(cfg.verdict.report_interval_ms, 250);
	assert_string_equal(cfg.masakari.url, "");
	assert_string_equal(cfg.masakari.auth_url, "http://keystone:5000/v3");
	assert_string_equal(cfg.masakari.username, "vigil");
	assert_string_equal(cfg.masakari.password, "s3cret");
	assert_string_equal(cfg.masakari.project_name, "admin");
	assert_string_equal(cfg.masakari.user_domain_name, "Users");
	assert_string_equal(cfg.masakari.project_domain_name, "Projects");
	assert_string_equal(cfg.masakari.region_name, "RegionTwo");
	assert_string_equal(cfg.masakari.interface, "public");
	assert_int_equal(cfg.masakari.timeout_ms, 3000);
	assert_int_equal(cfg.masakari.retry_min_ms, 100);
	assert_int_equal(cfg.masakari.retry_max_ms, 9000);
	/* derived */
	assert_int_equal(cfg.node_id, wire_name_id("hv-01"));
	assert_int_equal(cfg.cluster_id, wire_name_id("az1"));
	assert_string_equal(cfg.pin_dir, "/run/bpf/az1");
}

/* Keys not given keep their defaults; given ones override. */
static void test_partial_keeps_defaults(void **state)
{
	load_ok("{ \"port\": 9000, \"masakari\": { \"username\": \"u\" } }");
	assert_int_equal(cfg.port, 9000);
	assert_int_equal(cfg.raft.port, 7300);
	assert_string_equal(cfg.masakari.username, "u");
	assert_string_equal(cfg.masakari.project_name, "service");
	assert_int_equal(cfg.memb.max_local_health, 8); /* not a directive: memb default */
}

static void test_unknown_key(void **state)
{
	load_fails("{\n  \"port\": 7301,\n  \"prot\": 7302\n}", "test.json:3:", "\"prot\"",
		   "unknown key");
	/* in a section: the full dotted name, the line inside the section */
	load_fails("{\n  \"port\": 7301,\n  \"masakari\": {\n    \"user\": \"x\"\n  }\n}",
		   "test.json:4:", "unknown key \"masakari.user\"");
	/* a section given as something else than an object */
	load_fails("{\n  \"masakari\": \"http://x\"\n}",
		   "test.json:2:", "\"masakari\" must be an object");
}

static void test_wrong_type(void **state)
{
	load_fails("{\n  \"port\": \"7301\"\n}", "test.json:2:", "\"port\" must be an integer",
		   "[1, 65535]");
	load_fails("{\n\n  \"port\": 7301.5\n}", "test.json:3:", "\"port\" must be an integer");
	load_fails("{\n  \"port\": true\n}", "test.json:2:", "\"port\" must be an integer");
	load_fails("{\n  \"cluster\": 5\n}", "test.json:2:", "\"cluster\" must be a string");
	load_fails("{\n  \"key\": 5\n}", "test.json:2:", "\"key\" must be a base64 string");
	load_fails("{\n  \"join\": \"10.0.0.1\"\n}", "test.json:2:", "\"join\" must be an array");
	load_fails("{\n  \"join\": [1]\n}", "test.json:2:", "\"join\"[0] must be a string");
	load_fails("{\n  \"role\": 1\n}",
		   "test.json:2:", "\"role\" must be one of: client, server");
	load_fails("[1, 2]", "test.json:", "must be a JSON object");
}

static void test_port_range(void **state)
{
	load_fails("{\n  \"port\": 0\n}", "test.json:2:", "\"port\" = 0 is out of range",
		   "[1, 65535]");
	load_fails("{\n  \"cluster\": \"a\",\n  \"port\": 65536\n}",
		   "test.json:3:", "\"port\" = 65536 is out of range", "[1, 65535]");
	load_fails("{\n  \"port\": -1\n}", "test.json:2:", "[1, 65535]");
	load_fails("{\n  \"port\": 4294967297\n}", "test.json:2:", "[1, 65535]");
	load_fails("{\n  \"raft_port\": 0\n}", "test.json:2:", "\"raft_port\"", "[1, 65535]");
	load_ok("{ \"port\": 1 }");
	assert_int_equal(cfg.port, 1);
	load_ok("{ \"port\": 65535 }");
	assert_int_equal(cfg.port, 65535);
	/* other ranges are named too */
	load_fails("{\n  \"probes_per_interval\": 17\n}", "test.json:2:", "[1, 16]");
	load_fails("{\n  \"masakari\": {\n    \"timeout_ms\": 99\n  }\n}",
		   "test.json:3:", "\"masakari.timeout_ms\" = 99", "[100, 600000]");
}

static void test_bad_key(void **state)
{
	/* not base64 */
	load_fails("{\n  \"cluster\": \"az1\",\n  \"key\": \"not base64!!\"\n}",
		   "test.json:3:", "\"key\" must be base64 of exactly 16 bytes");
	load_fails("{\n  \"key\": \"AAECAwQFBgcICQoLDA0ODw\"\n}",
		   "test.json:2:", "\"key\" must be base64 of exactly 16 bytes");
	load_fails("{\n  \"key\": \"\"\n}", "test.json:2:", "exactly 16 bytes");
	/* valid base64, wrong length: 15, 17, 32 and 70 bytes */
	load_fails("{\n  \"key\": \"AAECAwQFBgcICQoLDA0O\"\n}", "test.json:2:", "exactly 16 bytes");
	load_fails("{\n  \"key\": \"AAECAwQFBgcICQoLDA0ODxA=\"\n}",
		   "test.json:2:", "exactly 16 bytes");
	load_fails("{\n  \"key_next\": \"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\"\n}",
		   "test.json:2:", "\"key_next\" must be base64 of exactly 16 bytes");
	load_fails("{\n  \"key\": \"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKiss"
		   "LS4vMDEyMzQ1Njc4OTo7PD0+P0BBQkNERQ==\"\n}",
		   "test.json:2:", "exactly 16 bytes");
	/* a good key alone */
	load_ok("{ \"key\": \"" KEY_A "\" }");
	assert_int_equal(cfg.has_key, 1);
	assert_int_equal(cfg.has_key_next, 0);
	assert_int_equal(cfg.key[15], 15);
}

static void test_key_next_without_key(void **state)
{
	load_fails("{\n  \"cluster\": \"az1\",\n  \"key_next\": \"" KEY_B "\"\n}",
		   "test.json:3:", "\"key_next\" needs \"key\"");
}

/* A key any reader of the code knows, or the same key twice, protects nothing. */
static void test_weak_keys(void **state)
{
	load_fails("{\n  \"key\": \"AAAAAAAAAAAAAAAAAAAAAA==\"\n}",
		   "test.json:2:", "\"key\" is all zeros");
	load_fails("{ \"key\": \"" KEY_A "\",\n  \"key_next\": \"AAAAAAAAAAAAAAAAAAAAAA==\"\n}",
		   "test.json:2:", "\"key_next\" is all zeros");
	load_fails("{ \"key\": \"" KEY_A "\",\n  \"key_next\": \"" KEY_A "\"\n}",
		   "test.json:2:", "\"key_next\" is the same as \"key\"");
	load_ok("{ \"key\": \"" KEY_A "\", \"key_next\": \"" KEY_B "\" }");
}

/* The servers list: odd, distinct names, ids and addresses; not empty on a server. */
static void test_servers_list(void **state)
{
	load_fails("{\n  \"role\": \"server\"\n}",
		   "test.json:2:", "\"role\" is server but \"servers\" is empty");
	load_fails("{\n  \"servers\": [\"a@10.0.0.1\", \"b@10.0.0.2\"]\n}",
		   "test.json:2:", "\"servers\" lists 2 servers: use an odd number");
	load_fails(
		"{ \"servers\": [\"a@10.0.0.1\", \"b@10.0.0.2\", \"c@10.0.0.3\", \"d@10.0.0.4\"] }",
		"lists 4 servers");
	load_fails("{ \"servers\": [\"a@10.0.0.1\", \"b@10.0.0.2\", \"a@10.0.0.3\"] }",
		   "\"servers\"[0] and [2] both name \"a\"");
	/* the port does not make another host: Raft uses raft_port */
	load_fails("{ \"servers\": [\"a@10.0.0.1\", \"b@10.0.0.2:7300\", \"c@10.0.0.2:7400\"] }",
		   "\"servers\"[1] and [2] have the same address 10.0.0.2");
	load_fails("{ \"servers\": [\"a@[fd00::1]\", \"b@10.0.0.2\", \"c@[fd00::1]:7300\"] }",
		   "\"servers\"[0] and [2] have the same address fd00::1");
	load_ok("{ \"role\": \"server\", \"node_name\": \"a\", \"servers\": [\"a@10.0.0.1\"] }");
	load_ok("{ \"servers\": [\"a@10.0.0.1\", \"b@10.0.0.2\", \"c@[fd00::1]\", \"d@[fd00::2]\", "
		"\"e@10.0.0.5\"] }");
	assert_int_equal(cfg.raft.nservers, 5);
}

/* What the agent needs beyond a valid file; what it warns about. */
static void test_check_agent(void **state)
{
	load_ok("{ \"interface\": \"eth0\" }");
	assert_int_equal(config_check_agent(&cfg, "f.json", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "f.json: no \"key\""));
	load_ok("{ \"key\": \"" KEY_A "\" }");
	assert_int_equal(config_check_agent(&cfg, "f.json", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "f.json: no \"interface\""));
	load_ok("{ \"key\": \"" KEY_A "\", \"interface\": \"eth0\" }");
	assert_int_equal(config_check_agent(&cfg, "f.json", err, sizeof(err)), 0);
	log_set_level(LOG_LVL_ERR); /* quiet: only the counts are checked */
	assert_int_equal(config_warn(&cfg, "f.json"), 0);
	load_ok("{ \"wait_period_ms\": 0, \"servers\": [\"a@10.0.0.1\"] }");
	log_set_level(LOG_LVL_ERR);
	assert_int_equal(config_warn(&cfg, "f.json"), 2);
	/* an isolation response that would come after the verdict */
	load_ok("{ \"isolation_timeout_ms\": 30000, \"isolation_response\": \"virsh-destroy\" }");
	log_set_level(LOG_LVL_ERR);
	assert_int_equal(config_warn(&cfg, "f.json"), 1);
	load_ok("{ \"isolation_timeout_ms\": 29999, \"isolation_response\": \"virsh-destroy\" }");
	log_set_level(LOG_LVL_ERR);
	assert_int_equal(config_warn(&cfg, "f.json"), 0);
	load_ok("{ \"isolation_timeout_ms\": 30000 }"); /* response none: nothing to be late */
	log_set_level(LOG_LVL_ERR);
	assert_int_equal(config_warn(&cfg, "f.json"), 0);
}

static void test_bad_enum(void **state)
{
	load_fails("{\n  \"xdp_mode\": \"offload\"\n}", "test.json:2:", "\"xdp_mode\"",
		   "auto, native, generic");
	load_fails("{\n  \"xdp_mode\": \"\"\n}", "auto, native, generic");
	load_fails("{\n  \"log_level\": \"verbose\"\n}",
		   "test.json:2:", "error, warn, info, debug");
	/* a string of listed values */
	load_fails("{\n  \"masakari\": {\n    \"interface\": \"intern\"\n  }\n}", "test.json:3:",
		   "\"masakari.interface\" = \"intern\" must be one of: public, internal, admin");
	load_fails("{ \"masakari\": { \"interface\": \"\" } }", "public, internal, admin");
	load_ok("{ \"masakari\": { \"interface\": \"admin\" } }");
	assert_string_equal(cfg.masakari.interface, "admin");
	load_ok("{ \"xdp_mode\": \"native\", \"log_level\": \"warn\" }");
	assert_int_equal(cfg.xdp_mode, XDP_MODE_NATIVE);
	assert_int_equal(cfg.log_level, LOG_LVL_WARN);
}

static void test_invalid_json(void **state)
{
	const char *p;
	int line = 0, col = -1, used = 0;

	/* file:line:column: jansson's message */
	assert_int_not_equal(load("{\n  \"port\": 7301,\n  oops\n}"), 0);
	assert_non_null(p = strstr(err, "test.json:"));
	assert_int_equal(sscanf(p, "test.json:%d:%d:%n", &line, &col, &used), 2);
	assert_true(used > 0);
	assert_int_equal(line, 3);
	assert_true(col > 0);

	load_fails("{\n  \"port\": 7301\n  \"cluster\": \"a\"\n}", "test.json:3:");
	load_fails("{\n  \"port\": 7301,\n}", "test.json:3:");
	/* duplicate keys are an error, not "last one wins" */
	load_fails("{\n  \"port\": 7301,\n  \"port\": 7302\n}", "test.json:3:", "duplicate");
	load_fails("", "test.json:1:");
}

static void test_derived(void **state)
{
	load_ok("{ \"node_name\": \"node-a\", \"cluster\": \"az1\", \"bpffs\": \"/sys/fs/bpf/x\" }");
	assert_int_equal(cfg.node_id, wire_name_id("node-a"));
	assert_int_not_equal(cfg.node_id, 0);
	assert_int_equal(cfg.cluster_id, wire_name_id("az1"));
	assert_string_equal(cfg.pin_dir, "/sys/fs/bpf/x/az1");
	assert_string_equal(cfg.hypervisor_hostname, "node-a");

	/* explicit node_id kept; hypervisor_hostname kept */
	load_ok("{ \"node_name\": \"node-a\", \"node_id\": 42, "
		"\"hypervisor_hostname\": \"compute-7\" }");
	assert_int_equal(cfg.node_id, 42);
	assert_int_equal(cfg.cluster_id, wire_name_id("default"));
	assert_string_equal(cfg.hypervisor_hostname, "compute-7");
	load_ok("{ \"node_id\": 4294967295 }");
	assert_int_equal(cfg.node_id, 0xffffffffU);
	load_fails("{\n  \"node_id\": 4294967296\n}", "test.json:2:", "[0, 4294967295]");
}

static void test_cross_checks(void **state)
{
	load_fails("{\n  \"node_name\": \"\"\n}",
		   "test.json:2:", "\"node_name\" must not be empty");
	load_fails("{\n  \"cluster\": \"a/b\"\n}", "test.json:2:", "\"cluster\"");
	load_fails("{\n  \"cluster\": \"\"\n}", "test.json:2:", "\"cluster\"");
	load_fails("{\n  \"join\": [\"10.0.0.1\", \"nohost:x\"]\n}",
		   "test.json:2:", "\"join\"[1] = \"nohost:x\"");
	load_fails("{\n  \"servers\": [\"10.0.0.1\"]\n}", "test.json:2:", "NAME@ADDR");
	load_fails("{\n  \"servers\": [\"@10.0.0.1\"]\n}", "test.json:2:", "NAME@ADDR");
	load_fails("{\n  \"suspicion_min_ms\": 5000\n}",
		   "test.json:2:", "\"suspicion_min_ms\" must not exceed");
	load_fails("{\n  \"masakari\": {\n    \"retry_min_ms\": 60000\n  }\n}",
		   "test.json:3:", "\"masakari.retry_min_ms\" must not exceed");
}

/* Listen addresses beyond loopback and private ranges are refused, naming the
 * key, the line and the way to allow them. */
static void test_public_bind(void **state)
{
	static const char *const keys[] = {"bind_addr", "api_addr", "metrics_addr"};
	static const char *const public[] = {"0.0.0.0", "8.8.8.8:7500", "[::]:7500",
					     "[2001:db8::1]:9100", "172.32.0.1"};
	static const char *const private[] = {"127.0.0.1:7500", "10.1.2.3",	  "172.16.0.1:1",
					      "192.168.0.1",	"100.64.0.1",	  "169.254.0.1",
					      "[::1]:7500",	"[fd12::1]:9100", "[fe80::1]"};
	char text[256];

	for (size_t k = 0; k < 3; k++) {
		for (size_t i = 0; i < sizeof(public) / sizeof(public[0]); i++) {
			snprintf(text, sizeof(text), "{\n  \"port\": 7301,\n  \"%s\": \"%s\"\n}",
				 keys[k], public[i]);
			load_fails(text, "test.json:3:", keys[k], "public or wildcard",
				   "\"allow_public_bind\": true");
			snprintf(text, sizeof(text),
				 "{ \"%s\": \"%s\", \"allow_public_bind\": true }", keys[k],
				 public[i]);
			load_ok(text);
		}
		for (size_t i = 0; i < sizeof(private) / sizeof(private[0]); i++) {
			snprintf(text, sizeof(text), "{ \"%s\": \"%s\" }", keys[k], private[i]);
			load_ok(text);
		}
		snprintf(text, sizeof(text), "{\n  \"%s\": \"not-an-address\"\n}", keys[k]);
		load_fails(text, "test.json:2:", keys[k], "is not ADDR or ADDR:PORT");
	}
	load_fails("{ \"allow_public_bind\": 1 }", "\"allow_public_bind\" must be true or false");
	load_fails("{ \"api_addr\": \"\" }", "\"api_addr\"");
}

/* A section key that shares its name with a top-level key ("interface") is
 * reported on its own line, whichever comes first in the file. */
static void test_error_line_in_section(void **state)
{
	load_fails("{\n"
		   "  \"interface\": \"eth0\",\n"
		   "  \"masakari\": {\n"
		   "    \"url\": \"http://m/v1\",\n"
		   "    \"interface\": 5\n"
		   "  }\n"
		   "}\n",
		   "test.json:5:", "\"masakari.interface\" must be a string");
	load_fails("{\n"
		   "  \"masakari\": { \"interface\": \"public\" },\n"
		   "  \"interface\": 5\n"
		   "}\n",
		   "test.json:3:", "\"interface\" must be a string");
	/* a key name inside a string value is not the key */
	load_fails("{\n"
		   "  \"data_dir\": \"\\\"port\\\": here\",\n"
		   "  \"port\": 0\n"
		   "}\n",
		   "test.json:3:", "\"port\" = 0");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_full_config),
		cmocka_unit_test(test_partial_keeps_defaults),
		cmocka_unit_test(test_unknown_key),
		cmocka_unit_test(test_wrong_type),
		cmocka_unit_test(test_port_range),
		cmocka_unit_test(test_bad_key),
		cmocka_unit_test(test_key_next_without_key),
		cmocka_unit_test(test_weak_keys),
		cmocka_unit_test(test_servers_list),
		cmocka_unit_test(test_check_agent),
		cmocka_unit_test(test_bad_enum),
		cmocka_unit_test(test_invalid_json),
		cmocka_unit_test(test_derived),
		cmocka_unit_test(test_cross_checks),
		cmocka_unit_test(test_error_line_in_section),
		cmocka_unit_test(test_public_bind),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
