#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# test_api.sh - the agent's HTTP API and /metrics on a 3-host cluster:
# every endpoint, malformed requests, `promtool check metrics`, the series
# an agent exports with and without metrics_per_peer, the decided state on
# a server's /metrics, and a real Prometheus server scraping the agent,
# answering every query of the Grafana dashboard and loading the alert rules.
# Then the operator's view of a host's trouble: members -status stalled,
# push-pull reloaded by SIGHUP, and a crashed host in vigil status and check.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/netns.sh
. tests/lib/cluster.sh

vt_require api
vt_init || { not_ok "api: setup"; exit 1; }
vc_up 3 || { not_ok "api: building 3 hosts"; exit 1; }
# hv1 is the cluster's one Raft server (its /metrics has the Raft and
# Masakari families) and also serves /metrics on its cluster address; hv2
# exports its peers one by one (metrics_per_peer).
for i in 1 2 3; do
	# No wait period, no hold: a crash ends in a pending notification
	# (nothing listens on 127.0.0.1:1) at the end of the test.
	extra="\"servers\": [\"hv1@${VC_IP[1]}\"], \"masakari\": {\"url\": \"http://127.0.0.1:1/v1\"},"
	extra="$extra \"wait_period_ms\": 0, \"min_healthy_hosts\": 0,"
	[ "$i" = 1 ] && extra="$extra \"role\": \"server\", \"metrics_addr\": \"${VC_IP[1]}:9100\","
	[ "$i" = 2 ] && extra="$extra \"metrics_per_peer\": true,"
	vc_write_cfg "$i" "$extra"
done
for i in 1 2 3; do vc_start "$i"; done
check "3 agents converge" vt_wait_for 15 vc_converged
sleep 1
in1() { ip netns exec "${VC_NS[1]}" "$@"; }
API=http://127.0.0.1:7500
# code METHOD PATH: HTTP status code
code() { in1 curl -s --noproxy '*' -o "$VT_DIR/body" -w '%{http_code}' -X "$1" "$API$2"; }

check "GET /v1/members: 200" test "$(code GET /v1/members)" = 200
check "GET /v1/members: every member with kernel RTT fields" python3 -c "
import json; m = json.load(open('$VT_DIR/body'))
assert sorted(x['name'] for x in m) == ['hv1', 'hv2', 'hv3']
for x in m:
    for k in ('address', 'state', 'incarnation', 'role', 'last_ack_age_ms', 'srtt_ms', 'jitter_ms', 'agent_stalled'):
        assert k in x, k
assert all(x['srtt_ms'] > 0 for x in m if x['name'] != 'hv1')"
check "vigil maps -j: JSON with the kernel's entry for each probed peer" sh -c "
	ip netns exec ${VC_NS[1]} $VIGIL maps -config ${VC_CFG[1]} -j >$VT_DIR/maps.json && python3 -c \"
import json; d = json.load(open('$VT_DIR/maps.json'))
assert d['stats']['rx_ack'] > 0 and d['self']['heartbeat'] > 0, d
assert len({p['node_id'] for p in d['peers'] if p['acks'] > 0}) == 2, d['peers']
assert all(len(p['rtt_hist_log2_ns']) > 0 and p['acks'] >= 0 for p in d['peers'])\""
check "GET /v1/status: 200" test "$(code GET /v1/status)" = 200
check "GET /v1/status: node, cluster, member counts" python3 -c "
import json; s = json.load(open('$VT_DIR/body'))
assert s['node'] == 'hv1' and s['cluster'] == 'vc' and s['members']['alive'] == 3, s"
check "GET /v1/health: 200" test "$(code GET /v1/health)" = 200
check "GET /nope: 404 with a JSON error" \
	sh -c "test \$(ip netns exec ${VC_NS[1]} curl -s --noproxy '*' -o $VT_DIR/b404 -w '%{http_code}' $API/nope) = 404 && python3 -c \"import json; assert 'error' in json.load(open('$VT_DIR/b404'))\""
