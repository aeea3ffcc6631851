// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* screen.c - the demo's output: progress lines, and the live screen (hv1's member
 * table, the leader, the timeline). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "util.h"
#include "world.h"

void say(struct demo *d, const char *fmt, ...)
{
	va_list ap;
	double t = (double)(now_mono_ns() - d->start_ns) / 1e9;

	printf("[%5.1fs] ", t);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

/* The live screen: hv1's member table, the Raft leader, the timeline so far
 * (unless the caller prints it itself). */
void screen_draw(struct demo *d, const char *phase, int with_timeline)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *m = open_memstream(&buf, &n);
	json_t *arr = netns_get(d, d->h[1].nsfd, DEMO_API, "/v1/members");

	if (!m) {
		json_decref(arr);
		return;
	}
	fprintf(m, "vigil demo: %d hosts on %s.0/24, %s\n\n", d->nhosts, d->net, phase);
	fprintf(m, "members as hv1 sees them (GET /v1/members):\n");
	if (arr)
		cli_print_members(m, arr);
	else
		fprintf(m, "  (hv1's agent is not answering yet)\n");
	fprintf(m, "\nRaft leader: %s\n\n", d->leader ? d->h[d->leader].name : "(none yet)");
	if (d->victim && with_timeline)
		timeline_print(d, m);
	fclose(m);
	json_decref(arr);
	/* Home, each line cleared to its end, the rest of the screen cleared. */
	fputs("\033[H", stdout);
	for (char *p = buf, *line; (line = strsep(&p, "\n")) && p;)
		printf("%s\033[K\n", line);
	fputs("\033[J", stdout);
	fflush(stdout);
	free(buf);
}

void screen_members(struct demo *d, int i)
{
	json_t *arr = netns_get(d, d->h[i].nsfd, DEMO_API, "/v1/members");

	if (!arr)
		return;
	printf("\n  members as %s sees them (`vigil members`):\n", d->h[i].name);
	cli_print_members(stdout, arr);
	printf("\n");
	json_decref(arr);
}
