"""Every record a client can read and update, sent back as it was read.

"GET, edit, PUT the document back" is how clients update (the 2012 CLI
and dashboard, and anything written against the answers): for every route
with both GET and PUT (``balancer.api.router.ROUTES``), the answer sent
back unchanged changes nothing; with one setting edited it is that change
and no other; a server-owned field edited is a 400 that changes nothing; a
reading (``operatingStatus``, ``health``) is ignored whatever it says.  The
records are full ones: an HTTPS virtual IP with its certificates, a paired
device with a pinned key, unknown keys, a tenant's override
(balancer.api.schemas.echoes; doc/source/api/index.rst).
"""

import dataclasses

import pytest

from balancer.api import router
from balancer.tests import tls_certs
from balancer.tests.functional import helpers

LB = "/{tenant_id}/loadbalancers/{lb_id}"


@dataclasses.dataclass
class Record:
    key: str            # the answer's wrapper
    edit: tuple         # (path in the record, new value): a setting
    owned: tuple        # (path, value): server-owned; a 400 naming the field
    reading: tuple = None   # (field, value): shown, never stored
    flat: bool = True   # the record alone (no wrapper) is also taken


RECORDS = {
    LB: Record("loadbalancer", ("name", "renamed"), ("status", "ERROR"),
               ("operatingStatus", "OFFLINE")),
    LB + "/nodes/{child_id}": Record("node", ("weight", 7), ("sf_id", "x"),
                                     ("operatingStatus", "DOWN")),
    LB + "/virtualIps/{child_id}": Record("virtualIp", ("name", "front"), ("lb_id", "x"),
                                          ("certificateInfo", {"hostnames": ["evil"]})),
    LB + "/connectionThrottle": Record("connectionThrottle", ("maxConnections", 30),
                                       ("maxConnections", "many"), flat=False),
    "/devices/{device_id}": Record("device", ("vrrp_priority", 120), ("type", "HAPROXY"),
                                   ("health", "OFFLINE")),
    "/{tenant_id}/limits": Record("limits", ("absolute.loadBalancers.override", 7),
                                  ("absolute.loadBalancers.used", 99), flat=False),
}


@pytest.fixture
def world(api):
    """{route: the URL of one record}, each with everything a record can show."""
    first = api.add_device(name="a", vrrp_interface="eth1", vrrp_priority=150,
                           password="swordfish", rack="r7")
    second = api.add_device(name="b")
    api.put_json("/devices/%s" % first["id"], {"peer_id": second["id"], "vrrp_router_id": 51,
                                                "host_key": "ssh-ed25519 AAAAC3Nza"})
    authority = tls_certs.Authority()
    www, shop = authority.issue("www.example.test"), authority.issue("shop.example.test")
    lb = helpers.create_lb(api, color="blue", nodes=[helpers.node_body(name="n1", zone="a")],
                           virtualIps=[helpers.vip_body(protocol="HTTPS", **www.body(),
                                                        sniCertificates=[shop.body()])])
    lb_url = helpers.lb_url("t1", lb["id"])
    node = api.get(lb_url + "/nodes").json["nodes"][0]
    vip = api.get(lb_url + "/virtualIps").json["virtualIps"][0]
    api.put_json(lb_url + "/connectionThrottle",
                 {"connectionThrottle": {"maxConnections": 20, "maxConnectionRate": 50}})
    api.put_json("/t1/limits", {"limits": {"loadBalancers": 5}})
    return {LB: lb_url, "/devices/{device_id}": "/devices/%s" % first["id"],
            LB + "/nodes/{child_id}": "%s/nodes/%s" % (lb_url, node["id"]),
            LB + "/virtualIps/{child_id}": "%s/virtualIps/%s" % (lb_url, vip["id"]),
            LB + "/connectionThrottle": lb_url + "/connectionThrottle",
            "/{tenant_id}/limits": "/t1/limits"}


def shown(api, url, key):
    """The record at ``url`` less ``updated_at`` (a change may bump it)."""
    record = api.get(url).json[key]
    record.pop("updated_at", None)
    return record


def put_at(record, path, value):
    *parents, last = path.split(".")
    inner = record
    for name in parents:
        inner = inner[name]
    inner[last] = value


