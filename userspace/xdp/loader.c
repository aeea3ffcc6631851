// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* loader.c - life cycle of the XDP program and its pins. */
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "loader.h"
#include "log.h"
#include "util.h"
#include "vigil_xdp.skel.h"

#ifndef BPF_FS_MAGIC
#define BPF_FS_MAGIC 0xcafe4a11
#endif

int loader_prepare_pin_dir(const char *dir)
{
	struct statfs sfs;
	int err = mkdir_p(dir, 0700);

	if (err) {
		log_err("cannot create pin directory %s: %s", dir, strerror(-err));
		return err;
	}
	if (statfs(dir, &sfs)) {
		err = -errno;
		log_err("statfs %s: %s", dir, strerror(errno));
		return err;
	}
	if ((unsigned long)sfs.f_type != BPF_FS_MAGIC) {
		log_err("%s is not on a bpf filesystem; mount one (mount -t bpf bpf /sys/fs/bpf) "
			"or set \"bpffs\" in the configuration",
			dir);
		return -EINVAL;
	}
	return 0;
}

/* Pins of maps earlier versions had and this one does not: removed once
 * the new program is loaded (the old one keeps its own references until the
 * link swaps it out). "ratelimit": map ABI 1, now part of "probers". */
static const char *const retired_pins[] = {"ratelimit"};

/* Maps holding only what traffic rebuilds (counters; replay windows and
 * answer budgets): one pinned with another layout by an older version is
 * replaced, not a reason to refuse the upgrade. */
static const char *const soft_maps[] = {MAP_STATS, MAP_PROBERS};

static int map_fd(struct bpf_map *map)
{
	return bpf_map__fd(map);
}

/* The bpf_*_info of what is pinned at path. Returns 0 or -errno (-ENOENT:
 * nothing pinned there). */
static int pin_info(const char *path, void *info, __u32 len)
{
	int fd = bpf_obj_get(path), err = 0;

	if (fd < 0)
		return -errno;
	memset(info, 0, len);
	if (bpf_obj_get_info_by_fd(fd, info, &len))
		err = -errno;
	close(fd);
	return err;
}

static int is_soft_map(const char *name)
{
	for (size_t i = 0; i < sizeof(soft_maps) / sizeof(soft_maps[0]); i++)
		if (!strcmp(name, soft_maps[i]))
			return 1;
	return 0;
}

/*
 * If a soft map is pinned at path with a layout map cannot reuse, unpin it so
 * the load creates a new one. Every other map is left for libbpf to check
 * (and refuse). Returns 0 or -errno.
 */
static int replace_stale_soft_map(struct bpf_map *map, const char *path)
{
	struct bpf_map_info info;
	int err, same;

	if (!is_soft_map(bpf_map__name(map)))
		return 0;
	err = pin_info(path, &info, sizeof(info));
	if (err)
		return err == -ENOENT ? 0 : err; /* nothing pinned: created on load */
	same = info.type == bpf_map__type(map) && info.key_size == bpf_map__key_size(map) &&
	       info.value_size == bpf_map__value_size(map) &&
	       info.max_entries == bpf_map__max_entries(map) &&
	       info.map_flags == bpf_map__map_flags(map);
	if (same)
		return 0;
	log_info("pinned map %s has an older layout; replacing it (its contents start afresh)",
		 path);
	return unlink(path) ? -errno : 0;
}

