/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * replay.h - a captured PING sent again is not answered again: per prober
 * channel, the newest send times that were. Also compiled into bench_xdp's
 * userspace responder, so both sides of that comparison do this same work.
 */
#ifndef VIGIL_BPF_REPLAY_H
#define VIGIL_BPF_REPLAY_H

#include "both.h"
#include "vigil_abi.h"

/* Start the window of p with send_ns: a new channel's first PING, or the
 * first after a quiet period. Returns 1 (0 for send_ns 0, which never passes). */
static __always_inline int replay_init(struct vigil_prober *p, __u64 send_ns, __u64 now)
{
	__u32 i;

	for (i = 0; i < VIGIL_PING_WINDOW; i++)
		p->send_ns[i] = 0;
	p->send_ns[0] = send_ns;
	p->fresh_ns = now;
	return send_ns != 0;
}

/*
 * Does a PING carrying send_ns pass the replay check of prober channel p at
 * now (bpf_ktime_get_ns())? If so it is recorded and 1 returned.
 *
 * send_ns is the prober's CLOCK_MONOTONIC, which only moves forward on its
 * host, across agent restarts and `vigil ping` processes alike. p->send_ns[]
 * holds the VIGIL_PING_WINDOW newest send times that passed. A PING passes if
 * its send time is not among them and is newer than the oldest of them (a
 * PING overtaken by a later one on the way still does); the oldest is then
 * forgotten. A replayed PING is either still in the window or older than all
 * of it.
 *
 * The prober's clock starts again only when its host boots. Once the channel
 * has had no PING pass for quiet_ns, the next PING passes whatever it
 * carries and starts a new window: a rebooted prober is answered at most
 * quiet_ns after its last answer before the reboot (unless its pre-reboot
 * PINGs are replayed at it: docs/protocol.md section 12). A captured PING
 * gets one answer per quiet_ns at most this way, and only while its prober
 * is silent on that channel.
 *
 * send_ns 0 never passes: no prober sends it, and 0 marks an unused slot.
 * Two CPUs checking the same channel at once can both pass a PING, or lose
 * one's slot write; as with the token bucket, that costs at most an extra
 * answer to a duplicate.
 */
static __always_inline int replay_check(struct vigil_prober *p, __u64 send_ns, __u64 now,
					__u64 quiet_ns)
{
	__u64 oldest = 0; /* the oldest send time held; 0 = none */
	__u32 victim = 0; /* the slot a passing PING takes: a free one, else the oldest */
	int seen = 0, free = 0;
	__u32 i;

	if (!send_ns)
		return 0;
	for (i = 0; i < VIGIL_PING_WINDOW; i++) {
		__u64 s = p->send_ns[i];

		if (!s) {
			if (!free)
				victim = i;
			free = 1;
			continue;
		}
		if (s == send_ns)
			seen = 1;
		if (!oldest || s < oldest) {
			oldest = s;
			if (!free)
				victim = i;
		}
	}
	if (!seen && send_ns > oldest) {
		p->send_ns[victim] = send_ns;
		p->fresh_ns = now;
		return 1;
	}
	if (now >= p->fresh_ns && now - p->fresh_ns >= quiet_ns)
		return replay_init(p, send_ns, now);
	return 0;
}

#endif /* VIGIL_BPF_REPLAY_H */
