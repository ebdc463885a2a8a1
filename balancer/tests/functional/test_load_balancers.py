"""``/{tenant}/loadbalancers``: create, list, show, details, update, delete."""

import pytest
import sqlalchemy as sa

from balancer.tests.functional import helpers
from balancer.tests.functional.helpers import lb_url


def test_seed_lb_json_verbatim(api, device):
    lb = api.add_seed_lb(device_id=device["id"])
    assert lb["status"] == "ACTIVE" and lb["device_id"] == device["id"]
    assert lb["algorithm"] == "ROUND_ROBIN" and lb["transport"] == "TCP"
    details = api.get(lb_url("foo", lb["id"], "details")).json
    node = details["nodes"][0]
    assert (node["port"], node["weight"], node["minCon"], node["maxCon"]) == (8001, 1, 100, 1000)
    assert (node["rateBandwidth"], node["type"], node["condition"]) == (12, "host", "ENABLED")
    vip = details["virtualIps"][0]
    assert (vip["port"], vip["ICMPreply"], vip["type"], vip["mask"]) == (
        80, "True", "PUBLIC", "255.255.255.255")
    icmp, http = details["healthMonitor"]
    assert (icmp["type"], icmp["delay"], icmp["timeout"]) == ("ICMP", 15, 20)
    assert icmp["attemptsBeforeDeactivation"] == 6
    assert (http["method"], http["path"], http["expected"]) == ("GET", "/", "200-204")
    live = helpers.last_deploy(api, device["id"], lb["id"])
    assert [n.port for n in live.nodes] == [8001, 8002, 8003]
    assert [m.type for m in live.monitors] == ["ICMP", "HTTP"]
    assert live.monitors[1].expected == "200-204" and live.vips[0].protocol == "HTTP"


def test_create_answers_202_with_id_and_status(api, device):
    resp = api.post_json(lb_url("t1"), helpers.lb_body(name="x", color="blue"), status=202)
    lb = resp.json["loadbalancer"]
    assert len(lb["id"]) == 32 and lb["status"] == "ACTIVE" and lb["tenant_id"] == "t1"
    assert lb["color"] == "blue" and lb["name"] == "x" and lb["deployed"] == "True"
    assert "statusDescription" not in lb


def test_minimal_lb_gets_defaults(api, device):
    lb = api.post_json(lb_url("t1"), {"name": "bare"}, status=202).json["loadbalancer"]
    assert (lb["algorithm"], lb["protocol"], lb["status"]) == ("ROUND_ROBIN", "HTTP", "ACTIVE")


@pytest.mark.parametrize("alias, canonical", [
    ("RoundRobin", "ROUND_ROBIN"), ("round_robin", "ROUND_ROBIN"),
    ("leastConnection", "LEAST_CONNECTION"), ("LEAST_CONNECTIONS", "LEAST_CONNECTION"),
    ("hash-source", "HASH_SOURCE"), ("static_rr", "STATIC_RR")])
def test_algorithm_names_ignore_case_and_underscores(api, device, alias, canonical):
    assert helpers.create_lb(api, algorithm=alias)["algorithm"] == canonical


def test_list_show_and_details(api, device):
    ids = [helpers.create_lb(api, name="lb%d" % i)["id"] for i in range(4)]
    helpers.create_lb(api, tenant="t2")
    listed = api.get(lb_url("t1")).json["loadbalancers"]
    assert [lb["id"] for lb in listed] == ids
    assert api.get(lb_url("t1")).json["loadbalancers"] == listed
    shown = api.get(lb_url("t1", ids[2])).json["loadbalancer"]
    assert shown["name"] == "lb2" and shown == listed[2]
    details = api.get(lb_url("t1", ids[2], "details")).json
    assert {k: v for k, v in details.items() if k in shown} == shown
    assert [len(details[k]) for k in ("nodes", "virtualIps", "healthMonitor",
                                      "sessionPersistence")] == [1, 1, 0, 0]
    assert api.get(lb_url("t3")).json == {"loadbalancers": []}


def test_paging_with_limit_and_marker(api, device):
    ids = [helpers.create_lb(api, name="lb%d" % i)["id"] for i in range(5)]

    def page(**params):
        query = "&".join("%s=%s" % kv for kv in params.items())
        return [lb["id"] for lb in api.get(lb_url("t1") + "?" + query).json["loadbalancers"]]
    assert page(limit=2) == ids[:2]
    assert page(limit=2, marker=ids[1]) == ids[2:4]
    assert page(limit=2, marker=ids[3]) == ids[4:]
    assert page(marker=ids[4]) == []
    assert page(marker=ids[0]) == ids[1:]


def test_paging_marker_order_survives_equal_timestamps(api, device):
    ids = [helpers.create_lb(api, name="lb%d" % i)["id"] for i in range(4)]
    helpers.sql(api, "UPDATE loadbalancer SET created_at = '2012-01-01 00:00:00.000000'")
    ordered = sorted(ids)
    seen, marker = [], ""
    for _ in range(4):
        url = lb_url("t1") + "?limit=1" + ("&marker=" + marker if marker else "")
        marker = api.get(url).json["loadbalancers"][0]["id"]
        seen.append(marker)
    assert seen == ordered


@pytest.mark.parametrize("query", ["limit=0", "limit=-1", "limit=abc", "limit=1001",
                                   "limit=", "limit=2.5", "limit=%C2%B2",
                                   "limit=99999999999999999999999"])
