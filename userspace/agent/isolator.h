/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * isolator.h - isolation detection and response on every host (the rule
 * and the machine are core/isolation.c). Every ISOLATION_TICK_MS the loop
 * that runs the membership judges the host's reach from the membership's
 * kernel evidence, starts the isolation response when the machine says so
 * (a command, or virsh destroy of every running domain, on the thread pool,
 * killed after isolation_command_timeout_ms), tells the storage heartbeat
 * what to record, and feeds the hardware watchdog when allowed -- so a
 * frozen loop stops feeding it too.
 *
 * The zone's hosts are kept in data_dir/zone (id, name, address), so an
 * agent restarted while its host is cut off still knows its zone and judges
 * itself isolated, instead of a zone of one.
 */
#ifndef VIGIL_ISOLATOR_H
#define VIGIL_ISOLATOR_H

#include <stdint.h>

#include <uv.h>

#include "isolation.h"
#include "memb.h"
#include "storage_hb.h"
#include "watchdog.h"

#define ISOLATION_TICK_MS 100

struct isolator_params {
	uv_loop_t *loop;
	const struct isolation_config *cfg;
	struct memb *memb;	/* judged every tick; taught the saved zone at start */
	struct storage_hb *shb; /* told the state to record; NULL: none */
	const char *data_dir;	/* the zone is kept in data_dir/zone */
	uint16_t port;		/* for saved addresses without one */
};

struct iso_run;

struct isolator {
	/* wiring */
	struct isolator_params p;
	/* state */
	struct iso iso;	    /* the machine */
	struct watchdog wd; /* fed from on_tick */
	uv_timer_t timer;
	struct iso_run *run; /* the response in flight */
	char *zone_saved;    /* the zone file's last contents */
	uint64_t zone_checked_ns;
	int started;
};

/* Open the watchdog, teach the saved zone, start judging. 0, or -1 (logged:
 * a watchdog configured but not usable). */
int isolator_start(struct isolator *is, const struct isolator_params *p);
/* Stop: the response in flight is killed; the watchdog is closed with the
 * magic 'V' only if it may be fed (a host that owes its response still
 * resets). */
void isolator_stop(struct isolator *is);

#endif /* VIGIL_ISOLATOR_H */
