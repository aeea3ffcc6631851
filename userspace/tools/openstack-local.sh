#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# openstack-local.sh - a small real OpenStack on one machine, from Debian 12's
# own packages, for vigil's end-to-end tests and trials: MariaDB, RabbitMQ,
# Keystone, Glance, Placement, Nova (api, conductor, scheduler, and one
# nova-compute per hypervisor with Nova's fake virt driver), masakari-api and
# masakari-engine. Every process is started by this script, recorded by PID
# in the state directory and stopped by that PID; nothing is left to a
# package's service scripts.
#
#   openstack-local.sh install                 apt-get the packages only
#   openstack-local.sh start DIR               install if needed, configure, sync the
#                                              databases, start the control services;
#                                              prints OS_*=… lines (also in DIR/openrc)
#   openstack-local.sh compute-start DIR HOST  start nova-compute for HOST in the
#                                              caller's network namespace, wait until
#                                              Nova schedules to it
#   openstack-local.sh compute-stop DIR HOST [KILL]  stop it (KILL: as a crash)
#   openstack-local.sh discover DIR            map the new nova-computes to the cell
#                                              (nova-manage cell_v2 discover_hosts), once
#                                              after starting them; Nova schedules to a
#                                              host only once it is mapped
#   openstack-local.sh client DIR CMD ...      openstack-client.py with the rig's
#                                              credentials (segment, boot, notify, ...)
#   openstack-local.sh status DIR              every process: name, PID, running or not
#   openstack-local.sh stop DIR                stop everything started in DIR
#
# Environment: OPENSTACK_ADDR (listen address of every service, default
# 127.0.0.1; the nova-computes reach the services there), OPENSTACK_DEBUG
# (true: debug logs, default false), OPENSTACK_CACHE (where the first start
# keeps the migrated databases for the next ones, default
# /var/cache/vigil/openstack; "none": migrate every time), and the settings
# the end-to-end benchmark varies, each with its upstream default:
#   NOVA_SERVICE_DOWN_TIME (60)        Nova's service_down_time
#   NOVA_REPORT_INTERVAL (10)          how often a nova-compute reports in
#   MASAKARI_WAIT_SERVICE_UPDATE (180) masakari-engine's wait_period_after_service_update
#   MASAKARI_WAIT_EVACUATION (90)      masakari-engine's wait_period_after_evacuation
#   MASAKARI_DUP_INTERVAL (180)        duplicate_notification_detection_interval
#
# Choices, for a 2-core machine: one MariaDB (unix socket only, no fsync: the
# state is thrown away with DIR) for every service, since Nova's api, conductor
# and scheduler write one database from several processes, which sqlite does
# not take well; one worker per service; no Neutron: instances boot with
# networks "none", and a stand-in (DIR/neutron.py) answers the read-only
# calls Nova makes about ports anyway (an empty list) - the one piece that is
# not Debian's.
set -euo pipefail

OL_PROG=openstack-local.sh
TOOLS=$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")
. "$TOOLS/openstack-lib.sh"
PY=$OL_PY
ADDR=${OPENSTACK_ADDR:-127.0.0.1}
PKGS=(mariadb-server rabbitmq-server keystone glance-api placement-api nova-api
	nova-conductor nova-scheduler python3-nova masakari-api masakari-engine uwsgi-plugin-python3)
# Ports: Keystone 5000, Glance 9292, Placement 8778, Nova 8774, Neutron's
# stand-in 9696, Masakari 15868, RabbitMQ 5672 (+ 25672, epmd 4369).
P_KEYSTONE=5000 P_GLANCE=9292 P_PLACEMENT=8778 P_NOVA=8774 P_NEUTRON=9696 P_MASAKARI=15868 P_RABBIT=5672
DATABASES="keystone glance placement nova_api nova nova_cell0 masakari"
CACHE=${OPENSTACK_CACHE:-/var/cache/vigil/openstack}
[ "$CACHE" = none ] && CACHE=/nonexistent
FRESH=1
SERVICES=(mysql epmd rabbit keystone glance placement neutron nova-api nova-conductor
	nova-scheduler masakari-api masakari-engine)

