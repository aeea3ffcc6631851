// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* storage_hb.c - write this host's storage heartbeat, read everyone's, off the loop. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "storage_hb.h"
#include "util.h"

#define SCAN_MAX    4096 /* records read per scan at most */
#define SHB_DIR_MAX 256

struct storage_hb {
	/* configuration */
	char dir[SHB_DIR_MAX];
	char path[SHB_DIR_MAX + 80];
	uint64_t interval_ns, stale_ns;
	int reader;
	struct vigil_keyring keys;
	struct shb_record self; /* node, hostname, boot id, epoch */
	/* the loop's side */
	uv_timer_t timer;
	struct shb_tracker tracker; /* servers */
	int healthy;		    /* as last said (an event on each change) */
	int read_stuck;		    /* as last said */
	/* between the threads and the loop, under lock */
	pthread_mutex_t lock;
	pthread_cond_t wcond, rcond; /* wake the writer, the reader */
	int stop;		     /* end */
	/* ... the writer's */
	char state[16];	     /* what the next record says */
	int wake;	     /* write now */
	uint64_t busy_ns;    /* a write under way since (0: idle) */
	uint64_t last_ok_ns; /* the last record written and synced */
	uint64_t writes_ok, writes_failed, counter;
	int error; /* errno of the last failed write (0: it worked) */
	/* ... the reader's: its own thread, so a slow fsync of our own record
	 * never makes the others' records look late */
	uint64_t read_busy_ns;	 /* a scan under way since (0: idle) */
	struct shb_record *scan; /* a finished scan not yet taken by the loop */
	size_t nscan;
	uint64_t scan_bad, scan_ns;
	int scan_ready, scan_failed;
	pthread_t writer, reader_thread;
};

/* ---- on the thread -------------------------------------------------------------------- */

