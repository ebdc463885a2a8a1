"""``…/accessList`` and ``…/connectionThrottle`` through the API (noop device):
shapes, validation, limits, the status model and what a deploy carries.
Isolation between tenants is in test_tenancy.py (every tenant route)."""

import pytest

from balancer.tests.conftest import make_conf
from balancer.tests.functional import helpers
from balancer.tests.functional.conftest import running_api


def _url(lb, part="accessList", *more):
    return helpers.lb_url("t1", lb["id"], part, *more)


def test_access_list_is_answered_whole_canonical_and_deployed(api, device, lb):
    assert api.get(_url(lb)).json == {"accessList": []}
    first = api.post_json(_url(lb), {"accessList": [
        {"address": "10.1.2.3/8", "type": "allow"},
        {"address": "2001:DB8:0::/32", "type": "DENY"}]}).json["accessList"]
    assert [(i["address"], i["type"]) for i in first] == [("10.0.0.0/8", "ALLOW"),
                                                         ("2001:db8::/32", "DENY")]
    whole = api.post_json(_url(lb), {"accessList": [
        {"address": "192.0.2.7", "type": "DENY"}]}).json["accessList"]
    assert [i["address"] for i in whole] == ["10.0.0.0/8", "2001:db8::/32", "192.0.2.7/32"]
    assert whole[:2] == first and api.get(_url(lb)).json["accessList"] == whole
    assert api.get(helpers.lb_url("t1", lb["id"], "details")).json["accessList"] == whole
    record = helpers.last_deploy(api, device["id"], lb["id"])
    assert [(a.address, a.type) for a in record.access_list] == [
        (i["address"], i["type"]) for i in whole]
    assert api.get(helpers.lb_url("t1", lb["id"])).json["loadbalancer"]["status"] == "ACTIVE"
    api.delete(_url(lb, "accessList", whole[1]["id"]), status=204)
    assert [i["id"] for i in api.get(_url(lb)).json["accessList"]] == [
        whole[0]["id"], whole[2]["id"]]
    record = helpers.last_deploy(api, device["id"], lb["id"])
    assert [a.id for a in record.access_list] == [whole[0]["id"], whole[2]["id"]]
    helpers.error_of(api.delete(_url(lb, "accessList", whole[1]["id"]),
                                expect_errors=True), 404)


@pytest.mark.parametrize("body, field", [
    ({"accessList": [{"address": "10.0.0.0/33", "type": "DENY"}]}, "accessList.0.address"),
    ({"accessList": [{"address": "fe80::1%eth0", "type": "DENY"}]}, "accessList.0.address"),
    ({"accessList": [{"address": "10.0.0.0/8", "type": "MAYBE"}]}, "accessList.0.type"),
    ({"accessList": [{"address": "10.0.0.0/8"}]}, "accessList.0.type"),
    ({"accessList": [{"address": "10.0.0.0/8", "type": "DENY", "note": "x"}]},
     "accessList.0.note"),
    ({"accessList": [{"address": "10.0.0.0/8", "type": "DENY"},
                     {"address": "10.9.9.9/8", "type": "ALLOW"}]}, "accessList.1.address"),
    ({"accessList": []}, "accessList"),
    ({"networkItems": []}, "accessList"),
])
def test_bad_access_lists_are_400s_that_change_nothing(api, device, lb, body, field):
    before = helpers.table_dump(api), api.driver(device["id"]).deploy_count
    helpers.error_of(api.post_json(_url(lb), body, expect_errors=True), 400, field)
    assert (helpers.table_dump(api), api.driver(device["id"]).deploy_count) == before


def test_a_network_already_listed_is_a_409(api, device, lb):
    api.post_json(_url(lb), {"accessList": [{"address": "10.0.0.0/8", "type": "DENY"}]})
    before = helpers.table_dump(api)
    resp = api.post_json(_url(lb), {"accessList": [{"address": "10.0.0.1/8", "type": "ALLOW"}]},
                         expect_errors=True)
    assert "already in the access list" in helpers.error_of(resp, 409)["message"]
    assert helpers.table_dump(api) == before


def test_access_list_items_are_limited(tmp_path, migrated_db):
    conf = make_conf(tmp_path, limits__max_access_list_items_per_lb=2)
    with running_api(conf, migrated_db) as api:
        api.add_device()
        lb = helpers.create_lb(api)
        api.post_json(_url(lb), {"accessList": [{"address": "10.0.0.0/8", "type": "DENY"}]})
        before = helpers.table_dump(api)
        resp = api.post_json(_url(lb), {"accessList": [
            {"address": "10.1.0.0/16", "type": "ALLOW"},
            {"address": "10.2.0.0/16", "type": "ALLOW"}]}, expect_errors=True)
        error = helpers.error_of(resp, 413, "accessList")
        assert "at most 2" in error["message"]
        assert helpers.table_dump(api) == before


