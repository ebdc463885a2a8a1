"""The seed's workflow end to end over the real pipeline and the noop driver."""

from balancer.tests.conftest import seed_json


def test_seed_device_and_lb_become_active(api):
    device = api.post_json("/devices", seed_json("createDeviceHAProxy", type="NOOP")).json[
        "device"]
    assert "password" not in device and device["port"] == 22
    lb = api.add_seed_lb(device_id=device["id"])
    assert lb["status"] == "ACTIVE"
    details = api.get("/foo/loadbalancers/%s/details" % lb["id"]).json
    assert [n["port"] for n in details["nodes"]] == [8001, 8002, 8003]
    assert [m["type"] for m in details["healthMonitor"]] == ["ICMP", "HTTP"]
    live = api.driver(device["id"]).live[lb["id"]]
    assert live.algorithm == "ROUND_ROBIN" and len(live.nodes) == 3
