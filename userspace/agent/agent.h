/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* agent.h - `vigil agent`: the daemon that runs on every hypervisor. */
#ifndef VIGIL_AGENT_H
#define VIGIL_AGENT_H

#include "cmdline.h"
#include "config.h"

extern const struct cmd cmd_agent;

/* Would the agent start with this configuration, loaded from path? Beyond
 * the file: a key, an interface that exists on this host with an address
 * (private unless allowed); warnings for what is unsafe in production.
 * 0, or -1 with the reason logged. `vigil agent -config-test` and the
 * start run it. */
int agent_check_config(const struct vigil_config *c, const char *path);

#endif /* VIGIL_AGENT_H */
