/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* agent.h - `vigil agent`: the daemon that runs on every hypervisor. */
#ifndef VIGIL_AGENT_H
#define VIGIL_AGENT_H

#include "cmdline.h"

extern const struct cmd cmd_agent;

#endif /* VIGIL_AGENT_H */