def test_throttle_put_get_delete(api, device, lb):
    assert api.get(_url(lb, "connectionThrottle")).json == {"connectionThrottle": {}}
    helpers.error_of(api.delete(_url(lb, "connectionThrottle"), expect_errors=True), 404)
    set_ = api.put_json(_url(lb, "connectionThrottle"), {"connectionThrottle": {
        "maxConnections": "20", "maxConnectionRate": 50}}).json["connectionThrottle"]
    assert set_ == {"maxConnections": 20, "minConnections": None, "maxConnectionRate": 50,
                    "rateInterval": 60}
    record = helpers.last_deploy(api, device["id"], lb["id"])
    assert (record.throttle.max_connections, record.throttle.max_connection_rate,
            record.throttle.rate_interval) == (20, 50, 60)
    replaced = api.put_json(_url(lb, "connectionThrottle"), {"connectionThrottle": {
        "maxConnections": 5}}).json["connectionThrottle"]
    assert replaced["maxConnections"] == 5 and replaced["maxConnectionRate"] is None
    assert api.get(_url(lb, "connectionThrottle")).json["connectionThrottle"] == replaced
    details = api.get(helpers.lb_url("t1", lb["id"], "details")).json
    assert details["connectionThrottle"] == replaced and details["accessList"] == []
    api.delete(_url(lb, "connectionThrottle"), status=204)
    assert api.get(helpers.lb_url("t1", lb["id"], "details")).json["connectionThrottle"] == {}
    assert helpers.last_deploy(api, device["id"], lb["id"]).throttle is None
    assert api.get(helpers.lb_url("t1", lb["id"])).json["loadbalancer"]["status"] == "ACTIVE"


@pytest.mark.parametrize("inner, field", [
    ({"maxConnections": 0}, "connectionThrottle.maxConnections"),
    ({}, "connectionThrottle.maxConnections"),
    ({"maxConnections": -1}, "connectionThrottle.maxConnections"),
    ({"maxConnectionRate": 5, "rateInterval": 0}, "connectionThrottle.rateInterval"),
    ({"maxConnections": 5, "maxConections": 1}, "connectionThrottle.maxConections"),
])
def test_bad_throttles_are_400s_that_change_nothing(api, device, lb, inner, field):
    before = helpers.table_dump(api)
    resp = api.put_json(_url(lb, "connectionThrottle"), {"connectionThrottle": inner},
                        expect_errors=True)
    helpers.error_of(resp, 400, field)
    assert helpers.table_dump(api) == before


def test_a_failing_device_makes_the_change_error_and_nothing_else(api, lb):
    failing = api.add_device(name="failing", noop_fail="the box is on fire")
    other = helpers.create_lb(api, device_id=failing["id"])
    assert other["status"] == "ERROR"
    answer = api.post_json(helpers.lb_url("t1", other["id"], "accessList"),
                           {"accessList": [{"address": "10.0.0.0/8", "type": "DENY"}]})
    assert answer.json["accessList"][0]["address"] == "10.0.0.0/8"
    shown = api.get(helpers.lb_url("t1", other["id"])).json["loadbalancer"]
    assert shown["status"] == "ERROR" and "fire" in shown["statusDescription"]
    # the healthy load balancer on the other device is untouched
    assert api.get(helpers.lb_url("t1", lb["id"])).json["loadbalancer"]["status"] == "ACTIVE"


def test_each_action_has_its_own_policy_rule(tmp_path, migrated_db):
    """An operator may let tenants read but not change access lists and
    throttles: the writes' rules refuse (403, nothing changes), reads go on."""
    from oslo_policy import opts as policy_opts
    rules = tmp_path / "policy.yaml"
    rules.write_text('"balancer:accessList:create": "!"\n'
                     '"balancer:connectionThrottle:update": "!"\n')
    conf = make_conf(tmp_path)
    # what policy.Enforcer(conf) does first; set_defaults would change the
    # option's default for every later test of the process
    policy_opts._register(conf)
    conf.set_override("policy_file", str(rules), group="oslo_policy")
    with running_api(conf, migrated_db) as api:
        api.add_device()
        lb = helpers.create_lb(api)
        before = helpers.table_dump(api)
        resp = api.post_json(_url(lb), {"accessList": [{"address": "10.0.0.0/8",
                                                        "type": "DENY"}]}, expect_errors=True)
        assert "balancer:accessList:create" in helpers.error_of(resp, 403)["message"]
        resp = api.put_json(_url(lb, "connectionThrottle"),
                            {"connectionThrottle": {"maxConnections": 1}}, expect_errors=True)
        helpers.error_of(resp, 403)
        assert helpers.table_dump(api) == before
        assert api.get(_url(lb)).json == {"accessList": []}
        assert api.get(_url(lb, "connectionThrottle")).json == {"connectionThrottle": {}}


def test_a_tenants_override_limits_its_access_lists(api, device):
    """The admin's per-tenant limit (``PUT /{tenant_id}/limits``), not the
    ``[limits]`` default, decides; another tenant keeps the default."""
    mine, theirs = helpers.create_lb(api, tenant="t1"), helpers.create_lb(api, tenant="t2")
    api.put_json("/t1/limits", {"limits": {"accessListItemsPerLoadBalancer": 1}})
    two = {"accessList": [{"address": "10.1.0.0/16", "type": "ALLOW"},
                          {"address": "10.2.0.0/16", "type": "DENY"}]}
    error = helpers.error_of(api.post_json(_url(mine), two, expect_errors=True), 413,
                             "accessList")
    assert "this tenant's limit" in error["message"] and "at most 1" in error["message"]
    assert api.get(_url(mine)).json["accessList"] == []
    other = helpers.lb_url("t2", theirs["id"], "accessList")
    assert len(api.post_json(other, two).json["accessList"]) == 2
