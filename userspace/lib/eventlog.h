/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * eventlog.h - reading the agents' event lines (log.h, log_event) back: the
 * timestamp, the event's name and its key=value fields.
 */
#ifndef VIGIL_EVENTLOG_H
#define VIGIL_EVENTLOG_H

#include <stdint.h>

#define EVENT_MAX_FIELDS 16

struct event_line {
	int64_t at_ms;	  /* the line's UTC timestamp, ms since the epoch; -1 if none */
	const char *name; /* the event's name */
	int n;		  /* fields */
	const char *key[EVENT_MAX_FIELDS], *value[EVENT_MAX_FIELDS];
	char buf[1024]; /* the line, cut into the strings above */
};

/* 0 if line ("2026-12-01T10:00:00.123Z info: event=state member=hv3 ...") is
 * an event line, with e filled in; -1 otherwise. */
int event_parse(const char *line, struct event_line *e);
/* The value of key, or NULL. */
const char *event_get(const struct event_line *e, const char *key);

#endif /* VIGIL_EVENTLOG_H */