install() { ol_apt_install "${PKGS[@]}"; }

# run CMD...: a command with the system interpreter's environment
run() { env -u PYTHONPATH -u PYTHONHOME "$@"; }

pidf() { echo "$D/pids/$1.pid"; } # NAME
alive() { ol_ours "$(pidf "$1")" "$D"; }

# spawn NAME CMD...: start a service, its log in DIR/logs/NAME.out
spawn() {
	local name=$1
	shift
	(cd "$D" && OL_STATE=$D ol_spawn "$(pidf "$name")" "$D/logs/$name.out" \
		env -u PYTHONPATH -u PYTHONHOME "$@")
}

# spawn_wsgi NAME PORT SCRIPT ENV: a WSGI service under uwsgi, one process.
# Every answer closes its connection: uwsgi's plain http-socket does not keep
# connections alive, and clients that reuse one would meet a reset.
spawn_wsgi() {
	spawn "$1" /usr/bin/uwsgi --plugin python3 --http-socket "$ADDR:$2" --wsgi-file "$3" \
		--processes 1 --threads 4 --need-app --add-header "Connection: close" --env "$4" \
		--logto "$D/logs/$1.access"
}

# wait_until SECONDS NAME CMD...: poll CMD until it succeeds; fail if NAME dies
wait_until() {
	local limit=$1 name=$2 i
	shift 2
	for i in $(seq 1 $((limit * 5))); do
		"$@" && return 0
		alive "$name" || break
		sleep 0.2
	done
	tail -n 20 "$D/logs/$name".* >&2 2>/dev/null || true
	die "$name did not come up (logs in $D/logs)"
}

sql() { mariadb --no-defaults -S "$D/mysql.sock" -uroot "$@"; }
db() { echo "mysql+pymysql://root@localhost/$1?unix_socket=$D/mysql.sock&charset=utf8"; }

start_mysql() {
	if [ ! -d "$D/mysql" ]; then
		mariadb-install-db --no-defaults --datadir="$D/mysql" --user=root \
			--auth-root-authentication-method=normal --skip-test-db >"$D/logs/mysql-install.out" 2>&1 ||
			die "mariadb-install-db failed (see $D/logs/mysql-install.out)"
	fi
	spawn mysql /usr/sbin/mariadbd --no-defaults --datadir="$D/mysql" --socket="$D/mysql.sock" \
		--pid-file="$D/mysql/mysqld.pid" --skip-networking --user=root --log-error="$D/logs/mysql.log" \
		--innodb-buffer-pool-size=64M --innodb-log-file-size=16M --performance-schema=OFF \
		--skip-name-resolve --skip-log-bin --max-connections=500 --innodb-flush-method=nosync \
		--innodb-flush-log-at-trx-commit=0 --innodb-doublewrite=0
	wait_until 30 mysql sql -e 'select 1' >/dev/null 2>&1
	local x
	for x in $DATABASES; do sql -e "CREATE DATABASE IF NOT EXISTS $x"; done
}

# The databases after their migrations (and masakari-engine's taskflow store,
# a sqlite file), Keystone's bootstrap and the catalog
# are the same for every rig but for the address and the state directory:
# the first start keeps a dump of them (in $CACHE, per package versions),
# later ones load it and rewrite the address in the catalog and the cell
# mappings, instead of running every migration again.
snapshot_file() {
	echo "$CACHE/$(dpkg-query -W "${PKGS[@]}" 2>/dev/null | cat - "$TOOLS/openstack-local.sh" | sha1sum | cut -c1-16).tar"
}

