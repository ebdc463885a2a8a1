"""Tenant isolation through the keystone flavor, against a real Keystone.

The pipeline is the one operators run (``[paste_deploy] flavor = keystone``,
``[keystone_authtoken]`` in balancer-api.conf), loaded by ``load_app`` and
driven by webtest; keystonemiddleware validates every token over HTTP with
the real Keystone of the ``keystone`` fixture.  Members of projects A and B
hold ``member`` (and the implied ``reader``) role; ``admin`` is Keystone's
bootstrap admin.  Devices use the noop driver.
"""

import itertools
import json
import re

import pytest

from balancer import conf as balancer_conf
from balancer.api.router import ROUTES
from balancer.tests.conftest import Api

pytestmark = pytest.mark.keystone

_ports = itertools.count(20000)


def keystone_conf(workdir, keystone, extra=""):
    """ConfigOpts parsed from a balancer-api.conf file, as the server does."""
    path = workdir / "balancer-api.conf"
    path.write_text("[database]\nconnection = sqlite:///%s\n[deploy]\nreconcile_interval = 0\n"
                    "[paste_deploy]\nflavor = keystone\n%s%s"
                    % (workdir / "balancer.sqlite", keystone.authtoken_section(), extra))
    conf = balancer_conf.make_conf()
    conf(["--config-file", str(path)], project="balancer", default_config_files=[])
    return conf


@pytest.fixture(scope="module")
def kapi(keystone, tmp_path_factory):
    client = Api(keystone_conf(tmp_path_factory.mktemp("ks-api"), keystone))
    yield client
    client.service.close()


def as_(keystone, user):
    return {"X-Auth-Token": keystone.token(user)}


def node(port):
    return {"address": "127.0.0.1", "port": port, "weight": 1}


def vip():
    return {"address": "127.0.0.1", "port": next(_ports)}


def monitor():
    return {"type": "HTTP", "delay": 10, "timeout": 5, "attemptsBeforeDeactivation": 3,
            "method": "GET", "path": "/", "expected": "200-204"}


def lb_body(name="lb"):
    return {"name": name, "algorithm": "ROUND_ROBIN", "protocol": "HTTP",
            "virtualIps": [vip()], "nodes": [node(8001)]}


def send(kapi, method, url, headers, body=None):
    """Any request, any outcome (the caller checks the status)."""
    extra = {} if body is None else {"body": json.dumps(body).encode(),
                                     "content_type": "application/json"}
    return kapi.request(url, method=method, headers=headers, expect_errors=True, **extra)


def assert_json_error(response, code):
    assert response.status_int == code, response.text
    assert response.content_type == "application/json"
    assert response.json["error"]["code"] == code
    assert "Traceback" not in response.text


@pytest.fixture(scope="module")
def device(kapi, keystone):
    body = {"name": "noop-1", "type": "noop", "ip": "127.0.0.1"}
    return kapi.post_json("/devices", body, headers=as_(keystone, "admin")).json["device"]


@pytest.fixture(scope="module")
def project_b(kapi, keystone, device):
    """A load balancer of project B with one child of every kind, made by B's member."""
    b, headers = keystone.projects["B"], as_(keystone, "member-b")
    lb = kapi.post_json("/%s/loadbalancers" % b, lb_body("b-lb"), headers=headers,
                        status=202).json["loadbalancer"]
    url = "/%s/loadbalancers/%s/" % (b, lb["id"])
    kapi.post_json(url + "healthMonitoring", {"healthMonitoring": monitor()}, headers=headers)
    kapi.post_json(url + "sessionPersistence", {"type": "SOURCE_IP"}, headers=headers)
    details = kapi.get(url + "details", headers=headers).json
    children = {"nodes": details["nodes"][0]["id"],
                "healthMonitoring": details["healthMonitor"][0]["id"],
                "sessionPersistence": details["sessionPersistence"][0]["id"],
                "virtualIps": details["virtualIps"][0]["id"]}
    return {"id": lb["id"], "children": children, "details": details}


