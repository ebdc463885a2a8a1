"""Values the renderer would refuse are refused by the API first.

Each rejected value used to be accepted and stored, and either failed the
device's deploy later or was a 500 (``"condition": "ENABLED\\n"``): a pattern
ending in ``$`` let a final newline through, any IPv6 scope id passed as an
address, ``expected`` took any number.  What the API accepts must render
and pass ``haproxy -c`` (balancer/tests/integration/test_accepted_bodies_render.py
proves that on generated bodies); the cases here pin the rules.
"""

import pytest

from balancer.tests.functional import helpers
from balancer.tests.functional.conftest import module_fixtures
from balancer.tests.functional.helpers import lb_url

# a rejected body changes nothing (``assert_rejected`` checks it), so
# the module shares one pipeline
api, device, lb = module_fixtures("value-rules")


def refused(api, method, path, body, field):
    before = helpers.table_dump(api)
    call = getattr(api, method.lower() + "_json")
    error = helpers.error_of(call(path, body, status="*", expect_errors=True), 400, field)
    assert helpers.table_dump(api) == before
    return error


NEWLINE_LB = [("protocol", "HTTP\n"), ("algorithm", "ROUND_ROBIN\n"), ("name", "x\n"),
              ("device_id", "abc\n")]
NEWLINE_NODE = [("condition", "ENABLED\n"), ("condition", "draining\n"), ("port", "80\n"),
                ("weight", "1\n"), ("address", "10.0.0.1\n")]
NEWLINE_MONITOR = [("type", "HTTP\n"), ("method", "GET\n"), ("path", "/h\n"),
                   ("expected", "200\n"), ("delay", "5\n")]
NEWLINE_DEVICE = [("ip", "10.0.0.1\n"), ("interface", "eth0\n"), ("user", "root\n"),
                  ("reload_command", "systemctl reload haproxy\n"), ("socket", "/run/s\n"),
                  ("type", "noop\n")]


@pytest.mark.parametrize("field, value", NEWLINE_LB)
def test_a_final_newline_is_refused_on_load_balancers(api, lb, field, value):
    refused(api, "POST", lb_url("t1"), helpers.lb_body(**{field: value}), field)
    if field in ("protocol", "algorithm", "name"):     # was a 409 "no device can serve"
        refused(api, "PUT", lb_url("t1", lb["id"]), {field: value}, field)


@pytest.mark.parametrize("field, value", NEWLINE_NODE)
def test_a_final_newline_is_refused_on_nodes(api, lb, field, value):
    refused(api, "POST", lb_url("t1", lb["id"], "nodes"),
            {"nodes": [helpers.node_body(**{field: value})]}, "nodes.0." + field)
    node = api.get(lb_url("t1", lb["id"], "nodes")).json["nodes"][0]
    refused(api, "PUT", lb_url("t1", lb["id"], "nodes", node["id"]), {field: value}, field)


@pytest.mark.parametrize("field, value", NEWLINE_MONITOR)
def test_a_final_newline_is_refused_on_monitors(api, lb, field, value):
    refused(api, "POST", lb_url("t1", lb["id"], "healthMonitoring"),
            {"healthMonitoring": helpers.monitor_body(**{field: value})},
            "healthMonitoring." + field)


@pytest.mark.parametrize("field, value", [("type", "HTTP_COOKIE\n"), ("cookieName", "c\n")])
def test_a_final_newline_is_refused_on_stickies(api, lb, field, value):
    refused(api, "POST", lb_url("t1", lb["id"], "sessionPersistence"),
            dict({"type": "APP_COOKIE", "cookieName": "c"}, **{field: value}), field)


@pytest.mark.parametrize("field, value", NEWLINE_DEVICE)
def test_a_final_newline_is_refused_on_devices(api, device, field, value):
    refused(api, "POST", "/devices",
            dict({"name": "d", "type": "noop", "ip": "127.0.0.1"}, **{field: value}), field)
    if field != "type":
        refused(api, "PUT", "/devices/" + device["id"], {field: value}, field)


SCOPED = ["fe80::1%x", "fe80::1%eth0", "fe80::1%${HOME}", "fe80::1%x\nbind :1",
          "fe80::1%balancer-lb-0123456789abcdef", "10.0.0.1%1", "$HOME", "${HOME}"]


@pytest.mark.parametrize("address", SCOPED)
def test_addresses_are_ip_literals_without_scope_ids(api, lb, address):
    refused(api, "POST", lb_url("t1", lb["id"], "nodes"),
            {"nodes": [helpers.node_body(address=address)]}, "nodes.0.address")
    refused(api, "POST", lb_url("t1", lb["id"], "virtualIps"),
            {"virtualIp": helpers.vip_body(address=address)}, "virtualIp.address")


