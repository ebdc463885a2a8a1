"""Scenario 7: soak: mixed load for minutes; does the API process grow?

One API process (SQLite, one noop device) takes a mixed load from 8 client
threads for ``soak_seconds``: each thread creates load balancers, reads
them (show, list, details), adds nodes, renames, and deletes its oldest once
it holds ``SOAK_KEEP``, so the stored data stays the same size while every
code path keeps allocating.  A sampler reads the process's RSS and open
file descriptors from /proc every ``SOAK_SAMPLE_S`` seconds.

The verdict is a least-squares slope over the samples after the first
third (start-up and the first allocations of every path are over by then):
RSS growing faster than ``RSS_SLOPE_LIMIT`` MB a minute, or any steady rise
in open files, is reported as a growth trend.  Memory that only rises with
the number of requests (a driver keeping every deploy, a cache without a
bound) shows as a slope however long the run; a one-off warm-up does not.
"""

import threading
import time

from harness import ApiServer, rss_mb, summary_ms

TENANT = "soak"
CONCURRENCY = 8
SOAK_KEEP = 5             # load balancers each thread holds at most
SOAK_SAMPLE_S = 2.0
RSS_SLOPE_LIMIT = 1.0     # MB per minute
FD_SLOPE_LIMIT = 0.5      # descriptors per minute


def open_files(pid):
    import os
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return None


def slope_per_minute(samples):
    """Least-squares slope of (seconds, value) pairs, per minute."""
    points = [(t, v) for t, v in samples if v is not None]
    if len(points) < 3:
        return None
    n = len(points)
    mean_t = sum(t for t, _ in points) / n
    mean_v = sum(v for _, v in points) / n
    var = sum((t - mean_t) ** 2 for t, _ in points)
    if var == 0:
        return None
    cov = sum((t - mean_t) * (v - mean_v) for t, v in points)
    return round(cov / var * 60.0, 3)


def _lb_body(device_id, port):
    return {"name": f"soak-{port}", "algorithm": "ROUND_ROBIN", "protocol": "HTTP",
            "device_id": device_id,
            "virtualIps": [{"address": "127.0.0.1", "port": port}],
            "nodes": [{"address": "127.0.0.1", "port": 8001 + i % 3} for i in range(3)],
            "healthMonitor": [{"type": "HTTP", "delay": 10, "timeout": 5,
                               "attemptsBeforeDeactivation": 3, "path": "/"}]}


def _worker(api, device_id, index, deadline, counts, latencies, errors):
    client = api.client()
    owned, step = [], 0
    base = f"/{TENANT}/loadbalancers"

    def call(kind, method, path, body=None, expect=(200, 202, 204)):
        status, doc, seconds = client.request(method, path, body)
        latencies.setdefault(kind, []).append(seconds)
        counts[kind] = counts.get(kind, 0) + 1
        if status not in expect:
            errors.append(f"{method} {path} -> {status}: {str(doc)[:200]}")
        return doc

    while time.monotonic() < deadline:
        step += 1
        port = 20000 + index * 5000 + step % 5000      # never one a live LB of ours holds
        doc = call("create", "POST", base, _lb_body(device_id, port))
        if doc and "loadbalancer" in doc:
            owned.append(doc["loadbalancer"]["id"])
        if owned:
            lb = owned[-1]
            call("show", "GET", f"{base}/{lb}")
            call("details", "GET", f"{base}/{lb}/details")
            call("add_node", "POST", f"{base}/{lb}/nodes",
                 {"nodes": [{"address": "127.0.0.1", "port": 9000 + step % 1000}]})
            call("update", "PUT", f"{base}/{lb}", {"name": f"renamed-{step}"})
        call("list", "GET", base + "?limit=50")
        while len(owned) > SOAK_KEEP:
            call("delete", "DELETE", f"{base}/{owned.pop(0)}")
    for lb in owned:
        call("delete", "DELETE", f"{base}/{lb}")
    client.close()


def run(ctx):
    seconds = ctx.params["soak_seconds"]
    api = ApiServer(ctx.workdir, "soak", wait_timeout=5.0)
    api.start()
    ctx.servers.append(api)
    device = api.client().json("POST", "/devices", {"name": "noop-soak", "type": "noop",
                                                    "ip": "127.0.0.1"})["device"]
    rss, fds, stop = [], [], threading.Event()
    began = time.monotonic()

    def sample():
        while not stop.is_set():
            now = time.monotonic() - began
            rss.append((now, rss_mb(api.pid)))
            fds.append((now, open_files(api.pid)))
            stop.wait(SOAK_SAMPLE_S)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    counts, latencies, errors = {}, {}, []
    deadline = time.monotonic() + seconds
    workers = [threading.Thread(target=_worker, daemon=True,
                                args=(api, device["id"], i, deadline, counts, latencies, errors))
               for i in range(CONCURRENCY)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(seconds + 120)
    stop.set()
    sampler.join(10)
    settled = [s for s in rss if s[0] >= seconds / 3.0]
    settled_fds = [s for s in fds if s[0] >= seconds / 3.0]
    rss_slope, fd_slope = slope_per_minute(settled), slope_per_minute(settled_fds)
    growing = [what for what, slope, limit in (("rss", rss_slope, RSS_SLOPE_LIMIT),
                                                ("open files", fd_slope, FD_SLOPE_LIMIT))
               if slope is not None and slope > limit]
    api.stop()
    total = sum(counts.values())
    values = [v for _, v in rss if v is not None]
    ctx.log(f"  soak: {total} requests in {seconds:.0f} s, {len(errors)} errors, RSS "
            f"{values[0] if values else '?'} -> {values[-1] if values else '?'} MB "
            f"(slope {rss_slope} MB/min), open files slope {fd_slope}/min: "
            + ("GROWTH: " + ", ".join(growing) if growing else
               "too short to tell" if rss_slope is None else "no growth trend"))
    return {"seconds": seconds, "concurrency": CONCURRENCY, "requests": counts,
            "requests_total": total, "rps": round(total / seconds, 1) if seconds else None,
            "errors": len(errors), "first_errors": errors[:5],
            "latency": {kind: summary_ms(values) for kind, values in latencies.items()},
            "rss_mb": {"first": values[0] if values else None,
                       "last": values[-1] if values else None,
                       "max": max(values) if values else None},
            "open_files": {"first": fds[0][1] if fds else None,
                           "last": fds[-1][1] if fds else None},
            "rss_slope_mb_per_min": rss_slope, "open_files_slope_per_min": fd_slope,
            "growth": growing, "samples": {"rss": rss, "open_files": fds}}
