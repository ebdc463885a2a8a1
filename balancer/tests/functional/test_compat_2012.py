"""The bodies the 2012 clients sent, accepted with the meaning the original gave them.

``balancerclient`` (the original's CLI) sent every number as a string and
spelled a monitor's expected code ``status``; the Horizon forms sent numbers,
``attempts``, and ``null`` for fields left empty.  doc/source/compatibility.rst
lists the rules; each is checked here through the real pipeline, and so is
the 400 that bad input still gets.
"""

import pytest

from balancer.tests.functional import helpers
from balancer.tests.functional.helpers import lb_url

MONITORS = "healthMonitoring"


def live(api, device, lb):
    return helpers.last_deploy(api, device["id"], lb["id"])


# -- numbers: a JSON number or a string of digits, create and update --------

@pytest.mark.parametrize("port, weight", [("8001", "1"), (8001, 1)])
def test_cli_node_create_strings_or_numbers(api, device, lb, port, weight):
    # balancerclient's node-create body, as its README's example sends it
    body = {"nodes": [{"name": "node-uno", "type": "dummy", "address": "10.0.1.9",
                       "port": port, "weight": weight, "condition": "ENABLED"}]}
    node = api.post_json(lb_url("t1", lb["id"], "nodes"), body).json["nodes"][0]
    assert (node["port"], node["weight"], node["type"]) == (8001, 1, "dummy")
    served = [n for n in live(api, device, lb).nodes if n.id == node["id"]]
    assert served and served[0].port == 8001


@pytest.mark.parametrize("weight", ["7", 7])
def test_node_update_accepts_numeric_strings(api, device, lb, weight):
    node = api.get(lb_url("t1", lb["id"], "nodes")).json["nodes"][0]
    updated = api.put_json(lb_url("t1", lb["id"], "nodes", node["id"]),
                           {"weight": weight, "condition": "DISABLED"}).json["node"]
    assert (updated["weight"], updated["condition"]) == (7, "DISABLED")
    assert [n.weight for n in live(api, device, lb).nodes if n.id == node["id"]] == [7]


@pytest.mark.parametrize("port", ["8080", 8080])
def test_lb_port_and_transport_extras_as_sent(api, device, port):
    # the manual script's updateLBcommand and the CLI's --extra port=8080
    lb = helpers.create_lb(api, port=port, transport="TCP")
    assert (lb["port"], lb["transport"]) == (port, "TCP")
    updated = api.put_json(lb_url("t1", lb["id"]), {"port": port, "name": "renamed"},
                           status=202).json["loadbalancer"]
    assert (updated["port"], updated["name"]) == (port, "renamed")


@pytest.mark.parametrize("version, port", [("1", "22"), (1, 22), (2.8, "2222")])
def test_device_version_and_port_as_number_or_string(api, version, port):
    device = api.add_device(name="num", version=version, port=port,
                            supports_ipv6="0", requires_vip_ip=1)
    # stored in the text column the original had
    assert device["version"] == str(version) and device["port"] == int(port)
    assert (device["supports_ipv6"], device["requires_vip_ip"]) == (0, 1)


@pytest.mark.parametrize("vlan", ["200", 200])
def test_vip_vlan_number_or_string_kept_as_sent(api, lb, vlan):
    body = {"virtualIp": helpers.vip_body(VLAN=vlan, ICMPreply=True, mask="255.255.255.255")}
    vip = api.post_json(lb_url("t1", lb["id"], "virtualIps"), body).json["virtualIp"]
    assert (vip["VLAN"], vip["ICMPreply"]) == (vlan, True)


@pytest.mark.parametrize("field, value", [
    ("port", "eighty"), ("port", "70000"), ("weight", "1.5"), ("weight", True),
    ("maxCon", "-1")])
def test_bad_numbers_are_still_a_400_naming_the_field(api, lb, field, value):
    before = helpers.table_dump(api)
    resp = api.post_json(lb_url("t1", lb["id"], "nodes"),
                         {"nodes": [helpers.node_body(**{field: value})]}, status=400)
    helpers.error_of(resp, 400, "nodes.0." + field)
    assert helpers.table_dump(api) == before


# -- health monitors: status, attempts, url, default timings ----------------

def test_cli_probe_create_status_is_the_expected_code(api, device, lb):
    # balancerclient README: probe-create --type HTTP --extra url=/
    #                        --extra method=GET --extra status=200
    body = {MONITORS: {"name": "test-probe", "type": "HTTP", "url": "/",
                       "method": "GET", "status": "200"}}
    probe = api.post_json(lb_url("t1", lb["id"], MONITORS), body).json[MONITORS]
    # echoed as sent, as the original did, beside the canonical fields
    assert (probe["status"], probe["url"], probe["name"]) == ("200", "/", "test-probe")
    assert (probe["expected"], probe["path"]) == ("200", "/")
    assert (probe["delay"], probe["timeout"], probe["attemptsBeforeDeactivation"]) == (30, 30, 2)
    served = [m for m in live(api, device, lb).monitors if m.id == probe["id"]][0]
    assert (served.expected, served.path, served.method) == ("200", "/", "GET")
    assert (served.delay, served.timeout, served.attempts) == (30, 30, 2)