snapshot_load() {
	local snap=$1 tmp
	[ "${OPENSTACK_CACHE:-}" != none ] && [ -s "$snap" ] || return 1
	tmp=$D/snapshot
	mkdir -p "$tmp" && tar -xf "$snap" -C "$tmp" || return 1
	sql <"$tmp/dump.sql" || die "loading $snap failed"
	local old_addr old_dir
	old_addr=$(cat "$tmp/addr") old_dir=$(cat "$tmp/dir")
	sql -e "UPDATE keystone.endpoint SET url = REPLACE(url, '//$old_addr:', '//$ADDR:');
		UPDATE nova_api.cell_mappings SET transport_url = REPLACE(transport_url, '@$old_addr:', '@$ADDR:'),
			database_connection = REPLACE(database_connection, '$old_dir/', '$D/');"
	cp "$tmp/password" "$D/password"
	mkdir -p "$D/masakari" && cp "$tmp/taskflow.sqlite" "$D/masakari/taskflow.sqlite" || return 1
	rm -rf "$tmp"
}

snapshot_save() {
	local snap=$1 tmp
	[ "${OPENSTACK_CACHE:-}" != none ] || return 0
	mkdir -p -m 0700 "$CACHE" && tmp=$(mktemp -d "$CACHE/.new.XXXXXX") || return 0
	mariadb-dump --no-defaults -S "$D/mysql.sock" -uroot --single-transaction \
		--databases $DATABASES >"$tmp/dump.sql" 2>>"$D/logs/sync.out" &&
		echo "$ADDR" >"$tmp/addr" && echo "$D" >"$tmp/dir" && cp "$D/password" "$tmp/password" &&
		cp "$D/masakari/taskflow.sqlite" "$tmp/" &&
		tar -cf "$tmp/s.tar" -C "$tmp" dump.sql addr dir password taskflow.sqlite &&
		find "$CACHE" -maxdepth 1 -name '*.tar' -delete && mv "$tmp/s.tar" "$snap"
	rm -rf "$tmp"
}

rabbit_up() {
	run HOME="$D/rabbit" RABBITMQ_NODENAME=rabbit@localhost /usr/lib/rabbitmq/bin/rabbitmqctl \
		-q -t 5 await_startup >/dev/null 2>&1
}

start_rabbit() {
	mkdir -p "$D/rabbit"
	# The Erlang port mapper, ours and tracked: rabbitmq would otherwise
	# start a daemonized one that outlives it.
	spawn epmd /usr/bin/epmd -address 127.0.0.1 -port 4369
	cat >"$D/rabbit/rabbitmq.conf" <<EOF
listeners.tcp.1 = $ADDR:$P_RABBIT
loopback_users = none
log.file.level = warning
vm_memory_high_watermark.absolute = 512MiB
disk_free_limit.absolute = 50MB
EOF
	echo '[].' >"$D/rabbit/enabled_plugins"
	[ -f "$D/rabbit/.erlang.cookie" ] || {
		head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$D/rabbit/.erlang.cookie"
		chmod 0400 "$D/rabbit/.erlang.cookie"
	}
	spawn rabbit env HOME="$D/rabbit" RABBITMQ_NODENAME=rabbit@localhost \
		RABBITMQ_CONF_ENV_FILE=/dev/null RABBITMQ_CONFIG_FILE="$D/rabbit/rabbitmq" \
		RABBITMQ_ENABLED_PLUGINS_FILE="$D/rabbit/enabled_plugins" \
		RABBITMQ_MNESIA_BASE="$D/rabbit/mnesia" RABBITMQ_LOG_BASE="$D/rabbit/log" \
		RABBITMQ_DIST_PORT=25672 ERL_EPMD_ADDRESS=127.0.0.1 RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-start_epmd false" \
		/usr/lib/rabbitmq/bin/rabbitmq-server
	wait_until 60 rabbit rabbit_up
}

# authtoken SECTION USER: a keystone_authtoken-like section for USER
authtoken() {
	cat <<EOF
[$1]
www_authenticate_uri = http://$ADDR:$P_KEYSTONE
auth_url = http://$ADDR:$P_KEYSTONE
auth_type = password
project_domain_name = Default
user_domain_name = Default
project_name = service
username = $2
password = $PASS
region_name = RegionOne
service_token_roles_required = true
EOF
}

common() { # LOGNAME
	cat <<EOF
[DEFAULT]
debug = ${OPENSTACK_DEBUG:-false}
use_stderr = false
log_file = $D/logs/$1.log
EOF
}

