// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* eventlog.c - parse the agents' event lines. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "eventlog.h"

static int64_t timestamp_ms(const char *line)
{
	struct tm tm;
	int ms = 0;

	memset(&tm, 0, sizeof(tm));
	if (sscanf(line, "%d-%d-%dT%d:%d:%d.%dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
		   &tm.tm_min, &tm.tm_sec, &ms) != 7)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return (int64_t)timegm(&tm) * 1000 + ms;
}

int event_parse(const char *line, struct event_line *e)
{
	const char *ev = strstr(line, "event=");
	char *p, *save = NULL, *tok;

	if (!ev || (ev != line && ev[-1] != ' '))
		return -1;
	memset(e, 0, sizeof(*e));
	e->at_ms = timestamp_ms(line);
	snprintf(e->buf, sizeof(e->buf), "%s", ev);
	e->buf[strcspn(e->buf, "\r\n")] = '\0';
	for (tok = strtok_r(e->buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		p = strchr(tok, '=');
		if (!p)
			continue; /* a word of prose after the fields */
		*p = '\0';
		if (!e->name && !strcmp(tok, "event")) {
			e->name = p + 1;
			continue;
		}
		if (e->n < EVENT_MAX_FIELDS) {
			e->key[e->n] = tok;
			e->value[e->n] = p + 1;
			e->n++;
		}
	}
	return e->name && *e->name ? 0 : -1;
}

const char *event_get(const struct event_line *e, const char *key)
{
	for (int i = 0; i < e->n; i++)
		if (!strcmp(e->key[i], key))
			return e->value[i];
	return NULL;
}
