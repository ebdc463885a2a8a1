"""Access lists and connection throttles on a real HAProxy box, through the API.

Clients connect from two source addresses (the host's side of the box's
namespace link and one more added to it; two loopback addresses without a
namespace) and every assertion is about what those real connections got:
an answer from a backend, or a connection the load balancer closed before
any backend was chosen.
"""

import time

import pytest

from balancer.tests.conftest import skip_outside_ci
from balancer.tests.integration import tenant_traffic as traffic


@pytest.fixture
def device(real_api, api_box):
    return real_api.post_json("/devices", api_box.api_device_body()).json["device"]


@pytest.fixture
def lb(real_api, api_box, device):
    port = api_box.free_vip_port(80)
    nodes = [{"address": a, "port": p} for a, p, _n in api_box.backend_nodes()]
    made = real_api.post_json("/foo/loadbalancers", {
        "name": "guarded", "device_id": device["id"], "nodes": nodes,
        "virtualIps": [{"address": api_box.ip, "port": port}]},
        status=202).json["loadbalancer"]
    assert made["status"] == "ACTIVE", made
    made["port"] = port
    yield made
    real_api.delete("/foo/loadbalancers/%s" % made["id"], status=204)


def _status(box, lb, source):
    answer = traffic.http_answer(box.ip, lb["port"], source)
    return answer if answer == traffic.REFUSED else answer[0]


def _items(*pairs):
    return {"accessList": [{"address": a, "type": t} for a, t in pairs]}


def test_access_list_from_two_sources(real_api, api_box, lb):
    url = "/foo/loadbalancers/%s/accessList" % lb["id"]
    with traffic.two_sources(api_box) as (first, second):
        assert [_status(api_box, lb, s) for s in (first, second)] == [200, 200]
        # DENY the second source only
        listed = real_api.post_json(url, _items((second + "/32", "DENY"))).json["accessList"]
        assert real_api.get("/foo/loadbalancers/%s" % lb["id"]).json["loadbalancer"][
            "status"] == "ACTIVE"
        assert [_status(api_box, lb, s) for s in (first, second)] == [200, traffic.REFUSED]
        # DENY everyone, ALLOW the second: ALLOW wins over DENY for it, and
        # the first (only denied) is now refused
        real_api.delete(url + "/" + listed[0]["id"], status=204)
        whole = real_api.post_json(url, _items(("0.0.0.0/0", "DENY"),
                                              (second, "ALLOW"))).json["accessList"]
        assert [i["address"] for i in whole] == ["0.0.0.0/0", second + "/32"]
        assert [_status(api_box, lb, s) for s in (first, second)] == [traffic.REFUSED, 200]
        # an ALLOW list alone refuses nobody
        real_api.delete(url + "/" + whole[0]["id"], status=204)
        assert [_status(api_box, lb, s) for s in (first, second)] == [200, 200]


def test_access_list_of_ipv6_networks(real_api, api_box, device):
    if not api_box.ns:
        skip_outside_ci("the box has no network namespace here (IPv6 runs on its link)")
    with traffic.ipv6_link(api_box) as (vip, first, second):
        nodes = [{"address": a, "port": p} for a, p, _n in api_box.backend_nodes()]
        lb = real_api.post_json("/foo/loadbalancers", {
            "name": "v6", "device_id": device["id"], "nodes": nodes,
            "virtualIps": [{"address": vip, "port": 80}]}, status=202).json["loadbalancer"]
        assert lb["status"] == "ACTIVE", lb
        lb["port"] = 80
        try:
            status = _v6_status(vip, first), _v6_status(vip, second)
            assert status == (200, 200)
            real_api.post_json("/foo/loadbalancers/%s/accessList" % lb["id"],
                               _items(("::/0", "DENY"), (first + "/128", "ALLOW")))
            assert (_v6_status(vip, first), _v6_status(vip, second)) == (200, traffic.REFUSED)
        finally:
            real_api.delete("/foo/loadbalancers/%s" % lb["id"], status=204)


def _v6_status(vip, source):
    answer = traffic.http_answer(vip, 80, source, host="[%s]" % vip)
    return answer if answer == traffic.REFUSED else answer[0]


def test_throttle_refuses_past_the_limits_and_none_under_them(real_api, api_box, lb):
    url = "/foo/loadbalancers/%s/connectionThrottle" % lb["id"]
    with traffic.two_sources(api_box) as (first, second):
        real_api.put_json(url, {"connectionThrottle": {"maxConnections": 2}})
        held = [traffic.held_open(api_box.ip, lb["port"], first) for _ in range(2)]
        try:
            assert traffic.REFUSED not in held
            # a third at once from the same source is refused; another source is not
            assert traffic.held_open(api_box.ip, lb["port"], first, wait=5) == traffic.REFUSED
            other = traffic.held_open(api_box.ip, lb["port"], second)
            assert other != traffic.REFUSED
            other.close()
            # the two held ones are served
            assert [traffic.request_on(s, api_box.ip) for s in held] == [200, 200]
        finally:
            for sock in held:
                if sock != traffic.REFUSED:
                    sock.close()
        # closed: the source is under its limit again
        assert _wait_for(lambda: _status(api_box, lb, first) == 200)
        # a rate: 3 new connections per 20 s from one source, no concurrency cap
        real_api.put_json(url, {"connectionThrottle": {"maxConnectionRate": 3,
                                                       "rateInterval": 20}})
        answers = [_status(api_box, lb, first) for _ in range(5)]
        assert answers[:3] == [200, 200, 200], answers
        assert answers[3:] == [traffic.REFUSED, traffic.REFUSED], answers
        assert _status(api_box, lb, second) == 200
        # no throttle: no refusals
        real_api.delete(url, status=204)
        assert [_status(api_box, lb, first) for _ in range(6)] == [200] * 6


def _wait_for(predicate, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return predicate()