def test_form_monitor_attempts_alias_and_numbers(api, device, lb):
    body = {MONITORS: {"type": "HTTP", "delay": 10, "timeout": 5, "attempts": 4,
                       "path": "/health", "expected": 204}}
    probe = api.post_json(lb_url("t1", lb["id"], MONITORS), body).json[MONITORS]
    assert (probe["attempts"], probe["attemptsBeforeDeactivation"]) == (4, 4)
    served = [m for m in live(api, device, lb).monitors if m.id == probe["id"]][0]
    assert (served.delay, served.timeout, served.attempts, served.expected) == (10, 5, 4, "204")


def test_seed_monitor_strings_keep_their_timings(api, device, lb):
    body = {MONITORS: {"type": "ICMP", "delay": "15", "attemptsBeforeDeactivation": "6",
                       "timeout": "20"}}
    probe = api.post_json(lb_url("t1", lb["id"], MONITORS), body).json[MONITORS]
    served = [m for m in live(api, device, lb).monitors if m.id == probe["id"]][0]
    assert (served.delay, served.timeout, served.attempts) == (15, 20, 6)


@pytest.mark.parametrize("monitor, field", [
    ({"type": "HTTP", "status": "abc"}, "status"),
    ({"type": "HTTP", "status": "200", "expected": "204"}, "status"),
    ({"type": "HTTP", "attempts": 3, "attemptsBeforeDeactivation": 5}, "attempts"),
    ({"type": "HTTP", "attempts": "0"}, "attempts"),
    ({"type": "HTTP", "url": "no-slash"}, "url"),
    ({"delay": 5}, "type"),
])
def test_bad_monitor_spellings_are_a_400(api, lb, monitor, field):
    before = helpers.table_dump(api)
    resp = api.post_json(lb_url("t1", lb["id"], MONITORS), {MONITORS: monitor}, status=400)
    helpers.error_of(resp, 400, MONITORS + "." + field)
    assert helpers.table_dump(api) == before


# -- null means "not given" -------------------------------------------------

def test_null_optional_fields_are_not_given(api, device):
    body = helpers.lb_body(
        algorithm=None, transport=None, healthMonitor=None, sessionPersistence=None,
        nodes=[helpers.node_body(condition=None, weight=None, name=None)],
        virtualIps=[helpers.vip_body(mask=None, VLAN=None, protocol=None)])
    lb = api.post_json(lb_url("t1"), body, status=202).json["loadbalancer"]
    assert lb["status"] == "ACTIVE" and lb["algorithm"] == "ROUND_ROBIN"
    node = api.get(lb_url("t1", lb["id"], "nodes")).json["nodes"][0]
    assert (node["condition"], node["status"], node["weight"]) == ("ENABLED", "INSERVICE", 1)
    probe = api.post_json(lb_url("t1", lb["id"], MONITORS),
                          {MONITORS: {"type": "TCP", "delay": None, "timeout": None,
                                      "attempts": None, "name": None}}).json[MONITORS]
    assert (probe["delay"], probe["timeout"], probe["attemptsBeforeDeactivation"]) == (30, 30, 2)
    sticky = api.post_json(lb_url("t1", lb["id"], "sessionPersistence"),
                           {"type": "HTTP_COOKIE", "cookieName": None, "name": None}).json
    assert sticky["sessionPersistence"]["type"] == "HTTP_COOKIE"
    updated = api.put_json(lb_url("t1", lb["id"], "nodes", node["id"]),
                           {"condition": None, "weight": 3}).json["node"]
    assert (updated["condition"], updated["weight"]) == ("ENABLED", 3)


def test_null_for_a_required_field_is_reported_missing(api, lb):
    resp = api.post_json(lb_url("t1", lb["id"], "nodes"),
                         {"nodes": [helpers.node_body(address=None)]}, status=400)
    helpers.error_of(resp, 400, "nodes.0.address")


# -- PUT …/virtualIps/{id} ---------------------------------------------------

def vip_url(lb, vip_id=None):
    return lb_url("t1", lb["id"], "virtualIps", *([vip_id] if vip_id else []))


def first_vip(api, lb):
    return api.get(vip_url(lb)).json["virtualIps"][0]


@pytest.mark.parametrize("wrapped", [False, True])
def test_vip_update_redeploys(api, device, lb, wrapped):
    vip = first_vip(api, lb)
    deploys = api.driver(device["id"]).deploy_count
    # the 2012 CLI's vip-update sent a flat body with strings
    change = {"name": "front", "address": "10.0.0.77", "port": "18081",
              "mask": "255.255.255.0", "VLAN": "300"}
    body = {"virtualIp": change} if wrapped else change
    updated = api.put_json(vip_url(lb, vip["id"]), body).json["virtualIp"]
    assert (updated["name"], updated["address"], updated["port"]) == ("front", "10.0.0.77", 18081)
    assert (updated["mask"], updated["VLAN"], updated["deployed"]) == (
        "255.255.255.0", "300", "True")
    assert api.driver(device["id"]).deploy_count == deploys + 1
    served = live(api, device, lb).vips
    assert [(v.address, v.port) for v in served if v.id == vip["id"]] == [("10.0.0.77", 18081)]
    assert api.get(vip_url(lb, vip["id"])).json["virtualIp"] == updated


