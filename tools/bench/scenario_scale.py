"""Scenario 4: scale on one device: 1, 100, 1000, 5000 load balancers.

For each size a fresh API process and database: the device is registered
through the API, N-1 load balancers (one node, one VIP port each, no monitor)
are written straight into its database (creating thousands through the API
would measure the creates, not the deploys), then the seed load balancer is
POSTed, which deploys all N (``initial``).  Then the measured changes on the
seed LB, each timed from the client: node weight PUTs (``per_change``), node
POSTs (``per_add``) and node DELETEs (``per_delete``); every one goes through
HAProxy's runtime API when it can, and the reloads they caused are counted
on the device (pid file changes, ``reloads``).  The API process's RSS is
read after them.

The breakdown is measured after the API stops, in this process, on the same
database and device, with the service's own code: reading the desired state
cold (``cold_read``: every LB's records built, as after a restart) and warm
(``warm_read``: what each change pays, records cached by LB revision),
``render`` alone, ``haproxy -c`` alone on the live file, and the driver's
one remote script (upload + check + swap + reload + runtime check) beside
the runtime call that replaces it for a server change (``runtime_call``),
measured in turn on the same device with the same change.
"""

import dataclasses
import subprocess
import time

from harness import DEVICE_KEYS, ApiServer, SwapCounter, summary_ms
from scenario_provision import TENANT, seed_lb_body


def seed_rows(url, device_id, count, vip_ip, node):
    """Write ``count`` pending load balancers straight into the database."""
    from balancer.core import status as st
    from balancer.db import models
    from balancer.db import session as db_session

    database = db_session.database_for(url)
    session = database.sessionmaker()
    try:
        for i in range(count):
            lb = models.LoadBalancer(name=f"scale-{i}", algorithm="ROUND_ROBIN",
                                     protocol="HTTP", status=st.BUILD, tenant_id=TENANT,
                                     device_id=device_id, revision=1, deployed=st.NOT_LIVE)
            farm = models.ServerFarm(lb=lb)
            farm.predictor = models.Predictor(type="ROUND_ROBIN")
            farm.servers = [models.Server(address=node[0], port=str(node[1]), weight=1,
                                          status="INSERVICE", extra={"condition": "ENABLED"})]
            farm.vips = [models.VirtualServer(address=vip_ip, port=str(10000 + i), lb=lb,
                                              mask="255.255.255.255",
                                              extra={"protocol": "HTTP"})]
            session.add(lb)
            if i % 1000 == 999:
                session.commit()
        session.commit()
    finally:
        session.close()
        database.dispose()


def one_size(ctx, box, size, changes):
    api = ApiServer(ctx.workdir, f"scale-{size}", wait_timeout=300.0,
                    deploy_timeout=300.0).start()
    ctx.servers.append(api)
    client = api.client()
    rss_empty = api.rss_mb()
    device = client.json("POST", "/devices", box.api_device_body(**DEVICE_KEYS))["device"]
    nodes = box.backend_nodes()
    began = time.perf_counter()
    seed_rows(api.url, device["id"], size - 1, box.ip, nodes[0][:2])
    seeding = time.perf_counter() - began
    body = seed_lb_body(device["id"], box.ip, 9000, nodes)
    status, doc, initial = client.request("POST", f"/{TENANT}/loadbalancers", body)
    if status != 202 or doc["loadbalancer"]["status"] != "ACTIVE":
        raise RuntimeError(f"initial deploy of {size}: {status} {doc}")
    lb_id = doc["loadbalancer"]["id"]
    node_id = client.json("GET", f"/{TENANT}/loadbalancers/{lb_id}/nodes")["nodes"][0]["id"]
    per_change, per_add, per_delete, reloads = [], [], [], {}
    profile_label = f"scale-{size}" if size == max(ctx.params["scale_sizes"]) else None
    attach = (ctx.profiler.attach(api.pid, profile_label, None)
              if ctx.profiler and profile_label else _nothing())
    nodes_url = f"/{TENANT}/loadbalancers/{lb_id}/nodes"
    with attach:
        with SwapCounter(box.config_path, box.pid_file) as counter:
            for i in range(changes):
                status, doc, seconds = client.request(
                    "PUT", f"{nodes_url}/{node_id}", {"weight": str(2 + i % 5)})
                if status != 200:
                    raise RuntimeError(f"change at {size}: {status} {doc}")
                per_change.append(seconds)
        reloads["weight"] = counter.pid_changes
        added = []
        with SwapCounter(box.config_path, box.pid_file) as counter:
            for i in range(changes):
                status, doc, seconds = client.request("POST", nodes_url, {"nodes": [
                    {"address": nodes[i % len(nodes)][0], "port": str(nodes[i % len(nodes)][1]),
                     "weight": "1", "condition": "ENABLED"}]})
                if status not in (200, 202):
                    raise RuntimeError(f"node add at {size}: {status} {doc}")
                added.append(doc["nodes"][0]["id"])
                per_add.append(seconds)
        reloads["add"] = counter.pid_changes
        with SwapCounter(box.config_path, box.pid_file) as counter:
            for added_id in added:
                status, doc, seconds = client.request("DELETE", f"{nodes_url}/{added_id}")
                if status not in (200, 204):
                    raise RuntimeError(f"node delete at {size}: {status} {doc}")
                per_delete.append(seconds)
        reloads["delete"] = counter.pid_changes
    lb_status = client.json("GET", f"/{TENANT}/loadbalancers/{lb_id}")["loadbalancer"]["status"]
    rss = api.rss_mb()
    api.stop()
    live = box.read_config()
    result = {"lbs": size, "seeding_s": round(seeding, 2),
              "initial_deploy_ms": round(initial * 1000.0, 1),
              "per_change": summary_ms(per_change), "per_add": summary_ms(per_add),
              "per_delete": summary_ms(per_delete), "reloads": reloads,
              "status_after": lb_status,
              "rss_mb": rss, "rss_mb_empty": rss_empty, "config_bytes": len(live.encode()),
              "frontends": live.count("\nfrontend balancer-")}
    result.update(breakdown(box, api.url, device["id"], live, changes))
    return result


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def breakdown(box, url, device_id, live, reps):
    from balancer.core.desired_state import DesiredState
    from balancer.db import session as db_session
    from balancer.drivers.haproxy import layouts, render

    state_dir = layouts.from_device(box.device()).state_dir

    database = db_session.database_for(url)
    factory = database.sessionmaker
    colds, warms, renders, checks = [], [], [], []
    for _ in range(reps):
        state, session = DesiredState(), factory()
        t0 = time.perf_counter()
        state.read(session, device_id)
        t1 = time.perf_counter()
        _heads, desired = state.read(session, device_id)
        t2 = time.perf_counter()
        session.close()
        colds.append(t1 - t0)
        warms.append(t2 - t1)
        t3 = time.perf_counter()
        render.render(live, desired, state_dir)
        renders.append(time.perf_counter() - t3)
        argv = (["ip", "netns", "exec", box.ns] if box.ns else []) + [
            "/usr/sbin/haproxy", "-c", "-q", "-f", box.config_path]
        t4 = time.perf_counter()
        subprocess.run(argv, check=True, capture_output=True, timeout=120)
        checks.append(time.perf_counter() - t4)
    database.dispose()
    remotes, errors = _driver_changes(box, desired, reps, "0", "remote")
    runtimes, more = _driver_changes(box, desired, reps, "1", "runtime")
    return {"cold_read": summary_ms(colds), "warm_read": summary_ms(warms),
            "render": summary_ms(renders), "haproxy_check": summary_ms(checks),
            "remote_script": summary_ms(remotes), "runtime_call": summary_ms(runtimes),
            "runtime_vs_reload": (round(summary_ms(runtimes)["p50_ms"]
                                        / summary_ms(remotes)["p50_ms"], 3)
                                  if remotes and runtimes else None),
            "driver_errors": errors + more}