check "POST /v1/members: 405" test "$(code POST /v1/members)" = 405
check "DELETE /v1/status: 405" test "$(code DELETE /v1/status)" = 405
check "PUT with a body to /v1/members: 405, agent unharmed" \
	sh -c "test \$(ip netns exec ${VC_NS[1]} curl -s --noproxy '*' -o /dev/null -w '%{http_code}' -X PUT --data-binary @/etc/services $API/v1/members) = 405 && kill -0 ${VC_PID[1]}"
# --- changing something takes the token (X-Vigil-Token), never a simple request -----
TOKEN=$(cat "$VT_DIR/data/hv1/api-token")
check "the agent made its API token, mode 0600" \
	sh -c "test \$(stat -c %a $VT_DIR/data/hv1/api-token) = 600 && test ${#TOKEN} -ge 16"
tcode() { # METHOD PATH TOKEN: status code of a request carrying TOKEN
	in1 curl -s --noproxy '*' -o "$VT_DIR/body" -w '%{http_code}' -X "$1" -H "X-Vigil-Token: $3" "$API$2"
}
check "PUT /v1/maintenance without the token: 403" test "$(code PUT /v1/maintenance/hv2)" = 403
check "PUT /v1/maintenance with a wrong token: 403" \
	test "$(tcode PUT /v1/maintenance/hv2 "${TOKEN}x")" = 403
check "PUT /v1/agent/leave without the token: 403, agent still running" \
	sh -c "test \$(ip netns exec ${VC_NS[1]} curl -s --noproxy '*' -o /dev/null -w '%{http_code}' -X PUT $API/v1/agent/leave) = 403 && sleep 0.5 && kill -0 ${VC_PID[1]}"
check "a browser's simple POST to /v1/agent/leave: 405, agent still running" \
	sh -c "test \$(ip netns exec ${VC_NS[1]} curl -s --noproxy '*' -o /dev/null -w '%{http_code}' -H 'Content-Type: text/plain' --data x $API/v1/agent/leave) = 405 && sleep 0.5 && kill -0 ${VC_PID[1]}"
result() { python3 -c "import json; print(json.load(open('$VT_DIR/body')).get('result'))"; }
answers() { # METHOD PATH CODE RESULT: with the token, answered CODE and "result" RESULT
	[ "$(tcode "$1" "$2" "$TOKEN")" = "$3" ] && [ "$(result)" = "$4" ]
}
check "PUT /v1/maintenance with the token: 200 once the leader applied it" \
	answers PUT "/v1/maintenance/hv2?reason=test%20run" 200 applied
check "DELETE /v1/maintenance with the token: 200 applied" answers DELETE /v1/maintenance/hv2 200 applied
check "DELETE again: 200, already" answers DELETE /v1/maintenance/hv2 200 already
check "PUT /v1/maintenance of an unknown host: 404 unknown" answers PUT /v1/maintenance/nosuch 404 unknown
check "PUT /v1/maintenance with a reason that is not a clean name: 400" \
	test "$(tcode PUT "/v1/maintenance/hv2?reason=a%0Ab" "$TOKEN")" = 400
check "PUT /v1/forget without the token: 403" test "$(code PUT /v1/forget/hv2)" = 403
check "PUT /v1/forget of a host that runs: 409 alive" answers PUT /v1/forget/hv2 409 alive
check "GET /v1/forget: 405" test "$(tcode GET /v1/forget/hv2 "$TOKEN")" = 405
check "GET /v1/operator/snapshot without the token: 403" test "$(code GET /v1/operator/snapshot)" = 403
snapshot_read() { [ "$(tcode GET /v1/operator/snapshot "$TOKEN")" = 200 ] && grep -q vigil_snapshot "$VT_DIR/body"; }
check "GET /v1/operator/snapshot with the token: 200, a snapshot" snapshot_read
check "PUT /v1/operator/snapshot with a body and no token: 403, agent unharmed" \
	sh -c "test \$(ip netns exec ${VC_NS[1]} curl -s --noproxy '*' -o /dev/null -w '%{http_code}' -X PUT --data-binary @/etc/services $API/v1/operator/snapshot) = 403 && kill -0 ${VC_PID[1]}"