start_keystone() {
	local k=$D/keystone
	mkdir -p "$k/fernet" "$k/credential"
	{
		common keystone
		cat <<EOF
[database]
connection = $(db keystone)
[identity]
# bcrypt's cheapest cost: every masakari-engine call to Nova authenticates
# anew, and at the default cost (12) each token costs Keystone ~0.25 s of CPU.
password_hash_rounds = 4
[token]
provider = fernet
[fernet_tokens]
key_repository = $k/fernet
[credential]
key_repository = $k/credential
EOF
	} >"$k/keystone.conf"
	local km=(run "$PY" /usr/bin/keystone-manage --config-file "$k/keystone.conf")
	# Keys are not in the database: new ones each time.
	"${km[@]}" fernet_setup --keystone-user root --keystone-group root >>"$D/logs/sync.out" 2>&1
	"${km[@]}" credential_setup --keystone-user root --keystone-group root >>"$D/logs/sync.out" 2>&1
	if [ "$FRESH" = 1 ]; then
		"${km[@]}" db_sync >>"$D/logs/sync.out" 2>&1 || die "keystone db_sync failed (see $D/logs/sync.out)"
		"${km[@]}" bootstrap --bootstrap-password "$PASS" --bootstrap-region-id RegionOne \
			--bootstrap-admin-url "http://$ADDR:$P_KEYSTONE/v3" \
			--bootstrap-internal-url "http://$ADDR:$P_KEYSTONE/v3" \
			--bootstrap-public-url "http://$ADDR:$P_KEYSTONE/v3" >>"$D/logs/sync.out" 2>&1 ||
			die "keystone bootstrap failed (see $D/logs/sync.out)"
	fi
	spawn_wsgi keystone "$P_KEYSTONE" /usr/bin/keystone-wsgi-public "OS_KEYSTONE_CONFIG_FILES=$k/keystone.conf"
	wait_until 60 keystone ol_answers "http://$ADDR:$P_KEYSTONE/v3"
}

# Users, projects, roles and the catalog, through Keystone's API.
register() {
	client bootstrap "$ADDR" >>"$D/logs/sync.out" 2>&1 || die "catalog setup failed (see $D/logs/sync.out)"
}

start_glance() {
	local g=$D/glance
	mkdir -p "$g/images" "$g/staging" "$g/tasks"
	{
		common glance
		cat <<EOF
bind_host = $ADDR
bind_port = $P_GLANCE
workers = 1
enabled_backends = fs:file
[database]
connection = $(db glance)
[paste_deploy]
flavor = keystone
config_file = /etc/glance/glance-api-paste.ini
[glance_store]
default_backend = fs
[fs]
filesystem_store_datadir = $g/images
[os_glance_staging_store]
filesystem_store_datadir = $g/staging
[os_glance_tasks_store]
filesystem_store_datadir = $g/tasks
[oslo_concurrency]
lock_path = $g
EOF
		authtoken keystone_authtoken glance
	} >"$g/glance-api.conf"
	[ "$FRESH" = 0 ] || run "$PY" /usr/bin/glance-manage --config-file "$g/glance-api.conf" db_sync \
		>>"$D/logs/sync.out" 2>&1 || die "glance db_sync failed (see $D/logs/sync.out)"
	spawn glance "$PY" /usr/bin/glance-api --config-file "$g/glance-api.conf"
}

start_placement() {
	local p=$D/placement
	mkdir -p "$p"
	{
		common placement
		cat <<EOF
[placement_database]
connection = $(db placement)
[api]
auth_strategy = keystone
EOF
		authtoken keystone_authtoken placement
	} >"$p/placement.conf"
	[ "$FRESH" = 0 ] || run "$PY" /usr/bin/placement-manage --config-file "$p/placement.conf" db sync \
		>>"$D/logs/sync.out" 2>&1 || die "placement db sync failed (see $D/logs/sync.out)"
	spawn_wsgi placement "$P_PLACEMENT" /usr/bin/placement-api "OS_PLACEMENT_CONFIG_DIR=$p"
}