def test_bad_limit_is_400(api, query):
    helpers.error_of(api.get(lb_url("t1") + "?" + query, status=400), 400, field="limit")


def test_unknown_or_foreign_marker_is_404(api, device):
    foreign = helpers.create_lb(api, tenant="t2")["id"]
    for marker in ("nope", foreign):
        helpers.error_of(api.get(lb_url("t1") + "?marker=" + marker, status=404), 404)


def test_find_for_vm(api, device):
    lb1 = helpers.create_lb(api, nodes=[helpers.node_body(vm_id=7),
                                        helpers.node_body(vm_id="7", port=81)])
    helpers.create_lb(api, nodes=[helpers.node_body(vm_id=8)])
    helpers.create_lb(api, tenant="t2", nodes=[helpers.node_body(vm_id=7)])
    found = api.get(lb_url("t1") + "/find_for_VM/7").json["loadbalancers"]
    assert [lb["id"] for lb in found] == [lb1["id"]]
    assert api.get(lb_url("t1") + "/find_for_VM/9").json == {"loadbalancers": []}
    for odd in ("abc", "%C2%B2", "9" * 30, "-7"):
        assert api.get(lb_url("t1") + "/find_for_VM/" + odd).json == {"loadbalancers": []}


def test_update_merges_and_redeploys(api, device, lb):
    before = api.driver(device["id"]).deploy_count
    resp = api.put_json(lb_url("t1", lb["id"]), {"name": "renamed", "port": "8080",
                                                 "color": "red"}, status=202)
    updated = resp.json["loadbalancer"]
    assert (updated["id"], updated["name"], updated["color"]) == (lb["id"], "renamed", "red")
    assert updated["status"] == "ACTIVE"
    assert api.driver(device["id"]).deploy_count == before + 1
    assert helpers.last_deploy(api, device["id"], lb["id"]).name == "renamed"


def test_protocol_update_moves_the_listeners_too(api, device, lb):
    api.put_json(lb_url("t1", lb["id"]), {"protocol": "TCP"}, status=202)
    live = helpers.last_deploy(api, device["id"], lb["id"])
    assert live.protocol == "TCP" and [v.protocol for v in live.vips] == ["TCP"]
    vips = api.get(lb_url("t1", lb["id"], "virtualIps")).json["virtualIps"]
    assert [v["protocol"] for v in vips] == ["TCP"]


@pytest.mark.parametrize("field", ["id", "tenant_id", "device_id", "status", "deployed",
                                   "created_at", "statusDescription"])
def test_read_only_fields_cannot_be_put(api, device, lb, field):
    resp = api.put_json(lb_url("t1", lb["id"]), {field: "x", "name": "new"}, status=400)
    helpers.error_of(resp, 400, field=field)
    assert api.get(lb_url("t1", lb["id"])).json["loadbalancer"] == lb


@pytest.mark.parametrize("field", ["nodes", "virtualIps", "healthMonitor"])
def test_children_cannot_be_put_through_the_lb(api, device, lb, field):
    resp = api.put_json(lb_url("t1", lb["id"]), {field: []}, status=400)
    helpers.error_of(resp, 400, field=field)


def test_delete_removes_everything(api, device):
    empty = helpers.row_counts(api)
    lb = api.add_seed_lb(device_id=device["id"])
    api.post_json(lb_url("foo", lb["id"], "sessionPersistence"), {"type": "SOURCE_IP"})
    assert api.delete(lb_url("foo", lb["id"]), status=204).body == b""
    assert helpers.row_counts(api) == empty
    assert api.driver(device["id"]).deploys[-1] == []
    helpers.error_of(api.get(lb_url("foo", lb["id"]), status=404), 404)
    helpers.error_of(api.delete(lb_url("foo", lb["id"]), status=404), 404)


def test_unsupported_algorithm_stores_nothing(api):
    api.add_device(capabilities={"algorithms": ["ROUND_ROBIN"]})
    empty = helpers.row_counts(api)
    resp = api.post_json(lb_url("t1"), helpers.lb_body(algorithm="LEAST_CONNECTION"),
                         status=409)
    assert "LEAST_CONNECTION" in helpers.error_of(resp, 409)["message"]
    resp = api.post_json(lb_url("t1"), helpers.lb_body(algorithm="MAGIC"), status=409)
    helpers.error_of(resp, 409)
    assert helpers.row_counts(api) == empty


def test_no_device_at_all_stores_nothing(api):
    empty = helpers.row_counts(api)
    helpers.error_of(api.post_json(lb_url("t1"), helpers.lb_body(), status=409), 409)
    assert helpers.row_counts(api) == empty


def test_create_is_atomic(api, device):
    """A failure half-way through the create (the load balancer, its farm
    and nodes already inserted) leaves no row in any table."""
    empty = helpers.row_counts(api)

    def failing_probe_insert(conn, cursor, statement, *_args):
        if statement.startswith("INSERT INTO probe"):
            raise RuntimeError("disk full")
    sa.event.listen(api.service.engine, "before_cursor_execute", failing_probe_insert)
    try:
        resp = api.post_json(lb_url("foo"), dict(helpers.lb_body(), healthMonitor=[
            helpers.monitor_body()]), status=500)
    finally:
        sa.event.remove(api.service.engine, "before_cursor_execute", failing_probe_insert)
    helpers.error_of(resp, 500)
    assert helpers.row_counts(api) == empty
    assert list(api.driver(device["id"]).deploys) == []