/* Unpin the retired maps found in dir; returns how many there were. */
static int unpin_retired(const char *dir)
{
	char path[PATH_MAX];
	int n = 0;

	for (size_t i = 0; i < sizeof(retired_pins) / sizeof(retired_pins[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, retired_pins[i]);
		if (unlink(path) == 0) {
			log_info("removed %s, a map this version no longer uses", path);
			n++;
		}
	}
	return n;
}

int loader_load(struct loader *l, const struct loader_opts *o)
{
	struct bpf_map *map;
	char path[PATH_MAX];
	int err;

	memset(l, 0, sizeof(*l));
	l->link_fd = -1;
	maps_init(&l->maps);

	l->skel = vigil_xdp__open();
	if (!l->skel) {
		err = -errno;
		log_err("cannot open the XDP object: %s", strerror(errno));
		return err;
	}
	l->skel->rodata->cfg_port = o->port;
	l->skel->rodata->cfg_node_id = o->node_id;
	l->skel->rodata->cfg_cluster_id = o->cluster_id;
	l->skel->rodata->cfg_rl_rate = o->rl_rate;
	l->skel->rodata->cfg_rl_burst = o->rl_burst;
	l->skel->rodata->cfg_ack_max_age_ns = o->ack_max_age_ns;

	if (o->pin_dir) {
		err = loader_prepare_pin_dir(o->pin_dir);
		if (err)
			goto fail;
		/* Maps already pinned there are reused (libbpf checks they are
		 * compatible), so a restarted agent keeps the kernel's state. */
		bpf_object__for_each_map(map, l->skel->obj)
		{
			if (bpf_map__is_internal(map))
				continue;
			snprintf(path, sizeof(path), "%s/%s", o->pin_dir, bpf_map__name(map));
			err = replace_stale_soft_map(map, path);
			if (err) {
				log_err("pinned map %s: %s", path, strerror(-err));
				goto fail;
			}
			err = bpf_map__set_pin_path(map, path);
			if (err) {
				log_err("pin path %s: %s", path, strerror(-err));
				goto fail;
			}
		}
	}

	err = vigil_xdp__load(l->skel);
	if (err) {
		log_err("cannot load the XDP program: %s%s", strerror(-err),
			o->pin_dir ? " (if vigil was upgraded and a map layout changed, run "
				     "`vigil xdp detach` first)"
				   : "");
		goto fail;
	}
	l->prog_fd = bpf_program__fd(l->skel->progs.vigil_xdp);
	l->maps.peers = map_fd(l->skel->maps.peers);
	l->maps.inflight = map_fd(l->skel->maps.inflight);
	l->maps.self = map_fd(l->skel->maps.self);
	l->maps.keys = map_fd(l->skel->maps.keys);
	l->maps.stats = map_fd(l->skel->maps.stats);
	l->maps.probers = map_fd(l->skel->maps.probers);
	if (o->pin_dir)
		unpin_retired(o->pin_dir);
	return 0;
fail:
	vigil_xdp__destroy(l->skel);
	l->skel = NULL;
	return err;
}

/* The mode the kernel runs the XDP program of ifindex in (never auto);
 * XDP_MODE_AUTO if it cannot tell. */
static enum xdp_mode attached_mode(int ifindex)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);

	if (bpf_xdp_query(ifindex, 0, &q))
		return XDP_MODE_AUTO;
	switch (q.attach_mode) {
	case XDP_ATTACHED_SKB:
		return XDP_MODE_GENERIC;
	case XDP_ATTACHED_DRV:
		return XDP_MODE_NATIVE;
	default:
		return XDP_MODE_AUTO;
	}
}

static int link_create(struct loader *l, enum xdp_mode mode)
{
	LIBBPF_OPTS(bpf_link_create_opts, opts);

	opts.flags = mode == XDP_MODE_GENERIC ? XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE;
	return bpf_link_create(l->prog_fd, l->ifindex, BPF_XDP, &opts);
}