# -- authentication ---------------------------------------------------------

@pytest.mark.parametrize("path", ["/A/loadbalancers", "/devices", "/algorithms"])
def test_no_token_is_a_json_401(kapi, keystone, path):
    response = kapi.get(path, status=401)
    assert_json_error(response, 401)
    assert keystone.url in response.headers["WWW-Authenticate"]


@pytest.mark.parametrize("headers", [{}, {"X-Auth-Token": "bogus"}])
def test_the_version_document_needs_no_token(kapi, headers):
    response = kapi.get("/", headers=headers, status=200)
    assert [(v["id"], v["status"]) for v in response.json["versions"]] == [("v1", "CURRENT")]
    assert response.json["versions"][0]["links"][0]["rel"] == "self"


@pytest.mark.parametrize("token", ["bogus", "gAAAAABnotreallyafernettoken0000000000"])
def test_bad_token_is_a_json_401(kapi, keystone, token):
    assert_json_error(kapi.get("/%s/loadbalancers" % keystone.projects["A"],
                               headers={"X-Auth-Token": token}, status=401), 401)
    assert_json_error(kapi.post_json("/devices", {"name": "x"},
                                     headers={"X-Auth-Token": token}, status=401), 401)


# -- a member on its own project ---------------------------------------------

def test_member_can_do_everything_on_its_own_project(kapi, keystone, device):
    a, h = keystone.projects["A"], as_(keystone, "member-a")
    done = set()

    def call(method, template, url, body=None, status=200):
        done.add((method, template))
        if body is None:
            return kapi.request(url, method=method, headers=h, status=status)
        return getattr(kapi, method.lower() + "_json")(url, body, headers=h, status=status)

    LB, ONE = "/{tenant_id}/loadbalancers", "/{tenant_id}/loadbalancers/{lb_id}"
    lb = call("POST", LB, "/%s/loadbalancers" % a, lb_body(), 202).json["loadbalancer"]
    assert lb["status"] == "ACTIVE"
    one = "/%s/loadbalancers/%s" % (a, lb["id"])
    assert [x["id"] for x in call("GET", LB, "/%s/loadbalancers" % a).json[
        "loadbalancers"]] == [lb["id"]]
    assert call("GET", ONE, one).json["loadbalancer"]["name"] == "lb"
    assert call("PUT", ONE, one, {"name": "renamed"}, 202).json[
        "loadbalancer"]["name"] == "renamed"
    call("GET", LB + "/find_for_VM/{vm_id}", "/%s/loadbalancers/find_for_VM/vm-1" % a)
    assert len(call("GET", ONE + "/details", one + "/details").json["nodes"]) == 1

    bodies = {"nodes": {"nodes": [node(8002)]}, "healthMonitoring": {
        "healthMonitoring": monitor()}, "sessionPersistence": {"type": "SOURCE_IP"},
        "virtualIps": {"virtualIp": vip()}}
    for kind, body in bodies.items():
        many = ONE + "/" + kind
        created = call("POST", many, one + "/" + kind, body).json
        item = created[kind][0] if kind == "nodes" else next(iter(created.values()))
        child = "%s/%s/%s" % (one, kind, item["id"])
        assert len(call("GET", many, one + "/" + kind).json[kind]) >= 1
        assert call("GET", many + "/{child_id}", child).json
        if kind == "nodes":
            call("PUT", many + "/{child_id}", child, {"weight": 5})
            assert call("PUT", many + "/{child_id}/{status}", child + "/disabled").json[
                "node"]["condition"] == "DISABLED"
        if kind == "virtualIps":
            assert call("PUT", many + "/{child_id}", child, {"name": "front"}).json[
                "virtualIp"]["name"] == "front"
        call("DELETE", many + "/{child_id}", child, status=204)
        kapi.get(child, headers=h, status=404)
    # the access list and the connection throttle
    items = call("POST", ONE + "/accessList", one + "/accessList", {"accessList": [
        {"address": "192.0.2.0/24", "type": "DENY"}]}).json["accessList"]
    assert call("GET", ONE + "/accessList", one + "/accessList").json["accessList"] == items
    call("DELETE", ONE + "/accessList/{item_id}",
         "%s/accessList/%s" % (one, items[0]["id"]), status=204)
    throttle = ONE + "/connectionThrottle"
    call("PUT", throttle, one + "/connectionThrottle",
         {"connectionThrottle": {"maxConnections": 10}})
    assert call("GET", throttle, one + "/connectionThrottle").json[
        "connectionThrottle"]["maxConnections"] == 10
    call("DELETE", throttle, one + "/connectionThrottle", status=204)
    assert call("GET", ONE + "/stats", one + "/stats").json["stats"]["liveStatus"] == "KNOWN"
    assert call("GET", "/{tenant_id}/limits", "/%s/limits" % a).json[
        "limits"]["absolute"]["loadBalancers"]["used"] == 1
    # a member reads its limits; only an admin sets them
    call("PUT", "/{tenant_id}/limits", "/%s/limits" % a, {"limits": {"loadBalancers": 9}},
         status=403)
    call("DELETE", "/{tenant_id}/limits", "/%s/limits" % a, status=403)
    call("DELETE", ONE, one, status=204)
    kapi.get(one, headers=h, status=404)

    tenant_routes = {(m, p) for m, p, _, _ in ROUTES if p.startswith("/{tenant_id}")}
    assert done == tenant_routes, "routes not exercised: %s" % (tenant_routes - done)