static int write_record(struct storage_hb *h, const struct shb_record *r)
{
	char buf[SHB_RECORD_LEN];
	int fd, rc = 0;

	if (shb_encode(r, &h->keys, buf))
		return -EINVAL;
	/* No O_NONBLOCK: on a hard NFS mount that hangs, this thread waits
	 * (and the loop sees the I/O stuck); the directory is never created
	 * here, so an unmounted share is an error, not a local file. */
	fd = open(h->path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	if (pwrite(fd, buf, sizeof(buf), 0) != (ssize_t)sizeof(buf) || fdatasync(fd))
		rc = errno ? -errno : -EIO;
	if (close(fd) && !rc)
		rc = -errno;
	return rc;
}

/* Every valid record of the directory (this cluster's), into a new array. */
static int scan(struct storage_hb *h, struct shb_record **out, size_t *n, uint64_t *bad)
{
	DIR *d = opendir(h->dir);
	struct dirent *e;
	struct shb_record *recs = NULL;
	size_t cap = 0;

	*n = 0;
	*bad = 0;
	if (!d)
		return -errno;
	while ((e = readdir(d)) && *n < SCAN_MAX) {
		size_t l = strlen(e->d_name), sl = strlen(SHB_SUFFIX);
		char path[SHB_DIR_MAX + 300], buf[SHB_RECORD_LEN];
		struct stat st;
		ssize_t got;
		int fd, rc;

		if (l <= sl || strcmp(e->d_name + l - sl, SHB_SUFFIX))
			continue;
		snprintf(path, sizeof(path), "%s/%s", h->dir, e->d_name);
		/* Regular files only, opened non-blocking: a FIFO or device planted
		 * here must neither hang the reader nor be opened at all. */
		if (stat(path, &st) || !S_ISREG(st.st_mode)) {
			(*bad)++;
			continue;
		}
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
		if (fd < 0)
			continue;
		got = !fstat(fd, &st) && S_ISREG(st.st_mode) ? read(fd, buf, sizeof(buf)) : -1;
		close(fd);
		if (*n == cap) {
			struct shb_record *nr =
				realloc(recs, (cap = cap ? 2 * cap : 16) * sizeof(*nr));

			if (!nr)
				break;
			recs = nr;
		}
		rc = got > 0 ? shb_decode(buf, (size_t)got, &h->keys, h->self.cluster_id, &recs[*n])
			     : -1;
		if (!rc)
			(*n)++;
		else if (rc != -3) /* another cluster's record is not ours to count */
			(*bad)++;
	}
	closedir(d);
	*out = recs;
	return 0;
}

/* Wait on cond until the interval from now passed, or stop (or *wake). */
static void pause_interval(struct storage_hb *h, pthread_cond_t *cond, const int *wake)
{
	struct timespec until;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += (time_t)(h->interval_ns / NSEC_PER_SEC);
	until.tv_nsec += (long)(h->interval_ns % NSEC_PER_SEC);
	if (until.tv_nsec >= (long)NSEC_PER_SEC) {
		until.tv_sec++;
		until.tv_nsec -= (long)NSEC_PER_SEC;
	}
	while (!h->stop && !(wake && *wake) &&
	       pthread_cond_timedwait(cond, &h->lock, &until) != ETIMEDOUT)
		;
}

static void *writer_main(void *arg)
{
	struct storage_hb *h = arg;
	struct shb_record r;
	int rc;

	pthread_mutex_lock(&h->lock);
	while (!h->stop) {
		r = h->self;
		r.counter = ++h->counter;
		r.time_ns = now_real_ns();
		snprintf(r.state, sizeof(r.state), "%s", h->state);
		h->wake = 0;
		h->busy_ns = now_mono_ns();
		pthread_mutex_unlock(&h->lock);

		rc = write_record(h, &r);

		pthread_mutex_lock(&h->lock);
		h->busy_ns = 0;
		if (rc) {
			h->writes_failed++;
			h->error = -rc;
		} else {
			h->writes_ok++;
			h->error = 0;
			h->last_ok_ns = now_mono_ns();
		}
		pause_interval(h, &h->wcond, &h->wake);
	}
	pthread_mutex_unlock(&h->lock);
	return NULL;
}

static void *reader_main(void *arg)
{
	struct storage_hb *h = arg;

	pthread_mutex_lock(&h->lock);
	while (!h->stop) {
		struct shb_record *recs = NULL;
		uint64_t bad = 0;
		size_t n = 0;
		int src;

		h->read_busy_ns = now_mono_ns();
		pthread_mutex_unlock(&h->lock);

		src = scan(h, &recs, &n, &bad);

		pthread_mutex_lock(&h->lock);
		h->read_busy_ns = 0;
		free(h->scan); /* a scan the loop never took is superseded */
		h->scan = recs;
		h->nscan = n;
		h->scan_bad = bad;
		h->scan_ns = now_mono_ns();
		h->scan_ready = !src;
		h->scan_failed = !!src;
		pause_interval(h, &h->rcond, NULL);
	}
	pthread_mutex_unlock(&h->lock);
	return NULL;
}

/* ---- on the loop ---------------------------------------------------------------------- */

static void on_timer(uv_timer_t *t)
{
	struct storage_hb *h = t->data;
	uint64_t now = now_mono_ns();
	struct shb_record *recs = NULL;
	size_t n = 0;
	uint64_t bad = 0, scan_ns = 0;
	int ready, failed, healthy, error, read_stuck;

	pthread_mutex_lock(&h->lock);
	ready = h->scan_ready;
	failed = h->scan_failed;
	if (ready) {
		recs = h->scan;
		n = h->nscan;
		bad = h->scan_bad;
		scan_ns = h->scan_ns;
		h->scan = NULL;
	}
	h->scan_ready = h->scan_failed = 0;
	/* healthy: a record written within the stale time, no write stuck */
	healthy = h->last_ok_ns && now - h->last_ok_ns <= h->stale_ns &&
		  !(h->busy_ns && now - h->busy_ns > h->stale_ns);
	error = h->error;
	read_stuck = h->read_busy_ns && now - h->read_busy_ns > h->stale_ns;
	pthread_mutex_unlock(&h->lock);

	if (ready)
		shb_tracker_scan(&h->tracker, recs, n, bad, scan_ns);
	else if (failed)
		shb_tracker_failed(&h->tracker);
	free(recs);
	if (read_stuck != h->read_stuck) {
		h->read_stuck = read_stuck;
		if (read_stuck)
			log_warn("storage heartbeat: reading %s has not returned for %llu ms: no "
				 "host's record is judged meanwhile (a failed host waits for it in "
				 "mode watchdog)",
				 h->dir, (unsigned long long)(h->stale_ns / NSEC_PER_MSEC));
		else
			log_info("storage heartbeat: reading %s again", h->dir);
	}
	if (healthy != h->healthy) {
		h->healthy = healthy;
		if (healthy)
			log_event(LOG_LVL_INFO, "storage_hb_ok", "dir=%s", h->dir);
		else
			log_event(LOG_LVL_ERR, "storage_hb_failed", "dir=%s error=%s", h->dir,
				  error ? strerror(error) : "io_stuck");
		if (!healthy)
			log_err("storage heartbeat: cannot write %s (%s): the servers cannot tell "
				"this host isolated from dead by the storage; isolation is judged "
				"on the network alone, as before",
				h->path, error ? strerror(error) : "the write has not returned");
	}
}

/* Stop the threads and wait for them 2 s: 0, or -1 if one is stuck in I/O
 * (on a hung mount), which is then left behind, detached, with h. */
static int join_threads(struct storage_hb *h)
{
	struct timespec until;
	int stuck = 0;

	pthread_mutex_lock(&h->lock);
	h->stop = 1;
	pthread_cond_signal(&h->wcond);
	pthread_cond_signal(&h->rcond);
	pthread_mutex_unlock(&h->lock);
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 2;
	if (pthread_timedjoin_np(h->writer, NULL, &until)) {
		pthread_detach(h->writer);
		stuck = 1;
	}
	if (h->reader && pthread_timedjoin_np(h->reader_thread, NULL, &until)) {
		pthread_detach(h->reader_thread);
		stuck = 1;
	}
	return stuck ? -1 : 0;
}

struct storage_hb *storage_hb_start(const struct storage_hb_params *p)
{
	struct storage_hb *h;
	char boot[64] = "";
	char file[SHB_NAME_MAX + 8];

	if (!p->dir || !*p->dir)
		return NULL;
	h = calloc(1, sizeof(*h));
	if (!h)
		return NULL;
	snprintf(h->dir, sizeof(h->dir), "%s", p->dir);
	shb_file_name(p->node, file, sizeof(file));
	snprintf(h->path, sizeof(h->path), "%s/%s", h->dir, file);
	h->interval_ns = (uint64_t)p->interval_ms * NSEC_PER_MSEC;
	h->stale_ns = shb_stale_ns(p->interval_ms);
	h->reader = p->reader;
	h->keys = *p->keys;
	h->self.cluster_id = p->cluster_id;
	snprintf(h->self.node, sizeof(h->self.node), "%s", p->node);
	snprintf(h->self.hostname, sizeof(h->self.hostname), "%s", p->hostname);
	if (file_read("/proc/sys/kernel/random/boot_id", boot, sizeof(boot)) > 0)
		boot[strcspn(boot, "\n")] = '\0';
	snprintf(h->self.boot_id, sizeof(h->self.boot_id), "%s", boot);
	h->self.epoch = p->epoch;
	snprintf(h->state, sizeof(h->state), "running");
	h->healthy = 1; /* said only once it fails */
	shb_tracker_init(&h->tracker, p->interval_ms, now_mono_ns());
	pthread_mutex_init(&h->lock, NULL);
	pthread_cond_init(&h->wcond, NULL);
	pthread_cond_init(&h->rcond, NULL);
	h->last_ok_ns = now_mono_ns(); /* the first write has its stale time to succeed */
	if (pthread_create(&h->writer, NULL, writer_main, h)) {
		log_err("storage heartbeat: cannot start its thread");
		free(h);
		return NULL;
	}
	if (h->reader && pthread_create(&h->reader_thread, NULL, reader_main, h)) {
		log_err("storage heartbeat: cannot start its reading thread");
		h->reader = 0;
		if (!join_threads(h))
			free(h); /* (else left to the writer, stuck in I/O) */
		return NULL;
	}
	uv_timer_init(p->loop, &h->timer);
	h->timer.data = h;
	uv_timer_start(&h->timer, on_timer, p->interval_ms, p->interval_ms);
	log_info("storage heartbeat: %s every %u ms%s", h->path, p->interval_ms,
		 h->reader ? "; reading every host's record (server)" : "");
	return h;
}

void storage_hb_set_state(struct storage_hb *h, const char *state)
{
	if (!h)
		return;
	pthread_mutex_lock(&h->lock);
	if (strcmp(h->state, state)) {
		snprintf(h->state, sizeof(h->state), "%s", state);
		h->wake = 1;
		pthread_cond_signal(&h->wcond);
	}
	pthread_mutex_unlock(&h->lock);
}

const struct shb_tracker *storage_hb_tracker(const struct storage_hb *h)
{
	return h && h->reader ? &h->tracker : NULL;
}

void storage_hb_view(struct storage_hb *h, struct storage_hb_view *v)
{
	uint64_t now = now_mono_ns();

	memset(v, 0, sizeof(*v));
	if (!h)
		return;
	v->dir = h->dir;
	v->healthy = h->healthy;
	pthread_mutex_lock(&h->lock);
	v->last_write_ns = h->last_ok_ns;
	v->writes_ok = h->writes_ok;
	v->writes_failed = h->writes_failed;
	v->error = h->error;
	v->io_stuck_ns = h->busy_ns && now - h->busy_ns > h->interval_ns ? now - h->busy_ns : 0;
	v->counter = h->counter;
	snprintf(v->state, sizeof(v->state), "%s", h->state);
	pthread_mutex_unlock(&h->lock);
}

static void timer_closed(uv_handle_t *t)
{
	struct storage_hb *h = t->data;

	shb_tracker_free(&h->tracker);
	free(h->scan);
	free(h);
}

void storage_hb_stop(struct storage_hb *h)
{
	if (!h)
		return;
	uv_timer_stop(&h->timer);
	if (join_threads(h)) {
		/* Stuck in I/O on a hung mount: leave it (and what it uses) be. */
		log_warn("storage heartbeat: a thread is stuck in I/O on %s; left behind", h->dir);
		return;
	}
	uv_close((uv_handle_t *)&h->timer, timer_closed);
}
