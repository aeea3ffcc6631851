/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * loader.h - open, configure, load, pin and attach the XDP program; reuse a
 * pinned link on restart (swapping in the new program without a gap); detach.
 */
#ifndef VIGIL_LOADER_H
#define VIGIL_LOADER_H

#include <stdint.h>

#include "config.h"
#include "maps.h"

struct loader_opts {
	const char *ifname;  /* cluster interface; NULL = load only (tests) */
	const char *pin_dir; /* e.g. /sys/fs/bpf/vigil/<cluster>; NULL = no pins */
	enum xdp_mode mode;
	uint16_t port;
	uint32_t node_id;
	uint32_t cluster_id;
	uint32_t rl_rate; /* answers per second per source */
	uint32_t rl_burst;
	uint64_t ack_max_age_ns;
};

struct vigil_xdp; /* the generated skeleton */

struct loader {
	struct vigil_xdp *skel; /* owns the program and the map fds */
	struct vigil_maps maps; /* borrowed fds of skel's maps */
	int prog_fd;
	int link_fd; /* -1 until attached */
	int ifindex;
	enum xdp_mode attached; /* mode actually in use */
	int reused_link;	/* 1 if an existing pinned link was updated */
};

/* Open the skeleton, set its rodata, reuse or pin maps, load (verify). */
int loader_load(struct loader *l, const struct loader_opts *o);
/* Attach to o->ifname: update the pinned link if there is one, else create
 * and pin a new link. */
int loader_attach(struct loader *l, const struct loader_opts *o);
/* Release our references; pinned objects stay, so the program keeps running. */
void loader_close(struct loader *l);
/* Remove the program from its interface and delete every pin under pin_dir. */
int loader_detach(const char *pin_dir);

struct loader_status {
	int attached; /* a pinned link exists and is attached */
	int ifindex;
	uint32_t prog_id;
	uint32_t link_id;
	uint32_t xdp_flags; /* XDP_FLAGS_* of the link */
	char prog_name[16];
};
/* The interface index the XDP link pinned under pin_dir is attached to: 0
 * if it was detached (its interface deleted, `vigil xdp detach`), -ENOENT if
 * nothing is pinned, else -errno. Two system calls. */
int loader_link_ifindex(const char *pin_dir);
/* What is pinned under pin_dir, without loading anything. */
int loader_status(const char *pin_dir, struct loader_status *st);

/* Loader options as the configuration sets them. */
void loader_opts_from_config(const struct vigil_config *c, struct loader_opts *o);
/* Load, attach and key the XDP program as the configuration says (the
 * agent at start, `vigil xdp attach`). 0 or -errno, logged. */
int loader_bringup(const struct vigil_config *c, struct loader *l);
/* Route libbpf's messages into vlog, one level down (its warnings are
 * logged as info, its info as debug). */
void loader_route_libbpf_logs(void);

/* Make sure dir is a directory on a bpffs (creating it); -errno with a log line. */
int loader_prepare_pin_dir(const char *dir);

#endif /* VIGIL_LOADER_H */
