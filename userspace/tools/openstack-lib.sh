# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# openstack-lib.sh - what masakari-local.sh and openstack-local.sh share:
# installing Debian packages without letting their maintainer scripts start a
# service, starting a service as a tracked process (its PID in a file, its
# command line naming the state directory) and stopping it by that PID, and
# masakari's configuration and the launcher that adapts Debian's masakari
# 14.0.2 to this machine. Source it; set OL_PROG (the name in messages) first.

OL_PY=/usr/bin/python3 # the system interpreter, where Debian's modules live

say() { echo "${OL_PROG:-openstack-lib}: $*" >&2; }
die() {
	say "error: $*"
	exit 1
}

# ol_installed PKG...: every PKG is installed
ol_installed() {
	local p
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || return 1
	done
}

# ol_disable_units PKG...: disable the systemd units PKG... ship (systemctl
# works on the unit files without a running systemd): the launchers run
# these services themselves, and
# a packaged one started at boot would take their ports. (keystone.service
# also orders itself after itself, which systemd-analyze reports for every
# unit wanted by multi-user.target.)
ol_disable_units() {
	local p u
	for p in "$@"; do
		for u in $(dpkg -L "$p" 2>/dev/null | grep -E '^(/usr)?/lib/systemd/system/[^/]+\.service$'); do
			u=${u##*/}
			[ "$(systemctl is-enabled "$u" 2>/dev/null)" = enabled ] || continue
			systemctl disable --no-reload "$u" >/dev/null 2>&1 || true
		done
	done
}

# ol_apt_install PKG...: install the missing ones, non-interactively, with a
# policy-rc.d that forbids maintainer scripts to start services (PID 1 may
# not be systemd, and a packaged service would take the ports and the
# configuration the launchers want for themselves); their units disabled.
ol_apt_install() {
	ol_disable_units "$@"
	ol_installed "$@" && return 0
	say "installing $* (Debian packages) ..."
	local own_policy=0 rc=0
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
		chmod 0755 /usr/sbin/policy-rc.d
		own_policy=1
	fi
	DEBIAN_FRONTEND=noninteractive apt-get update -qq -o DPkg::Lock::Timeout=600 >/dev/null || rc=$?
	[ $rc -eq 0 ] && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		-o DPkg::Lock::Timeout=600 -o Dpkg::Options::=--force-confdef \
		-o Dpkg::Options::=--force-confold "$@" >/dev/null || rc=$?
	[ $own_policy -eq 1 ] && rm -f /usr/sbin/policy-rc.d
	[ $rc -eq 0 ] || die "apt-get failed ($rc)"
	ol_installed "$@" || die "$* still not installed"
	ol_disable_units "$@"
}

# ol_answers URL: something answers HTTP there (any status counts)
ol_answers() {
	curl -s --noproxy '*' -o /dev/null -m 1 "$1"
}

# ol_ours PIDFILE MARK: the recorded PID is alive and its command line or
# its environment holds MARK (the state directory; ol_spawn puts it in the
# environment as OL_STATE), so a reused PID is never taken for ours
ol_ours() {
	local pid
	[ -s "$1" ] || return 1
	pid=$(cat "$1")
	kill -0 "$pid" 2>/dev/null || return 1
	tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF "$2" ||
		tr '\0' '\n' <"/proc/$pid/environ" 2>/dev/null | grep -qxF "OL_STATE=$2"
}

# ol_spawn PIDFILE LOG CMD...: start CMD in a session of its own (so its
# children share its process group), record its PID; OL_STATE in its
# environment is the caller's OL_STATE (a MARK for ol_ours)
ol_spawn() {
	local pidfile=$1 log=$2
	shift 2
	OL_STATE=${OL_STATE:-} setsid "$@" </dev/null >>"$log" 2>&1 &
	echo $! >"$pidfile"
}

# ol_stop PIDFILE MARK [SIG]: stop the recorded process and its process group
# (SIG first, default TERM; KILL after 5 s)
ol_stop() {
	local pidfile=$1 mark=$2 sig=${3:-TERM} pid
	ol_ours "$pidfile" "$mark" || {
		rm -f "$pidfile"
		return 0
	}
	pid=$(cat "$pidfile")
	kill -"$sig" -- "-$pid" 2>/dev/null || kill -"$sig" "$pid" 2>/dev/null
	for _ in $(seq 1 25); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.2
	done
	kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
	rm -f "$pidfile"
}

# ol_masakari_config DIR ADDR PORT AUTH DB: masakari.conf and api-paste.ini
# in DIR. AUTH is noauth2 or keystone; DB an SQLAlchemy URL. The caller
# appends the sections its mode needs (message bus, keystone, engine).
ol_masakari_config() {
	local d=$1 addr=$2 port=$3 auth=$4 db=$5
	mkdir -p "$d/lock"
	cat >"$d/masakari.conf" <<EOF
[DEFAULT]
auth_strategy = $auth
masakari_api_listen = $addr
masakari_api_listen_port = $port
masakari_api_workers = 1
rpc_response_timeout = 5
duplicate_notification_detection_interval = ${MASAKARI_DUP_INTERVAL:-180}
debug = true
use_stderr = false
[wsgi]
api_paste_config = $d/api-paste.ini
[database]
connection = $db
[oslo_concurrency]
lock_path = $d/lock
EOF
	cat >"$d/api-paste.ini" <<'EOF'
[composite:masakari_api]
use = call:masakari.api.urlmap:urlmap_factory
/: apiversions
/v1: masakari_api_v1

[composite:masakari_api_v1]
use = call:masakari.api.auth:pipeline_factory_v1
keystone = cors http_proxy_to_wsgi request_id faultwrap sizelimit authtoken keystonecontext osapi_masakari_app_v1
noauth2 = cors http_proxy_to_wsgi request_id faultwrap sizelimit noauth2 osapi_masakari_app_v1

[filter:cors]
paste.filter_factory = oslo_middleware.cors:filter_factory
oslo_config_project = masakari

[filter:http_proxy_to_wsgi]
paste.filter_factory = oslo_middleware.http_proxy_to_wsgi:HTTPProxyToWSGI.factory

[filter:request_id]
paste.filter_factory = oslo_middleware:RequestId.factory

[filter:faultwrap]
paste.filter_factory = masakari.api.openstack:FaultWrapper.factory

[filter:sizelimit]
paste.filter_factory = oslo_middleware:RequestBodySizeLimiter.factory

[filter:authtoken]
paste.filter_factory = keystonemiddleware.auth_token:filter_factory

[filter:keystonecontext]
paste.filter_factory = masakari.api.auth:MasakariKeystoneContext.factory

[filter:noauth2]
paste.filter_factory = masakari.api.auth:NoAuthMiddleware.factory

[app:osapi_masakari_app_v1]
paste.app_factory = masakari.api.openstack.ha:APIRouterV1.factory

[pipeline:apiversions]
pipeline = faultwrap http_proxy_to_wsgi apiversionsapp

[app:apiversionsapp]
paste.app_factory = masakari.api.openstack.ha.versions:Versions.factory
EOF
	ol_masakari_launcher "$d"
}

# ol_masakari_launcher DIR: DIR/launch.py, which starts masakari-api or
# masakari-engine (first argument) with the adjustments Debian's 14.0.2 needs:
#  - python3-oslo.messaging 14.0.3 rebuilds the request context without
#    read_deleted before emitting a notification, and masakari then answers
#    every POST with 500; the launcher defaults read_deleted to "no".
#  - adding a host asks Nova (through keystone) whether a nova-compute service
#    of that name exists; with MASAKARI_NO_NOVA=1 in the environment (no Nova
#    at all) the launcher skips that check. With a Nova it stays: a Masakari
#    host must be named as Nova's compute service is.
ol_masakari_launcher() {
	cat >"$1/launch.py" <<'EOF'
"""Start masakari-api or masakari-engine with the adjustments vigil's tests need."""
import os
import sys

import masakari.context

_from_dict = masakari.context.RequestContext.from_dict.__func__


def from_dict(cls, values, **kwargs):
    if values.get("read_deleted") is None:
        values = dict(values, read_deleted="no")
    return _from_dict(cls, values, **kwargs)


masakari.context.RequestContext.from_dict = classmethod(from_dict)

what = sys.argv.pop(1)
if what == "api":
    if os.environ.get("MASAKARI_NO_NOVA") == "1":
        import masakari.ha.api
        masakari.ha.api.HostAPI._is_valid_host_name = lambda self, ctx, name: None
    from masakari.cmd import api as cmd  # noqa: E402
elif what == "engine":
    from masakari.cmd import engine as cmd  # noqa: E402
else:
    sys.exit("launch.py: api or engine, not %r" % what)

sys.argv[0] = "masakari-" + what
sys.exit(cmd.main())
EOF
}