int loader_attach(struct loader *l, const struct loader_opts *o)
{
	struct bpf_link_info info;
	__u32 len = sizeof(info);
	char path[PATH_MAX];
	int fd, err;

	l->ifindex = (int)if_nametoindex(o->ifname);
	if (!l->ifindex) {
		err = -errno;
		log_err("interface %s: %s", o->ifname, strerror(errno));
		return err;
	}

	if (o->pin_dir) {
		snprintf(path, sizeof(path), "%s/%s", o->pin_dir, PIN_LINK);
		fd = bpf_obj_get(path);
		if (fd >= 0) {
			memset(&info, 0, sizeof(info));
			if (bpf_obj_get_info_by_fd(fd, &info, &len) == 0 &&
			    info.type == BPF_LINK_TYPE_XDP && (int)info.xdp.ifindex != l->ifindex &&
			    info.xdp.ifindex != 0) {
				log_err("%s is attached to ifindex %u, not %s; run `vigil xdp detach` "
					"to move it",
					path, info.xdp.ifindex, o->ifname);
				close(fd);
				return -EEXIST;
			}
			/* Swap the new program in atomically: the interface is
			 * never without an answering program. */
			if (bpf_link_update(fd, l->prog_fd, NULL) == 0) {
				l->link_fd = fd;
				l->reused_link = 1;
				l->attached = attached_mode(l->ifindex);
				log_info(
					"XDP program updated in place on %s (pinned link reused, %s "
					"mode)",
					o->ifname, xdp_mode_name(l->attached));
				/* A link keeps the mode it was made with; changing it
				 * takes a detach, and no probe is answered until the
				 * new link is made. */
				if (o->mode != XDP_MODE_AUTO && l->attached != XDP_MODE_AUTO &&
				    o->mode != l->attached)
					log_warn(
						"xdp_mode is %s but the pinned link on %s runs in %s "
						"mode, and keeps it: to change it, run `vigil xdp "
						"detach` and restart the agent in a maintenance "
						"window (the host answers no probe in between)",
						xdp_mode_name(o->mode), o->ifname,
						xdp_mode_name(l->attached));
				return 0;
			}
			log_warn("pinned link %s cannot be updated (%s); replacing it", path,
				 strerror(errno));
			unlink(path);
			close(fd);
		}
	}

	if (o->mode == XDP_MODE_AUTO) {
		fd = link_create(l, XDP_MODE_NATIVE);
		l->attached = XDP_MODE_NATIVE;
		if (fd < 0) {
			log_info("native XDP unavailable on %s (%s), using generic mode", o->ifname,
				 strerror(errno));
			fd = link_create(l, XDP_MODE_GENERIC);
			l->attached = XDP_MODE_GENERIC;
		}
	} else {
		fd = link_create(l, o->mode);
		l->attached = o->mode;
	}
	if (fd < 0) {
		err = -errno;
		log_err("cannot attach XDP (%s mode) to %s: %s%s", xdp_mode_name(o->mode),
			o->ifname, strerror(errno),
			errno == EBUSY || errno == EEXIST
				? " (another XDP program is attached; remove it or use `vigil xdp "
				  "detach`)"
				: "");
		return err;
	}
	l->link_fd = fd;
	if (o->pin_dir) {
		snprintf(path, sizeof(path), "%s/%s", o->pin_dir, PIN_LINK);
		if (bpf_obj_pin(fd, path)) {
			err = -errno;
			log_err("cannot pin link at %s: %s", path, strerror(errno));
			close(fd);
			l->link_fd = -1;
			return err;
		}
	}
	log_info("XDP program attached to %s in %s mode", o->ifname, xdp_mode_name(l->attached));
	return 0;
}

void loader_close(struct loader *l)
{
	if (l->link_fd >= 0)
		close(l->link_fd);
	l->link_fd = -1;
	if (l->skel)
		vigil_xdp__destroy(l->skel);
	l->skel = NULL;
	maps_init(&l->maps);
}

