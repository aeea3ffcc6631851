// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* watchdog.c - drive a hardware watchdog (or a FIFO or file standing in for one). */
#include <errno.h>
#include <fcntl.h>
#include <linux/watchdog.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "util.h"
#include "watchdog.h"

#define FEED_BYTE  "." /* any byte feeds; never 'V', which arms the magic close */
#define MAGIC_BYTE "V"

/* A real device: set the timeout, read back what it took, name it. */
static int device_setup(struct watchdog *w)
{
	struct watchdog_info info;
	int want = (int)(w->timeout_ms / 1000), got = want;

	memset(&info, 0, sizeof(info));
	if (!ioctl(w->fd, WDIOC_GETSUPPORT, &info)) {
		snprintf(w->identity, sizeof(w->identity), "%.32s", (const char *)info.identity);
		w->magic_close = !!(info.options & WDIOF_MAGICCLOSE);
	}
	if (ioctl(w->fd, WDIOC_SETTIMEOUT, &got) && errno != EINVAL && errno != ENOTTY)
		log_warn("watchdog %s: cannot set its timeout: %s", w->device, strerror(errno));
	if (ioctl(w->fd, WDIOC_GETTIMEOUT, &got))
		got = want;
	if (got > want) {
		log_err("watchdog %s (%s) runs with a %d s timeout, longer than watchdog_timeout_ms "
			"(%u ms): the servers' watchdog rule would not hold; set watchdog_timeout_ms "
			"to %d000 (and wait_period_ms accordingly)",
			w->device, w->identity, got, w->timeout_ms, got);
		return -1;
	}
	if (!w->magic_close)
		log_warn("watchdog %s (%s) has no magic close: stopping the agent disarms it, even "
			 "while an isolation response is owed (use the driver's nowayout=1)",
			 w->device, w->identity);
	log_info("watchdog %s (%s): timeout %d s, fed every %llu ms from the isolation loop",
		 w->device, w->identity, got, (unsigned long long)(w->interval_ns / NSEC_PER_MSEC));
	return 0;
}

int watchdog_open(struct watchdog *w, const char *device, uint32_t timeout_ms)
{
	struct stat st;
	uint64_t every = timeout_ms / 4;

	memset(w, 0, sizeof(*w));
	w->fd = -1;
	if (!device || !*device)
		return 0;
	snprintf(w->device, sizeof(w->device), "%s", device);
	w->timeout_ms = timeout_ms;
	w->interval_ns = (every > 1000 ? 1000 : every < 100 ? 100 : every) * NSEC_PER_MSEC;
	if (stat(device, &st)) {
		log_err("watchdog_device %s: %s", device, strerror(errno));
		return -1;
	}
	w->stand_in = !S_ISCHR(st.st_mode);
	/* Non-blocking: a FIFO stand-in without a reader fails at once
	 * (ENXIO) rather than blocking the agent's start. */
	w->fd = open(device,
		     O_WRONLY | O_CLOEXEC | O_NONBLOCK | (S_ISREG(st.st_mode) ? O_APPEND : 0));
	if (w->fd < 0) {
		log_err("watchdog_device %s: cannot open it: %s%s", device, strerror(errno),
			errno == ENXIO ? " (a FIFO nobody reads)" : "");
		return -1;
	}
	w->feeding = 1;
	if (w->stand_in) {
		snprintf(w->identity, sizeof(w->identity), "stand-in");
		w->magic_close = 1;
		log_warn("watchdog_device %s is not a watchdog device (a %s): it is fed as one, "
			 "and resets nothing -- for tests only",
			 device, S_ISFIFO(st.st_mode) ? "FIFO" : "file");
		return 0;
	}
	if (device_setup(w)) {
		watchdog_close(w, 1);
		return -1;
	}
	return 0;
}

void watchdog_feed(struct watchdog *w, int allowed, uint64_t now)
{
	w->feeding = allowed;
	if (w->fd < 0 || !allowed || (w->last_feed_ns && now - w->last_feed_ns < w->interval_ns))
		return;
	if (write(w->fd, FEED_BYTE, 1) == 1) {
		w->feeds++;
		w->last_feed_ns = now;
		return;
	}
	/* Counted, said once in a while; the next tick tries again. */
	if (w->feed_errors++ % 100 == 0)
		log_err("watchdog %s: feeding failed: %s (%llu failures)", w->device,
			strerror(errno), (unsigned long long)w->feed_errors);
}

void watchdog_close(struct watchdog *w, int allowed)
{
	if (w->fd < 0)
		return;
	if (allowed && write(w->fd, MAGIC_BYTE, 1) == 1)
		log_info("watchdog %s: disarmed (magic close)", w->device);
	else if (!allowed)
		log_warn("watchdog %s: closed while its feeding is withheld: it still resets this "
			 "host",
			 w->device);
	close(w->fd);
	w->fd = -1;
}
