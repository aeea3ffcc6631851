// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_log.c - the log line formats: "[TIME ]level: message" on a terminal
 * or a file, and syslog priority prefixes when stderr is the journal
 * (JOURNAL_STREAM names stderr's device and inode, as systemd sets it).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "log.h"

static char path[] = "/tmp/vigil-test-log.XXXXXX";
static int saved_stderr = -1;

/* stderr goes to a fresh temporary file until captured() */
static void capture(void)
{
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	fflush(stderr);
	saved_stderr = dup(STDERR_FILENO);
	assert_true(dup2(fd, STDERR_FILENO) >= 0);
	close(fd);
}

/* what was logged since capture(); stderr restored */
static char *captured(void)
{
	static char buf[4096];
	FILE *f;
	size_t n;

	fflush(stderr);
	dup2(saved_stderr, STDERR_FILENO);
	close(saved_stderr);
	f = fopen(path, "r");
	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	unlink(path);
	strcpy(path + strlen(path) - 6, "XXXXXX");
	return buf;
}

static void set_journal_stream_to_stderr(void)
{
	struct stat st;
	char v[64];

	assert_int_equal(fstat(STDERR_FILENO, &st), 0);
	snprintf(v, sizeof(v), "%llu:%llu", (unsigned long long)st.st_dev,
		 (unsigned long long)st.st_ino);
	setenv("JOURNAL_STREAM", v, 1);
}

static void log_every_level(void)
{
	log_set_level(LOG_LVL_DEBUG);
	log_err("disk %s", "gone");
	log_warn("slow");
	log_info("started");
	log_debug("detail");
	log_event(LOG_LVL_INFO, "state", "member=%s from=%s to=%s", "hv2", "alive", "dead");
}

static void test_plain_lines(void **state)
{
	unsetenv("JOURNAL_STREAM");
	capture();
	log_init();
	log_set_timestamps(0);
	log_every_level();
	assert_string_equal(captured(), "error: disk gone\nwarn: slow\ninfo: started\n"
					"debug: detail\ninfo: event=state member=hv2 from=alive "
					"to=dead\n");
}

static void test_journal_priorities(void **state)
{
	capture();
	set_journal_stream_to_stderr();
	log_init();
	log_set_timestamps(1); /* journald stamps lines: no time of our own */
	log_every_level();
	log_err("two\nlines\n");
	unsetenv("JOURNAL_STREAM");
	log_init();
	log_set_timestamps(0);
	assert_string_equal(captured(), "<3>error: disk gone\n<4>warn: slow\n<6>info: started\n"
					"<7>debug: detail\n<6>info: event=state member=hv2 "
					"from=alive to=dead\n<3>error: two\n<3>lines\n");
}

/* A JOURNAL_STREAM inherited from a parent whose stderr was the journal,
 * while this process's stderr is a file: no prefixes. */
static void test_journal_stream_of_another_file(void **state)
{
	setenv("JOURNAL_STREAM", "1:1", 1);
	capture();
	log_init();
	log_set_timestamps(0);
	log_warn("w");
	unsetenv("JOURNAL_STREAM");
	log_init();
	assert_string_equal(captured(), "warn: w\n");
}

static void test_timestamps_utc(void **state)
{
	char *out;

	unsetenv("JOURNAL_STREAM");
	capture();
	log_init();
	log_set_timestamps(1);
	log_info("x");
	log_set_timestamps(0);
	out = captured();
	/* 2026-12-01T10:00:00.123Z info: x */
	assert_int_equal(strlen(out), 24 + 9);
	assert_true(out[4] == '-' && out[10] == 'T' && out[19] == '.' && out[23] == 'Z');
	assert_string_equal(out + 24, " info: x\n");
}

static void test_long_message_whole(void **state)
{
	char big[3000], *out;

	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	unsetenv("JOURNAL_STREAM");
	capture();
	log_init();
	log_set_timestamps(0);
	log_info("%s", big);
	out = captured();
	assert_int_equal(strlen(out), strlen("info: ") + sizeof(big) - 1 + 1);
}

/* A free text in an event line stays one value: spaces and "%" encoded,
 * never cut inside an escape, always terminated. */
static void test_event_value(void **state)
{
	char out[64], small[8];

	(void)state;
	assert_string_equal(log_value("RMA 4711: 100% dead", out, sizeof(out)),
			    "RMA%204711:%20100%25%20dead");
	assert_string_equal(log_value("", out, sizeof(out)), "");
	/* 8 bytes: "a%20b" fits, the next escape would not */
	assert_string_equal(log_value("a b c d", small, sizeof(small)), "a%20b");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_lines),
		cmocka_unit_test(test_journal_priorities),
		cmocka_unit_test(test_journal_stream_of_another_file),
		cmocka_unit_test(test_timestamps_utc),
		cmocka_unit_test(test_long_message_whole),
		cmocka_unit_test(test_event_value),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
