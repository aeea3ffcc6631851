/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * both.h - the prelude of a bpf/ header compiled into the XDP program and
 * into userspace alike (rtt.h, ratelimit.h, replay.h): kernel types from
 * vmlinux.h in BPF, from <linux/types.h> elsewhere, and __always_inline.
 */
#ifndef VIGIL_BPF_BOTH_H
#define VIGIL_BPF_BOTH_H

#ifdef __bpf__
#include "vmlinux.h"
#else
#include <linux/types.h>
#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif
#endif

#endif /* VIGIL_BPF_BOTH_H */
