"""Every body is validated before anything is stored.

Each case breaks one field of an otherwise valid load balancer; the answer is
a 400 naming that field, and no table gains a row.  The same rules hold on
the child routes, which reuse the bodies below.
"""

import pytest

from balancer.tests.functional import helpers
from balancer.tests.functional.conftest import module_fixtures
from balancer.tests.functional.helpers import lb_url

NODE_CASES = [
    ("port", 0), ("port", 65536), ("port", "http"), ("port", "80 "), ("port", True),
    ("port", 8.5), ("port", "\u00b2"), ("port", "1e3"), ("weight", 0), ("weight", 257),
    ("weight", "heavy"),
    ("address", "999.1.1.1"), ("address", "backend.example.com"), ("address", "10.0.0.1/24"),
    ("address", ""), ("address", 167772161), ("condition", "BROKEN"), ("condition", ""),
    ("name", "two\nlines"), ("name", "bell\x07"), ("description", "tab\there"),
    ("maxCon", -1), ("minCon", "many"),
]
VIP_CASES = [
    ("port", 0), ("port", "70000"), ("address", "10.0.0.256"), ("address", "::g"),
    ("ipVersion", "IPv5"), ("protocol", "GOPHER"), ("name", "new\nline"),
]
MONITOR_CASES = [
    ("type", "FOO"), ("type", None), ("delay", 0), ("delay", "soon"), ("timeout", -5),
    ("attemptsBeforeDeactivation", 0), ("method", "FETCH"), ("method", "GET /"),
    ("path", "health"), ("path", "/a b"), ("path", "/x\ny"), ("path", "/#frag"),
    ("expected", "99"), ("expected", "200-"), ("expected", "2xx"), ("expected", "200;204"),
    ("expected", "600"), ("name", "cr\rlf"),
]
LB_CASES = [
    ("name", "evil\nname"), ("name", "x" * 300), ("name", 5), ("algorithm", "round robin"),
    ("protocol", "SMTP"), ("transport", "a\x00b"), ("nodes", {"address": "10.0.0.1"}),
    ("virtualIps", "10.0.0.1"),
]


# a rejected body changes nothing (``assert_rejected`` checks it), so
# the module shares one pipeline
api, device, lb = module_fixtures("validation")


def _only(field, value, base):
    return dict(base, **{field: value})


def assert_rejected(api, url, body, field):
    before = helpers.row_counts(api)
    helpers.error_of(api.post_json(url, body, status=400), 400, field=field)
    assert helpers.row_counts(api) == before


@pytest.mark.parametrize("field, value", LB_CASES)
def test_lb_fields(api, device, field, value):
    assert_rejected(api, lb_url("t1"), _only(field, value, helpers.lb_body()), field)


def test_lb_needs_a_name(api, device):
    body = helpers.lb_body()
    del body["name"]
    assert_rejected(api, lb_url("t1"), body, "name")


@pytest.mark.parametrize("field, value", NODE_CASES)
def test_node_fields_on_create(api, device, field, value):
    body = helpers.lb_body(nodes=[helpers.node_body(), _only(field, value, helpers.node_body())])
    assert_rejected(api, lb_url("t1"), body, "nodes.1." + field)


@pytest.mark.parametrize("field, value", NODE_CASES)
def test_node_fields_on_the_nodes_route(api, lb, field, value):
    body = {"nodes": [_only(field, value, helpers.node_body())]}
    assert_rejected(api, lb_url("t1", lb["id"], "nodes"), body, "nodes.0." + field)


@pytest.mark.parametrize("field, value", NODE_CASES)
def test_node_fields_on_node_update(api, device, lb, field, value):
    node = api.get(lb_url("t1", lb["id"], "nodes")).json["nodes"][0]
    url = lb_url("t1", lb["id"], "nodes", node["id"])
    resp = api.put_json(url, {field: value}, status=400)
    assert helpers.error_of(resp, 400)["field"].endswith(field)
    assert api.get(url).json["node"] == node


@pytest.mark.parametrize("field, value", VIP_CASES)
def test_vip_fields(api, lb, field, value):
    body = helpers.lb_body(virtualIps=[_only(field, value, helpers.vip_body())])
    assert_rejected(api, lb_url("t1"), body, "virtualIps.0." + field)
    assert_rejected(api, lb_url("t1", lb["id"], "virtualIps"),
                    {"virtualIp": _only(field, value, helpers.vip_body())},
                    "virtualIp." + field)