def body(api, url, record, form, change=None):
    document = api.get(url).json[record.key]
    if change:
        put_at(document, *change)
    return document if form == "flat" else {record.key: document}


CASES = [(route, form) for route, record in RECORDS.items()
         for form in (("wrapped", "flat") if record.flat else ("wrapped",))]


def test_every_route_with_get_and_put_is_here():
    paths = {method: {p for m, p, *_ in router.ROUTES if m == method}
             for method in ("GET", "PUT")}
    assert paths["GET"] & paths["PUT"] == set(RECORDS)


@pytest.mark.parametrize("route, form", CASES)
def test_the_answer_sent_back_changes_nothing(api, world, route, form):
    record, url = RECORDS[route], world[route]
    before, rows = shown(api, url, record.key), helpers.row_counts(api)
    api.put_json(url, body(api, url, record, form), status=(200, 202))
    assert shown(api, url, record.key) == before
    assert helpers.row_counts(api) == rows


@pytest.mark.parametrize("route, form", CASES)
def test_one_setting_edited_is_that_change_alone(api, world, route, form):
    record, url = RECORDS[route], world[route]
    expected = shown(api, url, record.key)
    put_at(expected, *record.edit)
    if record.key == "limits":      # the value in force follows the override
        put_at(expected, "absolute.loadBalancers.value", record.edit[1])
    api.put_json(url, body(api, url, record, form, record.edit), status=(200, 202))
    assert shown(api, url, record.key) == expected


@pytest.mark.parametrize("route, form", CASES)
def test_a_server_owned_field_edited_is_a_400_that_changes_nothing(api, world, route, form):
    record, url = RECORDS[route], world[route]
    before = helpers.table_dump(api)
    resp = api.put_json(url, body(api, url, record, form, record.owned), status=400)
    field = record.owned[0]
    if form == "wrapped":
        field = "%s.%s" % (record.key, field)   # named by its path in the body
    helpers.error_of(resp, 400, field)
    assert helpers.table_dump(api) == before


@pytest.mark.parametrize("route", [r for r, record in RECORDS.items() if record.reading])
def test_a_reading_sent_back_is_ignored_whatever_it_says(api, world, route):
    record, url = RECORDS[route], world[route]
    before = shown(api, url, record.key)
    api.put_json(url, body(api, url, record, "wrapped", record.reading), status=(200, 202))
    assert shown(api, url, record.key) == before


def test_a_value_of_another_json_type_is_not_an_echo(api, world):
    """``true`` is not the stored weight ``1``: it is validated, and refused."""
    url = world[LB + "/nodes/{child_id}"]
    assert api.get(url).json["node"]["weight"] == 1
    before = helpers.table_dump(api)
    helpers.error_of(api.put_json(url, {"weight": True}, status=400), 400, "weight")
    assert helpers.table_dump(api) == before


def test_nulls_in_a_throttle_are_limits_not_given(api, world):
    url = world[LB + "/connectionThrottle"]
    sent = {"maxConnections": None, "minConnections": None, "maxConnectionRate": "9",
            "rateInterval": None}
    assert api.put_json(url, {"connectionThrottle": sent}).json["connectionThrottle"] == {
        "maxConnections": None, "minConnections": None, "maxConnectionRate": 9,
        "rateInterval": 60}
    before = helpers.table_dump(api)
    sent = dict.fromkeys(sent)      # no limit at all is still not a throttle
    resp = api.put_json(url, {"connectionThrottle": sent}, status=400)
    helpers.error_of(resp, 400, "connectionThrottle.maxConnections")
    assert helpers.table_dump(api) == before


def test_a_null_in_an_access_list_item_is_a_field_not_given(api, world):
    url = world[LB] + "/accessList"
    before = helpers.table_dump(api)
    resp = api.post_json(url, {"accessList": [{"address": "10.0.0.0/8", "type": None}]},
                         status=400)
    helpers.error_of(resp, 400, "accessList.0.type")
    assert helpers.table_dump(api) == before
    added = api.post_json(url, {"accessList": [{"address": "10.0.0.0/8", "type": "deny",
                                                "id": None}]}).json["accessList"]
    assert [(i["address"], i["type"]) for i in added] == [("10.0.0.0/8", "DENY")]
