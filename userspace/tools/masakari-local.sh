#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# masakari-local.sh - run Debian 12's real masakari-api on loopback for vigil's
# tests, demo and benchmarks: sqlite database, no keystone (noauth2), no
# message bus, no Nova.
#
#   masakari-local.sh start DIR [PORT]   install if needed, configure, db sync, start;
#                                  prints MASAKARI_URL=… and MASAKARI_PID=…
#   masakari-local.sh stop DIR           stop the server started in DIR (by PID)
#   masakari-local.sh add-host DIR HOST  create segment "vigil" once, add HOST to it
#   masakari-local.sh recover DIR HOST   what masakari-engine does once it has
#                                  recovered HOST: its notifications finished,
#                                  the host left on_maintenance
#   masakari-local.sh maintenance DIR HOST true|false
#                                  set HOST's on_maintenance through the API, as
#                                  `openstack segment host update --on_maintenance` does
#   masakari-local.sh install            apt-get only
#
# Debian's masakari 14.0.2 needs two adjustments here, applied by a small
# launcher written into DIR (never to the installed package):
#  - python3-oslo.messaging 14.0.3 rebuilds the request context without
#    read_deleted before emitting a notification, and masakari then answers
#    every POST with 500; the launcher defaults read_deleted to "no".
#  - adding a host asks Nova (through keystone) whether a nova-compute service
#    of that name exists; with no Nova the launcher skips that check.
# Notifications stay in status "new": no masakari-engine runs (`recover`
# writes what it would into the database).
set -euo pipefail

PY=/usr/bin/python3 # the system interpreter, where Debian's modules live
ADDR=${MASAKARI_ADDR:-127.0.0.1} # listen address (MASAKARI_ADDR)

say() { echo "masakari-local.sh: $*" >&2; }
die() {
	say "error: $*"
	exit 1
}

installed() {
	local p
	for p in masakari-api python3-masakari; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || return 1
	done
}

install() {
	installed && return 0
	say "installing masakari-api (Debian package) ..."
	# The package's own service would start on the same port with a
	# keystone-only setup: keep maintainer scripts from starting it.
	local own_policy=0
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
		chmod 0755 /usr/sbin/policy-rc.d
		own_policy=1
	fi
	local rc=0
	DEBIAN_FRONTEND=noninteractive apt-get update -qq -o DPkg::Lock::Timeout=600 >/dev/null || rc=$?
	[ $rc -eq 0 ] && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		-o DPkg::Lock::Timeout=600 -o Dpkg::Options::=--force-confdef \
		-o Dpkg::Options::=--force-confold masakari-api python3-masakari >/dev/null || rc=$?
	[ $own_policy -eq 1 ] && rm -f /usr/sbin/policy-rc.d
	# If the package started its service anyway, stop it.
	systemctl stop masakari-api 2>/dev/null || true
	[ $rc -eq 0 ] || die "apt-get failed ($rc)"
	installed || die "masakari-api still not installed"
}

write_config() { # DIR PORT
	local d=$1 port=$2
	mkdir -p "$d/lock"
	cat >"$d/masakari.conf" <<EOF
[DEFAULT]
auth_strategy = noauth2
masakari_api_listen = $ADDR
masakari_api_listen_port = $port
masakari_api_workers = 1
transport_url = fake://
rpc_response_timeout = 5
duplicate_notification_detection_interval = ${MASAKARI_DUP_INTERVAL:-180}
debug = true
use_stderr = false
log_file = $d/api.log
[wsgi]
api_paste_config = $d/api-paste.ini
[database]
connection = sqlite:///$d/masakari.sqlite
[taskflow]
connection = sqlite:///$d/taskflow.sqlite
[oslo_concurrency]
lock_path = $d/lock
[oslo_messaging_notifications]
driver = noop
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
	cat >"$d/launch.py" <<'EOF'
"""Start masakari-api with the two adjustments vigil's tests need."""
import sys

import masakari.context
import masakari.ha.api

_from_dict = masakari.context.RequestContext.from_dict.__func__


def from_dict(cls, values, **kwargs):
    if values.get("read_deleted") is None:
        values = dict(values, read_deleted="no")
    return _from_dict(cls, values, **kwargs)


masakari.context.RequestContext.from_dict = classmethod(from_dict)
masakari.ha.api.HostAPI._is_valid_host_name = lambda self, ctx, name: None

from masakari.cmd import api  # noqa: E402

sys.argv[0] = "masakari-api"
sys.exit(api.main())
EOF
}

answers() { # URL: any HTTP status counts
	curl -s --noproxy '*' -o /dev/null -m 1 "$1"
}

ours() { # DIR: the recorded PID is alive and is our launcher
	local pid
	[ -s "$1/pid" ] || return 1
	pid=$(cat "$1/pid")
	kill -0 "$pid" 2>/dev/null && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF "$1/launch.py"
}

