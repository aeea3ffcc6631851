// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* isolator.c - judge isolation every tick, respond, feed the watchdog. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "isolator.h"
#include "log.h"
#include "proc.h"
#include "util.h"

#define ZONE_SAVE_MS   10000 /* the zone file is brought up to date at most this often */
#define VIRSH_ROUNDS   3     /* list and destroy, until nothing runs */
#define VIRSH_NAME_MAX 256

struct iso_run {
	uv_work_t work;
	struct isolator *is;
	struct proc_call pc; /* proc_cancel() from the loop kills it */
	int ok;
	char why[256];
	uint64_t elapsed_ms;
};

/* ---- the response, on the thread pool ---------------------------------------------------- */

/* One call with what is left of the response's time; 0 if it exited 0. */
static int call(struct iso_run *r, const char *const *argv, uint64_t deadline)
{
	uint64_t now = now_mono_ns();
	int rc;

	if (now >= deadline) {
		snprintf(r->why, sizeof(r->why), "isolation_command_timeout_ms passed");
		return -1;
	}
	r->pc.argv = argv;
	r->pc.input = NULL;
	r->pc.timeout_ms = (deadline - now) / NSEC_PER_MSEC + 1;
	rc = proc_run(&r->pc);
	if (rc) {
		snprintf(r->why, sizeof(r->why), "cannot run %s: %s", argv[0], strerror(-rc));
		return -1;
	}
	if (r->pc.timed_out || r->pc.cancelled) {
		snprintf(r->why, sizeof(r->why), "%s %s", argv[0],
			 r->pc.cancelled ? "killed: the agent stops"
					 : "killed after isolation_command_timeout_ms");
		return -1;
	}
	if (!r->pc.exited || r->pc.code) {
		snprintf(r->why, sizeof(r->why), "%s exited with %d: %.160s", argv[0], r->pc.code,
			 r->pc.output);
		return -1;
	}
	return 0;
}

/* virsh destroy of every running domain, until `virsh list` shows none. */
static int virsh_destroy_all(struct iso_run *r, const char *uri, uint64_t deadline)
{
	const char *list[] = {"virsh", "-c", uri, "list", "--name", "--state-running", NULL};

	for (int round = 0; round < VIRSH_ROUNDS; round++) {
		char names[PROC_OUTPUT_MAX], *save = NULL, *name;
		int destroyed = 0, failed = 0;

		if (call(r, list, deadline))
			return -1;
		snprintf(names, sizeof(names), "%s", r->pc.output);
		for (name = strtok_r(names, "\n", &save); name;
		     name = strtok_r(NULL, "\n", &save)) {
			const char *destroy[] = {"virsh", "-c", uri, "destroy", name, NULL};

			name[strcspn(name, " \t\r")] = '\0';
			if (!*name || strlen(name) >= VIRSH_NAME_MAX)
				continue;
			if (call(r, destroy, deadline)) {
				failed++;
				log_err("isolation: virsh destroy %s failed: %s", name, r->why);
			} else {
				destroyed++;
				log_warn("isolation: virsh destroy %s: done", name);
			}
		}
		if (!destroyed && !failed)
			return 0; /* nothing runs */
	}
	snprintf(r->why, sizeof(r->why), "domains still running after %d rounds of virsh destroy",
		 VIRSH_ROUNDS);
	return -1;
}

static void work(uv_work_t *w)
{
	struct iso_run *r = w->data;
	const struct isolation_config *c = r->is->p.cfg;
	uint64_t t0 = now_mono_ns(), deadline = t0 + c->command_timeout_ms * NSEC_PER_MSEC;
	const char *sh[] = {"/bin/sh", "-c", c->command, NULL};

	if (c->response == ISO_RESP_VIRSH)
		r->ok = !virsh_destroy_all(r, c->libvirt_uri, deadline);
	else
		r->ok = !call(r, sh, deadline);
	r->elapsed_ms = (now_mono_ns() - t0) / NSEC_PER_MSEC;
}

static void after(uv_work_t *w, int status)
{
	struct iso_run *r = w->data;
	struct isolator *is = r->is;

	is->run = NULL;
	if (status)
		snprintf(r->why, sizeof(r->why), "not run: the agent stops");
	iso_response_done(&is->iso, r->ok && !status, r->why, r->elapsed_ms, now_mono_ns());
	storage_hb_set_state(is->p.shb, iso_record_state(is->iso.state));
	proc_call_destroy(&r->pc);
	free(r);
}

static void respond(struct isolator *is)
{
	struct iso_run *r = calloc(1, sizeof(*r));

	if (r) {
		r->is = is;
		r->work.data = r;
		proc_call_init(&r->pc);
		if (!uv_queue_work(is->p.loop, &r->work, work, after)) {
			is->run = r;
			return;
		}
		proc_call_destroy(&r->pc);
		free(r);
	}
	iso_response_done(&is->iso, 0, "cannot queue the response", 0, now_mono_ns());
}

/* ---- the zone, kept across restarts -------------------------------------------------------- */

