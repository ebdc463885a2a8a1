"""Scenario 6: create throughput on one device with 1, 2 and 4 API processes.

For each size N, balancer gets a fresh PostgreSQL database (a scratch one,
``balancer.tests.databases``) that is also its tooz coordination backend,
N ``balancer-api`` processes sharing both (``balancer.tests.integration.cluster``:
the layout of doc/source/deployment.rst) and one noop device that takes
every create, so what is measured is the API, the database and the
coordination, not SSH.  Octavia's API gets gunicorn with N sync workers on
its own scratch PostgreSQL database.  One load generator (``CONCURRENCY``
connections, spread over balancer's N ports; on gunicorn's one port, which
spreads them over its workers) POSTs the seed's body, each with its own VIP
port.  Sizes alternate balancer and Octavia, so a drift of the shared
machine's speed hits both.  Goal: 4 processes give >= 3x the creates per
second of one.
"""

import json
import os

import loadgen
import octavia_peer
from scenario_api import TENANT, balancer_create_body

CONCURRENCY = 16
NOOP_DEVICE = {"name": "noop-multi", "type": "noop", "ip": "127.0.0.1", "port": "22",
               "user": "u", "password": "p"}


def _statuses(node):
    """{status: count} of the stored load balancers, as one process sees them."""
    counts = {}
    for lb in node.request("GET", f"/{TENANT}/loadbalancers", timeout=300)["loadbalancers"]:
        counts[lb["status"]] = counts.get(lb["status"], 0) + 1
    return counts


def _balancer(ctx, size, database_url):
    from balancer.tests.integration.cluster import Cluster, tooz_url
    p = ctx.params
    cluster = Cluster(os.path.join(ctx.workdir, f"multi-{size}"), database_url,
                      tooz_url(database_url), count=size,
                      deploy={"wait_timeout": 60, "deploy_timeout": 120,
                              "reconcile_interval": 0})
    ctx.servers.append(cluster)
    try:
        cluster.start(timeout=120)     # 4 processes starting at once on 2 busy cores
        device = cluster[0].request("POST", "/devices", NOOP_DEVICE)["device"]
        body = balancer_create_body(device["id"])
        for index, node in enumerate(cluster.nodes):     # each process's first create
            node.request("POST", f"/{TENANT}/loadbalancers",
                         json.loads(body.replace("{n}", str(100 + index))))
        result = loadgen.measure({"ports": [node.port for node in cluster.nodes],
                                  "method": "POST", "path": f"/{TENANT}/loadbalancers",
                                  "body": body, "concurrency": CONCURRENCY, "start": 20000,
                                  "duration": p["multi_duration"],
                                  "warmup": p["multi_warmup"]})
        result["rss_mb"] = [ctx.rss(node.pid) for node in cluster.nodes]
        # honest throughput: every create the load generator got an answer for
        # must end ACTIVE (the noop device never refuses)
        result["stored_statuses"] = _statuses(cluster[0])
        return result
    finally:
        cluster.stop()


def _octavia(ctx, size, database_url):
    p = ctx.params
    server = octavia_peer.OctaviaApi(ctx.workdir, workers=size, connection=database_url,
                                     name=f"octavia-{size}")
    ctx.servers.append(server)
    try:
        server.start()
        result = loadgen.measure({"port": server.port, "method": "POST",
                                  "path": "/v2/lbaas/loadbalancers",
                                  "body": octavia_peer.CREATE_BODY,
                                  "concurrency": CONCURRENCY, "start": 20000,
                                  "duration": p["multi_duration"],
                                  "warmup": p["multi_warmup"]})
        result["rss_mb"] = ctx.rss(server.worker_pid())
        return result
    finally:
        server.stop()


def _ratio(a, b):
    return round(a / b, 2) if a and b else None


def run(ctx):
    from balancer.tests import databases
    sizes = ctx.params["multi_sizes"]
    with_octavia = ctx.want_octavia and ctx.params["multi_octavia"]
    if with_octavia:
        octavia_peer.ensure_venv(ctx.log)
    out = {"concurrency": CONCURRENCY, "database": "postgresql", "device": "noop",
           "sizes": []}
    for size in sizes:
        row = {"processes": size}
        with databases.scratch_database("postgresql") as url:
            row["balancer"] = _balancer(ctx, size, url)
        if with_octavia:
            with databases.scratch_database("postgresql") as url:
                row["octavia"] = _octavia(ctx, size, url)
        for name in ("balancer", "octavia"):
            if name in row:
                r = row[name]
                ctx.log("  %-8s %d process(es) create %7.1f req/s  p50 %7.1f ms  p99 %7.1f ms"
                        "  errors %d" % (name, size, r["rps"] or 0, r["p50_ms"] or 0,
                                         r["p99_ms"] or 0, r["errors"]))
        out["sizes"].append(row)
    if not with_octavia:
        out["octavia_skipped"] = "Octavia not requested or not cached (full runs build it)"
    first = out["sizes"][0]
    ratios = {}
    for row in out["sizes"]:
        n = row["processes"]
        ratios[f"balancer_{n}_vs_1"] = _ratio(row["balancer"]["rps"], first["balancer"]["rps"])
        if "octavia" in row:
            ratios[f"octavia_{n}_vs_1"] = _ratio(row["octavia"]["rps"], first["octavia"]["rps"])
            ratios[f"balancer_vs_octavia_{n}"] = _ratio(row["balancer"]["rps"],
                                                        row["octavia"]["rps"])
    out["ratios"] = ratios
    return out
