#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# test_install.sh - `make install` and `make uninstall` into a DESTDIR: the
# file list and modes, the operator's configuration never overwritten, the
# installed binary, the unit (systemd-analyze verify, offline: PID 1 need not
# be systemd) and the man pages (every command and key, no groff warning).
set -u
cd "$(dirname "$0")/../.."
. tests/lib/netns.sh

O=${O:-$(dirname "$VIGIL")}
[ -x "$VIGIL" ] || { not_ok "install: $VIGIL not built"; exit 1; }
D=$(mktemp -d /tmp/vigil-install.XXXXXX)
trap 'rm -rf "$D"' EXIT

inst() { make -s --no-print-directory O="$O" "$@" >"$D/make.log" 2>&1; }
# tree DIR: "MODE PATH" of everything below DIR, sorted
tree() { (cd "$1" && find . -mindepth 1 -printf '%m %p\n' | sort -k2); }

check "make install DESTDIR=…: exit 0" inst install DESTDIR="$D/root"
cat >"$D/want" <<'EOF'
755 ./etc
700 ./etc/vigil
600 ./etc/vigil/vigil.json
755 ./usr
755 ./usr/local
755 ./usr/local/lib
755 ./usr/local/lib/systemd
755 ./usr/local/lib/systemd/system
644 ./usr/local/lib/systemd/system/vigil.service
755 ./usr/local/sbin
755 ./usr/local/sbin/vigil
755 ./usr/local/share
755 ./usr/local/share/doc
755 ./usr/local/share/doc/vigil
644 ./usr/local/share/doc/vigil/configuration.md
644 ./usr/local/share/doc/vigil/vigil.json
755 ./usr/local/share/man
755 ./usr/local/share/man/man5
644 ./usr/local/share/man/man5/vigil.json.5
755 ./usr/local/share/man/man8
644 ./usr/local/share/man/man8/vigil.8
755 ./usr/local/share/vigil
644 ./usr/local/share/vigil/grafana-dashboard.json
755 ./usr/local/share/vigil/masakari-local.sh
644 ./usr/local/share/vigil/prometheus-rules.yml
EOF
tree "$D/root" >"$D/got"
check "installed files and modes are exactly the expected ones" cmp -s "$D/want" "$D/got"
diff -u "$D/want" "$D/got" | sed 's/^/# /'
R=$D/root/usr/local
check "the installed binary runs: $("$R/sbin/vigil" version 2>&1)" \
	sh -c "'$R/sbin/vigil' version | grep -q '^vigil .*wire protocol'"
check "the sample in /etc is the documented one" cmp docs/vigil.json "$D/root/etc/vigil/vigil.json"
check "the Masakari launcher is the source tree's" cmp userspace/tools/masakari-local.sh "$R/share/vigil/masakari-local.sh"
dash_ok() { jq -e .panels "$R/share/vigil/grafana-dashboard.json" >/dev/null; }
check "the dashboard is JSON" dash_ok
check "the alert rules are the documented ones" cmp docs/prometheus/vigil-rules.yml "$R/share/vigil/prometheus-rules.yml"

# --- the operator's configuration survives a reinstall ----------------------------
echo '{"node_name": "mine"}' >"$D/root/etc/vigil/vigil.json"
inst install DESTDIR="$D/root"
check "reinstall keeps /etc/vigil/vigil.json" grep -q '"mine"' "$D/root/etc/vigil/vigil.json"

# --- the unit ---------------------------------------------------------------------
UNIT=$R/lib/systemd/system/vigil.service
for kv in Type=notify Restart=always WatchdogSec= 'ExecReload=/bin/kill -HUP $MAINPID' \
	ProtectSystem=strict 'ReadWritePaths=/var/lib/vigil /sys/fs/bpf' ProtectHome=yes \
	PrivateTmp=yes NoNewPrivileges=yes LimitMEMLOCK=infinity \
	'RestrictAddressFamilies=AF_INET AF_INET6 AF_NETLINK AF_UNIX' \
	'ExecStart=/usr/local/sbin/vigil agent -config /etc/vigil/vigil.json'; do
	check "unit has $kv" grep -qF "$kv" "$UNIT"
