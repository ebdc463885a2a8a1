"""Scenario 3: group commit: 100 concurrent creates against one real device.

First a few single creates (each alone, one after the other) give the cost
of one create; then N threads start together behind a barrier and each POSTs
one load balancer (seed body, own VIP port).  Reloads are counted on the
device itself (config swaps, see ``harness.SwapCounter``), not taken from
balancer's word.  Wall time is from the barrier to the last answer.
"""

import contextlib
import threading
import time

from harness import SwapCounter, api_on_box, summary_ms
from scenario_provision import TENANT, seed_lb_body


def run(ctx):
    count = ctx.params["group_creates"]
    box, api, client, device = api_on_box(ctx, "group-commit", wait_timeout=120.0)
    nodes = box.backend_nodes()
    base_port = 30000

    def body(index):
        return seed_lb_body(device["id"], box.ip, base_port + index, nodes)

    client.json("POST", f"/{TENANT}/loadbalancers", body(0))     # warm: connect + fetch
    singles, single_reloads = [], []
    for i in range(1, 4):
        with SwapCounter(box.config_path, box.pid_file) as counter:
            status, doc, seconds = client.request("POST", f"/{TENANT}/loadbalancers", body(i))
        if status != 202 or doc["loadbalancer"]["status"] != "ACTIVE":
            raise RuntimeError(f"single create -> {status} {doc}")
        singles.append(seconds)
        single_reloads.append(counter.swaps)

    barrier = threading.Barrier(count + 1)
    answers = [None] * count

    def one(index):
        own = api.client()
        barrier.wait(60)
        status, doc, seconds = own.request("POST", f"/{TENANT}/loadbalancers", body(100 + index))
        answers[index] = (status, (doc or {}).get("loadbalancer", {}).get("status"), seconds,
                          time.perf_counter())
        own.close()

    threads = [threading.Thread(target=one, args=(i,), daemon=True) for i in range(count)]
    for thread in threads:
        thread.start()
    attach = (ctx.profiler.attach(api.pid, "group-commit", None) if ctx.profiler
              else contextlib.nullcontext())
    with attach, SwapCounter(box.config_path, box.pid_file) as counter:
        barrier.wait(60)
        began = time.perf_counter()
        for thread in threads:
            thread.join(300)
    done = [a for a in answers if a is not None]
    wall = max(a[3] for a in done) - began if done else None
    statuses = {}
    for a in done:
        key = f"{a[0]} {a[1]}"
        statuses[key] = statuses.get(key, 0) + 1
    single = sorted(singles)[len(singles) // 2]
    live = box.read_config()
    present = sum(1 for i in range(count) if f":{base_port + 100 + i}\n" in live)
    api.stop()
    return {"creates": count, "single_create": summary_ms(singles),
            "single_create_reloads": single_reloads,
            "concurrent_wall_ms": round(wall * 1000.0, 1) if wall else None,
            "concurrent_latency": summary_ms([a[2] for a in done]),
            "answers": statuses, "reloads": counter.swaps, "pid_changes": counter.pid_changes,
            "vips_live_after": present,
            "wall_ratio": round(wall / single, 2) if wall and single else None}
