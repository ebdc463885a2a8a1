"""Request schemas: normalisation and how a 400 names its field."""

import pytest

from balancer.api.schemas import resources
from balancer.core import exceptions


def invalid_field(check, *args, **kwargs):
    with pytest.raises(exceptions.Invalid) as caught:
        check(*args, **kwargs)
    return caught.value.details["field"], caught.value.message


def test_seed_strings_become_numbers_and_names_canonical():
    lb = resources.load_balancer({
        "name": "x", "algorithm": "RoundRobin", "protocol": "http",
        "nodes": [{"address": "127.0.0.1", "port": "8001", "weight": "1", "minCon": "100",
                   "status": "INSERVICE", "condition": "enabled"}],
        "virtualIps": [{"address": "2001:DB8:0::1", "port": "80"}]})
    assert (lb["algorithm"], lb["protocol"]) == ("ROUND_ROBIN", "HTTP")
    node = lb["nodes"][0]
    assert (node["port"], node["weight"], node["minCon"], node["condition"]) == (
        8001, 1, 100, "ENABLED")
    assert lb["virtualIps"][0]["address"] == "2001:db8::1"
    assert lb["virtualIps"][0]["ipVersion"] == "IPv6"


@pytest.mark.parametrize("port", ["\u00b2", "\u0663", " 80", "80 ", "0x50", "+80", "8_0"])
def test_only_ascii_digit_strings_are_numbers(port):
    field, message = invalid_field(resources.node, {"address": "10.0.0.1", "port": port})
    assert field == "port" and "integer" in message


def test_list_items_are_named_by_their_path():
    body = {"name": "x", "virtualIps": [{"address": "10.0.0.1", "port": 80},
                                        {"address": "10.0.0.2", "port": 80,
                                         "ipVersion": "IPv6"}]}
    field, message = invalid_field(resources.load_balancer, body)
    assert field == "virtualIps.1.ipVersion" and message.startswith(
        "invalid virtualIps.1.ipVersion:")
    nodes = [{"address": "10.0.0.1", "port": 1}, {"address": "10.0.0.1", "port": 1, "id": "x"}]
    assert invalid_field(resources.each, "nodes", resources.node, nodes)[0] == "nodes.1.id"


def test_node_condition_and_status_agree():
    assert resources.node({"address": "10.0.0.1", "port": 1, "status": "OUTOFSERVICE"})[
        "condition"] == "DISABLED"
    update = resources.node({"condition": "draining"}, creating=False)
    assert (update["condition"], update["status"]) == ("DRAINING", "DRAINING")
    assert "condition" not in resources.node({"weight": 3}, creating=False)


def test_device_flags_and_default_port():
    device = resources.device({"name": "d", "type": "HAPROXY", "ip": "10.0.0.1",
                               "supports_ipv6": "true", "requires_vip_ip": 0})
    assert (device["port"], device["supports_ipv6"], device["requires_vip_ip"]) == (22, 1, 0)


def test_monitor_defaults_only_for_http():
    http = resources.monitor({"type": "https", "delay": 1, "timeout": 1,
                              "attemptsBeforeDeactivation": 1, "expected": 200})
    assert (http["type"], http["method"], http["path"], http["expected"]) == (
        "HTTPS", "GET", "/", "200")
    tcp = resources.monitor({"type": "tcp", "delay": 1, "timeout": 1,
                             "attemptsBeforeDeactivation": 1})
    assert "method" not in tcp and tcp["type"] == "TCP"


@pytest.mark.parametrize("sent, stored", [("0.5", 0.5), (0.5, 0.5), ("1", 1.0), (2, 2.0),
                                          (".25", 0.25), ("255", 255.0), ("3.", 3.0)])
def test_a_fractional_number_is_taken_as_a_number_or_a_decimal_string(sent, stored):
    device = resources.device_update({"vrrp_advert_int": sent})
    assert device["vrrp_advert_int"] == stored
    assert type(device["vrrp_advert_int"]) is float


@pytest.mark.parametrize("sent, words", [
    ("abc", "'abc' is not a number"), ("", "'' is not a number"),
    ("1e3", "is not a number"), ("nan", "is not a number"), ("inf", "is not a number"),
    (" 0.5", "is not a number"), ("0.5\n", "is not a number"), ("0,5", "is not a number"),
    (True, "True is not a number"), ([1], "is not a number"),
    ("0.01", "0.01 is not between 0.05 and 255"), (256, "256 is not between 0.05 and 255"),
    ("-1", "-1.0 is not between 0.05 and 255")])
def test_a_fractional_number_refuses_what_is_not_one_naming_the_field(sent, words):
    field, message = invalid_field(resources.device_update, {"vrrp_advert_int": sent})
    assert field == "vrrp_advert_int"
    assert message.startswith("invalid vrrp_advert_int: ") and words in message, message