restore_garbage() {
	[ "$(in1 curl -s --noproxy '*' -o "$VT_DIR/body" -w '%{http_code}' -X PUT -H "X-Vigil-Token: $TOKEN" \
		--data-binary @/etc/services "$API/v1/operator/snapshot")" = 400 ] &&
		grep -q 'not a vigil snapshot' "$VT_DIR/body"
}
check "PUT /v1/operator/snapshot with garbage: 400, says why" restore_garbage
check "vigil maint sends the token itself" \
	in1 "$VIGIL" maint enable hv2 -config "${VC_CFG[1]}"
check "... and VIGIL_HTTP_ADDR / VIGIL_HTTP_TOKEN stand for the configuration" \
	in1 env VIGIL_HTTP_ADDR=127.0.0.1:7500 VIGIL_HTTP_TOKEN="$TOKEN" "$VIGIL" maint disable hv2
check "a wrong VIGIL_HTTP_TOKEN: refused, exit 2" \
	sh -c "ip netns exec ${VC_NS[1]} env VIGIL_HTTP_TOKEN=nope $VIGIL maint disable hv2 -config ${VC_CFG[1]} 2>/dev/null; test \$? = 2"
check "garbage request line: agent unharmed" \
	sh -c "printf 'BLAH \\x01\\x02\\r\\n\\r\\n' | ip netns exec ${VC_NS[1]} timeout 2 bash -c 'cat > /dev/tcp/127.0.0.1/7500' ; kill -0 ${VC_PID[1]}"

# --- /metrics ------------------------------------------------------------------
check "GET /metrics: 200" test "$(code GET /metrics)" = 200
cp "$VT_DIR/body" "$VT_DIR/metrics.txt"
if command -v promtool >/dev/null; then
	check "promtool check metrics accepts /metrics" sh -c "promtool check metrics < $VT_DIR/metrics.txt"
else
	not_ok "promtool not installed (make deps installs prometheus)"
fi
for m in vigil_probes_sent_total vigil_acks_received_total vigil_xdp_drops_total \
	vigil_rtt_seconds_bucket vigil_members vigil_suspicions_total vigil_deaths_total \
	vigil_event_loop_lag_max_seconds vigil_peers_agent_stalled vigil_raft_voters \
	vigil_raft_servers_configured vigil_raft_leader_changes_total vigil_host_state \
	vigil_notifications_oldest_pending_age_seconds vigil_metrics_stale; do
	check "/metrics has $m" grep -q "^$m" "$VT_DIR/metrics.txt"
done
# value NAME{LABELS}: the sample's value in hv1's text
value() { awk -v s="$1" '$1 == s {print $2}' "$VT_DIR/metrics.txt"; }
check "rendered for this scrape: vigil_metrics_stale 0" test "$(value vigil_metrics_stale)" = 0
check "the server's voters: 1 of 1 configured" \
	test "$(value vigil_raft_voters)" = 1 -a "$(value vigil_raft_servers_configured)" = 1
check "the server has seen its leader: vigil_raft_leader_changes_total $(value vigil_raft_leader_changes_total)" \
	test "$(value vigil_raft_leader_changes_total)" -ge 1
hv3_member() {
	code GET /metrics >/dev/null &&
		grep -q '^vigil_host_state{host="hv3",hostname="hv3",state="member"} 1$' "$VT_DIR/body" &&
		grep -q '^vigil_host_state{host="hv3",hostname="hv3",state="failed"} 0$' "$VT_DIR/body"
}
check "the decided state: vigil_host_state{host=\"hv3\",state=\"member\"} 1" vt_wait_for 10 hv3_member
check "no per-peer series without metrics_per_peer" sh -c "! grep -q '^vigil_peer_' $VT_DIR/metrics.txt"
check "the RTT histogram summed over the peers has their ACKs" \
	test "$(value vigil_rtt_seconds_count)" -gt 0
