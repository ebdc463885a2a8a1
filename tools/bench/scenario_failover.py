"""Scenario 8: failover of an active/standby pair.

A real pair (``balancer.tests.lab_pair.PairLab``: two HAProxy boxes with
keepalived on one bridge, backends and a client in namespaces of their own)
serves one load balancer with source-IP persistence; the client sends a
request through the VIP every 20 ms (new connection each, 0.5 s timeout).
The box holding the VIP is failed N times, alternately by killing its
HAProxy and by taking its link down; after each failover the service brings
it back (a reconcile pass, as the background loops would) before the next.

Runs once per VRRP setting of ``failover_series`` (version, advert
interval): VRRPv2 at 1 s (the default, with authentication) and VRRPv3 at
0.5 s (no authentication in VRRPv3; a dead link is noticed in half the time).

Per failover: the failover time (first failed request to the first good one
after it; 0 when no request failed) and the failed requests.  Also counted:
failed requests outside any failover window, and changes lost: during each
link outage a node weight is changed; after the return both boxes must
carry it.
"""

import pathlib
import tempfile
import time

from harness import summary_ms

WINDOW = 3.0        # the goal: a failure later than this after the event counts as outside
TIMEOUT = 0.5       # the client's timeout: a request sent that long before the failure
                    # was still in flight when it struck


def _wait(predicate, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    return predicate()


def _build(lab, api, version, advert):
    a, b = lab.boxes
    vrrp = {"vrrp_version": version, "vrrp_advert_int": advert}
    first = api.post_json("/devices", lab.device_body(
        a, name="bench-a", vrrp_interface=a.interface, vrrp_priority=150, **vrrp)).json["device"]
    api.post_json("/devices", lab.device_body(
        b, name="bench-b", vrrp_interface=b.interface, peer_id=first["id"],
        vrrp_router_id=52, vrrp_auth="benchpw", **vrrp))
    body = {"name": "bench-pair", "algorithm": "ROUND_ROBIN", "protocol": "HTTP",
            "virtualIps": [{"address": lab.vip, "port": 80}],
            "nodes": [{"address": address, "port": port}
                      for address, port, _name in lab.backend_nodes()],
            "sessionPersistence": [{"type": "SOURCE_IP"}]}
    return api.post_json("/bench/loadbalancers", body, status=202).json["loadbalancer"]


def _one(lab, api, lb, index, kind):
    """Fail the VIP holder once; (failover seconds, failed, lost change)."""
    holder = _wait(lab.holder, 15)
    survivor = next(box for box in lab.boxes if box is not holder)
    loop = lab.client_loop(80, seconds=30, interval=0.02, timeout=TIMEOUT)
    time.sleep(1.0)
    event = time.monotonic()
    if kind == "haproxy":
        holder.kill_haproxy()
    else:
        holder.set_link(False)
    moved = _wait(lambda: lab.holder() is survivor, WINDOW + 4)
    time.sleep(1.0)
    weight = None
    if kind == "link":      # a change while the box is out
        node = api.get("/bench/loadbalancers/%s/nodes" % lb["id"]).json["nodes"][0]
        weight = 10 + index
        api.put_json("/bench/loadbalancers/%s/nodes/%s" % (lb["id"], node["id"]),
                     {"weight": weight})
        holder.set_link(True)
    rows = loop.stop()
    failed_at = [r[0] for r in rows if r[0] >= event - TIMEOUT and r[1] != 200]
    if failed_at:
        good = [r[0] for r in rows if r[0] > failed_at[0] and r[1] == 200]
        took = (good[0] if good else rows[-1][0]) - failed_at[0]
    else:
        took = 0.0
    inside = [t for t in failed_at if t <= event + WINDOW]
    outside = [round(r[0] - event, 3) for r in rows
               if r[1] != 200 and not event - TIMEOUT <= r[0] <= event + WINDOW]
    # bring the failed box back, as the service's background loops do
    api.service.reconciler.run_once(wait=60)
    _wait(lambda: holder.state_word() == "BACKUP", 15)
    lost = 0
    if weight is not None:
        lost = sum(1 for box in lab.boxes if f"weight {weight}" not in box.read_config())
    return {"kind": kind, "seconds": took, "failed": len(inside), "outside": len(outside),
            "outside_at_s": outside[:10], "errors": sorted({r[2] for r in rows if r[1] != 200}),
            "moved": bool(moved), "lost": lost, "requests": len(rows)}


def run(ctx):
    out = {}
    for version, advert in ctx.params["failover_series"]:
        out["vrrp%d_advert_%gs" % (version, advert)] = _series(ctx, version, advert)
    return out


def _series(ctx, version, advert):
    from balancer.tests.conftest import Api, make_conf
    from balancer.tests.lab_pair import PairLab

    count = ctx.params["failover_count"]
    with PairLab(backends=3) as lab:
        api = Api(make_conf(pathlib.Path(tempfile.mkdtemp(dir=ctx.workdir)),
                            deploy__ssh_connect_timeout=2, deploy__ssh_command_timeout=6,
                            deploy__wait_timeout=15))
        try:
            lb = _build(lab, api, version, advert)
            runs = [_one(lab, api, lb, i, ("haproxy", "link")[i % 2]) for i in range(count)]
        finally:
            api.service.close()
    times = [r["seconds"] for r in runs]
    failed = [r["failed"] for r in runs]
    return {"failovers": len(runs), "runs": runs, "failover_time": summary_ms(times),
            "failed_per_failover": {"p50": sorted(failed)[len(failed) // 2],
                                    "max": max(failed)},
            "failed_outside_window": sum(r["outside"] for r in runs),
            "not_moved": sum(1 for r in runs if not r["moved"]),
            "lost_changes": sum(r["lost"] for r in runs),
            "by_kind": {kind: summary_ms([r["seconds"] for r in runs if r["kind"] == kind])
                        for kind in ("haproxy", "link")},
            "client_interval_ms": 20}
