// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * fuzz_config.c - configuration parsing (userspace/core/config.c):
 * config_load_string on any text, and config_set on any key and value (what
 * `vigil config -set` and the reload path take).
 *
 * Input: a control byte, then text. ctl & 1: "KEY=VALUE" for config_set;
 * else the configuration file. Checked: a refusal says why; an accepted
 * configuration holds what config_finish promises (strings terminated,
 * counts within their arrays, ids derived, cross-key rules kept).
 */
#include "fuzz.h"

static void check_loaded(const struct vigil_config *c)
{
	FZ_CHECK(memchr(c->node_name, 0, sizeof(c->node_name)) && c->node_name[0] &&
			 strlen(c->node_name) < VIGIL_NAME_LEN,
		 "node_name");
	FZ_CHECK(memchr(c->cluster, 0, sizeof(c->cluster)) && c->cluster[0] &&
			 !strchr(c->cluster, '/'),
		 "cluster");
	FZ_CHECK(c->njoin >= 0 && c->njoin <= CFG_JOIN_MAX, "njoin %d", c->njoin);
	FZ_CHECK(c->raft.nservers >= 0 && c->raft.nservers <= CFG_JOIN_MAX, "nservers %d",
		 c->raft.nservers);
	for (int i = 0; i < c->njoin; i++)
		FZ_CHECK(memchr(c->join[i], 0, sizeof(c->join[i])), "join[%d]", i);
	for (int i = 0; i < c->raft.nservers; i++)
		FZ_CHECK(strchr(c->raft.servers[i], '@'), "servers[%d]", i);
	FZ_CHECK(c->has_key || !c->has_key_next, "key_next without key");
	FZ_CHECK(c->memb.suspicion_min_ms <= c->memb.suspicion_max_ms, "suspicion range");
	FZ_CHECK(c->masakari.retry_min_ms <= c->masakari.retry_max_ms, "retry range");
	FZ_CHECK(c->hypervisor_hostname[0], "hypervisor_hostname empty");
	FZ_CHECK(c->node_id, "node_id 0");
	FZ_CHECK(c->cluster_id == wire_name_id(c->cluster), "cluster_id");
	FZ_CHECK(memchr(c->pin_dir, 0, sizeof(c->pin_dir)), "pin_dir");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vigil_config c;
	struct vigil_keyring kr;
	char err[512], *text, *eq;
	int rc;

	if (size < 1)
		return 0;
	text = malloc(size);
	if (!text)
		return 0;
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	config_defaults(&c);
	err[0] = '\0';
	if ((data[0] & 1) && (eq = strchr(text, '='))) {
		*eq = '\0';
		rc = config_set(&c, text, eq + 1, err, sizeof(err));
	} else {
		rc = config_load_string(&c, text, "fuzz.json", err, sizeof(err));
		if (!rc)
			check_loaded(&c);
	}
	FZ_CHECK(rc == 0 || rc == -1, "rc %d", rc);
	FZ_CHECK(!rc || (memchr(err, 0, sizeof(err)) && err[0]), "refused without a reason");
	config_keyring(&c, &kr);
	FZ_CHECK(kr.slot[0].valid == c.has_key && kr.slot[1].valid == c.has_key_next, "keyring");
	free(text);
	return 0;
}
