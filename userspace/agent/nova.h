/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * nova.h - after a confirmed fence, mark the host's nova-compute service
 * forced down (os-services, compute API microversion 2.53), so that Nova
 * lets Masakari evacuate at once instead of after service_down_time.
 * Blocking, on a worker thread (fencer.c), with the Keystone token of the
 * masakari.* credentials (masakari.c).
 */
#ifndef VIGIL_NOVA_H
#define VIGIL_NOVA_H

#include <stddef.h>

#include "masakari.h"

#define NOVA_MICROVERSION "2.53"

/* Force hostname's nova-compute service down. url: a fixed compute
 * endpoint (…/v2.1, no auth), or "" for the catalog's. 0, or -1 with the
 * reason in msg. */
int nova_force_down(struct mk_client *auth, const char *url, const char *hostname, char *msg,
		    size_t n);

#endif /* VIGIL_NOVA_H */
