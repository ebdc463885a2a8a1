"""Every error is JSON of one shape, never HTML or a traceback."""

import io
import logging

import pytest

from balancer.tests.conftest import make_conf, seed_json
from balancer.tests.functional import helpers
from balancer.tests.functional.conftest import running_api


@pytest.mark.parametrize("path, body", [
    ("/devices", b'{"name": "x", '),
    ("/t1/loadbalancers", b"{'name': 'single quotes'}"),
    ("/t1/loadbalancers", b"\xff\xfe not utf-8"),
    ("/t1/loadbalancers", b"[" * 100000),
    ("/t1/loadbalancers", b'{"name": "x", "color": NaN}'),
    ("/devices", b'{"name": "x", "type": "noop", "ip": "1.2.3.4", "port": Infinity}'),
])
def test_malformed_json_is_400(api, path, body):
    resp = api.post(path, body, content_type="application/json", status=400)
    assert "malformed JSON" in helpers.error_of(resp, 400, field="body")["message"]


@pytest.mark.parametrize("path, body", [
    ("/devices", ["a", "list"]), ("/devices", "text"), ("/devices", 42),
    ("/t1/loadbalancers", [{"name": "x"}]), ("/t1/loadbalancers", None),
])
def test_a_body_that_is_not_an_object_is_400(api, path, body):
    helpers.error_of(api.post_json(path, body, status=400), 400)
    assert helpers.row_counts(api)["device"] == 0


def test_an_empty_body_is_400(api):
    resp = api.post("/devices", b"", content_type="application/json", status=400)
    helpers.error_of(resp, 400, field="body")


# "/" is the version document (balancer/tests/functional/test_versions.py)
@pytest.mark.parametrize("path", ["/nothing", "/devices/x/y/z", "/t1/servers",
                                  "/t1/loadbalancers/abc/unknownChild",
                                  "/t1/loadbalancers/abc/nodes/n1/ENABLED/more"])
def test_unknown_routes_are_404(api, path):
    helpers.error_of(api.get(path, status=404), 404)


@pytest.mark.parametrize("method, path, allow", [
    ("PUT", "/devices", "GET, POST"),
    ("PATCH", "/devices/abc", "GET, PUT, DELETE"),
    ("POST", "/algorithms", "GET"),
    ("DELETE", "/protocols", "GET"),
    ("DELETE", "/t1/loadbalancers", "GET, POST"),
    ("POST", "/t1/loadbalancers/abc", "GET, PUT, DELETE"),
    ("PUT", "/t1/loadbalancers/abc/healthMonitoring/p1", "GET, DELETE"),
    ("PUT", "/t1/loadbalancers/abc/sessionPersistence/s1", "GET, DELETE"),
    ("POST", "/t1/loadbalancers/abc/virtualIps/v1", "GET, DELETE, PUT"),
    ("GET", "/t1/loadbalancers/abc/nodes/n1/ENABLED", "PUT"),
])
def test_wrong_methods_are_405_with_allow(api, method, path, allow):
    resp = api.request(path, method=method, status=405)
    helpers.error_of(resp, 405)
    assert resp.headers["Allow"] == allow


def test_a_trailing_slash_is_the_same_route(api, device):
    assert [d["id"] for d in api.get("/devices/").json["devices"]] == [device["id"]]


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded",
                                          "application/xml"])
def test_wrong_content_type_is_415(api, content_type):
    body = b'{"name": "d", "type": "noop", "ip": "127.0.0.1"}'
    resp = api.post("/devices", body, content_type=content_type, status=415)
    assert content_type in helpers.error_of(resp, 415)["message"]
    assert helpers.row_counts(api)["device"] == 0


def test_json_with_a_charset_is_accepted(api):
    body = b'{"name": "d", "type": "noop", "ip": "127.0.0.1"}'
    api.post("/devices", body, content_type="application/json; charset=utf-8", status=200)


@pytest.fixture
def small_api(tmp_path, migrated_db):
    with running_api(make_conf(tmp_path, max_request_body_size=2048), migrated_db) as client:
        yield client


def test_oversized_body_is_413(small_api):
    body = seed_json("createDeviceHAProxy", version="x" * 3000)
    helpers.error_of(small_api.post_json("/devices", body, status=413), 413)
    small_api.post_json("/devices", seed_json("createDeviceHAProxy"), status=200)


def test_oversized_body_without_content_length_is_413(small_api):
    raw = b'{"name": "d", "type": "noop", "ip": "127.0.0.1", "version": "%s"}' % (
        b"x" * 3000)
    resp = small_api.request("/devices", method="POST", status=413,
                             headers={"Content-Type": "application/json",
                                      "Transfer-Encoding": "chunked"},
                             environ={"wsgi.input": io.BytesIO(raw),
                                      "wsgi.input_terminated": True})
    helpers.error_of(resp, 413)
    assert helpers.row_counts(small_api)["device"] == 0


class ExplodingDevices:
    """Stands in for the core's devices service and fails like a bug would."""

    def list(self, ctx):
        raise RuntimeError("internal detail /srv/secret/path")


def test_unexpected_errors_are_500_without_traceback(api, monkeypatch, caplog):
    monkeypatch.setattr(api.service, "devices", ExplodingDevices())
    with caplog.at_level(logging.ERROR):
        resp = api.get("/devices", status=500)
    error = helpers.error_of(resp, 500)
    assert error["title"] == "Internal Server Error"
    assert "/srv/secret/path" not in resp.text and "RuntimeError" not in resp.text
    assert "/srv/secret/path" in caplog.text      # the operator still sees it


def test_unauthenticated_and_forbidden_are_json(api):
    unconfirmed = {"X-Identity-Status": "Invalid"}
    helpers.error_of(api.get("/t1/loadbalancers", headers=unconfirmed, status=401), 401)
    member = {"X-Identity-Status": "Confirmed", "X-Project-Id": "t1", "X-Roles": "member"}
    helpers.error_of(api.get("/devices", headers=member, status=403), 403)
    helpers.error_of(api.get("/t2/loadbalancers", headers=member, status=403), 403)
    assert api.get("/t1/loadbalancers", headers=member).json == {"loadbalancers": []}


def test_errors_carry_a_request_id(api):
    resp = api.get("/nothing", status=404)
    assert resp.headers["X-Openstack-Request-Id"].startswith("req-")