# Nova asks Neutron about an instance's ports even when it has none (on
# evacuation, deletion, cache refresh). Without Neutron in the rig, this
# answers those reads with empty lists and refuses everything else.
start_neutron() {
	cat >"$D/neutron.py" <<'EOF'
"""A stand-in for Neutron's read-only API: no networks, no ports."""
import http.server, json, sys

EMPTY = {"extensions", "ports", "networks", "subnets", "security-groups",
         "floatingips", "trunks", "segments"}


class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def reply(self, code, body):
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        path = self.path.split("?")[0].rstrip("/")
        if path in ("", "/"):
            return self.reply(200, {"versions": [{"id": "v2.0", "status": "CURRENT"}]})
        kind = path[len("/v2.0/"):] if path.startswith("/v2.0/") else ""
        if kind in EMPTY:
            return self.reply(200, {kind.replace("-", "_"): []})
        self.reply(404, {"NeutronError": {"type": "NotFound", "message": path}})

    def refuse(self):
        n = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(n)
        self.reply(404, {"NeutronError": {"type": "NotFound", "message": self.path}})

    do_POST = do_PUT = do_DELETE = refuse


http.server.ThreadingHTTPServer((sys.argv[1], int(sys.argv[2])), H).serve_forever()
EOF
	spawn neutron "$PY" "$D/neutron.py" "$ADDR" "$P_NEUTRON"
}

nova_conf() {
	local n=$D/nova
	mkdir -p "$n/lock"
	{
		common nova
		cat <<EOF
transport_url = rabbit://guest:guest@$ADDR:$P_RABBIT/
my_ip = $ADDR
state_path = $n
osapi_compute_listen = $ADDR
osapi_compute_listen_port = $P_NOVA
osapi_compute_workers = 1
enabled_apis = osapi_compute
service_down_time = ${NOVA_SERVICE_DOWN_TIME:-60}
report_interval = ${NOVA_REPORT_INTERVAL:-10}
[api]
auth_strategy = keystone
[wsgi]
api_paste_config = /etc/nova/api-paste.ini
[api_database]
connection = $(db nova_api)
[database]
connection = $(db nova)
[conductor]
workers = 1
[scheduler]
workers = 1
[oslo_concurrency]
lock_path = $n/lock
[oslo_messaging_notifications]
driver = noop
EOF
		authtoken keystone_authtoken nova
		authtoken placement nova
		authtoken neutron nova
	} >"$n/nova.conf"
}

sync_nova() {
	local n=$D/nova nm
	nova_conf
	[ "$FRESH" = 1 ] || return 0
	nm=(run "$PY" /usr/bin/nova-manage --config-file "$n/nova.conf")
	{
		"${nm[@]}" api_db sync &&
			"${nm[@]}" cell_v2 map_cell0 --database_connection "$(db nova_cell0)" &&
			"${nm[@]}" db sync &&
			{ "${nm[@]}" cell_v2 list_cells | grep -q ' cell1 ' ||
				"${nm[@]}" cell_v2 create_cell --name cell1; }
	} >>"$D/logs/sync.out" 2>&1 || die "nova database setup failed (see $D/logs/sync.out)"
}

spawn_nova() {
	local n=$D/nova
	spawn nova-api "$PY" /usr/bin/nova-api --config-file "$n/nova.conf"
	spawn nova-conductor "$PY" /usr/bin/nova-conductor --config-file "$n/nova.conf"
	spawn nova-scheduler "$PY" /usr/bin/nova-scheduler --config-file "$n/nova.conf"
}