ip netns exec "${VC_NS[2]}" curl -s --noproxy '*' -o "$VT_DIR/metrics2.txt" "$API/metrics"
check "metrics_per_peer: hv2 exports each peer's RTT histogram" \
	grep -q '^vigil_peer_rtt_seconds_bucket{peer="hv1",le="+Inf"} ' "$VT_DIR/metrics2.txt"
check "promtool check metrics accepts hv2's /metrics" sh -c "promtool check metrics < $VT_DIR/metrics2.txt"
ip netns exec "${VC_NS[3]}" curl -s --noproxy '*' -o "$VT_DIR/metrics3.txt" "$API/metrics"
series() { grep -c '^vigil_' "$1"; }
diag "series: hv1 (server, 3 hosts) $(series "$VT_DIR/metrics.txt"), hv3 (client) $(series "$VT_DIR/metrics3.txt"), hv2 (client, metrics_per_peer, 2 peers) $(series "$VT_DIR/metrics2.txt")"

# --- the Grafana dashboard --------------------------------------------------------
DASH=docs/grafana/vigil.json
dash_ok() { jq -e '.panels | length > 10' "$DASH" >/dev/null; }
check "the Grafana dashboard is JSON" dash_ok
missing=""
for m in $(jq -r '.panels[].targets[]?.expr, .templating.list[].definition // empty' "$DASH" |
	grep -o 'vigil_[a-z_]*' | sort -u); do
	grep -q "^$m[ {]" "$VT_DIR/metrics.txt" "$VT_DIR/metrics2.txt" || missing="$missing $m"
done
check "every metric the dashboard uses is in /metrics (hv1, or hv2 with metrics_per_peer)${missing:+ (missing:$missing)}" test -z "$missing"

# --- the metrics_addr listener: /metrics and /v1/health only ------------------------
MX=http://${VC_IP[1]}:9100
mcode() { ip netns exec "${VC_NS[2]}" curl -s --noproxy '*' -o "$VT_DIR/mbody" -w '%{http_code}' -X "$1" "$MX$2"; }
check "metrics_addr: GET /metrics from another host: 200" test "$(mcode GET /metrics)" = 200
check "metrics_addr: the same metric families as on api_addr" \
	bash -c "diff <(grep '^# TYPE' $VT_DIR/metrics.txt) <(grep '^# TYPE' $VT_DIR/mbody)"
check "metrics_addr: GET /v1/health: 200" test "$(mcode GET /v1/health)" = 200
check "metrics_addr: GET /v1/members: 404" test "$(mcode GET /v1/members)" = 404
# still_running CODE EXPECTED: the request answered EXPECTED and hv1's agent lives on
still_running() { test "$1" = "$2" && sleep 0.5 && kill -0 "${VC_PID[1]}"; }
check "metrics_addr: PUT /v1/agent/leave: 404, agent still running" \
	still_running "$(mcode PUT /v1/agent/leave)" 404
check "metrics_addr: PUT /v1/maintenance/hv2: 404" test "$(mcode PUT /v1/maintenance/hv2)" = 404
check "metrics_addr: GET /v1/operator/snapshot: 404" test "$(mcode GET /v1/operator/snapshot)" = 404
check "api_addr: GET /v1/agent/leave: 405, agent still running" \
	still_running "$(code GET /v1/agent/leave)" 405

# --- a real Prometheus scraping the agent ---------------------------------------
if command -v prometheus >/dev/null; then
	mkdir -p "$VT_DIR/prom"
	cp docs/prometheus/vigil-rules.yml "$VT_DIR/prom/"
	cat >"$VT_DIR/prom/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files: ['vigil-rules.yml']
