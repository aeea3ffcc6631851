// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* timeline.c - the agents' event lines (docs/operations.md) after the crash,
 * turned into the demo's timeline. */
#include <stdio.h>
#include <string.h>
#include <sys/types.h>

#include "util.h"
#include "world.h"

/* The step of the timeline an event line is, or -1. */
static int timeline_step_of(const struct demo *d, const struct event_line *e)
{
	const struct demo_host *v = &d->h[d->victim];
	char hostname[32];
	const char *x;

	snprintf(hostname, sizeof(hostname), "compute-%d", d->victim);
	if (!strcmp(e->name, "state") && (x = event_get(e, "member")) && !strcmp(x, v->name)) {
		x = event_get(e, "to");
		return !x		       ? -1
		       : !strcmp(x, "suspect") ? ST_SUSPECT
		       : !strcmp(x, "dead")    ? ST_DEAD
					       : -1;
	}
	if (!strcmp(e->name, "verdict") && (x = event_get(e, "host")) && !strcmp(x, v->name))
		return ST_VERDICT;
	if (!strcmp(e->name, "notified") && (x = event_get(e, "hostname")) &&
	    !strcmp(x, hostname) && (x = event_get(e, "kind")) && !strcmp(x, "STOPPED"))
		return ST_NOTIFIED;
	return -1;
}

/* Scan host i's log from its crash-time offset for the victim's events. */
void timeline_scan(struct demo *d, int i)
{
	struct demo_host *h = &d->h[i], *v = &d->h[d->victim];
	struct event_line e;
	char line[1024];
	FILE *f = fopen(h->log, "r");
	int s;
	long rel;

	if (!f)
		return;
	fseeko(f, h->log_off, SEEK_SET);
	while (fgets(line, sizeof(line), f)) {
		if (!strchr(line, '\n'))
			break; /* a partial line: read it whole next time */
		h->log_off += (off_t)strlen(line);
		if (event_parse(line, &e) || e.at_ms < 0 || (s = timeline_step_of(d, &e)) < 0)
			continue;
		/* The agents' CLOCK_REALTIME, ms. */
		rel = (long)(e.at_ms - (int64_t)(d->t0 / NSEC_PER_MSEC));
		if (d->have[s] && d->ms[s] <= rel)
			continue;
		d->have[s] = 1;
		d->ms[s] = rel < 0 ? 0 : rel;
		switch (s) {
		case ST_SUSPECT:
			snprintf(d->what[s], sizeof(d->what[s]), "first suspicion of %s (by %s)",
				 v->name, h->name);
			break;
		case ST_DEAD:
			snprintf(d->what[s], sizeof(d->what[s]), "%s declared dead (first by %s)",
				 v->name, h->name);
			break;
		case ST_VERDICT:
			snprintf(d->what[s], sizeof(d->what[s]),
				 "Raft verdict (leader %s): %s (compute-%d) failed: %s of %s hosts "
				 "reported it unreachable",
				 h->name, v->name, d->victim, event_get(&e, "reporters") ?: "?",
				 event_get(&e, "counted") ?: "?");
			break;
		default:
			snprintf(d->what[s], sizeof(d->what[s]),
				 "notification for compute-%d delivered by %s (HTTP %s)", d->victim,
				 h->name, event_get(&e, "http") ?: "?");
		}
	}
	fclose(f);
}

void timeline_print(struct demo *d, FILE *out)
{
	for (int s = 0; s < ST_N; s++) {
		if (s == ST_NOTIFIED && d->mk_skip[0])
			fprintf(out, "  %9s  notification skipped: %s\n", "-", d->mk_skip);
		else if (d->have[s])
			fprintf(out, "  %+6ld ms  %s\n", d->ms[s], d->what[s]);
	}
}
