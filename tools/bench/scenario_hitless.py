"""Scenario 5: hitless changes.

One load balancer (two of the box's backends) on a real device; client
threads open a new connection for every request to its VIP (``Connection:
close``, 2 s timeout, no retries) for as long as 100 changes are deployed one
after the other through the API: node add, weight change, condition change
(DISABLED / ENABLED, runtime API then a deploy), node remove.  Any answer but
200 (refused, reset, timeout, 5xx) is a failed request.
"""

import threading
import time

from harness import SwapCounter, api_on_box, get_once, summary_ms
from scenario_provision import TENANT, seed_lb_body


def run(ctx):
    changes = ctx.params["hitless_changes"]
    box, api, client, device = api_on_box(ctx, "hitless", wait_timeout=30.0)
    vip_port = box.free_vip_port(81)
    nodes = box.backend_nodes()
    body = seed_lb_body(device["id"], box.ip, vip_port, nodes)
    body["nodes"] = body["nodes"][:2]
    body.pop("healthMonitor")       # checks would only add noise to the measure
    lb = client.json("POST", f"/{TENANT}/loadbalancers", body)["loadbalancer"]
    base = f"/{TENANT}/loadbalancers/{lb['id']}"
    node_ids = [n["id"] for n in client.json("GET", base + "/nodes")["nodes"]]
    spare = nodes[2] if len(nodes) > 2 else nodes[0]

    stop = threading.Event()
    counts = {"ok": 0, "failed": 0, "errors": {}}
    lock = threading.Lock()

    def hammer():
        ok, failed, errors = 0, 0, {}
        while not stop.is_set():
            result = get_once(box.ip, vip_port, "/", timeout=2.0)
            if result == 200:
                ok += 1
            else:
                failed += 1
                errors[str(result)] = errors.get(str(result), 0) + 1
        with lock:
            counts["ok"] += ok
            counts["failed"] += failed
            for key, value in errors.items():
                counts["errors"][key] = counts["errors"].get(key, 0) + value

    threads = [threading.Thread(target=hammer, daemon=True) for _ in range(2)]
    timings, kinds, added = [], {}, None
    with SwapCounter(box.config_path, box.pid_file) as counter:
        began = time.perf_counter()
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + ctx.params["hitless_max_s"]
        for i in range(changes):
            if time.monotonic() > deadline:
                break
            kind = ("add", "weight", "disable", "enable", "remove")[i % 5]
            t0 = time.perf_counter()
            if kind == "add":
                doc = client.json("POST", base + "/nodes", {"nodes": [{
                    "address": spare[0], "port": str(spare[1]), "weight": "1",
                    "condition": "ENABLED", "type": "host"}]})
                added = doc["nodes"][0]["id"]
            elif kind == "weight":
                client.json("PUT", f"{base}/nodes/{node_ids[0]}", {"weight": str(1 + i % 7)})
            elif kind == "disable":
                client.json("PUT", f"{base}/nodes/{node_ids[1]}/outofservice", None)
            elif kind == "enable":
                client.json("PUT", f"{base}/nodes/{node_ids[1]}/inservice", None)
            elif kind == "remove" and added:
                client.json("DELETE", f"{base}/nodes/{added}")
                added = None
            timings.append(time.perf_counter() - t0)
            kinds[kind] = kinds.get(kind, 0) + 1
        time.sleep(0.5)             # old processes finish their last connections
        stop.set()
        for thread in threads:
            thread.join(10)
        elapsed = time.perf_counter() - began
    final = client.json("GET", base)["loadbalancer"]["status"]
    api.stop()
    total = counts["ok"] + counts["failed"]
    return {"changes": len(timings), "by_kind": kinds, "requests": total,
            "failed": counts["failed"], "errors": counts["errors"],
            "rate_rps": round(total / elapsed, 1), "duration_s": round(elapsed, 2),
            "reloads": counter.swaps, "change_latency": summary_ms(timings),
            "final_status": final}
