"""Through the REST API to a real HAProxy box: traffic follows every change.

The seed's device and load balancer JSON (addresses adapted to the box) are
posted to the real pipeline with the real haproxy driver; every assertion is
about real HTTP requests through the VIP.
"""

import collections
import json
import time

import pytest

from balancer.tests.conftest import seed_json
from balancer.tests.lab_parts import free_port


def served_by(box, port, count=6, headers=None):
    names = []
    for _ in range(count):
        status, body, _headers = box.get(box.vip_url(port), headers)
        assert status == 200, body
        names.append(body.strip())
    return names


def round_robin(names, order=("backend1", "backend2", "backend3")):
    """True when ``names`` cycles through ``order`` (from any starting point)."""
    if not names or names[0] not in order:
        return False
    start = order.index(names[0])
    return all(name == order[(start + i) % len(order)] for i, name in enumerate(names))


def wait_until(predicate, timeout=15):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    return predicate()


@pytest.fixture
def device(real_api, api_box):
    body = seed_json("createDeviceHAProxy")
    body.update(api_box.api_device_body())
    return real_api.post_json("/devices", body).json["device"]


def create_seed_lb(api, box, device, **changes):
    port = box.free_vip_port(80) if not changes.get("port") else changes.pop("port")
    body = seed_json("createLBcommandHAProxy", device_id=device["id"])
    body["virtualIps"][0].update(address=box.ip, port=str(port))
    for node, (address, node_port, _name) in zip(body["nodes"], box.backend_nodes(),
                                                  strict=True):
        node.update(address=address, port=str(node_port))
    body.update(changes)
    lb = api.post_json("/foo/loadbalancers", body, status=202).json["loadbalancer"]
    return lb, port


def node_ids(api, lb):
    nodes = api.get("/foo/loadbalancers/%s/nodes" % lb["id"]).json["nodes"]
    return {n["port"]: n["id"] for n in nodes}


def test_seed_lb_round_robins_then_follows_node_changes(real_api, api_box, device):
    operator_part = api_box.read_config()
    lb, port = create_seed_lb(real_api, api_box, device)
    assert lb["status"] == "ACTIVE", lb
    assert round_robin(served_by(api_box, port))
    ids = node_ids(real_api, lb)
    ports = sorted(ids)
    url = "/foo/loadbalancers/%s/nodes/" % lb["id"]
    # disable the second node: out of rotation at once
    node = real_api.put(url + ids[ports[1]] + "/DISABLED").json["node"]
    assert node["condition"] == "DISABLED" and node["status"] == "OUTOFSERVICE"
    assert set(served_by(api_box, port)) == {"backend1", "backend3"}
    # drain the third: no new connections go there
    real_api.put(url + ids[ports[2]] + "/DRAINING")
    assert set(served_by(api_box, port)) == {"backend1"}
    # back in service, then remove the first node entirely
    real_api.put(url + ids[ports[1]] + "/inservice")
    real_api.put(url + ids[ports[2]] + "/ENABLED")
    real_api.delete(url + ids[ports[0]], status=204)
    assert set(served_by(api_box, port)) == {"backend2", "backend3"}
    # the operator's sections are still there, byte for byte, at the top
    assert api_box.read_config().startswith(operator_part.rstrip("\n"))
    real_api.delete("/foo/loadbalancers/%s" % lb["id"], status=204)
    assert "balancer-" not in api_box.read_config().replace(operator_part, "")


def test_failing_health_check_ejects_a_node(real_api, api_box, device):
    monitor = {"type": "HTTP", "delay": "1", "timeout": "1",
               "attemptsBeforeDeactivation": "1", "method": "GET", "path": "/health",
               "expected": "200"}
    lb, port = create_seed_lb(real_api, api_box, device, healthMonitor=[monitor])
    assert lb["status"] == "ACTIVE", lb
    api_box.fail_health(0)
    try:
        assert wait_until(lambda: "backend1" not in served_by(api_box, port))
        statuses = [n.get("operatingStatus") for n in real_api.get(
            "/foo/loadbalancers/%s/nodes" % lb["id"]).json["nodes"]]
        assert statuses[0] == "DOWN" and statuses[1:] == ["UP", "UP"]
    finally:
        api_box.fail_health(0, failing=False)
        real_api.delete("/foo/loadbalancers/%s" % lb["id"], status=204)


def test_cookie_persistence_pins_a_client(real_api, api_box, device):
    lb, port = create_seed_lb(real_api, api_box, device)
    real_api.post_json("/foo/loadbalancers/%s/sessionPersistence" % lb["id"],
                       {"type": "HTTP_COOKIE", "cookieName": "SRV"})
    status, first, headers = api_box.get(api_box.vip_url(port))
    cookie = headers.get("set-cookie", "").split(";")[0]
    assert status == 200 and cookie.startswith("SRV="), headers
    pinned = served_by(api_box, port, headers={"Cookie": cookie})
    assert set(pinned) == {first.strip()}
    real_api.delete("/foo/loadbalancers/%s" % lb["id"], status=204)


def test_rejected_config_keeps_the_old_one_serving(real_api, api_box, device):
    good, port = create_seed_lb(real_api, api_box, device)
    before = api_box.read_config()
    # the box's sshd owns this port: HAProxy cannot bind it and refuses
    bad, _ = create_seed_lb(real_api, api_box, device, port=api_box.ssh_port, name="bad")
    assert bad["status"] == "ERROR"
    assert bad["statusDescription"], bad
    assert round_robin(served_by(api_box, port))
    assert real_api.get("/foo/loadbalancers/%s" % good["id"]).json["loadbalancer"][
        "status"] == "ACTIVE"
    assert api_box.read_config() == before
    for lb in (good, bad):
        real_api.delete("/foo/loadbalancers/%s" % lb["id"], status=204)


def test_unreachable_device_does_not_hurt_others(real_api, api_box, device):
    dead = dict(api_box.api_device_body(), name="dead", ip="127.0.0.1",
                port=str(free_port(23000)))
    dead_device = real_api.post_json("/devices", dead).json["device"]
    started = time.monotonic()
    lost, _ = create_seed_lb(real_api, api_box, dead_device, port=free_port(24000))
    assert lost["status"] == "ERROR" and lost["statusDescription"]
    assert time.monotonic() - started < 10
    alive, port = create_seed_lb(real_api, api_box, device)
    assert alive["status"] == "ACTIVE"
    assert collections.Counter(served_by(api_box, port)) == {
        "backend1": 2, "backend2": 2, "backend3": 2}
    info = real_api.get("/devices/%s/info" % dead_device["id"]).json["info"]
    assert info["reachable"] is False
    for lb in (lost, alive):
        real_api.delete("/foo/loadbalancers/%s" % lb["id"], status=204)
    real_api.delete("/devices/%s" % dead_device["id"], status=204)
    assert json.dumps(real_api.get("/devices").json).count(api_box.password) == 0
