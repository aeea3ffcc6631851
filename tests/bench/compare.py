#!/usr/bin/env python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""compare.py - reads the logs of bench-compare.sh's systems.

Every system's agents log with UTC millisecond timestamps: vigil and
memberlist-node in vigil's own format (event=state member=X from=A to=B),
serf through memberlist-node -stamp. Each agent's log is
DIR/SYSTEM/hvI.log; the harness writes "<time> #start" before every
(re)start of an agent, and records its faults in DIR/phases.tsv.

  compare.py converged DIR SYSTEMS HOSTS    every running host sees every other alive
  compare.py all-dead DIR SYSTEMS HOSTS VICTIM T0_MS
                                            every running host declared VICTIM dead after T0
  compare.py report DIR SYSTEMS N SETTLE_MS OUTDIR
                                            the table (stdout), OUTDIR/bench-compare.tsv,
                                            the data for the plot, and the last line

SYSTEMS and HOSTS are comma-separated (HOSTS: the indexes of running hosts).
"""
import datetime
import math
import os
import re
import sys

STATE = re.compile(r"event=state member=(\S+) from=\S+ to=(\S+)")
ADDED = re.compile(r"info: member (\S+) \(id \d+\) added")
SERF = re.compile(r"serf: EventMember(Join|Failed|Leave): (\S+) ")
RAISED = re.compile(r"memberlist: Suspect (\S+) has failed, no acks received")
SERF_TO = {"Join": "alive", "Failed": "dead", "Leave": "left"}

# Which systems report every observer's suspicion (serf logs only the
# suspicions its own probes raise; it never shows a member as suspect).
OBSERVER_SUSPICION = {"vigil": True, "tight": True}


def ts_ms(line):
    try:
        return datetime.datetime.strptime(line[:23], "%Y-%m-%dT%H:%M:%S.%f").replace(
            tzinfo=datetime.timezone.utc).timestamp() * 1000.0
    except ValueError:
        return None


def events(path):
    """[(t_ms, kind, member)] of one agent's log; kind is alive, suspect,
    dead, left, raised (serf: a suspicion its own probe raised) or start."""
    out = []
    try:
        f = open(path, errors="replace")
    except OSError:
        return out
    with f:
        for line in f:
            t = ts_ms(line)
            if t is None:
                continue
            if " #start" in line:
                out.append((t, "start", ""))
            elif (m := STATE.search(line)):
                to = "alive" if m.group(2).startswith("alive") else m.group(2)
                out.append((t, to, m.group(1)))
            elif (m := ADDED.search(line)):
                out.append((t, "alive", m.group(1)))
            elif (m := SERF.search(line)):
                out.append((t, SERF_TO[m.group(1)], m.group(2)))
            elif (m := RAISED.search(line)):
                out.append((t, "raised", m.group(1)))
    return out


def log_path(d, system, i):
    return os.path.join(d, system, f"hv{i}.log")


def view(evs):
    """Member states as the agent sees them since its last start."""
    v = {}
    for _, kind, name in evs:
        if kind == "start":
            v = {}
        elif kind != "raised":
            v[name] = kind
    return v


def converged(d, systems, hosts):
    for s in systems:
        for i in hosts:
            v = view(events(log_path(d, s, i)))
            if any(v.get(f"hv{j}") != "alive" for j in hosts if j != i):
                return False
    return True


def all_dead(d, systems, hosts, victim, t0):
    for s in systems:
        for i in hosts:
            if i == victim:
                continue
            if not any(t >= t0 and k == "dead" and n == f"hv{victim}"
                       for t, k, n in events(log_path(d, s, i))):
                return False
    return True


def pct(v, p):
    """Nearest-rank percentile, as bench-detect reports it."""
    v = sorted(v)
    if not v:
        return float("nan")
    k = min(len(v) - 1, max(0, int(math.ceil(p / 100.0 * len(v))) - 1))
    return v[k]


def phases(d):
    out = []
    with open(os.path.join(d, "phases.tsv")) as f:
        for line in f:
            kind, name, victim, t0, t1 = line.split()[:5]
            out.append({"kind": kind, "name": name, "victim": int(victim),
                        "t0": float(t0), "t1": float(t1)})
    return out


def crash_obs(d, s, n, ph):
    """Per observer: (ms to suspect or None, ms to dead or None) after a crash."""
    out = []
    name = f"hv{ph['victim']}"
    for i in range(1, n + 1):
        if i == ph["victim"]:
            continue
        sus = dead = None
        for t, k, m in events(log_path(d, s, i)):
            if m != name or t < ph["t0"] - 2 or t > ph["t1"]:
                continue
            if k in ("suspect", "dead") and sus is None:
                sus = t - ph["t0"]
            if k == "dead" and dead is None:
                dead = t - ph["t0"]
        out.append((sus, dead))
    return out


def window_counts(d, s, n, ph, settle):
    """Suspicions and deaths of live members logged during a fault window
    (and SETTLE ms after it ends): per observer, and hosts declared dead."""
    lo, hi = ph["t0"], ph["t1"] + settle
    sus = dead = raised = 0
    hosts = set()
    for i in range(1, n + 1):
        for t, k, m in events(log_path(d, s, i)):
            if lo <= t <= hi:
                sus += k == "suspect"
                raised += k == "raised"
                if k == "dead":
                    dead += 1
                    hosts.add(m)
    return sus, dead, raised, len(hosts)


FAULTS = [("crash", "hard crash"), ("stop_short", "SIGSTOP short"), ("stop_long", "SIGSTOP long"),
          ("cpu", "CPU hogs (normal)"), ("fifo", "CPU hogs (SCHED_FIFO)"),
          ("loss", "packet loss"), ("fifo_crash", "crash under FIFO hogs")]


def label_of(key, ph):
    """The row's title, with the fault's size from the phase's name field."""
    if key.startswith("stop_"):
        return f"SIGSTOP {ph['name']} s"
    if key in ("cpu", "fifo"):
        return f"{dict(FAULTS)[key]} {ph['name']} s"
    if key == "loss":
        return f"{ph['name']}% packet loss"
    return dict(FAULTS)[key]


