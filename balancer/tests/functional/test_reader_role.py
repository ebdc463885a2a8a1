"""A token with only the reader role reads everything of its project and
writes nothing; admin-only routes stay admin-only.

Identities come as keystonemiddleware's headers (``X-Identity-Status:
Confirmed``, ``X-Project-Id``, ``X-Roles``), which the context middleware
reads whenever they are present (balancer/api/middleware/context.py).  The
routes come from ``router.ROUTES`` itself, so a route added later is covered
without editing this file; the real-Keystone path is
balancer/tests/integration/test_keystone_pipeline.py.
"""

import json

import pytest

from balancer.api import router
from balancer.tests.conftest import make_conf
from balancer.tests.functional import helpers
from balancer.tests.functional.conftest import running_api
from balancer.tests.functional.test_tenant_limits import every_row

READER = {"X-Identity-Status": "Confirmed", "X-Project-Id": "t1", "X-Roles": "reader",
          "X-User-Id": "reader-1"}
MEMBER = {"X-Identity-Status": "Confirmed", "X-Project-Id": "t1", "X-Roles": "member,reader",
          "X-User-Id": "member-1"}
ADMIN_ONLY = {("PUT", "/{tenant_id}/limits"), ("DELETE", "/{tenant_id}/limits"),
              ("GET", "/metrics")}
BODIES = {
    ("POST", "/{tenant_id}/loadbalancers"): lambda: helpers.lb_body(),
    ("PUT", "/{tenant_id}/loadbalancers/{lb_id}"): lambda: {"name": "changed"},
    ("POST", "nodes"): lambda: {"nodes": [helpers.node_body(port=9999)]},
    ("PUT", "nodes"): lambda: {"weight": 7},
    ("POST", "healthMonitoring"): lambda: {"healthMonitoring": helpers.monitor_body()},
    ("POST", "sessionPersistence"): lambda: {"type": "SOURCE_IP"},
    ("POST", "virtualIps"): lambda: {"virtualIp": helpers.vip_body()},
    ("PUT", "/{tenant_id}/limits"): lambda: {"limits": {"loadBalancers": 1}},
}
PARTS = ("nodes", "healthMonitoring", "sessionPersistence", "virtualIps")


@pytest.fixture(scope="module")
def world(tmp_path_factory, migrated_db):
    conf = make_conf(tmp_path_factory.mktemp("reader"))
    with running_api(conf, migrated_db) as api:
        device = api.add_device()
        lb = helpers.create_lb(api, nodes=[helpers.node_body(vm_id=5)],
                               healthMonitor=[helpers.monitor_body()],
                               sessionPersistence=[{"type": "SOURCE_IP"}])
        details = api.get(helpers.lb_url("t1", lb["id"], "details")).json
        children = {"nodes": details["nodes"][0]["id"],
                    "healthMonitoring": details["healthMonitor"][0]["id"],
                    "sessionPersistence": details["sessionPersistence"][0]["id"],
                    "virtualIps": details["virtualIps"][0]["id"]}
        yield api, device["id"], lb["id"], children


def _url(path, lb_id, children):
    part = next((p for p in PARTS if "/%s/" % p in path + "/"), None)
    return (path.replace("{tenant_id}", "t1").replace("{lb_id}", lb_id)
            .replace("{child_id}", children.get(part, "")).replace("{status}", "DISABLED")
            .replace("{vm_id}", "5").replace("{device_id}", "x")), part


def _send(api, method, path, lb_id, children, headers):
    url, part = _url(path, lb_id, children)
    make = BODIES.get((method, path)) or BODIES.get((method, part))
    extra = {} if make is None else {"body": json.dumps(make()).encode(),
                                     "content_type": "application/json"}
    return api.request(url, method=method, headers=headers, expect_errors=True, **extra)


TENANT = [(m, p) for m, p, _c, _a in router.ROUTES if p.startswith("/{tenant_id}")]


@pytest.mark.parametrize("method, path", [r for r in TENANT if r[0] == "GET"])
def test_a_reader_reads_every_tenant_route(world, method, path):
    api, _device_id, lb_id, children = world
    resp = _send(api, method, path, lb_id, children, READER)
    assert resp.status_int == 200, (path, resp.text)


@pytest.mark.parametrize("method, path", [r for r in TENANT if r[0] != "GET"])
def test_a_reader_writes_nothing(world, method, path):
    api, device_id, lb_id, children = world
    before = every_row(api), api.driver(device_id).deploy_count
    resp = _send(api, method, path, lb_id, children, READER)
    helpers.error_of(resp, 403)
    assert "balancer:" in resp.json["error"]["message"]
    assert (every_row(api), api.driver(device_id).deploy_count) == before


@pytest.mark.parametrize("method, path", sorted(ADMIN_ONLY))
def test_a_member_is_refused_admin_routes(world, method, path):
    api, device_id, lb_id, children = world
    before = every_row(api), api.driver(device_id).deploy_count
    helpers.error_of(_send(api, method, path, lb_id, children, MEMBER), 403)
    assert (every_row(api), api.driver(device_id).deploy_count) == before


def test_a_reader_may_not_read_another_project(world):
    api, _device_id, lb_id, _children = world
    other = dict(READER, **{"X-Project-Id": "t2"})
    helpers.error_of(api.get(helpers.lb_url("t1", lb_id), headers=other, status=403), 403)
    helpers.error_of(api.get("/t1/limits", headers=other, status=403), 403)


def test_a_member_still_writes(world):
    """The reader rule refuses readers only: a member of the project writes."""
    api, _device_id, lb_id, _children = world
    resp = api.put_json(helpers.lb_url("t1", lb_id), {"name": "by-member"}, headers=MEMBER,
                        status=202)
    assert resp.json["loadbalancer"]["name"] == "by-member"
    # a reader sees the member's change
    assert api.get(helpers.lb_url("t1", lb_id), headers=READER).json[
        "loadbalancer"]["name"] == "by-member"


def test_every_write_route_is_covered():
    writes = [r for r in TENANT if r[0] != "GET"]
    assert len(writes) >= 15 and all(m in ("POST", "PUT", "DELETE") for m, _p in writes)
