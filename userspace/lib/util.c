// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* util.c - small shared helpers. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <libgen.h>
#include <sys/stat.h>
#include <unistd.h>
#include <time.h>

#include "util.h"

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

uint64_t now_mono_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

uint64_t now_real_ns(void)
{
	return clock_ns(CLOCK_REALTIME);
}

uint64_t backoff_next(uint64_t *backoff_ms, uint64_t min_ms, uint64_t max_ms, uint64_t now_ns,
		      uint32_t rnd)
{
	uint64_t b = *backoff_ms ? *backoff_ms * 2 : min_ms;

	if (b > max_ms)
		b = max_ms;
	*backoff_ms = b;
	return now_ns + (b * 3 / 4 + rnd % (b / 2 + 1)) * NSEC_PER_MSEC;
}

void utc_format(uint64_t realtime_ns, int digits, int zulu, char *out, size_t n)
{
	time_t sec = (time_t)(realtime_ns / NSEC_PER_SEC);
	unsigned long frac = (unsigned long)(realtime_ns % NSEC_PER_SEC);
	struct tm tm;
	int len;

	if (digits < 0)
		digits = 0;
	if (digits > 9)
		digits = 9;
	for (int i = digits; i < 9; i++)
		frac /= 10;
	gmtime_r(&sec, &tm);
	len = snprintf(out, n, "%04d-%02d-%02dT%02d:%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1,
		       tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
	if (len > 0 && (size_t)len < n && digits)
		len += snprintf(out + len, n - (size_t)len, ".%0*lu", digits, frac);
	if (len > 0 && (size_t)len < n && zulu)
		snprintf(out + len, n - (size_t)len, "Z");
}

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void base64_encode(const uint8_t *in, size_t n, char *out)
{
	size_t i;

	for (i = 0; i + 2 < n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];

		*out++ = b64[v >> 18];
		*out++ = b64[(v >> 12) & 63];
		*out++ = b64[(v >> 6) & 63];
		*out++ = b64[v & 63];
	}
	if (i < n) {
		uint32_t v = (uint32_t)in[i] << 16 | (i + 1 < n ? (uint32_t)in[i + 1] << 8 : 0);

		*out++ = b64[v >> 18];
		*out++ = b64[(v >> 12) & 63];
		*out++ = i + 1 < n ? b64[(v >> 6) & 63] : '=';
		*out++ = '=';
	}
	*out = '\0';
}

static int b64_val(char c)
{
	const char *p = c ? strchr(b64, c) : NULL;

	return p ? (int)(p - b64) : -1;
}

int base64_decode(const char *in, uint8_t *out, size_t outsz)
{
	size_t len = strlen(in), n = 0;

	if (len % 4)
		return -1;
	for (size_t i = 0; i < len; i += 4) {
		int v[4], pad = 0;

		for (int j = 0; j < 4; j++) {
			if (in[i + j] == '=' && i + 4 == len && j >= 2) {
				v[j] = 0;
				pad++;
				continue;
			}
			if (pad)
				return -1;
			v[j] = b64_val(in[i + j]);
			if (v[j] < 0)
				return -1;
		}
		uint32_t w = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 |
			     (uint32_t)v[3];
		for (int j = 0; j < 3 - pad; j++) {
			if (n >= outsz)
				return -1;
			out[n++] = (uint8_t)(w >> (16 - 8 * j));
		}
	}
	return (int)n;
}

int addr_parse(const char *s, uint16_t default_port, struct sockaddr_storage *ss, socklen_t *len)
{
	char host[INET6_ADDRSTRLEN + 2];
	const char *port_s = NULL;
	long port = default_port;
	char *end;

	memset(ss, 0, sizeof(*ss));
	if (s[0] == '[') {
		const char *rb = strchr(s, ']');

		if (!rb || (size_t)(rb - s - 1) >= sizeof(host))
			return -1;
		memcpy(host, s + 1, (size_t)(rb - s - 1));
		host[rb - s - 1] = '\0';
		if (rb[1] == ':')
			port_s = rb + 2;
		else if (rb[1])
			return -1;
	} else {
		const char *colon = strchr(s, ':');

		if (colon && strchr(colon + 1, ':'))
			colon = NULL; /* bare IPv6 */
		size_t hl = colon ? (size_t)(colon - s) : strlen(s);
		if (hl >= sizeof(host))
			return -1;
		memcpy(host, s, hl);
		host[hl] = '\0';
		if (colon)
			port_s = colon + 1;
	}
	if (port_s) {
		port = strtol(port_s, &end, 10);
		if (!*port_s || *end || port < 1 || port > 65535)
			return -1;
	}

	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		*len = sizeof(*sin);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*sin6);
		return 0;
	}
	return -1;
}

void addr_format(const struct sockaddr *sa, char *buf, size_t n)
{
	char host[INET6_ADDRSTRLEN];

	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;

		inet_ntop(AF_INET, &sin->sin_addr, host, sizeof(host));
		snprintf(buf, n, "%s:%u", host, ntohs(sin->sin_port));
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)sa;

		inet_ntop(AF_INET6, &sin6->sin6_addr, host, sizeof(host));
		snprintf(buf, n, "[%s]:%u", host, ntohs(sin6->sin6_port));
	} else {
		snprintf(buf, n, "?");
	}
}

