// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * replay.c - a harness's main without libFuzzer: run every file named, and
 * every file of every directory named (in name order), once through
 * LLVMFuzzerTestOneInput. `make check` replays the committed corpus of each
 * harness this way, under AddressSanitizer and UBSan, so an input that once
 * crashed keeps proving its fix.
 *
 * Prints "N inputs" and exits 0; an input that still crashes dies in the
 * sanitizer's report (or the harness's invariant), its file named first.
 */
#include <dirent.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sanitizer/common_interface_defs.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
__attribute__((weak)) int LLVMFuzzerInitialize(int *argc, char ***argv);

static char current[4096];
static int inputs;
static FILE *err; /* stderr as it was: the harness may silence the stream */

static void say_current(void)
{
	static const char pre[] = "replay: crashed on ";

	if (write(2, pre, sizeof(pre) - 1) < 0 || write(2, current, strlen(current)) < 0 ||
	    write(2, "\n", 1) < 0)
		return;
}

static void on_abort(int sig)
{
	say_current();
	signal(sig, SIG_DFL);
	raise(sig);
}

static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	long n;

	if (!f || fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET)) {
		fprintf(err, "replay: cannot read %s\n", path);
		if (f)
			fclose(f);
		return -1;
	}
	/* Exactly n bytes, as libFuzzer hands them: a read past the end is caught. */
	buf = malloc(n ? (size_t)n : 1);
	if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
		fprintf(err, "replay: cannot read %s\n", path);
		free(buf);
		fclose(f);
		return -1;
	}
	fclose(f);
	snprintf(current, sizeof(current), "%s", path);
	LLVMFuzzerTestOneInput(buf, (size_t)n);
	free(buf);
	inputs++;
	return 0;
}

static int run_dir(const char *dir)
{
	struct dirent **names;
	char path[4096];
	int n, rc = 0;

	n = scandir(dir, &names, NULL, alphasort);
	if (n < 0) {
		fprintf(err, "replay: cannot list %s\n", dir);
		return -1;
	}
	for (int i = 0; i < n; i++) {
		if (names[i]->d_name[0] != '.') {
			snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
			rc |= run_file(path);
		}
		free(names[i]);
	}
	free(names);
	return rc;
}

int main(int argc, char **argv)
{
	struct stat st;
	int rc = 0;

	err = stderr;
	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
		return 2;
	}
	__sanitizer_set_death_callback(say_current);
	signal(SIGABRT, on_abort);
	if (LLVMFuzzerInitialize)
		LLVMFuzzerInitialize(&argc, &argv);
	for (int i = 1; i < argc; i++) {
		if (stat(argv[i], &st)) {
			fprintf(err, "replay: %s: not found\n", argv[i]);
			rc = 1;
		} else {
			rc |= S_ISDIR(st.st_mode) ? run_dir(argv[i]) : run_file(argv[i]);
		}
	}
	printf("%d inputs\n", inputs);
	return rc ? 1 : 0;
}