sync_masakari() {
	local m=$D/masakari
	ol_masakari_config "$m" "$ADDR" "$P_MASAKARI" keystone "$(db masakari)"
	cat >>"$m/masakari.conf" <<EOF
[DEFAULT]
debug = ${OPENSTACK_DEBUG:-false}
transport_url = rabbit://guest:guest@$ADDR:$P_RABBIT/
os_privileged_user_name = masakari
os_privileged_user_password = $PASS
os_privileged_user_tenant = service
os_privileged_user_auth_url = http://$ADDR:$P_KEYSTONE/v3
os_region_name = RegionOne
nova_catalog_admin_info = compute:nova:internalURL
wait_period_after_service_update = ${MASAKARI_WAIT_SERVICE_UPDATE:-180}
wait_period_after_evacuation = ${MASAKARI_WAIT_EVACUATION:-90}
[taskflow]
# Debian's python3-taskflow lacks the alembic.ini its MySQL migrations need;
# on sqlite it creates its tables itself. Only masakari-engine writes there.
connection = sqlite:///$m/taskflow.sqlite
[oslo_messaging_notifications]
driver = noop
EOF
	authtoken keystone_authtoken masakari >>"$m/masakari.conf"
	[ "$FRESH" = 0 ] || run "$PY" /usr/bin/masakari-manage --config-file "$m/masakari.conf" db sync \
		>>"$D/logs/sync.out" 2>&1 || die "masakari db sync failed (see $D/logs/sync.out)"
}

spawn_masakari() {
	local m=$D/masakari
	spawn masakari-api "$PY" "$m/launch.py" api --config-file "$m/masakari.conf" \
		--log-file "$D/logs/masakari-api.log"
	spawn masakari-engine "$PY" "$m/launch.py" engine --config-file "$m/masakari.conf" \
		--log-file "$D/logs/masakari-engine.log"
}

# client CMD ...: the OpenStack client with the rig's admin credentials
client() {
	run OS_AUTH_URL="http://$ADDR:$P_KEYSTONE/v3" OS_PASSWORD="$PASS" "$PY" "$TOOLS/openstack-client.py" "$@"
}

write_openrc() {
	cat >"$D/openrc" <<EOF
OS_AUTH_URL=http://$ADDR:$P_KEYSTONE/v3
OS_USERNAME=admin
OS_PASSWORD=$PASS
OS_PROJECT_NAME=admin
OS_USER_DOMAIN_NAME=Default
OS_PROJECT_DOMAIN_NAME=Default
OS_REGION_NAME=RegionOne
MASAKARI_URL=http://$ADDR:$P_MASAKARI/v1
EOF
	chmod 0600 "$D/openrc"
}

start() {
	local s t0=$SECONDS
	install
	mkdir -p "$D/pids" "$D/logs"
	for s in "${SERVICES[@]}"; do
		alive "$s" && die "$s already runs from $D (stop it first)"
	done
	ol_answers "http://$ADDR:$P_KEYSTONE/" && die "port $P_KEYSTONE at $ADDR is already in use"
	[ -s "$D/password" ] || head -c 18 /dev/urandom | base64 | tr -d '/+=' >"$D/password"
	chmod 0600 "$D/password"
	echo "$ADDR" >"$D/addr"
	step() { say "$1 ($((SECONDS - t0)) s)"; }
	# A start that fails stops what it started.
	trap 'stop' EXIT
	local snap
	snap=$(snapshot_file)
	start_mysql
	if snapshot_load "$snap"; then
		FRESH=0
		step "mariadb up, databases loaded from $snap"
	else
		step "mariadb up"
	fi
	PASS=$(cat "$D/password")
	start_rabbit &
	local rabbit_job=$!
	start_keystone
	[ "$FRESH" = 0 ] || register
	step "keystone up, users and catalog"
	start_glance
	start_placement
	start_neutron
	sync_nova
	sync_masakari
	step "glance, placement started; databases ready"
	[ "$FRESH" = 0 ] || snapshot_save "$snap"
	wait "$rabbit_job" || die "rabbitmq did not come up"
	step "rabbitmq up"
	spawn_nova
	spawn_masakari
	wait_until 90 nova-api ol_answers "http://$ADDR:$P_NOVA/"
	wait_until 60 masakari-api ol_answers "http://$ADDR:$P_MASAKARI/"
	wait_until 60 placement ol_answers "http://$ADDR:$P_PLACEMENT/"
	wait_until 60 glance ol_answers "http://$ADDR:$P_GLANCE/"
	client wait-services >>"$D/logs/sync.out" 2>&1 || die "Nova's services did not report (see $D/logs)"
	write_openrc
	trap - EXIT
	say "OpenStack up at $ADDR in $((SECONDS - t0)) s (state in $D)"
	cat "$D/openrc"
}

