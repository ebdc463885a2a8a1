"""``…/nodes``: add, list, show, update, delete, and the condition route."""

import time

import pytest

from balancer.tests.conftest import make_conf
from balancer.tests.functional import helpers
from balancer.tests.functional.conftest import running_api
from balancer.tests.functional.helpers import lb_url


def nodes_url(lb, *parts):
    return lb_url("t1", lb["id"], "nodes", *parts)


def live_nodes(api, device, lb):
    return {n.id: n for n in helpers.last_deploy(api, device["id"], lb["id"]).nodes}


def test_add_nodes_wrapped_list(api, device, lb):
    before = api.driver(device["id"]).deploy_count
    body = {"nodes": [helpers.node_body(address="10.0.2.1", port="81", weight="5",
                                        vm_id="12", rack="r1"),
                      helpers.node_body(address="10.0.2.2", port=82, condition="disabled")]}
    added = api.post_json(nodes_url(lb), body, status=200).json["nodes"]
    assert [(n["address"], n["port"], n["weight"]) for n in added] == [
        ("10.0.2.1", 81, 5), ("10.0.2.2", 82, 1)]
    assert added[0]["rack"] == "r1" and added[0]["vm_id"] == 12
    assert [(n["condition"], n["status"]) for n in added] == [
        ("ENABLED", "INSERVICE"), ("DISABLED", "OUTOFSERVICE")]
    assert api.driver(device["id"]).deploy_count == before + 1     # one deploy for both
    live = live_nodes(api, device, lb)
    assert (live[added[0]["id"]].weight, live[added[1]["id"]].condition) == (5, "DISABLED")


def test_list_and_show(api, device, lb):
    first = api.get(nodes_url(lb)).json["nodes"]
    extra = api.post_json(nodes_url(lb), {"nodes": [helpers.node_body(port=9)]}).json["nodes"]
    listed = api.get(nodes_url(lb)).json["nodes"]
    assert [n["id"] for n in listed] == [first[0]["id"], extra[0]["id"]]
    assert api.get(nodes_url(lb)).json["nodes"] == listed
    shown = api.get(nodes_url(lb, extra[0]["id"])).json["node"]
    assert shown["port"] == 9 and shown["operatingStatus"] == "UP"
    helpers.error_of(api.get(nodes_url(lb, "nope"), status=404), 404)


def test_update_merges_and_redeploys(api, device, lb):
    node = api.get(nodes_url(lb)).json["nodes"][0]
    updated = api.put_json(nodes_url(lb, node["id"]), {"weight": "7", "maxCon": 50,
                                                       "note": "x"}).json["node"]
    assert (updated["weight"], updated["maxCon"], updated["note"]) == (7, 50, "x")
    assert updated["address"] == node["address"] and updated["id"] == node["id"]
    live = live_nodes(api, device, lb)[node["id"]]
    assert (live.weight, live.max_con) == (7, 50)


def test_update_accepts_the_original_node_wrapper(api, device, lb):
    node = api.get(nodes_url(lb)).json["nodes"][0]
    updated = api.put_json(nodes_url(lb, node["id"]), {"node": {"port": 9090}}).json["node"]
    assert updated["port"] == 9090 and "node" not in updated


@pytest.mark.parametrize("field", ["id", "sf_id", "deployed", "created_at"])
def test_update_cannot_touch_read_only_fields(api, lb, field):
    node = api.get(nodes_url(lb)).json["nodes"][0]
    resp = api.put_json(nodes_url(lb, node["id"]), {field: "x"}, status=400)
    helpers.error_of(resp, 400, field=field)
    assert api.get(nodes_url(lb, node["id"])).json["node"] == node


def test_update_condition_keeps_status_consistent(api, device, lb):
    node = api.get(nodes_url(lb)).json["nodes"][0]
    url = nodes_url(lb, node["id"])
    assert api.put_json(url, {"condition": "draining"}).json["node"]["status"] == "DRAINING"
    updated = api.put_json(url, {"status": "OUTOFSERVICE"}).json["node"]
    assert (updated["condition"], updated["status"]) == ("DISABLED", "OUTOFSERVICE")
    assert live_nodes(api, device, lb)[node["id"]].condition == "DISABLED"


