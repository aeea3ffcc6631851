// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* secret.c - secrets from files and systemd credentials. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "secret.h"

void secret_wipe(void *p, size_t n)
{
	explicit_bzero(p, n);
}

int secret_read(const char *file, const char *credential, char *out, size_t n, char *err,
		size_t errsz)
{
	char path[512];
	const char *dir;
	FILE *f;
	size_t len;

	out[0] = '\0';
	if (file && *file) {
		snprintf(path, sizeof(path), "%s", file);
	} else if (credential && *credential) {
		dir = getenv("CREDENTIALS_DIRECTORY");
		if (!dir || !*dir || strchr(credential, '/')) {
			snprintf(err, errsz, "credential \"%s\": %s", credential,
				 strchr(credential, '/') ? "a credential is a name, not a path"
							 : "CREDENTIALS_DIRECTORY is not set (add "
							   "LoadCredential= to the unit)");
			return -1;
		}
		snprintf(path, sizeof(path), "%s/%s", dir, credential);
	} else {
		return 0; /* no secret configured */
	}
	f = fopen(path, "r");
	if (!f) {
		snprintf(err, errsz, "cannot read the secret in %s: %s", path, strerror(errno));
		return -1;
	}
	if (!fgets(out, (int)n, f))
		out[0] = '\0';
	fclose(f);
	len = strcspn(out, "\r\n");
	out[len] = '\0';
	if (!len) {
		snprintf(err, errsz, "%s is empty", path);
		return -1;
	}
	return 0;
}
