"""Scenario 2: balancer's API against Octavia's, side by side, same client.

Both servers run at once (one process / one worker each, SQLite, noop
drivers, no auth) and every measurement alternates between them, so a drift
of the shared machine's speed hits both.  Order for each: list with 0 load
balancers, create 100, list with 100, show one (cycling over the 100),
create (last, because it adds more).  List cost per stored load balancer is
the growth of the server time per list request, (1/rps_100 - 1/rps_0) / 100:
with one worker at concurrency 8 the server is the bottleneck, so 1/rps is
its time per request.
"""

import json

import loadgen
import octavia_peer
from harness import ApiServer

TENANT = "bench"


def balancer_create_body(device_id):
    """The seed's LB body with a unique VIP port per request ({n})."""
    with open(_example("createLBcommandHAProxy")) as handle:
        body = json.load(handle)
    body["device_id"] = device_id
    body["virtualIps"][0]["address"] = "127.0.0.1"
    body["virtualIps"][0]["port"] = "@PORT@"
    return json.dumps(body).replace('"@PORT@"', '"{n}"')


def _example(name):
    import os

    from harness import REPO
    return os.path.join(REPO, "etc", "examples", name)


class Target:
    def __init__(self, name, port, list_path, one_path, create_path, create_body, pid):
        self.name, self.port = name, port
        self.list_path, self.one_path = list_path, one_path
        self.create_path, self.create_body, self.pid = create_path, create_body, pid
        self.ids = []


def _precreate(target, count, start):
    from harness import Client
    client = Client("127.0.0.1", target.port)
    for n in range(start, start + count):
        body = json.loads(target.create_body.replace("{n}", str(n)))
        doc = client.json("POST", target.create_path, body)
        target.ids.append((doc.get("loadbalancer") or doc)["id"])
    client.close()


def run(ctx):
    p = ctx.params
    dur, warm, conc = p["api_duration"], p["api_warmup"], 8
    out = {"concurrency": conc, "duration_s": dur, "workers": 1}
    servers = []
    try:
        api = ApiServer(ctx.workdir, "api-vs-octavia", wait_timeout=5.0)
        api.start()
        servers.append(api)
        device = api.client().json("POST", "/devices", {
            "name": "noop-1", "type": "noop", "ip": "127.0.0.1", "port": "22",
            "user": "u", "password": "p"})["device"]
        targets = [Target("balancer", api.port, f"/{TENANT}/loadbalancers",
                          f"/{TENANT}/loadbalancers/{{id}}", f"/{TENANT}/loadbalancers",
                          balancer_create_body(device["id"]), api.pid)]
        if ctx.want_octavia:
            octavia_peer.ensure_venv(ctx.log)
            octavia = octavia_peer.OctaviaApi(ctx.workdir).start()
            servers.append(octavia)
            out["octavia_version"] = octavia_peer.version()
            targets.append(Target("octavia", octavia.port, "/v2/lbaas/loadbalancers",
                                  "/v2/lbaas/loadbalancers/{id}", "/v2/lbaas/loadbalancers",
                                  octavia_peer.CREATE_BODY, octavia.worker_pid()))
        else:
            out["octavia_skipped"] = "no Octavia venv cached (full runs build it; or --octavia)"
        results = {t.name: {} for t in targets}

        def measure(label, build):
            for target in targets:
                spec = dict(build(target), port=target.port, concurrency=conc,
                            duration=dur, warmup=warm)
                if ctx.profiler and target.name == "balancer":
                    with ctx.profiler.attach(target.pid, f"api-{label}", dur + warm):
                        results[target.name][label] = loadgen.measure(spec)
                else:
                    results[target.name][label] = loadgen.measure(spec)
                ctx.log("  %-8s %-9s %8.1f req/s  p50 %7.1f ms  p99 %7.1f ms  errors %d" % (
                    target.name, label, results[target.name][label]["rps"] or 0,
                    results[target.name][label]["p50_ms"] or 0,
                    results[target.name][label]["p99_ms"] or 0,
                    results[target.name][label]["errors"]))

        measure("list_0", lambda t: {"method": "GET", "path": t.list_path})
        for index, target in enumerate(targets):
            _precreate(target, p["api_stored"], 1000 + index)
        measure("list_100", lambda t: {"method": "GET", "path": t.list_path})
        measure("show", lambda t: {"method": "GET", "path": t.one_path, "ids": t.ids})
        measure("create", lambda t: {"method": "POST", "path": t.create_path,
                                     "body": t.create_body, "start": 20000})
        for target in targets:
            r = results[target.name]
            r["rss_mb_after"] = ctx.rss(target.pid)
            if r["list_0"]["rps"] and r["list_100"]["rps"]:
                per_lb = (1.0 / r["list_100"]["rps"] - 1.0 / r["list_0"]["rps"]) / p["api_stored"]
                r["list_cost_per_lb_ms"] = round(per_lb * 1000.0, 4)
        out["results"] = results
        out["stored"] = p["api_stored"]
        if "octavia" in results:
            ratios = {}
            for label in ("list_100", "show", "create"):
                b, o = results["balancer"][label]["rps"], results["octavia"][label]["rps"]
                ratios[label] = round(b / o, 1) if b and o else None
            b, o = (results["balancer"].get("list_cost_per_lb_ms"),
                    results["octavia"].get("list_cost_per_lb_ms"))
            ratios["list_cost_per_lb"] = round(b / o, 4) if b is not None and o else None
            out["ratios"] = ratios
    finally:
        for server in reversed(servers):
            server.stop()
    return out
