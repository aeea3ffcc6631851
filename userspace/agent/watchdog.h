/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * watchdog.h - the hardware watchdog (watchdog_device), fed from the event
 * loop that judges isolation (agent/isolation.c): a frozen agent, like an
 * isolated host whose response has not stopped its VMs, stops feeding it,
 * and the host resets watchdog_timeout_ms after the last feed.
 *
 * A watchdog character device gets its timeout set (WDIOC_SETTIMEOUT) and
 * checked; on a clean stop the agent writes the magic 'V' before closing,
 * so the device disarms -- unless feeding is withheld at that moment, when
 * it closes without it and the reset still comes. A FIFO or a regular file
 * in the device's place is a stand-in (for tests, on machines without a
 * watchdog): it gets the same bytes and resets nothing, and vigil says so.
 */
#ifndef VIGIL_WATCHDOG_H
#define VIGIL_WATCHDOG_H

#include <stdint.h>

struct watchdog {
	/* configuration */
	char device[256];
	uint32_t timeout_ms;
	uint64_t interval_ns; /* between feeds: a quarter of the timeout, at most 1 s */
	/* state */
	int fd;		 /* -1: none configured, or closed */
	int stand_in;	 /* a FIFO or file, not a watchdog device */
	int magic_close; /* the device disarms on 'V' then close (WDIOF_MAGICCLOSE) */
	int feeding;	 /* the last judgement let it be fed */
	uint64_t last_feed_ns;
	uint64_t feeds, feed_errors;
	char identity[40];
};

/* Open device (NULL or "": none) and set its timeout. 0, or -1 (logged):
 * the agent must not run with a watchdog it cannot drive. */
int watchdog_open(struct watchdog *w, const char *device, uint32_t timeout_ms);
/* From the judging loop, every tick: feed if allowed and due. */
void watchdog_feed(struct watchdog *w, int allowed, uint64_t now);
/* Close: with the magic 'V' if allowed (feeding not withheld). */
void watchdog_close(struct watchdog *w, int allowed);

#endif /* VIGIL_WATCHDOG_H */
