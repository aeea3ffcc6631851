// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * log.c - leveled logging to stderr. When stderr is the journal (systemd
 * says so in JOURNAL_STREAM), each line starts with its syslog priority,
 * "<3>" to "<7>", which journald strips and records, so `journalctl -p err`
 * selects; journald stamps the time itself. Otherwise a line is
 * "[TIMESTAMP ]level: message".
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "log.h"
#include "util.h"

static enum log_level cur_level = LOG_LVL_INFO;
static int with_time;
static int to_journal;

static const char *const level_names[] = {
	[LOG_LVL_ERR] = "error",
	[LOG_LVL_WARN] = "warn",
	[LOG_LVL_INFO] = "info",
	[LOG_LVL_DEBUG] = "debug",
};

/* sd-daemon.h's priority prefixes, as journald reads them. */
static const char *const level_prefixes[] = {
	[LOG_LVL_ERR] = SD_ERR,
	[LOG_LVL_WARN] = SD_WARNING,
	[LOG_LVL_INFO] = SD_INFO,
	[LOG_LVL_DEBUG] = SD_DEBUG,
};

void log_set_level(enum log_level lvl)
{
	cur_level = lvl;
}

enum log_level log_get_level(void)
{
	return cur_level;
}

int log_level_parse(const char *s)
{
	for (unsigned i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++)
		if (!strcmp(s, level_names[i]))
			return (int)i;
	return -1;
}

const char *log_level_name(enum log_level lvl)
{
	return lvl <= LOG_LVL_DEBUG ? level_names[lvl] : "?";
}

void log_set_timestamps(int on)
{
	with_time = on;
}

int log_stderr_is_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;
	char end;

	/* "DEVICE:INODE" of the stream systemd connected; stderr may have
	 * been redirected since (a child's 2>file), so compare. */
	if (!js || sscanf(js, "%llu:%llu%c", &dev, &ino, &end) != 2 || fstat(STDERR_FILENO, &st))
		return 0;
	return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

void log_init(void)
{
	to_journal = log_stderr_is_journal();
}

void vlog_va(enum log_level lvl, const char *fmt, va_list ap)
{
	const char *prio;
	char head[40] = "", small[1024], *msg = small, *out;
	size_t n, len, lines = 0;
	va_list ap2;
	int m;

	if (lvl > cur_level || lvl > LOG_LVL_DEBUG)
		return;
	prio = to_journal ? level_prefixes[lvl] : "";
	va_copy(ap2, ap);
	m = vsnprintf(small, sizeof(small), fmt, ap);
	if (m >= (int)sizeof(small) && !(msg = malloc((size_t)m + 1)))
		msg = small; /* truncated rather than lost */
	else if (msg != small)
		vsnprintf(msg, (size_t)m + 1, fmt, ap2);
	va_end(ap2);
	if (m < 0)
		return;
	n = strlen(msg);
	if (n && msg[n - 1] == '\n')
		msg[--n] = '\0';
	if (with_time && !to_journal) {
		utc_format(now_real_ns(), 3, 1, head, sizeof(head) - 1);
		strcat(head, " ");
	}
	for (const char *p = msg; (p = strchr(p, '\n')); p++)
		lines++;
	/* One write per message, so the lines of two threads never mix. In
	 * the journal every line of a message carries its priority (journald
	 * takes a line without one as info). */
	out = malloc(strlen(prio) * (lines + 1) + strlen(head) + 8 + n + 2);
	if (!out) {
		fprintf(stderr, "%s%s%s: %s\n", prio, head, level_names[lvl], msg);
	} else {
		len = (size_t)sprintf(out, "%s%s%s: ", prio, head, level_names[lvl]);
		for (const char *p = msg; *p; p++) {
			out[len++] = *p;
			if (*p == '\n')
				len += (size_t)sprintf(out + len, "%s", prio);
		}
		out[len++] = '\n';
		fwrite(out, 1, len, stderr);
		free(out);
	}
	if (msg != small)
		free(msg);
}

void vlog(enum log_level lvl, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog_va(lvl, fmt, ap);
	va_end(ap);
}

const char *log_value(const char *text, char *out, size_t n)
{
	size_t o = 0;

	for (; *text && o + 4 <= n; text++) {
		if (*text == ' ' || *text == '%')
			o += (size_t)snprintf(out + o, n - o, "%%%02X", (unsigned char)*text);
		else
			out[o++] = *text;
	}
	if (n)
		out[o < n ? o : n - 1] = '\0';
	return out;
}