def test_ipv6_addresses_are_accepted(api, device):
    lb = helpers.create_lb(api, virtualIps=[helpers.vip_body(address="2001:db8::10")],
                           nodes=[helpers.node_body(address="fd00::1")])
    details = api.get(lb_url("t1", lb["id"], "details")).json
    assert details["virtualIps"][0]["ipVersion"] == "IPv6"
    assert details["nodes"][0]["address"] == "fd00::1"


def test_vip_ip_version_must_match_the_address(api, device):
    body = helpers.lb_body(virtualIps=[helpers.vip_body(address="10.0.0.5", ipVersion="IPv6")])
    assert_rejected(api, lb_url("t1"), body, "virtualIps.0.ipVersion")


@pytest.mark.parametrize("field, value", MONITOR_CASES)
def test_monitor_fields(api, lb, field, value):
    monitor = _only(field, value, helpers.monitor_body())
    assert_rejected(api, lb_url("t1"), helpers.lb_body(healthMonitor=[monitor]),
                    "healthMonitor.0." + field)
    assert_rejected(api, lb_url("t1", lb["id"], "healthMonitoring"),
                    {"healthMonitoring": monitor}, "healthMonitoring." + field)


# delay, timeout and attempts have defaults (test_compat_2012.py)
@pytest.mark.parametrize("missing", ["type"])
def test_monitor_required_fields(api, lb, missing):
    monitor = helpers.monitor_body()
    del monitor[missing]
    assert_rejected(api, lb_url("t1", lb["id"], "healthMonitoring"),
                    {"healthMonitoring": monitor}, "healthMonitoring." + missing)


@pytest.mark.parametrize("expected", ["200", "200-204", "200,202", "200-204,301,302-308", 200])
def test_expected_codes_syntax_accepted(api, lb, expected):
    body = {"healthMonitoring": helpers.monitor_body(expected=expected)}
    created = api.post_json(lb_url("t1", lb["id"], "healthMonitoring"), body).json
    assert created["healthMonitoring"]["expected"] == str(expected)


@pytest.mark.parametrize("field, value", [("type", "COOKIE_MONSTER"), ("cookieName", "a b"),
                                          ("cookieName", "x;y"), ("name", "a\nb")])
def test_sticky_fields(api, lb, field, value):
    body = _only(field, value, {"type": "HTTP_COOKIE", "cookieName": "SID"})
    assert_rejected(api, lb_url("t1", lb["id"], "sessionPersistence"), body, field)


def test_app_cookie_needs_a_cookie_name(api, lb):
    assert_rejected(api, lb_url("t1", lb["id"], "sessionPersistence"),
                    {"type": "APP_COOKIE"}, "cookieName")


@pytest.mark.parametrize("url_part, body, field", [
    ("nodes", {"node": helpers.node_body()}, "nodes"),
    ("nodes", {"nodes": []}, "nodes"),
    ("nodes", {"nodes": "10.0.0.1"}, "nodes"),
    ("healthMonitoring", helpers.monitor_body(), "healthMonitoring"),
    ("virtualIps", helpers.vip_body(), "virtualIp"),
    ("virtualIps", {"virtualIps": [helpers.vip_body()]}, "virtualIp"),
])
def test_child_wrappers_are_required(api, lb, url_part, body, field):
    assert_rejected(api, lb_url("t1", lb["id"], url_part), body, field)


@pytest.mark.parametrize("url_part, wrap, field, path", [
    ("nodes", lambda b: {"nodes": [b]}, "id", "nodes.0.id"),
    ("nodes", lambda b: {"nodes": [b]}, "sf_id", "nodes.0.sf_id"),
    ("virtualIps", lambda b: {"virtualIp": b}, "lb_id", "virtualIp.lb_id"),
    ("healthMonitoring", lambda b: {"healthMonitoring": b}, "id", "healthMonitoring.id"),
    ("sessionPersistence", lambda b: b, "deployed", "deployed"),
])
def test_children_cannot_bring_their_own_ids(api, lb, url_part, wrap, field, path):
    base = {"nodes": helpers.node_body(), "virtualIps": helpers.vip_body(),
            "healthMonitoring": helpers.monitor_body(),
            "sessionPersistence": {"type": "SOURCE_IP"}}[url_part]
    assert_rejected(api, lb_url("t1", lb["id"], url_part),
                    wrap(dict(base, **{field: "f" * 32})), path)