# -- a member on someone else's project, and on admin routes ----------------

def fill(path, values):
    return re.sub(r"\{(\w+)\}", lambda m: str(values[m.group(1)]), path)


def write_body(method, path):
    """A valid body for a write, so a refusal can never be a 400 in disguise."""
    if method == "POST" and path.endswith("/loadbalancers"):
        return lb_body("intruder")
    kind = path.rsplit("/", 1)[-1]
    return {"nodes": {"nodes": [node(9001)]}, "healthMonitoring": {
        "healthMonitoring": monitor()}, "sessionPersistence": {"type": "SOURCE_IP"},
        "virtualIps": {"virtualIp": vip()}, "devices": {
            "name": "intruder", "type": "noop", "ip": "127.0.0.1"},
        "accessList": {"accessList": [{"address": "0.0.0.0/0", "type": "DENY"}]},
        "connectionThrottle": {"connectionThrottle": {"maxConnections": 1}}}.get(kind)


def child_values(path, project_b):
    kind = next((k for k in project_b["children"] if "/%s/" % k in path), None)
    return project_b["children"].get(kind, "none")


def test_member_is_refused_every_route_of_another_project(kapi, keystone, project_b):
    b, h = keystone.projects["B"], as_(keystone, "member-a")
    checked = 0
    for method, path, _, _ in ROUTES:
        if not path.startswith("/{tenant_id}"):
            continue
        url = fill(path, {"tenant_id": b, "lb_id": project_b["id"], "vm_id": "vm-1",
                          "status": "disabled", "child_id": child_values(path, project_b),
                          "item_id": "none"})
        body = write_body(method, path) if method in ("POST", "PUT") else None
        if method == "PUT" and body is None:
            body = {"name": "intruder"} if path.endswith("{lb_id}") else {"weight": 9}
        response = send(kapi, method, url, h, body)
        assert response.status_int in (403, 404), "%s %s -> %s" % (
            method, url, response.status_int)
        assert_json_error(response, response.status_int)
        checked += 1
    assert checked >= 25
    # nothing of B changed, and B's own member still sees it all
    after = kapi.get("/%s/loadbalancers/%s/details" % (b, project_b["id"]),
                     headers=as_(keystone, "member-b")).json
    assert after == project_b["details"]