start() { # DIR [PORT]
	local d port pid
	d=$(mkdir -p "$1" && cd "$1" && pwd)
	port=${2:-15868}
	install
	if ours "$d"; then
		echo "MASAKARI_URL=http://$ADDR:$port/v1"
		echo "MASAKARI_PID=$(cat "$d/pid")"
		return 0
	fi
	answers "http://$ADDR:$port/" && die "port $port is already in use"
	write_config "$d" "$port"
	env -u PYTHONPATH -u PYTHONHOME "$PY" /usr/bin/masakari-manage \
		--config-file "$d/masakari.conf" db sync >"$d/db-sync.log" 2>&1 ||
		die "db sync failed (see $d/db-sync.log)"
	(
		cd "$d"
		exec env -u PYTHONPATH -u PYTHONHOME setsid "$PY" "$d/launch.py" \
			--config-file "$d/masakari.conf" </dev/null >>"$d/stdout.log" 2>&1
	) &
	pid=$!
	echo "$pid" >"$d/pid"
	for _ in $(seq 1 150); do
		if answers "http://$ADDR:$port/"; then
			say "masakari-api up on http://$ADDR:$port/v1 (pid $pid)"
			echo "MASAKARI_URL=http://$ADDR:$port/v1"
			echo "MASAKARI_PID=$pid"
			return 0
		fi
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.2
	done
	tail -n 20 "$d/stdout.log" "$d/api.log" >&2 2>/dev/null || true
	stop "$d" || true
	die "masakari-api did not come up"
}

stop() { # DIR
	local d=$1 pid
	ours "$d" || {
		rm -f "$d/pid"
		return 0
	}
	pid=$(cat "$d/pid")
	kill -TERM "$pid"
	for _ in $(seq 1 75); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.2
	done
	kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
	rm -f "$d/pid"
}

add_host() { # DIR HOST [PORT]
	local url=http://$ADDR:${3:-15868}/v1
	"$PY" - "$url" "$2" <<'EOF'
import json, sys, urllib.request, urllib.error
base, name = sys.argv[1], sys.argv[2]
def call(method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(base + path, data=data, method=method,
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, json.load(r)
    except urllib.error.HTTPError as e:
        return e.code, json.load(e)
_, r = call("GET", "/segments")
seg = next((s for s in r["segments"] if s["name"] == "vigil"), None)
if seg is None:
    code, r = call("POST", "/segments", {"segment": {"name": "vigil", "recovery_method": "auto",
                                                     "service_type": "COMPUTE"}})
    if code != 201:
        sys.exit("segment: %s %s" % (code, r))
    seg = r["segment"]
_, r = call("GET", "/segments/%s/hosts" % seg["uuid"])
if not any(h["name"] == name for h in r["hosts"]):
    code, r = call("POST", "/segments/%s/hosts" % seg["uuid"],
                   {"host": {"name": name, "type": "COMPUTE", "control_attributes": "SSH"}})
    if code != 201:
        sys.exit("host: %s %s" % (code, r))
EOF
}

recover() { # DIR HOST
	"$PY" - "$1/masakari.sqlite" "$2" <<'EOF'
import sqlite3, sys
db, name = sys.argv[1], sys.argv[2]
c = sqlite3.connect(db, timeout=10)
row = c.execute("SELECT uuid FROM hosts WHERE name = ? AND deleted = 0", (name,)).fetchone()
if row is None:
    sys.exit("no host %s" % name)
# masakari/engine/manager.py: a host's STOPPED sets on_maintenance, and the
# notification ends "finished".
c.execute("UPDATE hosts SET on_maintenance = 1 WHERE uuid = ?", row)
c.execute("UPDATE notifications SET status = 'finished' WHERE source_host_uuid = ? "
          "AND status IN ('new', 'running')", row)
c.commit()
EOF
}

maintenance() { # DIR HOST true|false [PORT]
	local url=http://$ADDR:${4:-15868}/v1
	"$PY" - "$url" "$2" "$3" <<'EOF'
import json, sys, urllib.request, urllib.error
base, name, on = sys.argv[1], sys.argv[2], sys.argv[3]
op = urllib.request.build_opener(urllib.request.ProxyHandler({}))
def call(method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(base + path, data=data, method=method,
                                 headers={"Content-Type": "application/json"})
    try:
        with op.open(req, timeout=10) as r:
            return r.status, json.load(r)
    except urllib.error.HTTPError as e:
        return e.code, json.load(e)
for s in call("GET", "/segments")[1]["segments"]:
    hosts = call("GET", "/segments/%s/hosts?name=%s" % (s["uuid"], name))[1]["hosts"]
    if hosts:
        code, r = call("PUT", "/segments/%s/hosts/%s" % (s["uuid"], hosts[0]["uuid"]),
                       {"host": {"on_maintenance": on}})
        sys.exit(0 if code == 200 else "update: %s %s" % (code, r))
sys.exit("no host %s" % name)
EOF
}

case "${1:-}" in
start) start "${2:?DIR}" "${3:-}" ;;
stop) stop "${2:?DIR}" ;;
add-host) add_host "${2:?DIR}" "${3:?HOST}" "${4:-}" ;;
recover) recover "${2:?DIR}" "${3:?HOST}" ;;
maintenance) maintenance "${2:?DIR}" "${3:?HOST}" "${4:?true|false}" "${5:-}" ;;
install) install ;;
*) die "usage: masakari-local.sh start|stop|add-host|recover|maintenance|install ..." ;;
esac
