"""Tenant scoping on every tenant route of the router.

The routes come from ``router.ROUTES`` itself, so a route added later is
covered without editing this file.  Each request addresses tenant t1's
objects in a way that must not reach them: through another tenant's URL,
or (the original's cross-tenant delete bug) a child of load balancer X
through load balancer Y's URL.  Every one is a 404 that changes nothing.
"""

import json

import pytest

from balancer.api import router
from balancer.tests.conftest import make_conf
from balancer.tests.functional import helpers
from balancer.tests.functional.conftest import running_api

TENANT_ROUTES = [(m, p) for m, p, _c, _a in router.ROUTES if p.startswith("/{tenant_id}")]
CHILD_PARTS = ("nodes", "healthMonitoring", "sessionPersistence", "virtualIps")
# sub-resources of a load balancer that are not children with a {child_id}
LB_PARTS = ("accessList", "connectionThrottle")
BODIES = {
    ("POST", "nodes"): lambda: {"nodes": [helpers.node_body()]},
    ("POST", "healthMonitoring"): lambda: {"healthMonitoring": helpers.monitor_body()},
    ("POST", "sessionPersistence"): lambda: {"type": "SOURCE_IP"},
    ("POST", "virtualIps"): lambda: {"virtualIp": helpers.vip_body()},
    ("PUT", "nodes"): lambda: {"weight": 9},
    ("PUT", "virtualIps"): lambda: {"name": "hacked", "port": 9999},
    ("PUT", "loadbalancers"): lambda: {"name": "hacked"},
    ("POST", "accessList"): lambda: {"accessList": [{"address": "0.0.0.0/0", "type": "DENY"}]},
    ("PUT", "connectionThrottle"): lambda: {"connectionThrottle": {"maxConnections": 1}},
}


def _lb_with_children(api, tenant):
    lb = helpers.create_lb(api, tenant=tenant, nodes=[helpers.node_body(vm_id=5)],
                           healthMonitor=[helpers.monitor_body()],
                           sessionPersistence=[{"type": "SOURCE_IP"}])
    access = api.post_json(helpers.lb_url(tenant, lb["id"], "accessList"), {
        "accessList": [{"address": "192.0.2.0/24", "type": "DENY"}]}).json["accessList"]
    api.put_json(helpers.lb_url(tenant, lb["id"], "connectionThrottle"),
                 {"connectionThrottle": {"maxConnections": 50}})
    details = api.get(helpers.lb_url(tenant, lb["id"], "details")).json
    children = {"accessList": access[0]["id"],"nodes": details["nodes"][0]["id"],
                "healthMonitoring": details["healthMonitor"][0]["id"],
                "sessionPersistence": details["sessionPersistence"][0]["id"],
                "virtualIps": details["virtualIps"][0]["id"]}
    return lb["id"], children


@pytest.fixture(scope="module")
def world(tmp_path_factory, migrated_db):
    """t1 owns load balancers X and Y; t2 owns Z.  Shared: nothing may change."""
    conf = make_conf(tmp_path_factory.mktemp("tenancy"))
    with running_api(conf, migrated_db) as api:
        device = api.add_device()
        x, x_children = _lb_with_children(api, "t1")
        y, _ = _lb_with_children(api, "t1")
        _lb_with_children(api, "t2")
        yield api, device["id"], x, x_children, y


def _fill(path, tenant, lb_id, children):
    part = next((p for p in CHILD_PARTS + LB_PARTS if "/%s/" % p in path + "/"), None)
    return (path.replace("{tenant_id}", tenant).replace("{lb_id}", lb_id)
            .replace("{child_id}", children.get(part, "")).replace("{status}", "DISABLED")
            .replace("{item_id}", children.get("accessList", ""))
            .replace("{vm_id}", "5")), part


def _request(api, method, path, part):
    key = (method, part or "loadbalancers")
    body = BODIES.get(key, lambda: None)()
    if body is None:
        return api.request(path, method=method, expect_errors=True)
    return api.request(path, method=method, expect_errors=True, content_type="application/json",
                       body=json.dumps(body).encode())


def _assert_untouched(api, device_id, request):
    before = helpers.table_dump(api), api.driver(device_id).deploy_count
    resp = request()
    assert (helpers.table_dump(api), api.driver(device_id).deploy_count) == before
    return resp


@pytest.mark.parametrize("method, path", [(m, p) for m, p in TENANT_ROUTES
                                          if m == "GET" or "{lb_id}" in p])
def test_another_tenant_cannot_reach_x(world, method, path):
    api, device_id, x, x_children, _y = world
    url, part = _fill(path, "t2", x, x_children)
    resp = _assert_untouched(api, device_id, lambda: _request(api, method, url, part))
    if "{lb_id}" in path:
        helpers.error_of(resp, 404)
    elif path.endswith("/limits"):     # t2's own limits count only t2's one LB
        assert resp.status_int == 200 and resp.json["limits"]["tenant_id"] == "t2"
        assert resp.json["limits"]["absolute"]["loadBalancers"]["used"] == 1
    else:                      # t2's own list and find_for_VM never show X
        assert resp.status_int == 200 and len(resp.json["loadbalancers"]) == 1
        assert x not in resp.text


@pytest.mark.parametrize("method, path", [(m, p) for m, p in TENANT_ROUTES
                                          if "{child_id}" in p or "{item_id}" in p])
def test_a_child_of_x_through_y_is_404(world, method, path):
    api, device_id, x, x_children, y = world
    url, part = _fill(path, "t1", y, x_children)
    helpers.error_of(_assert_untouched(api, device_id, lambda: _request(api, method, url, part)),
                     404)


def test_every_child_route_is_covered():
    covered = {p for _m, p in TENANT_ROUTES}
    assert len(TENANT_ROUTES) == 36 and all(
        any("/%s" % part in p for p in covered) for part in CHILD_PARTS + LB_PARTS)


def test_x_is_still_whole_after_all_that(world):
    api, _device_id, x, x_children, _y = world
    details = api.get(helpers.lb_url("t1", x, "details")).json
    assert details["name"] == "lb" and details["status"] == "ACTIVE"
    assert details["nodes"][0]["id"] == x_children["nodes"] and details["nodes"][0]["weight"] == 1
    assert details["sessionPersistence"][0]["id"] == x_children["sessionPersistence"]
    assert [item["id"] for item in api.get(helpers.lb_url("t1", x, "accessList")).json[
        "accessList"]] == [x_children["accessList"]]
    assert api.get(helpers.lb_url("t1", x, "connectionThrottle")).json[
        "connectionThrottle"]["maxConnections"] == 50