done
if command -v systemd-analyze >/dev/null; then
	# Offline: the binary under DESTDIR, the man pages on MANPATH.
	sed "s#/usr/local/sbin/vigil#$R/sbin/vigil#g" "$UNIT" >"$D/vigil.service"
	MANPATH=$R/share/man SYSTEMD_LOG_LEVEL=notice systemd-analyze verify "$D/vigil.service" >"$D/verify" 2>&1
	rc=$?
	# Other packages' units may draw warnings of their own (verify loads
	# them too): only what concerns vigil's unit counts.
	grep -v '^[A-Za-z0-9@._-]*\.\(service\|socket\|target\|timer\): ' "$D/verify" >"$D/verify.vigil"
	grep '^vigil\.service: ' "$D/verify" >>"$D/verify.vigil"
	check "systemd-analyze verify: no error or warning (exit $rc)" test "$rc" = 0 -a ! -s "$D/verify.vigil"
	sed 's/^/# /' "$D/verify"
else
	not_ok "systemd-analyze not found (Debian's systemd package has it)"
fi

# --- the man pages ------------------------------------------------------------------
for page in man8/vigil.8 man5/vigil.json.5; do
	check "$page renders without a warning (groff -ww)" \
		sh -c "! groff -ww -man -z '$R/share/man/$page' 2>&1 | grep -q ."
	check "$page: man -l prints no warning" \
		sh -c "! MANWIDTH=80 man -l '$R/share/man/$page' 2>&1 >/dev/null | grep -q ."
done
# The key entries: ".TP" then ".B KEY".
awk 'prev == ".TP" && /^\.B / {print $2} {prev = $0}' "$R/share/man/man5/vigil.json.5" >"$D/man-keys"
missing=""
for key in $("$VIGIL" config | awk '/^[a-z_.]+ /{print $1}'); do
	grep -qxF "$key" "$D/man-keys" || missing="$missing $key"
done
check "vigil.json(5) describes every key \`vigil config\` prints${missing:+ (missing:$missing)}" test -z "$missing"
# ... with the default the binary has: ".B KEY" then "TYPE; default: VALUE."
awk 'prev ~ /^\.B / && /; default: / {k = prev; sub(/^\.B /, "", k); d = $0; sub(/.*; default: /, "", d); sub(/\.$/, "", d); print k " " d} {prev = $0}' \
	"$R/share/man/man5/vigil.json.5" >"$D/man-defaults"
stale=""
while read -r key def; do
	grep -qxF "$key $def" "$D/man-defaults" || stale="$stale $key"
done < <("$VIGIL" config | awk '/^[a-z_.]+ /{k = $1; sub(/.*; default: /, ""); print k " " $0}')
check "vigil.json(5) gives every key the binary's default${stale:+ (stale:$stale)}" test -z "$stale"
missing=""
for cmd in $("$VIGIL" help | awk '/^  [a-z]+ /{print $1}'); do
	grep -q "^\.B $cmd\b" "$R/share/man/man8/vigil.8" || missing="$missing $cmd"
done
check "vigil(8) describes every command${missing:+ (missing:$missing)}" test -z "$missing"

# --- PREFIX=/usr ---------------------------------------------------------------------
inst install DESTDIR="$D/usr" PREFIX=/usr
check "PREFIX=/usr: binary in /usr/sbin, unit in /usr/lib/systemd/system" \
	test -x "$D/usr/usr/sbin/vigil" -a -f "$D/usr/usr/lib/systemd/system/vigil.service"
check "PREFIX=/usr: the unit starts /usr/sbin/vigil" \
	grep -q '^ExecStart=/usr/sbin/vigil agent' "$D/usr/usr/lib/systemd/system/vigil.service"

# --- uninstall ----------------------------------------------------------------------
check "make uninstall: exit 0" inst uninstall DESTDIR="$D/root"
left=$(cd "$D/root" && find . -type f | sort | tr '\n' ' ')
check "uninstall leaves only the operator's configuration ($left)" test "$left" = "./etc/vigil/vigil.json "

exit $((VT_FAILS > 0))