def test_another_projects_ids_are_not_found_under_ones_own(kapi, keystone, project_b):
    a, h = keystone.projects["A"], as_(keystone, "member-a")
    assert_json_error(kapi.get("/%s/loadbalancers/%s" % (a, project_b["id"]), headers=h,
                               status=404), 404)


def test_member_is_refused_every_device_route(kapi, keystone, device):
    h = as_(keystone, "member-a")
    for method, path, _, _ in ROUTES:
        if not path.startswith("/devices"):
            continue
        body = write_body(method, path) if method == "POST" else None
        response = send(kapi, method, fill(path, {"device_id": device["id"]}), h, body)
        assert_json_error(response, 403)
    assert kapi.get("/devices/%s" % device["id"], headers=as_(keystone, "admin")).json


def test_admin_reaches_devices_and_every_project(kapi, keystone, device, project_b):
    h = as_(keystone, "admin")
    assert device["id"] in [d["id"] for d in kapi.get("/devices", headers=h).json["devices"]]
    assert kapi.get("/devices/%s" % device["id"], headers=h).status_int == 200
    b = keystone.projects["B"]
    assert [x["id"] for x in kapi.get("/%s/loadbalancers" % b, headers=h).json[
        "loadbalancers"]] == [project_b["id"]]
    assert kapi.get("/%s/loadbalancers/%s/details" % (b, project_b["id"]),
                    headers=h).status_int == 200


@pytest.mark.parametrize("user", ["member-a", "member-b", "admin"])
def test_capabilities_are_readable_by_any_authenticated_user(kapi, keystone, user, device):
    for path in ("/algorithms", "/protocols"):
        assert kapi.get(path, headers=as_(keystone, user)).status_int == 200


# -- a reader, and admin-only routes -----------------------------------------

def test_a_reader_reads_its_project_and_writes_nothing(kapi, keystone, device):
    a = keystone.projects["A"]
    lb = kapi.post_json("/%s/loadbalancers" % a, lb_body("read-me"),
                        headers=as_(keystone, "member-a"), status=202).json["loadbalancer"]
    one = "/%s/loadbalancers/%s" % (a, lb["id"])
    h = as_(keystone, "reader-a")
    try:
        details = kapi.get(one + "/details", headers=h).json
        node_id = details["nodes"][0]["id"]
        values = {"tenant_id": a, "lb_id": lb["id"], "vm_id": "1", "status": "disabled",
                  "child_id": node_id, "item_id": "none"}
        for method, path, _, _ in ROUTES:
            if not path.startswith("/{tenant_id}"):
                continue
            url = fill(path, values)
            if method == "GET":
                if "{child_id}" in path and "/nodes/" not in path:
                    continue              # no such child: a 404 says nothing here
                assert send(kapi, method, url, h).status_int == 200, (method, url)
                continue
            body = write_body(method, path) if method in ("POST", "PUT") else None
            if method == "PUT" and body is None:
                body = {"name": "by-reader"} if path.endswith("{lb_id}") else {"weight": 9}
            assert_json_error(send(kapi, method, url, h, body), 403)
        assert kapi.get(one + "/details", headers=h).json == details
    finally:
        kapi.delete(one, headers=as_(keystone, "member-a"), status=204)


def test_metrics_and_limits_are_for_admins(kapi, keystone, device):
    a = keystone.projects["A"]
    for user in ("member-a", "reader-a"):
        assert_json_error(kapi.get("/metrics", headers=as_(keystone, user), status=403), 403)
    admin = as_(keystone, "admin")
    assert kapi.get("/metrics", headers=admin).text.startswith("# HELP")
    limits = kapi.put_json("/%s/limits" % a, {"limits": {"loadBalancers": 4}},
                           headers=admin).json["limits"]["absolute"]
    assert limits["loadBalancers"]["value"] == 4
    assert kapi.get("/%s/limits" % a, headers=as_(keystone, "reader-a")).json[
        "limits"]["absolute"]["loadBalancers"]["override"] == 4
    kapi.delete("/%s/limits" % a, headers=admin, status=204)
