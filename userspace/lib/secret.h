/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * secret.h - a secret (a key, a password) read when it is needed: from a file,
 * or from a systemd credential ($CREDENTIALS_DIRECTORY/NAME, LoadCredential=
 * or LoadCredentialEncrypted= in the unit). Never logged by vigil.
 */
#ifndef VIGIL_SECRET_H
#define VIGIL_SECRET_H

#include <stddef.h>

/* The first line of file, or of credential name if file is empty, into out.
 * 0, or -1 with the reason (never the secret) in err. */
int secret_read(const char *file, const char *credential, char *out, size_t n, char *err,
		size_t errsz);
/* Overwrite a secret in memory (not optimised away). */
void secret_wipe(void *p, size_t n);

#endif /* VIGIL_SECRET_H */
