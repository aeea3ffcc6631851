#!/usr/bin/python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""openstack-client.py - the few OpenStack calls vigil's end-to-end rig
makes, over keystoneauth1 (Debian's python3-keystoneauth1): the catalog and
the service users, Masakari segments and Nova aggregates, instances, and the
notification masakari-monitors' hostmonitor sends after a confirmed
power-off. Credentials: OS_AUTH_URL and OS_PASSWORD (admin, project admin).
Run it through `openstack-local.sh client DIR CMD ...`, which sets both.

  bootstrap ADDR            service project, users (nova, placement, glance,
                            masakari, vigil: admin in project service), catalog
  wait-services             nova-conductor and nova-scheduler up
  wait-compute HOST         HOST's nova-compute reported in, its resources in Placement
  segment NAME HOST...      Nova aggregate NAME in availability zone NAME, and a
                            Masakari segment NAME (recovery auto), with HOST...
  boot AZ HOST NAME...      one instance per NAME on HOST (fake driver), ACTIVE
  servers                   "name id status host" for every instance
  watch T0 HOST ID...       poll every 0.5 s until every ID is ACTIVE on a host
                            other than HOST; one "ID NEWHOST SECONDS" line each as
                            it lands (seconds after T0, a Unix time), ERROR ends it;
                            gives up after OS_WATCH_LIMIT seconds (600)
  force-down HOST           Nova's os-services forced_down (microversion 2.53)
  service HOST              "state status forced_down" of HOST's nova-compute
  notify HOST               COMPUTE_HOST STOPPED, host_status NORMAL; prints its uuid
                            and the Unix time the request left
  notifications             "uuid host status generated created updated event
                            host_status" each
  progress UUID             the recovery workflow's steps, "time task state message"
  maintenance HOST          Masakari's on_maintenance of HOST (True/False)
  recover HOST              what an operator does once HOST is repaired and its
                            nova-compute runs again: that service enabled and no
                            longer forced down (asked again for up to 60 s while
                            Nova refuses: it lifts forced_down only once the
                            restarted compute closed its evacuations), and
                            Masakari's on_maintenance cleared
  aggregate NAME HOST...    Nova aggregate NAME in availability zone NAME with HOST...
                            added (no Masakari segment: vigil's reconciliation makes it)
  aggregate-remove NAME HOST  HOST out of aggregate NAME
  segment-hosts NAME        "host on_maintenance" of each host of segment NAME (none:
                            no segment)
  set-maintenance HOST BOOL Masakari's on_maintenance of HOST, as an operator sets it
  segment-host-delete NAME HOST  HOST out of segment NAME, as an operator deletes it
"""
import datetime
import json
import os
import sys
import time

from keystoneauth1 import exceptions as ksexc
from keystoneauth1 import session as kssession
from keystoneauth1.identity import v3

PORTS = {"keystone": 5000, "glance": 9292, "placement": 8778, "nova": 8774,
         "neutron": 9696, "masakari": 15868}
USERS = ("nova", "placement", "glance", "masakari", "vigil")


def die(msg):
    sys.exit("openstack-client.py: " + msg)


def session():
    auth = v3.Password(auth_url=os.environ["OS_AUTH_URL"], username="admin",
                       password=os.environ["OS_PASSWORD"], project_name="admin",
                       user_domain_name="Default", project_domain_name="Default")
    return kssession.Session(auth=auth, timeout=60)


S = None


def call(service, method, path, body=None, ok=(200, 201, 202, 204), version=None, **kw):
    """One request to SERVICE's public endpoint; the decoded answer."""
    headers = {}
    if version:
        headers["OpenStack-API-Version"] = version
        if version.startswith("compute "):
            headers["X-OpenStack-Nova-API-Version"] = version.split()[1]
    r = S.request(path, method, json=body, headers=headers, raise_exc=False,
                  endpoint_filter={"service_type": service, "interface": "public",
                                   "region_name": "RegionOne"}, **kw)
    if r.status_code not in ok:
        raise RuntimeError("%s %s %s: %s %s" % (service, method, path, r.status_code, r.text[:300]))
    return r.json() if r.content else {}


def ks(method, path, body=None, ok=(200, 201, 204)):
    r = S.request(os.environ["OS_AUTH_URL"] + path, method, json=body, raise_exc=False)
    if r.status_code not in ok:
        raise RuntimeError("keystone %s %s: %s %s" % (method, path, r.status_code, r.text[:300]))
    return r.json() if r.content else {}


def ks_find(kind, name, create):
    found = ks("GET", "/%ss?name=%s" % (kind, name))["%ss" % kind]
    return found[0] if found else ks("POST", "/%ss" % kind, {kind: create})[kind]


def bootstrap(addr):
    password = os.environ["OS_PASSWORD"]
    project = ks_find("project", "service", {"name": "service", "domain_id": "default"})
    admin = ks_find("role", "admin", {"name": "admin"})
    for name in USERS:
        user = ks_find("user", name, {"name": name, "domain_id": "default", "password": password})
        ks("PUT", "/projects/%s/users/%s/roles/%s" % (project["id"], user["id"], admin["id"]))
    catalog = [("nova", "compute", "http://%s:%d/v2.1" % (addr, PORTS["nova"])),
               ("placement", "placement", "http://%s:%d" % (addr, PORTS["placement"])),
               ("glance", "image", "http://%s:%d" % (addr, PORTS["glance"])),
               ("neutron", "network", "http://%s:%d" % (addr, PORTS["neutron"])),
               ("masakari", "instance-ha", "http://%s:%d/v1" % (addr, PORTS["masakari"]))]
    for name, kind, url in catalog:
        svc = ks_find("service", name, {"name": name, "type": kind})
        have = ks("GET", "/endpoints?service_id=%s" % svc["id"])["endpoints"]
        for iface in ("public", "internal", "admin"):
            if not any(e["interface"] == iface for e in have):
                ks("POST", "/endpoints", {"endpoint": {"service_id": svc["id"], "interface": iface,
                                                       "url": url, "region_id": "RegionOne"}})


def poll(what, seconds, fn):
    """Call FN every 0.5 s until it returns a true value; die after SECONDS."""
    end = time.monotonic() + seconds
    last = None
    while time.monotonic() < end:
        try:
            v = fn()
            if v:
                return v
        except (RuntimeError, ksexc.ClientException) as e:
            last = e
        time.sleep(0.5)
    die("timed out waiting for %s%s" % (what, " (%s)" % last if last else ""))


def services(binary=None, host=None):
    q = "&".join("%s=%s" % kv for kv in (("binary", binary), ("host", host)) if kv[1])
    return call("compute", "GET", "/os-services" + ("?" + q if q else ""),
                version="compute 2.53")["services"]


def wait_services():
    def up():
        s = services()
        return all(any(x["binary"] == b and x["state"] == "up" for x in s)
                   for b in ("nova-conductor", "nova-scheduler"))
    poll("nova-conductor and nova-scheduler", 120, up)


def wait_compute(host):
    """HOST's nova-compute reported after this call began (a forced-down
    service reports but stays "down"), and its resources are in Placement."""
    since = datetime.datetime.utcnow().replace(microsecond=0)

    def reported():
        for x in services("nova-compute", host):
            at = x.get("updated_at")
            if at and datetime.datetime.strptime(at[:19], "%Y-%m-%dT%H:%M:%S") >= since:
                return True
        return False
    poll("nova-compute %s" % host, 120, reported)
    poll("%s in Placement" % host, 120,
         lambda: call("placement", "GET", "/resource_providers?name=%s" % host)["resource_providers"])


def aggregate(name, hosts):
    aggs = call("compute", "GET", "/os-aggregates")["aggregates"]
    agg = next((a for a in aggs if a["name"] == name), None)
    if agg is None:
        agg = call("compute", "POST", "/os-aggregates",
                   {"aggregate": {"name": name, "availability_zone": name}})["aggregate"]
    for h in hosts:
        if h in (agg.get("hosts") or []):
            continue
        poll("%s in aggregate %s" % (h, name), 60,
             lambda: call("compute", "POST", "/os-aggregates/%s/action" % agg["id"],
                          {"add_host": {"host": h}}, ok=(200,)))
    return agg


def aggregate_remove(name, host):
    agg = next(a for a in call("compute", "GET", "/os-aggregates")["aggregates"]
               if a["name"] == name)
    call("compute", "POST", "/os-aggregates/%s/action" % agg["id"],
         {"remove_host": {"host": host}}, ok=(200,))


def segment_by_name(name):
    return next((s for s in call("instance-ha", "GET", "/segments")["segments"]
                 if s["name"] == name), None)


def segment_hosts(name):
    seg = segment_by_name(name)
    if seg is None:
        return
    for h in call("instance-ha", "GET", "/segments/%s/hosts" % seg["uuid"])["hosts"]:
        print(h["name"], h["on_maintenance"])


def set_maintenance(host, value):
    for h in masakari_hosts().values():
        if h["name"] == host:
            call("instance-ha", "PUT", "/segments/%s/hosts/%s" % (h["failover_segment_id"], h["uuid"]),
                 {"host": {"on_maintenance": value == "True"}})
            return
    die("no Masakari host %s" % host)


def segment_host_delete(name, host):
    seg = segment_by_name(name)
    for h in call("instance-ha", "GET", "/segments/%s/hosts" % seg["uuid"])["hosts"]:
        if h["name"] == host:
            call("instance-ha", "DELETE", "/segments/%s/hosts/%s" % (seg["uuid"], h["uuid"]))


def segment(name, hosts):
    aggregate(name, hosts)
    seg = segment_by_name(name)
    if seg is None:
        seg = call("instance-ha", "POST", "/segments",
                   {"segment": {"name": name, "recovery_method": "auto",
                                "service_type": "COMPUTE"}})["segment"]
    have = {h["name"] for h in call("instance-ha", "GET", "/segments/%s/hosts" % seg["uuid"])["hosts"]}
    for h in hosts:
        if h not in have:
            call("instance-ha", "POST", "/segments/%s/hosts" % seg["uuid"],
                 {"host": {"name": h, "type": "COMPUTE", "control_attributes": "SSH"}})


def flavor_and_image():
    fl = [f for f in call("compute", "GET", "/flavors")["flavors"] if f["name"] == "vigil.tiny"]
    if fl:
        flavor = fl[0]["id"]
    else:
        flavor = call("compute", "POST", "/flavors",
                      {"flavor": {"name": "vigil.tiny", "ram": 64, "vcpus": 1, "disk": 1}})["flavor"]["id"]
    im = call("image", "GET", "/v2/images?name=vigil-tiny")["images"]
    if im and im[0]["status"] == "active":
        return flavor, im[0]["id"]
    image = im[0] if im else call("image", "POST", "/v2/images",
                                  {"name": "vigil-tiny", "disk_format": "raw",
                                   "container_format": "bare", "visibility": "public"})
    S.request("/v2/images/%s/file" % image["id"], "PUT", data=b"\0" * 512,
              headers={"Content-Type": "application/octet-stream"},
              endpoint_filter={"service_type": "image", "interface": "public"})
    poll("image vigil-tiny", 30,
         lambda: call("image", "GET", "/v2/images/%s" % image["id"])["status"] == "active")
    return flavor, image["id"]


def boot(az, host, names):
    flavor, image = flavor_and_image()
    ids = []
    for n in names:
        s = call("compute", "POST", "/servers",
                 {"server": {"name": n, "imageRef": image, "flavorRef": flavor, "networks": "none",
                             "availability_zone": "%s:%s" % (az, host)}}, version="compute 2.53")
        ids.append(s["server"]["id"])

    def active():
        st = [call("compute", "GET", "/servers/%s" % i)["server"]["status"] for i in ids]
        if "ERROR" in st:
            die("an instance went to ERROR on %s" % host)
        return all(x == "ACTIVE" for x in st)
    poll("instances ACTIVE on %s" % host, 120, active)


def servers():
    for s in call("compute", "GET", "/servers/detail?all_tenants=1")["servers"]:
        print(s["name"], s["id"], s["status"], s.get("OS-EXT-SRV-ATTR:host"))


def watch(t0, host, ids, limit=600):
    left = set(ids)
    end = time.monotonic() + limit
    while left and time.monotonic() < end:
        try:
            found = call("compute", "GET", "/servers/detail?all_tenants=1", timeout=10)["servers"]
        except (RuntimeError, ksexc.ClientException) as e:
            print("watch: %s, asking again" % e, file=sys.stderr)
            found = []  # a slow answer from a loaded nova-api
        for s in found:
            if s["id"] not in left:
                continue
            where = s.get("OS-EXT-SRV-ATTR:host")
            if s["status"] == "ERROR":
                die("%s went to ERROR (on %s)" % (s["id"], where))
            if s["status"] == "ACTIVE" and where != host:
                print(s["id"], where, "%.3f" % (time.time() - t0), flush=True)
                left.discard(s["id"])
        # As often as masakari-engine checks (verify_interval, 1 s), twice:
        # nova-api has one worker, and this must not slow the evacuation.
        time.sleep(0.5)
    if left:
        die("not evacuated within %d s: %s" % (limit, " ".join(sorted(left))))


def service(host):
    s = services("nova-compute", host)
    if not s:
        die("no nova-compute on %s" % host)
    return s[0]


def force_down(host):
    call("compute", "PUT", "/os-services/%s" % service(host)["id"], {"forced_down": True},
         version="compute 2.53")


def notify(host):
    # Authenticated beforehand, as a notifier that holds a token is: the time
    # printed is when the request left.
    S.get_token()
    S.get_endpoint(service_type="instance-ha", interface="public", region_name="RegionOne")
    t = time.time()
    now = datetime.datetime.utcnow().strftime("%Y-%m-%dT%H:%M:%S.%f")
    # As masakari-monitors' hostmonitor sends it once the power-off is confirmed.
    n = call("instance-ha", "POST", "/notifications",
             {"notification": {"type": "COMPUTE_HOST", "hostname": host, "generated_time": now,
                               "payload": {"event": "STOPPED", "host_status": "NORMAL",
                                           "cluster_status": "OFFLINE"}}})
    print(n["notification"]["notification_uuid"], "%.3f" % t)


def masakari_hosts():
    names = {}
    for s in call("instance-ha", "GET", "/segments")["segments"]:
        for h in call("instance-ha", "GET", "/segments/%s/hosts" % s["uuid"])["hosts"]:
            names[h["uuid"]] = h
    return names


def notifications():
    hosts = masakari_hosts()
    for n in call("instance-ha", "GET", "/notifications")["notifications"]:
        h = hosts.get(n["source_host_uuid"], {}).get("name", "?")
        p = n.get("payload") or {}
        print(n["notification_uuid"], h, n["status"], n["generated_time"], n["created_at"],
              n["updated_at"], p.get("event"), p.get("host_status"))


def progress(uuid):
    n = call("instance-ha", "GET", "/notifications/%s" % uuid,
             version="instance-ha 1.1")["notification"]
    for task in n.get("recovery_workflow_details") or []:
        for p in task.get("progress_details") or []:
            print(p["timestamp"], task["name"], task["state"], json.dumps(p["message"]))


def maintenance(host):
    h = [x for x in masakari_hosts().values() if x["name"] == host]
    if not h:
        die("no Masakari host %s" % host)
    print(h[0]["on_maintenance"])


def recover(host):
    sid = service(host)["id"]
    poll("Nova to enable %s" % host, 60,
         lambda: call("compute", "PUT", "/os-services/%s" % sid,
                      {"status": "enabled", "forced_down": False}, version="compute 2.53") or True)
    set_maintenance(host, "False")


def main(argv):
    global S
    if not argv:
        die("usage: see the file's header")
    S = session()
    cmd, args = argv[0], argv[1:]
    if cmd == "bootstrap":
        bootstrap(args[0])
    elif cmd == "wait-services":
        wait_services()
    elif cmd == "wait-compute":
        wait_compute(args[0])
    elif cmd == "segment":
        segment(args[0], args[1:])
    elif cmd == "boot":
        boot(args[0], args[1], args[2:])
    elif cmd == "servers":
        servers()
    elif cmd == "watch":
        watch(float(args[0]), args[1], args[2:], int(os.environ.get("OS_WATCH_LIMIT", "600")))
    elif cmd == "force-down":
        force_down(args[0])
    elif cmd == "service":
        s = service(args[0])
        print(s["state"], s["status"], s["forced_down"])
    elif cmd == "notify":
        notify(args[0])
    elif cmd == "notifications":
        notifications()
    elif cmd == "progress":
        progress(args[0])
    elif cmd == "recover":
        recover(args[0])
    elif cmd == "maintenance":
        maintenance(args[0])
    elif cmd == "aggregate":
        aggregate(args[0], args[1:])
    elif cmd == "aggregate-remove":
        aggregate_remove(args[0], args[1])
    elif cmd == "segment-hosts":
        segment_hosts(args[0])
    elif cmd == "set-maintenance":
        set_maintenance(args[0], args[1])
    elif cmd == "segment-host-delete":
        segment_host_delete(args[0], args[1])
    else:
        die("unknown command %s" % cmd)


if __name__ == "__main__":
    try:
        main(sys.argv[1:])
    except (RuntimeError, ksexc.ClientException) as e:
        die(str(e))
