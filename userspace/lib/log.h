/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* log.h - the one logging function of vigil, and libbpf's messages routed into it. */
#ifndef VIGIL_LOG_H
#define VIGIL_LOG_H

#include <stddef.h>

enum log_level {
	LOG_LVL_ERR = 0,
	LOG_LVL_WARN,
	LOG_LVL_INFO,
	LOG_LVL_DEBUG,
};

void log_set_level(enum log_level lvl);
enum log_level log_get_level(void);
/* Parse "error", "warn", "info", "debug"; returns -1 if unknown. */
int log_level_parse(const char *s);
const char *log_level_name(enum log_level lvl);
/* Prefix every line with an ISO-8601 UTC time (agents) or not (CLI tools);
 * never in the journal, which stamps lines itself. */
void log_set_timestamps(int on);
/* Is stderr the journal (JOURNAL_STREAM names its device and inode)? */
int log_stderr_is_journal(void);
/* At start: in the journal, prefix lines with their syslog priority
 * ("<3>" err, "<4>" warning, "<6>" info, "<7>" debug). */
void log_init(void);

void vlog(enum log_level lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#include <stdarg.h>
void vlog_va(enum log_level lvl, const char *fmt, va_list ap);

/*
 * An event line: "event=NAME key=value ...", values without spaces. The
 * demo, the benchmarks and operators' log pipelines parse these (and only
 * these); docs/operations.md ("Event lines") lists every NAME and its keys,
 * and a check keeps that list and the code in step.
 */
#define log_event(lvl, name, fmt, ...) vlog(lvl, "event=" name " " fmt, __VA_ARGS__)
/* A free text as an event value: "%" and the spaces percent-encoded ("%25",
 * "%20"), so the value stays one word and reads back exactly; out (n bytes,
 * three times the text's length is always enough) is returned. */
const char *log_value(const char *text, char *out, size_t n);

#define log_err(...)   vlog(LOG_LVL_ERR, __VA_ARGS__)
#define log_warn(...)  vlog(LOG_LVL_WARN, __VA_ARGS__)
#define log_info(...)  vlog(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...) vlog(LOG_LVL_DEBUG, __VA_ARGS__)

#endif /* VIGIL_LOG_H */
