"""Health monitors, session persistence and virtual IPs.

The three share one shape (add, list, show, delete; each change redeploys),
so one parametrised set of tests covers them, with the wrappers of each.
"""

import threading

import pytest

from balancer.tests.functional import helpers
from balancer.tests.functional.helpers import lb_url

# route part, request wrapper key (None: flat), list key, item key, body, record field
KINDS = {
    "monitor": ("healthMonitoring", "healthMonitoring", "healthMonitoring",
                "healthMonitoring", helpers.monitor_body, "monitors"),
    "sticky": ("sessionPersistence", None, "sessionPersistence", "sessionPersistence",
               lambda: {"type": "HTTP_COOKIE", "cookieName": "SID", "name": "st1"},
               "stickies"),
    "vip": ("virtualIps", "virtualIp", "virtualIps", "virtualIp", helpers.vip_body, "vips"),
}


def post(api, lb, kind, body):
    part, wrapper, _lk, item_key, _body, _field = KINDS[kind]
    resp = api.post_json(lb_url("t1", lb["id"], part), {wrapper: body} if wrapper else body,
                         status=200)
    return resp.json[item_key]


def live_ids(api, device, lb, kind):
    live = helpers.last_deploy(api, device["id"], lb["id"])
    return [item.id for item in getattr(live, KINDS[kind][5])]


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_add_list_show_delete(api, device, lb, kind):
    part, _w, list_key, item_key, body, _f = KINDS[kind]
    before = live_ids(api, device, lb, kind)
    deploys = api.driver(device["id"]).deploy_count
    item = post(api, lb, kind, dict(body(), color="green"))
    assert len(item["id"]) == 32 and item["color"] == "green"
    assert live_ids(api, device, lb, kind) == before + [item["id"]]
    assert api.driver(device["id"]).deploy_count == deploys + 1
    listed = api.get(lb_url("t1", lb["id"], part)).json[list_key]
    assert [i["id"] for i in listed][-1] == item["id"]
    shown = api.get(lb_url("t1", lb["id"], part, item["id"])).json[item_key]
    assert shown == listed[-1] and shown["color"] == "green"
    details = api.get(lb_url("t1", lb["id"], "details")).json
    details_key = {"monitor": "healthMonitor"}.get(kind, list_key)
    assert item["id"] in [i["id"] for i in details[details_key]]
    assert api.delete(lb_url("t1", lb["id"], part, item["id"]), status=204).body == b""
    assert live_ids(api, device, lb, kind) == before
    helpers.error_of(api.get(lb_url("t1", lb["id"], part, item["id"]), status=404), 404)
    helpers.error_of(api.delete(lb_url("t1", lb["id"], part, item["id"]), status=404), 404)


def test_monitor_numbers_and_defaults(api, device, lb):
    seedish = {"type": "http", "delay": "30", "timeout": "30",
               "attemptsBeforeDeactivation": "5"}
    monitor = post(api, lb, "monitor", seedish)
    assert (monitor["type"], monitor["delay"], monitor["attemptsBeforeDeactivation"]) == (
        "HTTP", 30, 5)
    assert (monitor["method"], monitor["path"], monitor["expected"]) == ("GET", "/", "200")
    live = helpers.last_deploy(api, device["id"], lb["id"]).monitors[-1]
    assert (live.type, live.delay, live.timeout, live.attempts) == ("HTTP", 30, 30, 5)
    icmp = post(api, lb, "monitor", {"type": "ICMP", "delay": 15, "timeout": 20,
                                     "attemptsBeforeDeactivation": 6})
    assert "path" not in icmp and icmp["type"] == "ICMP"


@pytest.mark.parametrize("given, stored", [("HTTP_COOKIE", "HTTP_COOKIE"),
                                           ("http-cookie", "HTTP_COOKIE"),
                                           ("source_ip", "SOURCE_IP"),
                                           ("APP_COOKIE", "APP_COOKIE")])
def test_sticky_types(api, device, lb, given, stored):
    sticky = post(api, lb, "sticky", {"type": given, "cookieName": "JSESSIONID"})
    assert sticky["type"] == stored
    live = helpers.last_deploy(api, device["id"], lb["id"]).stickies[-1]
    assert (live.type, live.cookie_name) == (stored, "JSESSIONID")


def test_vip_takes_the_lb_protocol_unless_given(api, device):
    lb = helpers.create_lb(api, protocol="HTTP")
    plain = post(api, lb, "vip", helpers.vip_body(VLAN="200", ICMPreply="True"))
    tcp = post(api, lb, "vip", helpers.vip_body(protocol="tcp"))
    assert (plain["protocol"], tcp["protocol"]) == ("HTTP", "TCP")
    assert (plain["VLAN"], plain["ICMPreply"], plain["ipVersion"]) == ("200", "True", "IPv4")
    live = {v.id: v.protocol for v in helpers.last_deploy(api, device["id"], lb["id"]).vips}
    assert (live[plain["id"]], live[tcp["id"]]) == ("HTTP", "TCP")