static int ipv4_is_public(uint32_t a)
{
	static const struct {
		uint32_t net, mask;
	} private[] = {
		{0x7f000000, 0xff000000}, /* 127/8 loopback */
		{0x0a000000, 0xff000000}, /* 10/8 */
		{0xac100000, 0xfff00000}, /* 172.16/12 */
		{0xc0a80000, 0xffff0000}, /* 192.168/16 */
		{0x64400000, 0xffc00000}, /* 100.64/10 shared address space */
		{0xa9fe0000, 0xffff0000}, /* 169.254/16 link-local */
	};

	for (size_t i = 0; i < ARRAY_SIZE(private); i++)
		if ((a & private[i].mask) == private[i].net)
			return 0;
	return 1;
}

int addr_is_public(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return ipv4_is_public(ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr));
	if (sa->sa_family == AF_INET6) {
		const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)->sin6_addr;
		uint32_t v4;

		if (IN6_IS_ADDR_V4MAPPED(a)) {
			memcpy(&v4, &a->s6_addr[12], sizeof(v4));
			return ipv4_is_public(ntohl(v4));
		}
		if (IN6_IS_ADDR_LOOPBACK(a) || IN6_IS_ADDR_LINKLOCAL(a))
			return 0;
		return (a->s6_addr[0] & 0xfe) != 0xfc; /* fc00::/7 unique local */
	}
	return 1;
}

int name_index(const char *const *names, size_t n, const char *s)
{
	for (size_t i = 0; s && i < n; i++)
		if (!strcmp(s, names[i]))
			return (int)i;
	return -1;
}

const char *name_at(const char *const *names, size_t n, int i)
{
	return i >= 0 && (size_t)i < n ? names[i] : "?";
}

int mkdir_p(const char *dir, mode_t mode)
{
	char tmp[PATH_MAX];
	size_t len = strlen(dir);

	if (len == 0 || len >= sizeof(tmp))
		return -ENAMETOOLONG;
	memcpy(tmp, dir, len + 1);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, mode) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(tmp, mode) && errno != EEXIST)
		return -errno;
	return 0;
}

int file_replace(const char *path, const void *buf, size_t len, mode_t mode)
{
	char tmp[PATH_MAX], dir[PATH_MAX];
	int fd, err = 0;

	if (snprintf(tmp, sizeof(tmp), "%s.new", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		return -errno;
	/* the mode asked for, whatever the umask or a stale tmp file had */
	if (fchmod(fd, mode) || write(fd, buf, len) != (ssize_t)len || fsync(fd))
		err = errno ? -errno : -EIO;
	if (close(fd) && !err)
		err = -errno;
	if (!err && rename(tmp, path))
		err = -errno;
	if (err) {
		unlink(tmp);
		return err;
	}
	snprintf(dir, sizeof(dir), "%s", path);
	fd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	return 0;
}

int dir_lock(const char *dir, long *holder)
{
	char path[PATH_MAX], pid[32];
	int fd, n;

	*holder = 0;
	if (snprintf(path, sizeof(path), "%s/lock", dir) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		int err = -errno;

		n = (int)pread(fd, pid, sizeof(pid) - 1, 0);
		pid[n > 0 ? n : 0] = 0;
		*holder = strtol(pid, NULL, 10);
		close(fd);
		return err == -EAGAIN ? -EWOULDBLOCK : err;
	}
	n = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) || pwrite(fd, pid, (size_t)n, 0) != n) {
		/* the lock holds all the same; the pid is for messages only */
	}
	return fd;
}

static int loop_prio; /* what sched_realtime() gave the loop's thread */

/* (on Linux, pid 0 is the calling thread) */
static int policy_now(void)
{
	return sched_getscheduler(0) & ~SCHED_RESET_ON_FORK; /* (the flag, if another set it) */
}

static int set_thread(int policy, int prio)
{
	struct sched_param sp = {.sched_priority = prio};

	return sched_setscheduler(0, policy, &sp) ? -errno : 0;
}

int sched_realtime(int prio)
{
	int rc = set_thread(SCHED_FIFO, prio);

	if (rc)
		return rc;
	loop_prio = prio;
	/* (on fault: thread stacks and arenas are locked as they are used, not
	 * reserved whole) */
	if (mlockall(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT))
		return -ENOMEM;
	return 0;
}

int sched_thread_normal(void)
{
	struct sched_param sp;

	if (policy_now() != SCHED_FIFO || sched_getparam(0, &sp) || set_thread(SCHED_OTHER, 0))
		return 0;
	return sp.sched_priority;
}

void sched_thread_restore(int prio)
{
	if (prio)
		set_thread(SCHED_FIFO, prio);
}

int sched_raise(void)
{
	return loop_prio && policy_now() == SCHED_OTHER && !set_thread(SCHED_FIFO, loop_prio);
}

void sched_lower(int raised)
{
	if (raised)
		set_thread(SCHED_OTHER, 0);
}

long file_read(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	if (n < 0) {
		n = -errno;
		close(fd);
		return n;
	}
	close(fd);
	buf[n] = '\0';
	return n;
}