def _driver_changes(box, desired, reps, runtime_changes, timing):
    """The driver alone, changing one node's weight ``reps`` times: with the
    runtime API (``runtime_changes`` 1) or with today's whole deploy (0)."""
    from balancer.drivers.base import DriverError
    from balancer.drivers.haproxy import driver as hdriver

    drv = hdriver.HaproxyDriver(box.device(host_key=box.host_key, **DEVICE_KEYS,
                                           runtime_changes=runtime_changes),
                                {"ssh_command_timeout": 300})
    seconds, errors = [], []
    try:
        drv.deploy(desired)                 # connect + fetch (+ reload once)
        probe = next(i for i, lb in enumerate(desired) if lb.monitors)
        for i in range(reps):
            lb = desired[probe]
            node = dataclasses.replace(lb.nodes[0], weight=20 + i + 10 * int(runtime_changes))
            changed = list(desired)
            changed[probe] = dataclasses.replace(lb, nodes=(node,) + tuple(lb.nodes[1:]))
            try:
                seconds.append(drv.deploy(changed).timings.get(timing, 0.0))
            except DriverError as err:      # a finding to report, not a crash
                errors.append(str(err)[:300])
        drv.deploy(desired)
    finally:
        drv.close()
    return seconds, errors


def run(ctx):
    box = ctx.box()
    sizes, changes = ctx.params["scale_sizes"], ctx.params["scale_changes"]
    out = {"sizes": []}
    for size in sizes:
        ctx.log(f"  scale: {size} load balancers")
        out["sizes"].append(one_size(ctx, box, size, changes))
        ctx.log("  scale: %d LBs: change p50 %.0f ms, render p50 %.0f ms, check p50 %.0f ms, "
                "RSS %.0f MB" % (size, out["sizes"][-1]["per_change"]["p50_ms"],
                                 out["sizes"][-1]["render"]["p50_ms"],
                                 out["sizes"][-1]["haproxy_check"]["p50_ms"],
                                 out["sizes"][-1]["rss_mb"] or 0))
    by = {s["lbs"]: s for s in out["sizes"]}
    smallest = min(by)
    if 1000 in by and smallest == 1:
        out["change_ratio_1000_vs_1"] = round(by[1000]["per_change"]["p50_ms"]
                                              / by[1]["per_change"]["p50_ms"], 2)
    out["change_ratio_largest_vs_smallest"] = round(
        by[max(by)]["per_change"]["p50_ms"] / by[smallest]["per_change"]["p50_ms"], 2)
    if ctx.plot_path:
        out["plot"] = ctx.plot(out["sizes"])
    return out