def test_vip_conflicts_on_one_device_are_409(api, device, lb):
    taken = api.get(lb_url("t1", lb["id"], "virtualIps")).json["virtualIps"][0]
    clash = {"address": taken["address"], "port": str(taken["port"])}
    empty_before = helpers.row_counts(api)
    resp = api.post_json(lb_url("t2"), helpers.lb_body(virtualIps=[clash]), status=409)
    # another tenant's load balancer and the device are never named
    message = helpers.error_of(resp, 409)["message"]
    assert lb["id"] not in message and device["id"] not in message
    assert helpers.row_counts(api) == empty_before
    wildcard = {"address": "0.0.0.0", "port": taken["port"]}
    helpers.error_of(api.post_json(lb_url("t2"), helpers.lb_body(virtualIps=[wildcard]),
                                   status=409), 409)
    other = helpers.create_lb(api)
    resp = api.post_json(lb_url("t1", other["id"], "virtualIps"), {"virtualIp": clash},
                         status=409)
    helpers.error_of(resp, 409)
    # the same port on another address is another listener
    helpers.create_lb(api, virtualIps=[dict(clash, address="10.0.0.2")])


def test_ipv6_spellings_of_one_address_conflict(api, device):
    vip = helpers.vip_body(address="2001:db8::10")
    assert helpers.create_lb(api, virtualIps=[vip])["status"] == "ACTIVE"
    spelled = dict(vip, address="2001:DB8:0:0::10")
    helpers.error_of(api.post_json(lb_url("t2"), helpers.lb_body(virtualIps=[spelled]),
                                   status=409), 409)


def test_one_lb_cannot_listen_twice_on_an_address(api, device):
    vip = helpers.vip_body()
    helpers.create_lb(api, status=409, virtualIps=[vip, dict(vip)])
    lb = helpers.create_lb(api, virtualIps=[vip])
    helpers.error_of(api.post_json(lb_url("t1", lb["id"], "virtualIps"), {"virtualIp": vip},
                                   status=409), 409)


def test_the_same_vip_on_two_devices_is_fine(api, device):
    other_device = api.add_device(name="dev2")
    vip = helpers.vip_body()
    first = helpers.create_lb(api, virtualIps=[vip])
    second = helpers.create_lb(api, virtualIps=[vip], device_id=other_device["id"])
    assert (first["device_id"], second["device_id"]) == (device["id"], other_device["id"])


def test_deleted_vip_frees_its_address(api, device, lb):
    vip = api.get(lb_url("t1", lb["id"], "virtualIps")).json["virtualIps"][0]
    api.delete(lb_url("t1", lb["id"], "virtualIps", vip["id"]), status=204)
    helpers.create_lb(api, virtualIps=[{"address": vip["address"], "port": vip["port"]}])


@pytest.mark.parametrize("kind, body, field", [
    ("vip", helpers.vip_body(protocol="HTTP"), "virtualIp.protocol"),
    ("sticky", {"type": "HTTP_COOKIE"}, "type"),
    ("sticky", {"type": "APP_COOKIE", "cookieName": "JSESSIONID"}, "type")])
def test_http_only_features_on_a_tcp_lb_are_400(api, device, kind, body, field):
    lb = helpers.create_lb(api, protocol="TCP")
    before = helpers.table_dump(api)
    part, wrapper = KINDS[kind][:2]
    resp = api.post_json(lb_url("t1", lb["id"], part), {wrapper: body} if wrapper else body,
                         status=400)
    helpers.error_of(resp, 400, field=field)
    assert helpers.table_dump(api) == before
    post(api, lb, "sticky", {"type": "SOURCE_IP"})          # fine on TCP


def test_http_only_features_on_a_tcp_lb_create_are_400(api, device):
    empty = helpers.row_counts(api)
    resp = api.post_json(lb_url("t1"), helpers.lb_body(
        protocol="TCP", virtualIps=[helpers.vip_body(), helpers.vip_body(protocol="HTTP")]),
        status=400)
    helpers.error_of(resp, 400, field="virtualIps.1.protocol")
    resp = api.post_json(lb_url("t1"), helpers.lb_body(
        protocol="TCP", sessionPersistence=[{"type": "HTTP_COOKIE"}]), status=400)
    helpers.error_of(resp, 400, field="sessionPersistence.0.type")
    assert helpers.row_counts(api) == empty


def test_switching_to_tcp_with_cookie_persistence_is_409(api, device, lb):
    post(api, lb, "sticky", {"type": "HTTP_COOKIE", "cookieName": "SID"})
    before = helpers.table_dump(api)
    resp = api.put_json(lb_url("t1", lb["id"]), {"protocol": "TCP"}, status=409)
    helpers.error_of(resp, 409, field="protocol")
    assert helpers.table_dump(api) == before


def test_concurrent_creates_cannot_both_take_one_vip(api, device):
    vip, codes = helpers.vip_body(), []

    def create():
        codes.append(api.post_json(lb_url("t1"), helpers.lb_body(virtualIps=[vip]),
                                   expect_errors=True).status_int)
    threads = [threading.Thread(target=create) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(codes) == [202] + [409] * 5
