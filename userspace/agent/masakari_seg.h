/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * masakari_seg.h - the zone as OpenStack knows it, for the reconciler
 * (reconciler.c) and `vigil check openstack`: Masakari's segment and its hosts
 * (read, create, add, remove, on_maintenance), Nova's aggregate, compute
 * services and hypervisors (read only). Blocking, on a worker thread or in
 * the CLI, through the notifier's Keystone client (masakari.c: the same
 * credentials, token, TLS options and timeouts). JSON through jansson.
 */
#ifndef VIGIL_MASAKARI_SEG_H
#define VIGIL_MASAKARI_SEG_H

#include <stddef.h>

#include "azsync.h"
#include "masakari.h"

/* What one call came to: 0 done (also "already so": a 409 on create), -1
 * failed with the reason in msg; *http the HTTP status (0: no answer). */
struct mk_result {
	long http;
	char msg[384];
};

/* The segment named name and its hosts into v (seg_read, seg_uuid, ...).
 * 0, or -1 (r says why; v->seg_read stays 0). */
int mk_segment_read(struct mk_client *c, const char *name, struct az_view *v, struct mk_result *r);
int mk_segment_create(struct mk_client *c, const char *name, const char *method,
		      struct mk_result *r);
int mk_segment_method(struct mk_client *c, const char *uuid, const char *method,
		      struct mk_result *r);
int mk_host_add(struct mk_client *c, const char *seg_uuid, const char *name, int on_maintenance,
		struct mk_result *r);
int mk_host_remove(struct mk_client *c, const char *seg_uuid, const char *host_uuid,
		   struct mk_result *r);
int mk_host_maintenance(struct mk_client *c, const char *seg_uuid, const char *host_uuid, int on,
			struct mk_result *r);

/* The hosts of the aggregates named name or in availability zone name,
 * into v (agg_read, agg_found, agg). url: a fixed compute endpoint, or ""
 * for the catalog's. 0, or -1 (r says why). */
int nova_aggregate_read(struct mk_client *c, const char *url, const char *name, struct az_view *v,
			struct mk_result *r);

/* A compute host as Nova reports it (os-services, os-hypervisors). */
struct nova_host {
	char host[64];	 /* the service's host name */
	char state[8];	 /* up, down */
	char status[16]; /* enabled, disabled */
	int forced_down;
	char hypervisor[64]; /* its hypervisor_hostname ("" = none listed) */
	char hv_state[8];    /* the hypervisor's state */
};

/* Every nova-compute service, with its hypervisor, into *out (malloc'd);
 * how many, or -1 (r says why). */
long nova_compute_hosts(struct mk_client *c, const char *url, struct nova_host **out,
			struct mk_result *r);

#endif /* VIGIL_MASAKARI_SEG_H */