def test_delete_redeploys_without_the_node(api, device, lb):
    node = api.post_json(nodes_url(lb), {"nodes": [helpers.node_body(port=99)]}).json[
        "nodes"][0]
    assert node["id"] in live_nodes(api, device, lb)
    assert api.delete(nodes_url(lb, node["id"]), status=204).body == b""
    assert node["id"] not in live_nodes(api, device, lb)
    assert len(live_nodes(api, device, lb)) == 1
    helpers.error_of(api.get(nodes_url(lb, node["id"]), status=404), 404)
    helpers.error_of(api.delete(nodes_url(lb, node["id"]), status=404), 404)


@pytest.mark.parametrize("route, condition, status, operating", [
    ("ENABLED", "ENABLED", "INSERVICE", "UP"),
    ("inservice", "ENABLED", "INSERVICE", "UP"),
    ("DISABLED", "DISABLED", "OUTOFSERVICE", "MAINT"),
    ("suspend", "DISABLED", "OUTOFSERVICE", "MAINT"),
    ("DRAINING", "DRAINING", "DRAINING", "DRAIN"),
])
def test_condition_route(api, device, lb, route, condition, status, operating):
    node = api.get(nodes_url(lb)).json["nodes"][0]
    driver = api.driver(device["id"])
    deploys = driver.deploy_count
    resp = api.put(nodes_url(lb, node["id"], route), status=200)
    changed = resp.json["node"]
    assert (changed["id"], changed["condition"], changed["status"]) == (
        node["id"], condition, status)
    assert changed["operatingStatus"] == operating
    assert driver.condition_calls[-1] == (lb["id"], node["id"], condition, 1)
    assert driver.deploy_count == deploys + 1      # and persisted in the config
    assert live_nodes(api, device, lb)[node["id"]].condition == condition
    assert api.get(nodes_url(lb, node["id"])).json["node"]["condition"] == condition


def test_condition_route_ignores_a_body(api, device, lb):
    node = api.get(nodes_url(lb)).json["nodes"][0]
    resp = api.put_json(nodes_url(lb, node["id"], "DISABLED"), {"weight": 99})
    assert resp.json["node"]["weight"] == 1 and resp.json["node"]["condition"] == "DISABLED"


def test_condition_route_unknown_node_is_404(api, device, lb):
    helpers.error_of(api.put(nodes_url(lb, "nope", "ENABLED"), status=404), 404)
    assert list(api.driver(device["id"]).condition_calls) == []


def test_reads_do_not_wait_for_a_slow_device(tmp_path, migrated_db):
    """Listing nodes asks the device for live status; it must not queue
    behind a deploy that is still running on that device."""
    with running_api(make_conf(tmp_path, deploy__wait_timeout=0.05), migrated_db) as api:
        api.add_device(noop_delay=1.0)
        lb = helpers.create_lb(api)
        assert lb["status"] == "BUILD"
        started = time.monotonic()
        nodes = api.get(nodes_url(lb)).json["nodes"]
        api.get(lb_url("t1", lb["id"], "details"))
        assert time.monotonic() - started < 0.5 and len(nodes) == 1


def test_fields_without_effect_are_named_not_applied(api):
    device = api.add_device()
    lb = helpers.create_lb(api, device_id=device["id"])
    url = helpers.lb_url("t1", lb["id"], "nodes")
    added = api.post_json(url, {"nodes": [helpers.node_body(
        port=8010, rateBandwidth="12", rateConnection=1000)]}).json["nodes"][0]
    assert added["rateBandwidth"] == 12
    assert added["notApplied"] == ["rateBandwidth", "rateConnection"]
    shown = api.get(url + "/" + added["id"]).json["node"]
    assert shown["notApplied"] == ["rateBandwidth", "rateConnection"]
    plain = api.post_json(url, {"nodes": [helpers.node_body(port=8011)]}).json["nodes"][0]
    assert "notApplied" not in plain
