"""Device health through the API: noop devices probed (balancer/core/prober.py)
going OFFLINE and ONLINE, the scheduler skipping OFFLINE devices, load
balancers' ``operatingStatus``, tenants unaffected by each other's devices,
results nobody renews.  Harder cases: test_device_health_cases.py."""

import pytest

from balancer.common import constants as c
from balancer.tests.conftest import make_conf
from balancer.tests.functional import helpers
from balancer.tests.functional.health_helpers import (
    lb_status,
    listed,
    probe,
    set_keys,
    show,
)


@pytest.fixture
def conf(tmp_path):
    # interval: how long a probe result is believed (two intervals and a timeout)
    return make_conf(tmp_path, health__probe_interval=30, health__probe_timeout=0.5)


def test_a_device_is_unknown_until_probed(api):
    device = api.add_device()
    assert (device["health"], device["health_error"], device["health_checked_at"]) == (
        c.HEALTH_UNKNOWN, "not probed yet", None)
    assert show(api, device)["health"] == listed(api, device)["health"] == c.HEALTH_UNKNOWN


def test_probes_take_a_device_offline_and_online_again(api):
    device = api.add_device()
    probe(api)
    shown = show(api, device)
    assert (shown["health"], shown["health_error"]) == (c.HEALTH_ONLINE, None)
    first_check = shown["health_checked_at"]
    assert first_check is not None
    set_keys(api, device, noop_unreachable="cannot connect to 10.9.9.9:22: no route to host")
    probe(api)
    for view in (show(api, device), listed(api, device)):
        assert view["health"] == c.HEALTH_OFFLINE
        assert view["health_error"] == "cannot connect to 10.9.9.9:22: no route to host"
        assert view["health_checked_at"] > first_check
    set_keys(api, device, noop_unreachable="", noop_haproxy_down="stats socket refused")
    probe(api)
    assert (show(api, device)["health"], show(api, device)["health_error"]) == (
        c.HEALTH_OFFLINE, "stats socket refused")
    set_keys(api, device, noop_haproxy_down="")
    probe(api)
    assert (show(api, device)["health"], show(api, device)["health_error"]) == (
        c.HEALTH_ONLINE, None)


def test_the_vrrp_role_read_is_stored_and_an_unpaired_device_has_no_ha(api):
    device = api.add_device(noop_vrrp_role="BACKUP")
    probe(api)
    assert helpers.sql(api, "SELECT vrrp_role, health FROM device_health WHERE device_id=:d",
                       d=device["id"]) == [(c.VRRP_BACKUP, c.HEALTH_ONLINE)]
    assert show(api, device).get("ha") is None


def test_the_scheduler_places_nothing_new_on_an_offline_device(api):
    down = api.add_device(name="down")
    up = api.add_device(name="up")
    set_keys(api, down, noop_unreachable="link down")
    probe(api)
    # ``down`` is older and emptier: without health it would win every time
    placed = [helpers.create_lb(api, name="lb%d" % i) for i in range(4)]
    assert {lb["device_id"] for lb in placed} == {up["id"]}
    before = helpers.row_counts(api)
    error = helpers.error_of(api.post_json(helpers.lb_url("t1"), helpers.lb_body(
        device_id=down["id"]), status=409), 409)
    assert "OFFLINE" in error["message"] and down["id"] in error["message"]
    set_keys(api, up, noop_haproxy_down="refused")
    probe(api)
    error = helpers.error_of(api.post_json(helpers.lb_url("t1"), helpers.lb_body(),
                                           status=409), 409)
    assert "2 that could are OFFLINE" in error["message"]
    assert helpers.row_counts(api) == before, "a refused create leaves nothing behind"
    set_keys(api, down, noop_unreachable="")
    probe(api)
    assert helpers.create_lb(api, name="back")["device_id"] == down["id"]


def test_load_balancers_on_an_offline_device_are_offline_stay_and_can_change(api):
    device = api.add_device()
    other = api.add_device(name="other")
    lb = helpers.create_lb(api, device_id=device["id"])
    probe(api)
    assert lb_status(api, lb) == "ONLINE"
    assert show(api, device)["operatingStatus"] == "ONLINE"      # the deploy's observation
    set_keys(api, device, noop_haproxy_down="refused")
    probe(api)
    assert lb_status(api, lb) == "OFFLINE"
    assert show(api, device)["operatingStatus"] == listed(api, device)["operatingStatus"] == \
        "OFFLINE"
    listed_lbs = api.get(helpers.lb_url("t1")).json["loadbalancers"]
    assert [x["operatingStatus"] for x in listed_lbs] == ["OFFLINE"]
    details = api.get(helpers.lb_url("t1", lb["id"], "details")).json
    assert details["operatingStatus"] == "OFFLINE"
    # a change to it keeps it where it is: it is not a new placement
    changed = api.put_json(helpers.lb_url("t1", lb["id"]), {"name": "renamed"},
                           status=202).json["loadbalancer"]
    assert changed["device_id"] == device["id"] != other["id"]
    set_keys(api, device, noop_haproxy_down="")
    probe(api)
    assert lb_status(api, lb) == "ONLINE"
    api.delete(helpers.lb_url("t1", lb["id"]), status=204)


def test_one_tenants_offline_device_does_not_touch_another_tenant(api):
    mine = api.add_device(name="mine")
    theirs = api.add_device(name="theirs")
    my_lb = helpers.create_lb(api, tenant="t1", device_id=mine["id"])
    their_lb = helpers.create_lb(api, tenant="t2", device_id=theirs["id"])
    set_keys(api, mine, noop_unreachable="cannot connect to 10.77.0.9:22")
    probe(api)
    assert lb_status(api, my_lb, "t1") == "OFFLINE"
    assert lb_status(api, their_lb, "t2") == "ONLINE"
    # a tenant reads a word, never the device's address or error
    for resp in (api.get(helpers.lb_url("t1", my_lb["id"])),
                 api.get(helpers.lb_url("t1")),
                 api.get(helpers.lb_url("t1", my_lb["id"], "details"))):
        assert "10.77.0.9" not in resp.text and "health_error" not in resp.text
    api.get(helpers.lb_url("t2", my_lb["id"]), status=404)
    assert helpers.create_lb(api, tenant="t2")["device_id"] == theirs["id"]


def test_a_result_nobody_renews_is_unknown_and_not_trusted(api):
    device = api.add_device()
    set_keys(api, device, noop_unreachable="gone")
    probe(api)
    # what the rows look like once the probing process is gone long enough
    helpers.sql(api, "UPDATE device_health SET valid_until = checked_at")
    shown = show(api, device)
    assert shown["health"] == c.HEALTH_UNKNOWN
    assert shown["health_error"].startswith("no probe since ")
    assert helpers.create_lb(api)["device_id"] == device["id"]