NOT_A_VIP = ["ff02::1", "ff05::2", "224.0.0.1", "239.255.255.250", "255.255.255.255",
             "240.0.0.1", "169.254.10.1", "fe80::1", "::ffff:10.0.0.1", "4000::1"]


@pytest.mark.parametrize("address", NOT_A_VIP)
def test_vips_that_no_device_can_bind_are_refused(api, lb, address):
    error = refused(api, "POST", lb_url("t1"),
                    helpers.lb_body(virtualIps=[helpers.vip_body(address=address)]),
                    "virtualIps.0.address")
    assert "virtual IP" in error["message"]
    refused(api, "POST", lb_url("t1", lb["id"], "virtualIps"),
            {"virtualIp": helpers.vip_body(address=address)}, "virtualIp.address")


@pytest.mark.parametrize("address", ["127.0.0.1", "::1", "0.0.0.0", "10.0.0.7", "2001:db8::7",
                                     "fd00::7", "192.0.2.7"])
def test_bindable_vips_are_accepted(api, lb, address):
    vip = api.post_json(lb_url("t1", lb["id"], "virtualIps"),
                        {"virtualIp": helpers.vip_body(address=address)},
                        status=200).json["virtualIp"]
    api.delete(lb_url("t1", lb["id"], "virtualIps", vip["id"]), status=204)


def test_nodes_may_be_any_unscoped_ip_literal(api, lb):
    for address in ("fe80::1", "169.254.0.5", "::ffff:10.0.0.1"):
        api.post_json(lb_url("t1", lb["id"], "nodes"),
                      {"nodes": [helpers.node_body(address=address)]}, status=200)


BAD_EXPECTED = [0, 99, 600, 99999, 2 ** 63, 1e308, 200.0, -200, "0", "99999", "300-200",
                "200,300-200", "200-", "200,", " 200", "200 ", "２００"]
GOOD_EXPECTED = [100, 599, "200", "200-204", "200,301-302", "100-599", "204-204"]


@pytest.mark.parametrize("expected", BAD_EXPECTED)
def test_expected_codes_are_100_to_599_in_ascending_ranges(api, lb, expected):
    refused(api, "POST", lb_url("t1", lb["id"], "healthMonitoring"),
            {"healthMonitoring": helpers.monitor_body(expected=expected)},
            "healthMonitoring.expected")


@pytest.mark.parametrize("expected", GOOD_EXPECTED)
def test_good_expected_codes_are_stored_as_text(api, lb, expected):
    monitor = api.post_json(lb_url("t1", lb["id"], "healthMonitoring"),
                            {"healthMonitoring": helpers.monitor_body(expected=expected)},
                            status=200).json["healthMonitoring"]
    assert monitor["expected"] == str(expected)
    api.delete(lb_url("t1", lb["id"], "healthMonitoring", monitor["id"]), status=204)


BAD_PATHS = ["/a b", "/a|b", "/{x}", "/<x>", "/caf\u00e9", "/a$b", "/${HOME}", "/a\\b",
             "/a\"b", "/a'b", "/a#b", "/a^b", "/a`b", "/\u2028", "/a\tb"]


@pytest.mark.parametrize("path", BAD_PATHS)
def test_monitor_paths_are_printable_ascii_haproxy_reads_literally(api, lb, path):
    refused(api, "POST", lb_url("t1", lb["id"], "healthMonitoring"),
            {"healthMonitoring": helpers.monitor_body(path=path)}, "healthMonitoring.path")


def test_ordinary_monitor_paths_are_accepted(api, lb):
    for path in ("/", "/health?full=1&x=%20y", "/a/b-c_d.e~f", "/api/v1/[x]:8;a=b,c@d!*+()"):
        monitor = api.post_json(lb_url("t1", lb["id"], "healthMonitoring"),
                                {"healthMonitoring": helpers.monitor_body(path=path)},
                                status=200).json["healthMonitoring"]
        api.delete(lb_url("t1", lb["id"], "healthMonitoring", monitor["id"]), status=204)


def test_a_rejected_password_is_not_repeated(api, device):
    secret = "swordfish" + "x" * 300
    error = refused(api, "POST", "/devices",
                    {"name": "d", "type": "noop", "ip": "127.0.0.1", "password": secret},
                    "password")
    assert "swordfish" not in error["message"]