def test_vip_update_to_ipv6_sets_its_version(api, device, lb):
    vip = first_vip(api, lb)
    updated = api.put_json(vip_url(lb, vip["id"]), {"address": "2001:DB8::5"}).json
    assert (updated["virtualIp"]["address"], updated["virtualIp"]["ipVersion"]) == (
        "2001:db8::5", "IPv6")
    resp = api.put_json(vip_url(lb, vip["id"]), {"ipVersion": "IPv4"}, status=400)
    helpers.error_of(resp, 400, "virtualIp.ipVersion")


def test_vip_update_conflicts_like_create(api, device, lb):
    other = helpers.create_lb(api, name="other")
    taken = first_vip(api, other)
    vip = first_vip(api, lb)
    before = helpers.table_dump(api)
    resp = api.put_json(vip_url(lb, vip["id"]),
                        {"address": taken["address"], "port": taken["port"]}, status=409)
    helpers.error_of(resp, 409)
    # a sibling VIP of the same load balancer
    sibling = api.post_json(vip_url(lb), {"virtualIp": helpers.vip_body()}).json["virtualIp"]
    before = helpers.table_dump(api)
    resp = api.put_json(vip_url(lb, vip["id"]), {"port": sibling["port"]}, status=409)
    helpers.error_of(resp, 409)
    assert helpers.table_dump(api) == before
    # keeping its own address and port is no conflict
    assert api.put_json(vip_url(lb, vip["id"]), {"port": vip["port"], "name": "same"}).json[
        "virtualIp"]["name"] == "same"


@pytest.mark.parametrize("change, field", [
    ({"port": "0"}, "port"), ({"address": "not-an-ip"}, "address"),
    ({"id": "x"}, "id"), ({"protocol": "GOPHER"}, "protocol")])
@pytest.mark.parametrize("wrapped", [False, True])
def test_vip_update_bad_input_is_a_400(api, lb, change, field, wrapped):
    """The field is named by its path in the body sent, flat or wrapped."""
    vip = first_vip(api, lb)
    before = helpers.table_dump(api)
    body, named = ({"virtualIp": change}, "virtualIp." + field) if wrapped else (change, field)
    resp = api.put_json(vip_url(lb, vip["id"]), body, status=400)
    helpers.error_of(resp, 400, named)
    assert helpers.table_dump(api) == before


def test_vip_update_of_another_tenants_vip_is_not_found(api, lb):
    vip = first_vip(api, lb)
    api.put_json(lb_url("t2", lb["id"], "virtualIps", vip["id"]), {"name": "x"}, status=404)
    assert first_vip(api, lb)["name"] == vip.get("name")


# -- deployed on children tells the truth -----------------------------------

def test_children_deployed_follows_the_load_balancer(api, device, lb):
    details = api.get(lb_url("t1", lb["id"], "details")).json
    children = details["nodes"] + details["virtualIps"]
    assert children and {c["deployed"] for c in children} == {"True"}
    probe = api.post_json(lb_url("t1", lb["id"], MONITORS),
                          {MONITORS: {"type": "TCP"}}).json[MONITORS]
    assert probe["deployed"] == "True"


def test_children_of_a_refused_deploy_are_not_deployed(api):
    device = api.add_device(name="failing", noop_fail="the box said no")
    lb = helpers.create_lb(api, device_id=device["id"])
    assert lb["status"] == "ERROR"
    details = api.get(lb_url("t1", lb["id"], "details")).json
    children = details["nodes"] + details["virtualIps"]
    assert children and "True" not in {c["deployed"] for c in children}
    assert {c["deployed"] for c in children} == {details["deployed"]}


# -- the 2012 Horizon wrapper (horizon/api/balancer.py) ----------------------

def test_horizon_lb_update_sends_none_for_fields_left_alone(api, device, lb):
    # lb_update(request, lb_id, name=None, algorithm=None, protocol=None, **extra)
    updated = api.put_json(lb_url("t1", lb["id"]), {"name": "renamed", "algorithm": None,
                                                    "protocol": None}, status=202).json
    assert updated["loadbalancer"]["name"] == "renamed"
    assert (updated["loadbalancer"]["algorithm"], updated["loadbalancer"]["protocol"]) == (
        lb["algorithm"], lb["protocol"])


def test_horizon_algorithm_names(api, device):
    # its LB_ALGORITHMS: 'RoundRobin', 'LeastConnections', 'LeastLoaded'
    lb = helpers.create_lb(api, algorithm="LeastConnections")
    assert (lb["algorithm"], lb["status"]) == ("LEAST_CONNECTION", "ACTIVE")
    # no device serves LeastLoaded: said as a client error, nothing stored
    before = helpers.table_dump(api)
    resp = api.post_json(lb_url("t1"), helpers.lb_body(algorithm="LeastLoaded"),
                         expect_errors=True)
    assert 400 <= resp.status_int < 500 and resp.json["error"]["message"]
    assert helpers.table_dump(api) == before