int loader_detach(const char *pin_dir)
{
	static const char *const pins[] = {PIN_LINK, MAP_PEERS, MAP_INFLIGHT, MAP_SELF,
					   MAP_KEYS, MAP_STATS, MAP_PROBERS};
	char path[PATH_MAX];
	int fd, found = 0;

	snprintf(path, sizeof(path), "%s/%s", pin_dir, PIN_LINK);
	fd = bpf_obj_get(path);
	if (fd >= 0) {
		found = 1;
		if (bpf_link_detach(fd))
			log_warn("detach %s: %s (unpinning anyway)", path, strerror(errno));
		close(fd);
	}
	for (size_t i = 0; i < sizeof(pins) / sizeof(pins[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", pin_dir, pins[i]);
		if (unlink(path) == 0)
			found = 1;
		else if (errno != ENOENT)
			log_warn("unlink %s: %s", path, strerror(errno));
	}
	if (unpin_retired(pin_dir))
		found = 1;
	if (rmdir(pin_dir) && errno != ENOENT)
		log_warn("rmdir %s: %s", pin_dir, strerror(errno));
	return found ? 0 : -ENOENT;
}

int loader_link_ifindex(const char *pin_dir)
{
	struct bpf_link_info info;
	char path[PATH_MAX];
	int err;

	snprintf(path, sizeof(path), "%s/%s", pin_dir, PIN_LINK);
	err = pin_info(path, &info, sizeof(info));
	if (err)
		return err;
	return info.type == BPF_LINK_TYPE_XDP ? (int)info.xdp.ifindex : -EINVAL;
}

int loader_status(const char *pin_dir, struct loader_status *st)
{
	struct bpf_link_info info;
	struct bpf_prog_info pinfo;
	__u32 plen = sizeof(pinfo);
	char path[PATH_MAX];
	int err, pfd;

	memset(st, 0, sizeof(*st));
	snprintf(path, sizeof(path), "%s/%s", pin_dir, PIN_LINK);
	err = pin_info(path, &info, sizeof(info));
	if (err)
		return err;
	st->link_id = info.id;
	st->prog_id = info.prog_id;
	st->ifindex = (int)info.xdp.ifindex;
	st->attached = st->ifindex != 0;
	pfd = bpf_prog_get_fd_by_id(info.prog_id);
	if (pfd >= 0) {
		memset(&pinfo, 0, sizeof(pinfo));
		if (bpf_obj_get_info_by_fd(pfd, &pinfo, &plen) == 0)
			snprintf(st->prog_name, sizeof(st->prog_name), "%s", pinfo.name);
		close(pfd);
	}
	if (st->attached) {
		enum xdp_mode m = attached_mode(st->ifindex);

		if (m != XDP_MODE_AUTO)
			st->xdp_flags =
				m == XDP_MODE_GENERIC ? XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE;
	}
	return 0;
}

void loader_opts_from_config(const struct vigil_config *c, struct loader_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->ifname = c->interface[0] ? c->interface : NULL;
	o->pin_dir = c->pin_dir;
	o->mode = (enum xdp_mode)c->xdp_mode;
	o->port = (uint16_t)c->port;
	o->node_id = c->node_id;
	o->cluster_id = c->cluster_id;
	o->rl_rate = c->rate_limit_pps;
	o->rl_burst = c->rate_limit_burst;
	o->ack_max_age_ns = (uint64_t)c->ack_max_age_ms * NSEC_PER_MSEC;
}

int loader_bringup(const struct vigil_config *c, struct loader *l)
{
	struct vigil_keyring kr;
	struct loader_opts o;
	struct vigil_self me;
	char msg[512];
	int err;

	if (config_check_agent(c, "configuration", msg, sizeof(msg))) {
		log_err("%s", msg);
		return -1;
	}
	loader_opts_from_config(c, &o);
	err = loader_load(l, &o);
	if (err)
		return err;
	config_keyring(c, &kr);
	err = maps_set_keys(&l->maps, &kr);
	/* A self value of a readable older ABI keeps its incarnation and
	 * heartbeat (restamped); anything else starts from zero. */
	if (!err && (maps_get_self(&l->maps, &me) || !maps_abi_readable(me.abi)))
		err = maps_set_self(&l->maps, 0, 0);
	else if (!err && me.abi != VIGIL_MAP_ABI)
		err = maps_set_self(&l->maps, me.incarnation, me.heartbeat);
	if (err) {
		log_err("cannot initialise the maps: %s", strerror(-err));
		loader_close(l);
		return err;
	}
	err = loader_attach(l, &o);
	if (err)
		loader_close(l);
	return err;
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	vlog_va(level == LIBBPF_WARN ? LOG_LVL_INFO : LOG_LVL_DEBUG, fmt, ap);
	return 0;
}

void loader_route_libbpf_logs(void)
{
	libbpf_set_print(libbpf_print);
}
