"""Statistics and ``/metrics`` from a real HAProxy box under real traffic.

The box (balancer/tests/lab.py) runs HAProxy with its stats socket, sshd and
three HTTP backends; the API reaches it over SSH with the real haproxy
driver.  Every figure asserted here was counted by HAProxy for requests
this test sent through the virtual IP.
"""

import pytest
from prometheus_client import parser

from balancer.tests.conftest import seed_json
from balancer.tests.integration.test_api_haproxy import create_seed_lb, wait_until

REQUESTS = 12


@pytest.fixture
def device(real_api, api_box):
    body = seed_json("createDeviceHAProxy")
    body.update(api_box.api_device_body())
    return real_api.post_json("/devices", body).json["device"]


def stats_of(api, lb):
    return api.get("/foo/loadbalancers/%s/stats" % lb["id"]).json["stats"]


def send(box, port, count):
    for _ in range(count):
        status, body, _headers = box.get(box.vip_url(port))
        assert status == 200, body


def test_figures_grow_with_traffic_and_health_is_the_devices(real_api, api_box, device):
    monitor = {"type": "HTTP", "delay": "1", "timeout": "1",
               "attemptsBeforeDeactivation": "1", "method": "GET", "path": "/health",
               "expected": "200"}
    lb, port = create_seed_lb(real_api, api_box, device, healthMonitor=[monitor])
    assert lb["status"] == "ACTIVE", lb
    try:
        before = stats_of(real_api, lb)
        assert before["liveStatus"] == "KNOWN", before
        assert [n["health"] for n in before["nodes"]] == ["UP", "UP", "UP"]
        send(api_box, port, REQUESTS)
        after = stats_of(real_api, lb)
        # each request is a connection of its own (Connection: close)
        assert after["totalConnections"] - before["totalConnections"] == REQUESTS
        assert after["bytesIn"] > before["bytesIn"] and after["bytesOut"] > before["bytesOut"]
        # round robin over three healthy nodes: each served a third
        grown = {n["port"]: n["totalConnections"] - m["totalConnections"]
                 for n, m in zip(after["nodes"], before["nodes"], strict=True)}
        assert sorted(grown.values()) == [REQUESTS // 3] * 3, grown
        assert all(n["bytesOut"] > 0 and n["lastCheck"] for n in after["nodes"])
        assert after["requestErrors"] == before["requestErrors"] == 0
        # a failing health check shows as DOWN in the statistics
        api_box.fail_health(0)
        down = wait_until(lambda: stats_of(real_api, lb)["nodes"][0]["health"] == "DOWN")
        assert down, stats_of(real_api, lb)
        later = stats_of(real_api, lb)
        assert [n["health"] for n in later["nodes"]] == ["DOWN", "UP", "UP"]
        assert later["nodes"][0]["lastCheck"].startswith("L7")       # an HTTP check's word
    finally:
        api_box.fail_health(0, failing=False)
        real_api.delete("/foo/loadbalancers/%s" % lb["id"], status=204)


def samples_of(api):
    text = api.get("/metrics").text
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in parser.text_string_to_metric_families(text)
            for s in family.samples}


def test_metrics_scrape_is_parsed_and_follows_the_box(real_api, api_box, device):
    first, port_a = create_seed_lb(real_api, api_box, device)
    second, port_b = create_seed_lb(real_api, api_box, device,
                                    port=api_box.free_vip_port(8081))
    try:
        labels = {lb["id"]: frozenset({"tenant_id": "foo", "loadbalancer_id": lb["id"],
                                           "device_id": device["id"]}.items())
                  for lb in (first, second)}
        before = samples_of(real_api)
        assert before[("balancer_device_stats_up",
                       frozenset({"device_id": device["id"]}.items()))] == 1
        send(api_box, port_a, REQUESTS)
        send(api_box, port_b, 3)
        after = samples_of(real_api)

        def grew(name, lb):
            return after[(name, labels[lb["id"]])] - before[(name, labels[lb["id"]])]
        assert grew("balancer_lb_connections_total", first) == REQUESTS
        assert grew("balancer_lb_connections_total", second) == 3
        assert grew("balancer_lb_bytes_out_total", first) > grew(
            "balancer_lb_bytes_out_total", second) > 0
        device_key = frozenset({"device_id": device["id"]}.items())
        assert after[("balancer_device_connections_total", device_key)] - before[
            ("balancer_device_connections_total", device_key)] == REQUESTS + 3
        up = [k for k, v in after.items() if k[0] == "balancer_node_up" and v == 1
              and ("loadbalancer_id", first["id"]) in k[1]]
        assert len(up) == 3
        # the service's own counters are in the same scrape
        route = frozenset({"method": "POST", "route": "/{tenant_id}/loadbalancers",
                               "code": "202"}.items())
        assert after[("balancer_api_requests_total", route)] >= 2
        assert after[("balancer_deploys_total",
                      frozenset({"outcome": "success"}.items()))] >= 2
    finally:
        for lb in (first, second):
            real_api.delete("/foo/loadbalancers/%s" % lb["id"], status=204)
