#!/usr/bin/env python3
"""balancer benchmarks: every scenario in one bounded run.

    sudo .venv/bin/python tools/bench/run.py            # full run (< 10 min)
    .venv/bin/python tools/bench/run.py --tiny          # seconds; what the test runs
    .venv/bin/python tools/bench/run.py --only 1,3      # some scenarios
    options: --out FILE (JSON, default tools/bench/results/latest.json),
             --profile (py-spy the API process), --octavia/--no-octavia

Scenarios: 1 provisioning vs a naive paramiko push; 2 API vs Octavia;
3 group commit; 4 scale (1..5000 LBs on one device, plot); 5 hitless changes;
6 create throughput with 1, 2, 4 API processes on PostgreSQL (and Octavia
with as many workers).  1, 3, 4, 5 need a real HAProxy box
(``balancer.tests.lab.HaproxyBox``: root, haproxy, sshd, socat, sudo), 6 a
PostgreSQL server (``balancer.tests.databases``); without them they are
reported as skipped.  7 soak (mixed load for minutes on a noop device:
does the API process grow?).  8 failover of an active/standby pair
(``balancer.tests.lab_pair.PairLab``: also keepalived), 10 failovers.
Prints one table of ratios, all measured in this run, and writes the raw
results as JSON.  Nothing is hard-coded: a goal missed is shown as missed.
"""

import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import harness  # noqa: E402

if os.path.realpath(sys.executable) != os.path.realpath(harness.python()) and \
        os.environ.get("BALANCER_BENCH_REEXEC") != "1":
    try:
        import balancer  # noqa: F401
    except ImportError:     # run me with the project's interpreter
        os.environ["BALANCER_BENCH_REEXEC"] = "1"
        os.execv(harness.python(), [harness.python()] + sys.argv)

sys.path.insert(0, harness.REPO)

import scenario_api  # noqa: E402
import scenario_failover  # noqa: E402
import scenario_group  # noqa: E402
import scenario_hitless  # noqa: E402
import scenario_multi  # noqa: E402
import scenario_provision  # noqa: E402
import scenario_scale  # noqa: E402
import scenario_soak  # noqa: E402
import tooling  # noqa: E402

FULL = {"provision_runs": 20, "api_duration": 5.0, "api_warmup": 1.0, "api_stored": 100,
        "group_creates": 100, "scale_sizes": [1, 100, 1000, 5000], "scale_changes": 5,
        "hitless_changes": 100, "hitless_max_s": 120,
        "multi_sizes": [1, 2, 4], "multi_duration": 8.0, "multi_warmup": 2.0,
        "multi_octavia": True, "soak_seconds": 180, "failover_count": 10,
        "failover_series": [[2, 1], [3, 0.5]]}
TINY = {"provision_runs": 2, "api_duration": 0.5, "api_warmup": 0.2, "api_stored": 5,
        "group_creates": 5, "scale_sizes": [1, 10], "scale_changes": 2,
        "hitless_changes": 5, "hitless_max_s": 30,
        "multi_sizes": [1, 2], "multi_duration": 0.5, "multi_warmup": 0.2,
        "multi_octavia": False, "soak_seconds": 3, "failover_count": 2,
        "failover_series": [[2, 1]]}
# (number, name, function, what it needs: "box", "postgresql" or None)
SCENARIOS = [("1", "provision", scenario_provision.run, "box"),
             ("3", "group_commit", scenario_group.run, "box"),
             ("5", "hitless", scenario_hitless.run, "box"),
             ("4", "scale", scenario_scale.run, "box"),
             ("2", "api_vs_octavia", scenario_api.run, None),
             ("6", "multi_process", scenario_multi.run, "postgresql"),
             ("7", "soak", scenario_soak.run, None),
             ("8", "failover", scenario_failover.run, "pair")]


