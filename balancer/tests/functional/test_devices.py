"""Devices (admin) and the open capability listings."""

import pytest

from balancer.tests.conftest import seed_json
from balancer.tests.functional import helpers
from balancer.tests.functional.conftest import SecretWatch


def test_seed_device_json_verbatim_is_valid_for_haproxy(api):
    body = seed_json("createDeviceHAProxy")
    device = api.post_json("/devices", body, status=200).json["device"]
    assert device["type"] == "HAPROXY"
    assert device["name"] == "HAP-001" and device["ip"] == "127.0.0.1"
    assert device["port"] == 22          # "22" stored as an int
    assert device["supports_ipv6"] == 0 and device["requires_vip_ip"] == 1
    assert device["capabilities"] == {"algorithms": ["RoundRobin"],
                                      "protocols": ["TCP", "HTTP"]}
    assert "password" not in device and device["has_password"] is True
    assert len(device["id"]) == 32
    [(port, stored)] = helpers.sql(api, "SELECT port, password FROM device")
    # encrypted at rest (test_secrets.py), the same password for the driver
    assert port == 22 and "swordfish" not in stored
    assert api.service.secrets.decrypt(stored) == "swordfish"
    # the driver's capabilities, narrowed to what the device declares
    assert api.get("/algorithms").json == {"algorithms": ["ROUND_ROBIN"]}
    assert api.get("/protocols").json == {"protocols": ["HTTP", "TCP"]}


def test_device_routes_list_show_delete(api):
    first = api.add_device(name="a")
    second = api.add_device(name="b", port="2222")
    listed = api.get("/devices").json["devices"]
    assert [d["id"] for d in listed] == [first["id"], second["id"]]
    shown = api.get("/devices/%s" % second["id"]).json["device"]
    assert shown["port"] == 2222 and shown["name"] == "b"
    assert api.delete("/devices/%s" % first["id"], status=204).body == b""
    assert [d["id"] for d in api.get("/devices").json["devices"]] == [second["id"]]
    helpers.error_of(api.get("/devices/%s" % first["id"], status=404), 404)
    helpers.error_of(api.delete("/devices/%s" % first["id"], status=404), 404)


def test_clients_cannot_choose_ids(api):
    resp = api.post_json("/devices", dict(seed_json("createDeviceHAProxy"), id="mine"),
                         status=400)
    helpers.error_of(resp, 400, field="id")
    assert helpers.row_counts(api)["device"] == 0


def test_secrets_are_never_returned(api):
    device = api.add_device(password="swordfish", private_key=helpers.PRIVATE_KEY)
    assert device["has_private_key"] is True and "private_key" not in device
    for path in ("/devices", "/devices/%s" % device["id"],
                 "/devices/%s/info" % device["id"]):
        assert "swordfish" not in api.get(path).text
    [(stored,)] = helpers.sql(api, "SELECT private_key FROM device")
    assert "s3cr3t" not in stored                           # encrypted at rest
    assert api.service.secrets.decrypt(stored) == helpers.PRIVATE_KEY


def test_the_secret_watch_itself_catches_a_leak():
    watch = SecretWatch(lambda environ, start: [b'{"password": "swordfish"}'])
    watch({}, None)
    assert watch.leaks() and watch.leaks()[0][0] == "swordfish"


def test_device_port_is_honoured_by_the_driver(api):
    device = api.add_device(port="2022")
    assert api.driver(device["id"]).device.port == 2022


@pytest.mark.parametrize("field, value", [
    ("port", "0"), ("port", 70000), ("port", "ssh"), ("ip", "10.0.0.1; rm -rf /"),
    ("name", "bad\nname"), ("supports_ipv6", 7), ("capabilities", ["RoundRobin"]),
    ("socket", "relative/path"), ("user", "two words"),
])
def test_device_validation_names_the_field(api, field, value):
    body = dict(seed_json("createDeviceHAProxy"), **{field: value})
    helpers.error_of(api.post_json("/devices", body, status=400), 400, field=field)
    assert helpers.row_counts(api)["device"] == 0


@pytest.mark.parametrize("missing", ["name", "type", "ip"])
def test_device_required_fields(api, missing):
    body = seed_json("createDeviceHAProxy")
    del body[missing]
    helpers.error_of(api.post_json("/devices", body, status=400), 400, field=missing)


def test_unknown_device_type_is_400_at_create(api):
    resp = api.post_json("/devices", seed_json("createDeviceHAProxy", type="F5"), status=400)
    assert "F5" in helpers.error_of(resp, 400, field="type")["message"]
    assert helpers.row_counts(api)["device"] == 0


def test_delete_device_in_use_is_409_listing_its_lbs(api, device):
    lbs = sorted([helpers.create_lb(api)["id"], helpers.create_lb(api, tenant="t2")["id"]])
    error = helpers.error_of(api.delete("/devices/%s" % device["id"], status=409), 409)
    assert error["loadbalancers"] == lbs
    assert all(lb_id in error["message"] for lb_id in lbs)
    assert helpers.row_counts(api)["device"] == 1


def test_info_reports_capabilities_and_reachability(api, device):
    helpers.create_lb(api)
    info = api.get("/devices/%s/info" % device["id"]).json["info"]
    assert info["reachable"] is True and info["driver"] == "noop"
    assert info["loadbalancers"] == 1
    assert "ROUND_ROBIN" in info["capabilities"]["algorithms"]
    helpers.error_of(api.get("/devices/nope/info", status=404), 404)


def test_info_of_a_broken_device_answers_unreachable(api):
    device_id = helpers.add_broken_device(api)
    info = api.get("/devices/%s/info" % device_id).json["info"]
    assert info["reachable"] is False and "bogus" in info["error"]


def test_algorithms_and_protocols_union_of_devices(api):
    assert api.get("/algorithms").json == {"algorithms": []}
    api.add_device(capabilities={"algorithms": ["RoundRobin"], "protocols": ["tcp"]})
    assert api.get("/algorithms").json == {"algorithms": ["ROUND_ROBIN"]}
    assert api.get("/protocols").json == {"protocols": ["TCP"]}
    api.add_device(name="all")
    assert api.get("/algorithms").json["algorithms"] == [
        "ROUND_ROBIN", "LEAST_CONNECTION", "HASH_SOURCE", "HASH_URI", "STATIC_RR"]
    assert api.get("/protocols").json["protocols"] == ["TCP", "HTTP", "HTTPS"]


def test_a_broken_device_never_breaks_listings_or_scheduling(api, device):
    helpers.add_broken_device(api)
    assert len(api.get("/devices").json["devices"]) == 2
    assert "ROUND_ROBIN" in api.get("/algorithms").json["algorithms"]
    assert api.get("/protocols").json["protocols"] == ["HTTP", "HTTPS", "TCP"]
    lb = helpers.create_lb(api)
    assert lb["device_id"] == device["id"] and lb["status"] == "ACTIVE"
