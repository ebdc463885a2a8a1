"""Per-load-balancer limits: over one is a JSON 413 and nothing is stored."""

import pytest

from balancer.tests.conftest import make_conf
from balancer.tests.functional import helpers
from balancer.tests.functional.conftest import running_api
from balancer.tests.functional.helpers import lb_url


@pytest.fixture
def small(tmp_path, migrated_db):
    """An API whose operator allows 3 nodes, 2 VIPs and 1 monitor per LB."""
    conf = make_conf(tmp_path, limits__max_nodes_per_lb=3, limits__max_vips_per_lb=2,
                     limits__max_monitors_per_lb=1)
    with running_api(conf, migrated_db) as client:
        client.device = client.add_device(name="dev1")
        yield client


def nodes(count, first_port=8000):
    return [helpers.node_body(port=first_port + i) for i in range(count)]


def refused(api, method, url, body, field):
    """The request is a 413 naming ``field`` and changes nothing at all."""
    before = helpers.table_dump(api), api.driver(api.device["id"]).deploy_count
    resp = getattr(api, method)(url, body, status=413)
    error = helpers.error_of(resp, 413, field=None)
    assert error["field"] == field
    after = helpers.table_dump(api), api.driver(api.device["id"]).deploy_count
    assert after == before
    return error


def test_defaults_are_the_documented_values():
    from balancer.conf import limits
    defaults = {opt.name: opt.default for opt in limits.OPTS}
    assert defaults == {"max_nodes_per_lb": 200, "max_vips_per_lb": 10,
                        "max_monitors_per_lb": 5, "max_lbs_per_tenant": 100,
                        "max_access_list_items_per_lb": 100, "max_certificates_per_lb": 20,
                        "device_read_timeout": 2.0}


@pytest.mark.parametrize("key, items, field, message", [
    ("nodes", nodes(4), "nodes", "at most 3 nodes"),
    ("virtualIps", [helpers.vip_body() for _ in range(3)], "virtualIps", "at most 2 virtual"),
    ("healthMonitor", [helpers.monitor_body(), helpers.monitor_body(path="/b")],
     "healthMonitor", "at most 1 health"),
])
def test_create_over_a_limit_is_413(small, key, items, field, message):
    body = helpers.lb_body(**{key: items})
    error = refused(small, "post_json", lb_url("t1"), body, field)
    assert message in error["message"] and error["limit"] in (1, 2, 3)


def test_create_at_the_limit_is_accepted(small):
    lb = helpers.create_lb(small, nodes=nodes(3), healthMonitor=[helpers.monitor_body()],
                           virtualIps=[helpers.vip_body(), helpers.vip_body()])
    assert lb["status"] == "ACTIVE"


def test_adding_past_a_limit_is_413_and_stores_nothing(small):
    lb = helpers.create_lb(small, nodes=nodes(2), healthMonitor=[helpers.monitor_body()])
    # 2 + 2 > 3, although each request alone is small
    error = refused(small, "post_json", lb_url("t1", lb["id"], "nodes"),
                    {"nodes": nodes(2, 9000)}, "nodes")
    assert "would give it 4" in error["message"]
    small.post_json(lb_url("t1", lb["id"], "nodes"), {"nodes": nodes(1, 9000)}, status=200)
    refused(small, "post_json", lb_url("t1", lb["id"], "nodes"), {"nodes": nodes(1, 9100)},
            "nodes")
    refused(small, "post_json", lb_url("t1", lb["id"], "healthMonitoring"),
            {"healthMonitoring": helpers.monitor_body(path="/x")}, "healthMonitoring")
    small.post_json(lb_url("t1", lb["id"], "virtualIps"),
                    {"virtualIp": helpers.vip_body()}, status=200)
    refused(small, "post_json", lb_url("t1", lb["id"], "virtualIps"),
            {"virtualIp": helpers.vip_body()}, "virtualIp")
    # a full load balancer still updates, and freeing a slot lets one in
    small.put_json(lb_url("t1", lb["id"]), {"name": "still-works"}, status=202)
    first = small.get(lb_url("t1", lb["id"], "nodes")).json["nodes"][0]
    small.delete(lb_url("t1", lb["id"], "nodes", first["id"]), status=204)
    small.post_json(lb_url("t1", lb["id"], "nodes"), {"nodes": nodes(1, 9200)}, status=200)
    assert small.get(lb_url("t1", lb["id"])).json["loadbalancer"]["status"] == "ACTIVE"


def test_one_tenant_cannot_flood_a_device_with_nodes(api, device):
    """The report's case: 10 creates of 1,000 nodes each were all accepted."""
    body = helpers.lb_body(nodes=nodes(1000))
    for _ in range(3):
        helpers.error_of(api.post_json(lb_url("t1"), body, status=413), 413)
    assert helpers.row_counts(api)["server"] == 0