class Context:
    """What scenarios share: parameters, a scratch dir, the lab box (built
    on first use, reused), servers to stop on failure, the profiler."""

    def __init__(self, params, workdir, want_octavia, profiler, plot_path, log):
        self.params, self.workdir, self.want_octavia = params, workdir, want_octavia
        self.profiler, self.plot_path, self.log = profiler, plot_path, log
        self.servers = []
        self._box = None

    def box(self):
        if self._box is None:
            from balancer.tests.lab import HaproxyBox
            self._box = HaproxyBox(backends=3).start()
            self.log(f"  lab box: {self._box.ip} (namespace {self._box.ns or 'none'}), "
                     f"ssh port {self._box.ssh_port}")
        return self._box

    @staticmethod
    def rss(pid):
        return harness.rss_mb(pid)

    def plot(self, rows):
        title = "balancer scale on one HAProxy device (%s)" % time.strftime("%Y-%m-%d")
        return os.path.relpath(tooling.plot(rows, self.plot_path, title, self.workdir),
                               harness.REPO)

    def stop_servers(self):
        for server in self.servers:
            server.stop()
        self.servers.clear()

    def close(self):
        self.stop_servers()
        if self._box is not None:
            self._box.stop()
            self._box = None


def machine():
    model = ""
    try:
        with open("/proc/cpuinfo") as handle:
            model = next((line.split(":", 1)[1].strip() for line in handle
                          if line.startswith("model name")), "")
    except OSError:
        pass
    load = os.getloadavg()
    return {"cpus": os.cpu_count(), "cpu_model": model, "kernel": platform.release(),
            "python": platform.python_version(), "loadavg_at_start": [round(x, 2) for x in load],
            "mem_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)}


def goal(value, ok):
    if value is None:
        return "n/a"
    return "MET" if ok(value) else "MISSED"


def table(results):
    """Rows: (scenario, measure, balancer, peer, ratio, goal, verdict)."""
    rows = []
    p = results.get("provision", {})
    if "ratio_p50" in p:
        for q in ("p50", "p95"):
            rows.append(("1 provision", f"POST->VIP serving {q} (ms)",
                         p["balancer"]["total"].get(f"{q}_ms"), p["naive"]["total"].get(f"{q}_ms"),
                         p[f"ratio_{q}"], "<= 0.25", goal(p[f"ratio_{q}"], lambda v: v <= 0.25)))
    a = results.get("api_vs_octavia", {})
    for label, name in (("list_100", "list (100 stored)"), ("show", "show"), ("create", "create")):
        if "results" in a:
            b = a["results"]["balancer"][label]
            o = a["results"].get("octavia", {}).get(label, {})
            ratio = a.get("ratios", {}).get(label)
            rows.append(("2 api", f"{name} req/s c8", b.get("rps"), o.get("rps"), ratio,
                         ">= 20x", goal(ratio, lambda v: v >= 20)))
            rows.append(("2 api", f"{name} p50/p99 ms", f"{b.get('p50_ms')}/{b.get('p99_ms')}",
                         f"{o.get('p50_ms')}/{o.get('p99_ms')}" if o else None, None, "", ""))
    if "results" in a:
        b = a["results"]["balancer"].get("list_cost_per_lb_ms")
        o = a["results"].get("octavia", {}).get("list_cost_per_lb_ms")
        ratio = a.get("ratios", {}).get("list_cost_per_lb")
        rows.append(("2 api", "list cost per stored LB (ms)", b, o, ratio, "<= 0.05",
                     goal(ratio, lambda v: v <= 0.05)))
    g = results.get("group_commit", {})
    if "reloads" in g:
        rows.append(("3 group", f"reloads for {g['creates']} creates", g["reloads"], None, None,
                     "<= 10", goal(g["reloads"], lambda v: v <= 10)))
        rows.append(("3 group", "wall: concurrent vs 1 create (ms)", g["concurrent_wall_ms"],
                     g["single_create"].get("p50_ms"), g["wall_ratio"], "<= 3x",
                     goal(g["wall_ratio"], lambda v: v <= 3)))
    s = results.get("scale", {})
    for size in s.get("sizes", []):
        rows.append(("4 scale", f"{size['lbs']} LBs: change / render / check (ms)",
                     size["per_change"].get("p50_ms"),
                     f"{size['render'].get('p50_ms')} / {size['haproxy_check'].get('p50_ms')}",
                     None, "", ""))
        if size["lbs"] >= 1000:     # the published goal: <= 20 ms p50, no reload
            for kind in ("change", "add", "delete"):
                p50 = size[f"per_{kind}"].get("p50_ms")
                reloads = size.get("reloads", {}).get("weight" if kind == "change" else kind)
                rows.append(("4 scale", f"{size['lbs']} LBs: node {kind} p50 (ms), reloads",
                             f"{p50}, {reloads}", None, None, "<= 20, 0",
                             goal(p50, lambda v, r=reloads: v <= 20 and r == 0)))
        rows.append(("4 scale", f"{size['lbs']} LBs: API RSS (MB)", size["rss_mb"], None, None,
                     "<= 150" if size["lbs"] == 1000 else "",
                     goal(size["rss_mb"], lambda v: v <= 150) if size["lbs"] == 1000 else ""))
    if "change_ratio_1000_vs_1" in s:
        rows.append(("4 scale", "change time 1000 LBs vs 1", None, None,
                     s["change_ratio_1000_vs_1"], "<= 3x",
                     goal(s["change_ratio_1000_vs_1"], lambda v: v <= 3)))
    m = results.get("multi_process", {})
    for row in m.get("sizes", []):
        n = row["processes"]
        b, o = row["balancer"], row.get("octavia", {})
        rows.append(("6 multi", f"create req/s, {n} process(es) c{m['concurrency']}",
                     b.get("rps"), o.get("rps"), m["ratios"].get(f"balancer_vs_octavia_{n}"),
                     "", ""))
    for n in (2, 4):
        ratio = m.get("ratios", {}).get(f"balancer_{n}_vs_1")
        if ratio is not None:
            rows.append(("6 multi", f"creates/s, {n} processes vs 1", ratio,
                         m["ratios"].get(f"octavia_{n}_vs_1"), None,
                         ">= 3x" if n == 4 else "",
                         goal(ratio, lambda v: v >= 3) if n == 4 else ""))
    h = results.get("hitless", {})
    if "failed" in h:
        rows.append(("5 hitless", f"failed of {h['requests']} requests, {h['changes']} changes",
                     h["failed"], f"{h['rate_rps']} req/s", None, "0",
                     goal(h["failed"], lambda v: v == 0)))
    k = results.get("soak", {})
    if "rss_mb" in k:
        rows.append(("7 soak", f"RSS MB first/last, {k['requests_total']} requests c8",
                     f"{k['rss_mb']['first']}/{k['rss_mb']['last']}", None, None, "", ""))
        rows.append(("7 soak", "RSS slope after warm-up (MB/min)", k["rss_slope_mb_per_min"],
                     None, None, "<= %s" % scenario_soak.RSS_SLOPE_LIMIT,
                     goal(k["rss_slope_mb_per_min"],
                          lambda v: v <= scenario_soak.RSS_SLOPE_LIMIT)))
        rows.append(("7 soak", "open files first/last, slope (/min)",
                     f"{k['open_files']['first']}/{k['open_files']['last']}",
                     k["open_files_slope_per_min"], None,
                     "<= %s" % scenario_soak.FD_SLOPE_LIMIT,
                     goal(k["open_files_slope_per_min"],
                          lambda v: v <= scenario_soak.FD_SLOPE_LIMIT)))
    for series, f in sorted(results.get("failover", {}).items()):
        if not isinstance(f, dict) or "failover_time" not in f:
            continue
        t, label = f["failover_time"], "8 failover " + series
        rows.append((label, f"failover time p50 (ms), {f['failovers']} failovers",
                     t.get("p50_ms"), None, None, "< 2000",
                     goal(t.get("p50_ms"), lambda v: v < 2000)))
        rows.append((label, "failover time max (ms)", t.get("max_ms"), None, None,
                     "< 3000", goal(t.get("max_ms"), lambda v: v < 3000)))
        rows.append((label, "failed requests per failover p50/max",
                     "%s/%s" % (f["failed_per_failover"]["p50"], f["failed_per_failover"]["max"]),
                     None, None, "", ""))
        rows.append((label, "failed outside the window / changes lost",
                     "%s / %s" % (f["failed_outside_window"], f["lost_changes"]), None, None,
                     "0 / 0", goal(f["failed_outside_window"] + f["lost_changes"],
                                   lambda v: v == 0)))
    return rows


def print_table(rows, skipped):
    header = ("scenario", "measure", "balancer", "peer/naive", "ratio", "goal", "verdict")
    text = [tuple("" if v is None else str(v) for v in row) for row in rows]
    widths = [max(len(r[i]) for r in [header] + text) for i in range(len(header))]
    line = "  ".join("-" * w for w in widths)
    print(line)
    print("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=False)))
    print(line)
    for row in text:
        print("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=False)))
    print(line)
    for name, why in skipped.items():
        print(f"skipped {name}: {why}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tiny", action="store_true", help="tiny sizes (seconds)")
    parser.add_argument("--only", help="comma-separated scenario numbers, e.g. 1,3")
    parser.add_argument("--out", help="results JSON path")
    parser.add_argument("--profile", action="store_true", help="py-spy the API process")
    parser.add_argument("--octavia", dest="octavia", action="store_true", default=None)
    parser.add_argument("--no-octavia", dest="octavia", action="store_false")
    parser.add_argument("--scale-sizes", help="e.g. 1,1000 (default 1,100,1000,5000)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch dir")
    args = parser.parse_args(argv)

    params = dict(TINY if args.tiny else FULL)
    if args.scale_sizes:
        params["scale_sizes"] = [int(n) for n in args.scale_sizes.split(",")]
    results_dir = os.path.join(HERE, "results")
    out_path = args.out or os.path.join(results_dir, "tiny.json" if args.tiny else "latest.json")
    os.makedirs(os.path.dirname(os.path.abspath(out_path)), exist_ok=True)
    want = set((args.only or "1,2,3,4,5,6,7,8").split(","))
    from octavia_peer import available as octavia_cached
    want_octavia = args.octavia if args.octavia is not None else (
        not args.tiny or octavia_cached())
    log = lambda msg: print(msg, file=sys.stderr, flush=True)  # noqa: E731

    tools_ok = tooling.ensure_venv(log) if not args.tiny or os.path.exists(tooling.PYTHON) \
        else False
    plot_path = None
    if tools_ok:
        plot_path = os.path.join(os.path.dirname(os.path.abspath(out_path)),
                                 "scale-tiny.png" if args.tiny else "scale.png")
    profiler = None
    workdir = tempfile.mkdtemp(prefix="balancer-bench-")
    if args.profile and tools_ok:
        profiler = tooling.Profiler(os.path.join(workdir, "profiles"), log)
    ctx = Context(params, workdir, want_octavia, profiler, plot_path, log)
    results = {"started": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "mode":
               "tiny" if args.tiny else "full", "params": params, "machine": machine(),
               "calibration_s_start": harness.cpu_calibration()}
    skipped, timings = {}, {}
    from balancer.tests import databases
    from balancer.tests.lab import HaproxyBox
    missing = {"box": None if HaproxyBox.available() else
               "no HAProxy lab box on this machine (needs root, haproxy, sshd)",
               "postgresql": None if databases.server_answers("postgresql") else
               "no PostgreSQL server answers (balancer.tests.databases.SERVERS)",
               "pair": None if HaproxyBox.available() and shutil.which("keepalived") else
               "no pair lab on this machine (needs root, haproxy, sshd, keepalived)"}
    began = time.monotonic()
    try:
        for number, name, func, needs in SCENARIOS:
            if number not in want:
                continue
            if needs and missing[needs]:
                skipped[name] = missing[needs]
                continue
            log(f"scenario {number}: {name}")
            t0 = time.monotonic()
            try:
                results[name] = func(ctx)
            except Exception as err:       # report, clean up, go on with the others
                traceback.print_exc()
                results[name] = {"error": f"{type(err).__name__}: {err}"}
                skipped[name] = f"failed: {err}"
            finally:
                ctx.stop_servers()
            timings[name] = round(time.monotonic() - t0, 1)
    finally:
        ctx.close()
        if not args.keep:
            profiles = os.path.join(workdir, "profiles")
            if profiler and os.path.isdir(profiles):
                # this run's profiles replace their namesakes; a run of some
                # scenarios keeps the other scenarios' profiles
                shutil.copytree(profiles, os.path.join(results_dir, "profiles"),
                                dirs_exist_ok=True)
            shutil.rmtree(workdir, ignore_errors=True)
    results["scenario_seconds"] = timings
    results["total_seconds"] = round(time.monotonic() - began, 1)
    results["calibration_s_end"] = harness.cpu_calibration()
    results["machine"]["loadavg_at_end"] = [round(x, 2) for x in os.getloadavg()]
    if profiler:
        results["profiles"] = profiler.summaries
    rows = table(results)
    results["table"] = rows
    results["skipped"] = skipped
    with open(out_path, "w") as handle:
        json.dump(results, handle, indent=1, sort_keys=True)
    print_table(rows, skipped)
    print(f"total {results['total_seconds']} s; results: {os.path.relpath(out_path)}")
    return 0 if not any(k for k, v in skipped.items() if v.startswith("failed")) else 1


if __name__ == "__main__":
    sys.exit(main())