static void zone_path(const struct isolator *is, char *out, size_t n)
{
	snprintf(out, n, "%s/zone", is->p.data_dir);
}

/* "id name address" per member not left: what a restarted agent learns. */
static char *zone_render(const struct memb *m)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	for (size_t i = 0; i < m->n; i++) {
		const struct member *mb = m->members[i];
		char addr[80];

		if (mb->state == MEMB_LEFT || !mb->addrlen || strpbrk(mb->name, " \n"))
			continue;
		addr_format((const struct sockaddr *)&mb->addr, addr, sizeof(addr));
		fprintf(f, "%u %s %s\n", mb->id, mb->name, addr);
	}
	fclose(f);
	return buf;
}

static void zone_save(struct isolator *is, uint64_t now)
{
	char path[PATH_MAX], *text;
	int rc;

	if (is->zone_checked_ns && now - is->zone_checked_ns < ZONE_SAVE_MS * NSEC_PER_MSEC)
		return;
	is->zone_checked_ns = now;
	text = zone_render(is->p.memb);
	if (!text || (is->zone_saved && !strcmp(text, is->zone_saved)) ||
	    (!*text && !is->zone_saved)) {
		free(text);
		return;
	}
	zone_path(is, path, sizeof(path));
	rc = file_replace(path, text, strlen(text), 0600);
	if (rc) {
		log_warn("isolation: cannot keep the zone in %s: %s", path, strerror(-rc));
		free(text);
		return;
	}
	free(is->zone_saved);
	is->zone_saved = text;
}

/* Learn the saved zone: suspected by us until our own probes hear them. */
static void zone_learn(struct isolator *is)
{
	char path[PATH_MAX], *text, *line, *save = NULL;
	size_t learned = 0, cap = 1 << 20;
	long n;

	zone_path(is, path, sizeof(path));
	text = malloc(cap);
	if (!text)
		return;
	n = file_read(path, text, cap);
	if (n <= 0) {
		free(text);
		return;
	}
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char name[VIGIL_NAME_LEN], addr[80];
		struct sockaddr_storage ss;
		socklen_t sl;
		unsigned id;

		if (sscanf(line, "%u %63s %79s", &id, name, addr) != 3 || !id ||
		    id == is->p.memb->self.id || addr_parse(addr, is->p.port, &ss, &sl))
			continue;
		learned += (size_t)memb_learn(is->p.memb, id, name, (struct sockaddr *)&ss, sl);
	}
	free(text);
	if (learned)
		log_event(LOG_LVL_INFO, "members_learned", "count=%zu source=%s", learned,
			  "zone_file");
}

/* ---- the loop ---------------------------------------------------------------------------- */

static void on_tick(uv_timer_t *t)
{
	struct isolator *is = t->data;
	uint64_t now = now_mono_ns();
	size_t reached, zone;

	iso_reach(is->p.memb, &reached, &zone);
	if (iso_step(&is->iso, reached, zone, now) == ISO_ACT_RESPOND)
		respond(is);
	storage_hb_set_state(is->p.shb, iso_record_state(is->iso.state));
	/* From this loop, after this judgement: frozen, it feeds nothing. */
	watchdog_feed(&is->wd, iso_may_feed(&is->iso), now);
	if (is->iso.timeout_ns)
		zone_save(is, now);
}

int isolator_start(struct isolator *is, const struct isolator_params *p)
{
	const struct isolation_config *c = p->cfg;
	const struct memb_config *mc = &p->memb->cfg;
	struct iso_params ip = {
		.timeout_ms = c->timeout_ms,
		.response = c->response,
		.watchdog = c->watchdog_device[0] != '\0',
		/* a probe round with its direct and indirect timeouts */
		.stall_grace_ms =
			2 * mc->probe_interval_ms + mc->probe_timeout_ms + mc->indirect_timeout_ms,
	};

	memset(is, 0, sizeof(*is));
	is->p = *p;
	iso_init(&is->iso, &ip);
	if (watchdog_open(&is->wd, c->watchdog_device, c->watchdog_timeout_ms))
		return -1;
	if (c->timeout_ms) {
		zone_learn(is);
		log_info(
			"isolation: a host whose probes reach no majority of the zone for %u ms is "
			"isolated; response %s%s",
			c->timeout_ms, iso_response_name(c->response),
			c->watchdog_device[0] ? ", watchdog withheld until its VMs are stopped"
					      : "");
	}
	uv_timer_init(p->loop, &is->timer);
	is->timer.data = is;
	uv_timer_start(&is->timer, on_tick, ISOLATION_TICK_MS, ISOLATION_TICK_MS);
	is->started = 1;
	return 0;
}

void isolator_stop(struct isolator *is)
{
	if (!is->started)
		return;
	is->started = 0;
	uv_timer_stop(&is->timer);
	if (is->run)
		proc_cancel(&is->run->pc); /* its after() still runs, in the last loop run */
	watchdog_close(&is->wd, iso_may_feed(&is->iso));
	free(is->zone_saved);
	is->zone_saved = NULL;
}