# compute-start DIR HOST: nova-compute for HOST (fake driver), in the
# caller's network namespace; its own state under DIR/compute/HOST.
compute_start() {
	local host=$1 c=$D/compute/$1
	PASS=$(cat "$D/password")
	alive "compute-$host" && die "nova-compute $host already runs"
	mkdir -p "$c/instances" "$c/lock"
	{
		common "compute-$host"
		cat <<EOF
host = $host
compute_driver = fake.FakeDriver
transport_url = rabbit://guest:guest@$ADDR:$P_RABBIT/
state_path = $c
instances_path = $c/instances
service_down_time = ${NOVA_SERVICE_DOWN_TIME:-60}
report_interval = ${NOVA_REPORT_INTERVAL:-10}
heal_instance_info_cache_interval = -1
[oslo_concurrency]
lock_path = $c/lock
[oslo_messaging_notifications]
driver = noop
EOF
		authtoken placement nova
		authtoken neutron nova
	} >"$c/nova-compute.conf"
	# python3-nova's entry point; the nova-compute package (a hypervisor
	# stack) is not needed for the fake driver.
	spawn "compute-$host" "$PY" -c 'import sys; from nova.cmd.compute import main; sys.argv[0] = "nova-compute"; sys.exit(main())' \
		--config-file "$c/nova-compute.conf"
	client wait-compute "$host" >>"$D/logs/compute-$host.out" 2>&1 || {
		tail -n 20 "$D/logs/compute-$host.log" >&2 2>/dev/null
		die "nova-compute $host did not come up (see $D/logs/compute-$host.log)"
	}
	say "nova-compute $host up (pid $(cat "$(pidf "compute-$host")"))"
}

discover() {
	run "$PY" /usr/bin/nova-manage --config-file "$D/nova/nova.conf" cell_v2 discover_hosts --by-service \
		>>"$D/logs/sync.out" 2>&1 || die "discover_hosts failed (see $D/logs/sync.out)"
}

status() {
	local f name
	for f in "$D"/pids/*.pid; do
		[ -e "$f" ] || continue
		name=$(basename "$f" .pid)
		if alive "$name"; then echo "$name $(cat "$f") running"; else echo "$name $(cat "$f") stopped"; fi
	done
}

stop() {
	local f s
	# The computes first (they talk to the others), then the control
	# services in the reverse order of their start.
	for f in "$D"/pids/compute-*.pid; do
		[ -e "$f" ] && ol_stop "$f" "$D"
	done
	for ((s = ${#SERVICES[@]} - 1; s >= 0; s--)); do
		ol_stop "$(pidf "${SERVICES[$s]}")" "$D"
	done
}

state_dir() { # DIR
	[ -n "$1" ] || die "no state directory"
	mkdir -p "$1"
	D=$(cd "$1" && pwd)
	[ -s "$D/addr" ] && ADDR=$(cat "$D/addr")
	return 0
}

case "${1:-}" in
install) install ;;
start) state_dir "${2:?DIR}" && start ;;
compute-start) state_dir "${2:?DIR}" && compute_start "${3:?HOST}" ;;
compute-stop)
	state_dir "${2:?DIR}"
	if [ "${4:-}" = KILL ]; then ol_stop "$(pidf "compute-${3:?HOST}")" "$D" KILL; else ol_stop "$(pidf "compute-${3:?HOST}")" "$D"; fi
	;;
client)
	state_dir "${2:?DIR}"
	PASS=$(cat "$D/password")
	shift 2
	client "$@"
	;;
discover) state_dir "${2:?DIR}" && discover ;;
status) state_dir "${2:?DIR}" && status ;;
stop) state_dir "${2:?DIR}" && stop ;;
*) die "usage: openstack-local.sh install|start|compute-start|compute-stop|discover|client|status|stop ..." ;;
esac
