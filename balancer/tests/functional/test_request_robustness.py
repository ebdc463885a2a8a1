"""Requests the service cannot read are a JSON 4xx that changes nothing.

Each case was a 500 (or eventlet's empty 414) before: URLs that are not
UTF-8 once percent-decoded, bodies holding lone surrogates (the database
refused them at commit), bodies nested hundreds of levels deep, and URLs
longer than the server reads.  See balancer/api/middleware/url.py and
balancer/api/schemas/document.py.
"""

import json

import pytest

from balancer.api.middleware import url
from balancer.api.schemas import document
from balancer.tests.functional import helpers
from balancer.tests.functional.conftest import module_fixtures
from balancer.tests.functional.helpers import lb_url

SURROGATE = "\ud800"


# a rejected body changes nothing (``assert_rejected`` checks it), so
# the module shares one pipeline
api, device, lb = module_fixtures("robustness")


def send(api, method, path, body=None, raw=None):
    """A request whose answer may be anything; bodies go out as JSON."""
    if body is not None:
        raw = json.dumps(body).encode()
    return api.app.request(path, method=method, body=raw or b"",
                           content_type="application/json" if raw else None,
                           expect_errors=True)


def assert_refused(api, method, path, code, field=None, **kwargs):
    before = helpers.table_dump(api)
    error = helpers.error_of(send(api, method, path, **kwargs), code, field)
    assert helpers.table_dump(api) == before
    return error


# --- URLs -----------------------------------------------------------------

BAD_PATHS = ["/t1/loadbalancers/%FF", "/devices/%ED%B3%BF", "/%FF/loadbalancers",
             "/t1/loadbalancers/%C3", "/devices/%ED%A0%80/info", "/%F0%28%8C%BC"]
BAD_QUERIES = ["limit=%EF", "marker=%FF", "%EF=1", "x=%ED%B3%BF"]


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "POST"])
@pytest.mark.parametrize("path", BAD_PATHS)
def test_paths_that_are_not_utf8_are_a_json_400(api, lb, method, path):
    body = {"name": "x"} if method in ("PUT", "POST") else None
    assert_refused(api, method, path, 400, "path", body=body)


@pytest.mark.parametrize("query", BAD_QUERIES)
@pytest.mark.parametrize("route", ["/t1/loadbalancers", "/devices", "/algorithms",
                                   "/t1/loadbalancers/LB/nodes"])
def test_queries_that_are_not_utf8_are_a_json_400(api, lb, route, query):
    assert_refused(api, "GET", route.replace("LB", lb["id"]) + "?" + query, 400, "query")


def test_child_paths_with_bad_bytes_are_refused(api, lb):
    for part in ("nodes/%FF", "nodes/%FF/enabled", "virtualIps/%ED%B3%BF", "details%FF"):
        assert_refused(api, "GET", lb_url("t1", lb["id"], part), 400, "path")


def test_valid_utf8_still_reaches_the_routes(api, lb):
    """Percent-encoded UTF-8 is fine: a name that exists nowhere is a 404."""
    helpers.error_of(send(api, "GET", "/t1/loadbalancers/%C3%A9t%C3%A9"), 404)
    assert send(api, "GET", "/t1/loadbalancers?marker=&limit=5").status_int in (200, 404)


@pytest.mark.parametrize("path", ["/t1/loadbalancers?marker=" + "x" * url.MAX_URL_LENGTH,
                                  "/t1/loadbalancers/" + "a" * url.MAX_URL_LENGTH,
                                  "/devices?" + "&".join(["a=b"] * 3000)])
def test_urls_longer_than_the_limit_are_a_json_414(api, lb, path):
    error = assert_refused(api, "GET", path, 414)
    assert str(url.MAX_URL_LENGTH) in error["message"]


def test_a_url_just_under_the_limit_is_read(api, lb):
    path = "/t1/loadbalancers?marker="
    path += "x" * (url.MAX_URL_LENGTH - len(path) - 1)
    helpers.error_of(send(api, "GET", path), 404)      # no such marker: read, not refused


# --- lone surrogates --------------------------------------------------------

LB_TEXT = ["name", "algorithm", "transport", "port", "note"]       # note: kept as extra
NODE_TEXT = ["name", "type", "description", "vm_instance", "status", "note"]
VIP_TEXT = ["name", "mask", "type", "VLAN", "ICMPreply", "note"]
MONITOR_TEXT = ["name", "note", "path"]
STICKY_TEXT = ["name", "note", "cookieName"]
DEVICE_TEXT = ["name", "version", "user", "password", "private_key", "interface",
               "reload_command", "note"]


@pytest.mark.parametrize("field", LB_TEXT)
def test_surrogates_in_a_load_balancer(api, device, field):
    assert_refused(api, "POST", lb_url("t1"), 400, field,
                   body=helpers.lb_body(**{field: "a" + SURROGATE}))


