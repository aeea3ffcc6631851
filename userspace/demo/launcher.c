// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* launcher.c - the real masakari-api for the demo, through the project's launcher
 * (userspace/tools/masakari-local.sh), in the switch namespace. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "util.h"
#include "world.h"

/* The launcher: $VIGIL_MASAKARI_LAUNCHER, else next to this binary in a build
 * tree (O/vigil -> userspace/tools/) or an install (PREFIX/sbin/vigil -> PREFIX/share/vigil/). */
static int launcher_find(const struct demo *d, char *out, size_t n)
{
	static const char *const rel[] = {"../userspace/tools/masakari-local.sh",
					  "../share/vigil/masakari-local.sh",
					  "../../userspace/tools/masakari-local.sh"};
	const char *env = getenv("VIGIL_MASAKARI_LAUNCHER");
	char dir[PATH_MAX], *slash;

	if (env && *env) {
		snprintf(out, n, "%s", env);
		return access(out, R_OK);
	}
	snprintf(dir, sizeof(dir), "%s", d->exe);
	slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(rel); i++)
		if ((size_t)snprintf(out, n, "%s/%s", dir, rel[i]) < n && !access(out, R_OK))
			return 0;
	return -1;
}

/* Start the real masakari-api in the switch namespace through the project's
 * launcher and register compute-1..N in segment "vigil". On failure the demo
 * goes on without it; mk_skip says why. */
void launcher_start(struct demo *d)
{
	char launcher[PATH_MAX], mkdir_[PATH_MAX + 16], log[PATH_MAX + 32], addr[40], env[64];
	char why[400];
	int rc;

	if (launcher_find(d, launcher, sizeof(launcher))) {
		snprintf(
			d->mk_skip, sizeof(d->mk_skip),
			"the masakari-api launcher (share/vigil/masakari-local.sh, or "
			"userspace/tools/masakari-local.sh in a source tree) was not found near this "
			"binary; set VIGIL_MASAKARI_LAUNCHER");
		return;
	}
	snprintf(addr, sizeof(addr), "%s.1/24", d->net);
	if (netns_ip_cmd(d, "-n", d->sw, "addr", "add", addr, "dev", "br0")) {
		snprintf(d->mk_skip, sizeof(d->mk_skip), "cannot address the bridge");
		return;
	}
	snprintf(mkdir_, sizeof(mkdir_), "%s/masakari", d->dir);
	snprintf(log, sizeof(log), "%s/masakari-launcher.log", d->dir);
	snprintf(env, sizeof(env), "MASAKARI_ADDR=%s.1", d->net);
	if (access("/usr/bin/masakari-api", X_OK))
		say(d, "installing masakari-api from Debian (first run only, about 2 minutes) ...");
	/* Install here, in our own namespace: the switch namespace it then
	 * runs in reaches no package mirror. */
	rc = procs_run(log, MK_START_MS, 1, (char *const[]){"bash", launcher, "install", NULL});
	if (!rc)
		rc = procs_run(log, MK_START_MS, 1,
			       (char *const[]){"ip", "netns", "exec", d->sw, "env", env, "bash",
					       launcher, "start", mkdir_, DEMO_MK_PORT, NULL});
	if (demo_stop)
		return;
	for (int i = 1; !rc && i <= d->nhosts; i++) {
		char host[32];

		snprintf(host, sizeof(host), "compute-%d", i);
		rc = procs_run(log, 30000, 1,
			       (char *const[]){"ip", "netns", "exec", d->sw, "env", env, "bash",
					       launcher, "add-host", mkdir_, host, DEMO_MK_PORT,
					       NULL});
	}
	if (rc) {
		procs_last_line(log, why, sizeof(why));
		snprintf(d->mk_skip, sizeof(d->mk_skip), "masakari-api could not be started: %s",
			 why);
		return;
	}
	snprintf(d->mk_addr, sizeof(d->mk_addr), "%s.1:%s", d->net, DEMO_MK_PORT);
}

/* Masakari's own word: the notification it holds for the victim. */
int launcher_confirm(struct demo *d)
{
	json_t *r = netns_get(d, d->swfd, d->mk_addr, "/v1/notifications"), *n;
	size_t i;
	int found = 0;

	json_array_foreach(json_object_get(r, "notifications"), i, n)
	{
		json_t *p = json_object_get(n, "payload");
		const char *uuid = json_string_value(json_object_get(n, "notification_uuid"));

		if (strcmp(json_string_value(json_object_get(p, "event")) ?: "", "STOPPED") ||
		    !uuid)
			continue;
		snprintf(d->what[ST_NOTIFIED], sizeof(d->what[ST_NOTIFIED]),
			 "Masakari accepted notification %.8s… for compute-%d (HTTP 202, status "
			 "%s)",
			 uuid, d->victim, json_string_value(json_object_get(n, "status")) ?: "?");
		found = 1;
	}
	json_decref(r);
	return found;
}
