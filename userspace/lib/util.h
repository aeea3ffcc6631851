/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* util.h - small shared helpers: clocks, base64, address formatting. */
#ifndef VIGIL_UTIL_H
#define VIGIL_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#define NSEC_PER_SEC  1000000000ULL
#define NSEC_PER_MSEC 1000000ULL
#define NSEC_PER_USEC 1000ULL

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* CLOCK_MONOTONIC in ns: the clock bpf_ktime_get_ns() reads. */
uint64_t now_mono_ns(void);
/* CLOCK_REALTIME in ns. */
uint64_t now_real_ns(void);
/* A retry after a failure: *backoff_ms doubles from min_ms (its first
 * value) up to max_ms; the next try is at now + backoff +-25 % (rnd: 32
 * random bits), so servers that change leader do not align. */
uint64_t backoff_next(uint64_t *backoff_ms, uint64_t min_ms, uint64_t max_ms, uint64_t now_ns,
		      uint32_t rnd);
/* CLOCK_REALTIME ns as UTC "YYYY-MM-DDTHH:MM:SS" with digits (0-9) of
 * fraction after a '.', and a 'Z' if zulu; out should hold 32 bytes. */
void utc_format(uint64_t realtime_ns, int digits, int zulu, char *out, size_t n);

/* Standard base64 (RFC 4648, padded). encode writes a NUL-terminated string
 * into out (size >= 4 * ceil(n / 3) + 1); decode returns the byte count or -1. */
void base64_encode(const uint8_t *in, size_t n, char *out);
int base64_decode(const char *in, uint8_t *out, size_t outsz);

/* Parse "ADDR", "ADDR:PORT", "[V6]:PORT" into ss; default_port if none. */
int addr_parse(const char *s, uint16_t default_port, struct sockaddr_storage *ss, socklen_t *len);
/* "ADDR:PORT" or "[V6]:PORT" */
void addr_format(const struct sockaddr *sa, char *buf, size_t n);

/* 1 if binding sa would expose a port beyond the site: anything but loopback,
 * RFC 1918, RFC 6598 shared space, link-local and IPv6 ULA. The unspecified
 * address (0.0.0.0, ::) binds every interface, public ones included, so it
 * counts as public too. */
int addr_is_public(const struct sockaddr *sa);

/* A table of names indexed by an enum: the index of s in names[0..n), or -1;
 * the name of index i, or "?" outside the table. */
int name_index(const char *const *names, size_t n, const char *s);
const char *name_at(const char *const *names, size_t n, int i);

/* mkdir -p; 0 or -errno. */
int mkdir_p(const char *dir, mode_t mode);

/* Replace path with len bytes, durably: a temporary file written and
 * fsync'd, renamed over path, the directory fsync'd. 0 or -errno. */
int file_replace(const char *path, const void *buf, size_t len, mode_t mode);
/* Take dir/lock exclusively for as long as this process lives (one agent, or
 * an offline tool, per data_dir); it holds our pid. The descriptor (kept
 * open, close-on-exec), -EWOULDBLOCK with the holder's pid in *holder, or
 * -errno. */
int dir_lock(const char *dir, long *holder);
/* Run the calling thread SCHED_FIFO at priority prio, and the threads it
 * creates from now on (they inherit it: libuv's pool, whose every finished
 * work item wakes the loop, must; SCHED_RESET_ON_FORK would make every new
 * thread ordinary, not only child processes: lib/proc.c starts those
 * ordinary itself), with all memory locked. 0, or -errno (nothing changed,
 * or only the scheduling if locking failed: -ENOMEM). */
int sched_realtime(int prio);
/* The calling thread to ordinary scheduling: a thread that serves others
 * (HTTP, a blocking client) must never compete with the loop or the VMs at
 * a real-time priority. Returns the priority it had (0: none), for
 * sched_thread_restore() once its blocking work is done. */
int sched_thread_normal(void);
void sched_thread_restore(int prio);
/*
 * Priority inversion with libuv's uv_async_send(): the sender marks the
 * handle busy, wakes the loop, then marks it done. Woken, a real-time loop
 * thread preempts an ordinary sender on the same CPU and spins until the
 * handle is done, which the sender, no longer running, cannot do until
 * real-time throttling stops the loop (950 ms of every second by default):
 * the loop stalls for almost a second. So an ordinary thread raises itself
 * to the loop's priority around the send (equal FIFO priorities do not
 * preempt each other): sched_raise() returns what sched_lower() undoes.
 * No-ops without sched_realtime().
 */
int sched_raise(void);
void sched_lower(int raised);
/* Read a file of at most size - 1 bytes into buf, NUL-terminated; its
 * length, or -errno. */
long file_read(const char *path, char *buf, size_t size);

#endif /* VIGIL_UTIL_H */
