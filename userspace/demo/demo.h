/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* demo.h - `vigil demo`: a local cluster in namespaces, one host crashed, the timeline. */
#ifndef VIGIL_DEMO_H
#define VIGIL_DEMO_H

#include "cmdline.h"

extern const struct cmd cmd_demo;

#endif /* VIGIL_DEMO_H */