@pytest.mark.parametrize("field", NODE_TEXT)
def test_surrogates_in_nodes(api, lb, field):
    assert_refused(api, "POST", lb_url("t1", lb["id"], "nodes"), 400, "nodes.0." + field,
                   body={"nodes": [helpers.node_body(**{field: SURROGATE})]})
    assert_refused(api, "POST", lb_url("t1"), 400, "nodes.0." + field,
                   body=helpers.lb_body(nodes=[helpers.node_body(**{field: SURROGATE})]))


def test_surrogates_in_a_node_update(api, lb):
    node = api.get(lb_url("t1", lb["id"], "nodes")).json["nodes"][0]
    assert_refused(api, "PUT", lb_url("t1", lb["id"], "nodes", node["id"]), 400, "name",
                   body={"name": SURROGATE})


@pytest.mark.parametrize("field", VIP_TEXT)
def test_surrogates_in_vips(api, lb, field):
    assert_refused(api, "POST", lb_url("t1", lb["id"], "virtualIps"), 400,
                   "virtualIp." + field, body={"virtualIp": helpers.vip_body(**{field: SURROGATE})})


@pytest.mark.parametrize("field", MONITOR_TEXT)
def test_surrogates_in_monitors(api, lb, field):
    assert_refused(api, "POST", lb_url("t1", lb["id"], "healthMonitoring"), 400,
                   "healthMonitoring." + field,
                   body={"healthMonitoring": helpers.monitor_body(**{field: "/" + SURROGATE})})


@pytest.mark.parametrize("field", STICKY_TEXT)
def test_surrogates_in_stickies(api, lb, field):
    assert_refused(api, "POST", lb_url("t1", lb["id"], "sessionPersistence"), 400, field,
                   body={"type": "HTTP_COOKIE", field: SURROGATE})


@pytest.mark.parametrize("field", DEVICE_TEXT)
def test_surrogates_in_devices(api, device, field):
    body = {"name": "d", "type": "noop", "ip": "127.0.0.1", field: SURROGATE}
    error = assert_refused(api, "POST", "/devices", 400, field, body=body)
    assert "\\ud800" not in json.dumps(error)          # the value is not echoed
    assert_refused(api, "PUT", "/devices/" + device["id"], 400, field, body={field: SURROGATE})


def test_surrogates_in_an_update_and_in_key_names(api, lb):
    assert_refused(api, "PUT", lb_url("t1", lb["id"]), 400, "name", body={"name": SURROGATE})
    error = assert_refused(api, "POST", lb_url("t1"), 400,
                           body=helpers.lb_body(**{"k" + SURROGATE: 1}))
    assert error["field"] == "k\\ud800"


def test_surrogate_bytes_in_a_raw_body(api, device):
    """UTF-8-encoded surrogates (ED A0 80) decode through ``surrogatepass``."""
    raw = json.dumps(helpers.lb_body(name="@@")).encode().replace(b"@@", b"\xed\xa0\x80")
    assert_refused(api, "POST", lb_url("t1"), 400, "name", raw=raw)
    raw = json.dumps(helpers.lb_body(name="@@")).encode().replace(b"@@", b"\xff")
    assert_refused(api, "POST", lb_url("t1"), 400, "body", raw=raw)


# --- nesting ----------------------------------------------------------------

def nested(depth, leaf="[]"):
    return "[" * (depth - 1) + leaf + "]" * (depth - 1)


@pytest.mark.parametrize("depth", [document.MAX_DEPTH + 1, 500, 5000, 200000])
def test_deep_documents_are_a_400(api, lb, device, depth):
    deep = nested(depth)
    cases = [
        ("POST", lb_url("t1"), '{"name": "x", "extra": %s}' % deep, "extra"),
        ("POST", "/devices", '{"name": "d", "type": "noop", "ip": "127.0.0.1", '
                             '"capabilities": {"algorithms": %s}}' % deep, "capabilities"),
        ("POST", "/devices", '{"name": "d", "type": "noop", "ip": "127.0.0.1", '
                             '"capabilities": %s}' % deep, "capabilities"),
        ("PUT", lb_url("t1", lb["id"]), '{"note": %s}' % deep, "note"),
        ("POST", lb_url("t1", lb["id"], "nodes"),
         '{"nodes": [{"address": "10.0.0.9", "port": 1, "x": %s}]}' % deep, "nodes"),
        ("PUT", "/devices/" + device["id"], '{"capabilities": %s}' % deep, "capabilities"),
    ]
    for method, path, raw, field in cases:
        if depth > 1000:
            field = None          # past json's own recursion limit: named as "body"
        error = assert_refused(api, method, path, 400, field, raw=raw.encode())
        assert "nested deeper than %d" % document.MAX_DEPTH in error["message"]


def test_nesting_within_the_limit_is_kept_as_sent(api, device):
    extra = json.loads(nested(document.MAX_DEPTH - 1, '{"leaf": "x"}'))
    created = helpers.create_lb(api, extra=extra)
    assert api.get(lb_url("t1", created["id"])).json["loadbalancer"]["extra"] == extra
