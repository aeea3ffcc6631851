// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* xdp_pass.bpf.c - passes every frame. Test harnesses attach it to the switch
 * side of each veth: a veth delivers XDP_TX frames only to a peer that has an
 * XDP program of its own. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

SEC("xdp")
int xdp_pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
