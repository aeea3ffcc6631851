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
# Debian's masakari 14.0.2 needs two adjustments here (openstack-lib.sh,
# ol_masakari_launcher), applied by a small launcher written into DIR, never
# to the installed package; with no Nova the launcher also skips the check of
# a new host's name against Nova's compute services.
# Notifications stay in status "new": no masakari-engine runs (`recover`
# writes what it would into the database; openstack-local.sh runs the whole
# chain: Keystone, Nova, the engine).
set -euo pipefail

OL_PROG=masakari-local.sh
. "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/openstack-lib.sh"
PY=$OL_PY
ADDR=${MASAKARI_ADDR:-127.0.0.1} # listen address (MASAKARI_ADDR)

install() { ol_apt_install masakari-api python3-masakari; }

write_config() { # DIR PORT
	local d=$1
	ol_masakari_config "$d" "$ADDR" "$2" noauth2 "sqlite:///$d/masakari.sqlite"
	cat >>"$d/masakari.conf" <<EOF
[DEFAULT]
transport_url = fake://
log_file = $d/api.log
[taskflow]
connection = sqlite:///$d/taskflow.sqlite
[oslo_messaging_notifications]
driver = noop
EOF
}

ours() { ol_ours "$1/pid" "$1/launch.py"; } # DIR

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
	ol_answers "http://$ADDR:$port/" && die "port $port is already in use"
	write_config "$d" "$port"
	env -u PYTHONPATH -u PYTHONHOME "$PY" /usr/bin/masakari-manage \
		--config-file "$d/masakari.conf" db sync >"$d/db-sync.log" 2>&1 ||
		die "db sync failed (see $d/db-sync.log)"
	(cd "$d" && MASAKARI_NO_NOVA=1 ol_spawn "$d/pid" "$d/stdout.log" env -u PYTHONPATH -u PYTHONHOME \
		"$PY" "$d/launch.py" api --config-file "$d/masakari.conf")
	pid=$(cat "$d/pid")
	for _ in $(seq 1 150); do
		if ol_answers "http://$ADDR:$port/"; then
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

stop() { ol_stop "$1/pid" "$1/launch.py"; } # DIR

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
    # 14.0.2 ignores ?name=: match the name here.
    hosts = [h for h in call("GET", "/segments/%s/hosts?name=%s" % (s["uuid"], name))[1]["hosts"]
             if h["name"] == name]
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