scrape_configs:
  - job_name: vigil
    static_configs:
      - targets: ['127.0.0.1:7500']
        labels:
          cluster: vc
EOF
	vt_bg "$VT_DIR/prom.log" ip netns exec "${VC_NS[1]}" prometheus \
		--config.file="$VT_DIR/prom/prometheus.yml" --storage.tsdb.path="$VT_DIR/prom/data" \
		--web.listen-address=127.0.0.1:9090
	query() {
		in1 curl -s --noproxy '*' "http://127.0.0.1:9090/api/v1/query?query=vigil_members%7Bstate%3D%22alive%22%7D" |
			python3 -c "import json,sys; r=json.load(sys.stdin)['data']['result']; assert r and r[0]['value'][1]=='3'" 2>/dev/null
	}
	check "Prometheus scraped vigil: vigil_members{state=\"alive\"} = 3" vt_wait_for 40 query
	hist() {
		in1 curl -s --noproxy '*' "http://127.0.0.1:9090/api/v1/query?query=histogram_quantile(0.5,vigil_rtt_seconds_bucket)" |
			python3 -c "import json,sys; r=json.load(sys.stdin)['data']['result']; assert len(r)==1 and float(r[0]['value'][1]) > 0" 2>/dev/null
	}
	check "Prometheus computes RTT quantiles from the kernel histogram" vt_wait_for 10 hist
	# Each dashboard query, with Grafana's variables filled in, is valid PromQL.
	bad="" n=0
	while read -r expr; do
		n=$((n + 1))
		e=${expr//\$__rate_interval/5s}
		e=${e//\$instance/.*}
		e=${e//\$cluster/vc}
		in1 curl -s --noproxy '*' -G "http://127.0.0.1:9090/api/v1/query" --data-urlencode "query=$e" |
			python3 -c "import json,sys; r=json.load(sys.stdin); assert r['status']=='success'" 2>/dev/null ||
			bad="$bad [$expr]"
	done < <(jq -r '.panels[].targets[]?.expr' "$DASH")
	check "Prometheus accepts all $n dashboard queries${bad:+ (refused:$bad)}" test -z "$bad" -a "$n" -gt 10
	rules_ok() {
		in1 curl -s --noproxy '*' "http://127.0.0.1:9090/api/v1/rules" | python3 -c "
import json, sys
rules = [r for g in json.load(sys.stdin)['data']['groups'] for r in g['rules']]
assert len(rules) > 10 and all(r['health'] == 'ok' and r['lastEvaluation'][:4] != '0001' for r in rules)" 2>/dev/null
	}
	check "Prometheus loads the alert rules and evaluates each without error" vt_wait_for 20 rules_ok
	leader_ok() {
		in1 curl -s --noproxy '*' "http://127.0.0.1:9090/api/v1/alerts" | python3 -c "
import json, sys
a = [x['labels']['alertname'] for x in json.load(sys.stdin)['data']['alerts']]
assert 'VigilNoRaftLeader' not in a and 'VigilTargetsAbsent' not in a, a" 2>/dev/null
	}
	check "... and, the cluster having its leader, neither VigilNoRaftLeader nor VigilTargetsAbsent is pending" leader_ok
else
	not_ok "prometheus not installed (make deps installs it)"
fi

# --- the operator's view: members -status, status, check -------------------------
# names I ARGS...: the members hv I lists with vigil members ARGS, space-separated
names() {
	local i=$1
	shift
	ip netns exec "${VC_NS[$i]}" "$VIGIL" members -config "${VC_CFG[$i]}" -j "$@" |
		python3 -c "import json,sys; print(' '.join(sorted(m['name'] for m in json.load(sys.stdin))))"
}
in1 "$VIGIL" check -config "${VC_CFG[1]}" >"$VT_DIR/check.txt"
check "check on the server: exit 0, OK with the leader" \
	sh -c "test $? = 0 && grep -q '^OK: vigil hv1: agent running, XDP attached, Raft leader hv1 | alive=3 ' $VT_DIR/check.txt"
check "check on a client: exit 0, OK" sh -c "ip netns exec ${VC_NS[2]} $VIGIL check -config ${VC_CFG[2]} | grep -q '^OK: vigil hv2: agent running, XDP attached |'"
in1 "$VIGIL" status -config "${VC_CFG[1]}" >"$VT_DIR/status.txt"
check "status on the server with a leader: exit 0, names the leader" \
	sh -c "test $? = 0 && grep -q '^raft  *leader, term [0-9]*, leader hv1 (' $VT_DIR/status.txt"
# hv3's agent frozen: its kernel answers, so it is alive, its agent stalled.
kill -STOP "${VC_PID[3]}"
stalled3() { test "$(names 1 -status stalled)" = hv3; }
check "hv3's agent frozen: members -status stalled lists hv3 alone" vt_wait_for 8 stalled3
check "... -status alive lists it too (its kernel answers)" test "$(names 1 -status alive)" = "hv1 hv2 hv3"
check "... -status 'suspect|dead': none" test "$(names 1 -status 'suspect|dead')" = ""
kill -CONT "${VC_PID[3]}"
check "-role server lists hv1 alone, -role client hv2 and hv3" \
	sh -c "test \"$(names 1 -role server)\" = hv1 && test \"$(names 1 -role client)\" = 'hv2 hv3'"

# pushpull_interval_ms applied by SIGHUP (it was 30 s): exchanges every 200 ms.
pp() { vc_status 1 | python3 -c "import json,sys; print(json.load(sys.stdin)['pushpull_exchanges'])"; }
before=$(pp)
sed -i 's/"log_level": "info"/"log_level": "info", "pushpull_interval_ms": 200/' "${VC_CFG[1]}"
kill -HUP "${VC_PID[1]}"
sleep 3
after=$(pp)
check "SIGHUP applies pushpull_interval_ms 200 ($before then $after exchanges 3 s later)" \
	test $((after - before)) -ge 8

# hv3 crashes: the verdict's time and the notification's generated time are
# in status; the notification stays pending (no Masakari): check says so.
vc_crash 3
failed3() {
	vc_status 1 | python3 -c "
import json, sys; s = json.load(sys.stdin)
h = [h for h in s['hosts'] if h['name'] == 'hv3'][0]
assert h['failed'] and h['failed_at'].endswith('Z'), h
o = s['outbox'][0]
assert o['hostname'] == 'hv3' and o['status'] == 'pending' and o['generated_at'] == h['failed_at'], o" 2>/dev/null
}
check "hv3 crashed: status -j has its failed_at and the outbox entry's generated_at" vt_wait_for 20 failed3
in1 "$VIGIL" status -config "${VC_CFG[1]}" >"$VT_DIR/status.txt"
check "status text: hv3 failed at a UTC time" grep -qE '^hv3 +hv3 +failed +[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z +-$' "$VT_DIR/status.txt"
check "status text: the pending notification with its generated time" \
	grep -qE '^1 +hv3 +STOPPED +pending +[a-z]+ +[0-9]+ +[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z ' "$VT_DIR/status.txt"
sleep 2
in1 "$VIGIL" check -config "${VC_CFG[1]}" -pending 1 >"$VT_DIR/check.txt"
check "check -pending 1: exit 2, CRIT naming the pending notification" \
	sh -c "test $? = 2 && grep -q '^CRIT: vigil hv1: notification 1 for hv3 pending for [0-9]* s' $VT_DIR/check.txt"
check "check with the default -pending (60 s): not about the notification yet" \
	sh -c "! ip netns exec ${VC_NS[1]} $VIGIL check -config ${VC_CFG[1]} | grep -q 'notification'"

exit $((VT_FAILS > 0))