def fmt(x):
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    return f"{x:.0f}" if isinstance(x, float) else str(x)


def report(d, systems, n, settle, outdir):
    ph = phases(d)
    rows = []          # one dict per (system, fault)
    dist = {}          # system -> per-observer crash-to-dead ms (plot)
    for s in systems:
        for key, label in FAULTS:
            sel = [p for p in ph if p["kind"] == key]
            if not sel:
                continue
            r = {"system": s, "fault": key, "label": label_of(key, sel[0]), "events": len(sel)}
            if key in ("crash", "fifo_crash"):
                obs = [o for p in sel for o in crash_obs(d, s, n, p)]
                sus = [a for a, _ in obs if a is not None]
                dead = [b for _, b in obs if b is not None]
                r["n"] = len(obs)
                r["missed"] = sum(1 for _, b in obs if b is None)
                if OBSERVER_SUSPICION.get(s):
                    r["suspect_p50"], r["suspect_p99"] = pct(sus, 50), pct(sus, 99)
                r["dead_p50"], r["dead_p99"] = pct(dead, 50), pct(dead, 99)
                r["dead_max"] = max(dead) if dead else float("nan")
                if key == "crash":
                    dist[s] = dead
                else:  # declared while the hogs still ran (the name field holds their end)
                    r["during_hogs"] = sum(1 for p in sel for _, b in crash_obs(d, s, n, p)
                                           if b is not None and p["t0"] + b <= float(p["name"]))
            else:
                tot = [window_counts(d, s, n, p, settle) for p in sel]
                if OBSERVER_SUSPICION.get(s):
                    r["false_suspect"] = sum(t[0] for t in tot)
                else:
                    r["raised"] = sum(t[2] for t in tot)
                r["false_dead"] = sum(t[1] for t in tot)
                r["hosts_dead"] = sum(t[3] for t in tot)
            rows.append(r)

    cols = ["system", "fault", "events", "n", "missed", "suspect_p50", "suspect_p99",
            "dead_p50", "dead_p99", "dead_max", "during_hogs", "false_suspect", "raised", "false_dead", "hosts_dead"]
    os.makedirs(outdir, exist_ok=True)
    with open(os.path.join(outdir, "bench-compare.tsv"), "w") as f:
        f.write("\t".join(cols) + "\n")
        for r in rows:
            f.write("\t".join(fmt(r.get(c)) if c in r else "n/a" for c in cols) + "\n")

    # The printed table: one line per system, one column per fault.
    def cell(r):
        if r is None:
            return "-"
        if r["fault"] in ("crash", "fifo_crash"):
            s = f"dead {fmt(r['dead_p50'])}/{fmt(r['dead_p99'])}"
            if r["fault"] == "crash" and "suspect_p50" in r:
                s = f"susp {fmt(r['suspect_p50'])}/{fmt(r['suspect_p99'])}, " + s
            elif r["fault"] == "crash":
                s = "susp n/a, " + s
            if r["fault"] == "fifo_crash":
                s += f", {r['during_hogs']}/{r['n']} under hogs"
            return s + (f" ({r['missed']} missed)" if r["missed"] else "")
        s = f"{r['false_dead']} dead ({r['hosts_dead']} hosts)"
        if "false_suspect" in r:
            return s + f", {r['false_suspect']} susp"
        return s + f", {r['raised']} raised"
    print()
    print("crash rows: ms after the crash, per observer, p50/p99;"
          " other rows: false deaths (observer-level), hosts declared dead, suspicions")
    faults = [f for f, _ in FAULTS if any(r["fault"] == f for r in rows)]
    width = 38
    print(f"{'fault':<28}" + "".join(f"{s:<{width}}" for s in systems))
    for f in faults:
        line = f"{next(x['label'] for x in rows if x['fault'] == f):<28}"
        for s in systems:
            r = next((x for x in rows if x["system"] == s and x["fault"] == f), None)
            line += f"{cell(r):<{width}}"
        print(line)

    # Plot data: crash-to-dead per observer (one column per system), and
    # false deaths per fault (one row per fault).
    with open(os.path.join(d, "dead.dat"), "w") as f:
        for k, s in enumerate(systems):
            for v in sorted(dist.get(s, [])):
                f.write(f"{k} {v:.1f}\n")
            f.write("\n\n")
    windows = [k for k in ("stop_short", "stop_long", "cpu", "fifo", "loss") if k in faults]
    with open(os.path.join(d, "false.dat"), "w") as f:
        if windows:
            f.write("fault " + " ".join(systems) + "\n")
        for key in windows:
            vals = [next((x["false_dead"] for x in rows if x["system"] == s and x["fault"] == key), 0)
                    for s in systems]
            # A short title, and the counts under it (zero bars are invisible).
            ph0 = next(p for p in ph if p["kind"] == key)
            short = {"cpu": f"hogs {ph0['name']} s", "fifo": f"FIFO hogs {ph0['name']} s",
                     "loss": f"{ph0['name']}% loss"}.get(key, f"SIGSTOP {ph0['name']} s")
            f.write(f"\"{short}\\n{'/'.join(str(v) for v in vals)}\" " + " ".join(str(v) for v in vals) + "\n")

    last = []
    for s in systems:
        key = s.replace("-", "_")
        r = next((x for x in rows if x["system"] == s and x["fault"] == "crash"), None)
        if r:
            last.append(f"{key}_dead_ms_p50={fmt(r['dead_p50'])}")
            last.append(f"{key}_dead_ms_p99={fmt(r['dead_p99'])}")
    for s in systems:
        key = s.replace("-", "_")
        fd = sum(x["false_dead"] for x in rows if x["system"] == s and "false_dead" in x)
        last.append(f"{key}_false_dead={fd}")
    for s in systems:
        key = s.replace("-", "_")
        r = next((x for x in rows if x["system"] == s and x["fault"] == "fifo_crash"), None)
        if r:
            last.append(f"{key}_fifo_crash_dead_ms={fmt(r['dead_max'])}")
    print(" ".join(last))


def main():
    cmd, d = sys.argv[1], sys.argv[2]
    systems = sys.argv[3].split(",")
    if cmd == "converged":
        hosts = [int(x) for x in sys.argv[4].split(",")]
        sys.exit(0 if converged(d, systems, hosts) else 1)
    if cmd == "all-dead":
        hosts = [int(x) for x in sys.argv[4].split(",")]
        sys.exit(0 if all_dead(d, systems, hosts, int(sys.argv[5]), float(sys.argv[6])) else 1)
    if cmd == "report":
        report(d, systems, int(sys.argv[4]), float(sys.argv[5]), sys.argv[6])
        return
    sys.exit(f"unknown command {cmd}")


if __name__ == "__main__":
    main()
