"""Device health through the API: noop devices probed (balancer/core/prober.py)
going OFFLINE and ONLINE, the scheduler skipping OFFLINE devices, load
balancers' ``operatingStatus``, tenants unaffected by each other's devices,
a hung device, and every service of a deployment showing the same health."""

import json
import threading
import time

import pytest

from balancer.common import constants as c
from balancer.db import models
from balancer.tests.conftest import make_conf
from balancer.tests.functional import helpers
from balancer.tests.functional.test_cluster import _wait


@pytest.fixture
def conf(tmp_path):
    # interval: how long a probe result is believed (two intervals and a timeout)
    return make_conf(tmp_path, health__probe_interval=30, health__probe_timeout=0.5)


def probe(api):
    return api.service.prober.run_once()


def show(api, device):
    return api.get("/devices/%s" % device["id"]).json["device"]


def listed(api, device):
    return [d for d in api.get("/devices").json["devices"] if d["id"] == device["id"]][0]


def set_keys(api, device, **keys):
    api.put_json("/devices/%s" % device["id"], keys)


def lb_status(api, lb, tenant="t1"):
    return api.get(helpers.lb_url(tenant, lb["id"])).json["loadbalancer"]["operatingStatus"]


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


def test_a_hung_device_is_offline_within_the_timeout_and_blocks_no_request(api):
    hung = api.add_device(name="hung", noop_hang="30")
    fine = api.add_device(name="fine")
    started = time.monotonic()
    outcome = probe(api)
    assert time.monotonic() - started < 5
    assert outcome[hung["id"]][0] == c.HEALTH_OFFLINE
    assert "no answer" in outcome[hung["id"]][1]
    assert outcome[fine["id"]][0] == c.HEALTH_ONLINE
    assert show(api, hung)["health"] == c.HEALTH_OFFLINE
    assert helpers.create_lb(api)["device_id"] == fine["id"]


def test_requests_never_wait_for_a_probe_in_flight(tmp_path, migrated_db):
    """The prober's drivers are its own: while a probe hangs on a device,
    reads and changes of that very device are answered (the probe's thread
    is still waiting when they are done)."""
    from balancer.tests.functional.conftest import running_api
    conf = make_conf(tmp_path, health__probe_interval=30, health__probe_timeout=2)
    with running_api(conf, migrated_db) as api:
        device = api.add_device(noop_hang="30")
        lb = helpers.create_lb(api, device_id=device["id"])
        prober = api.service.prober
        passing = threading.Thread(target=prober.run_once)
        passing.start()
        try:
            assert _until(lambda: device["id"] in prober._running), "no probe in flight"
            assert show(api, device)["id"] == device["id"]
            assert listed(api, device)["health"] == c.HEALTH_UNKNOWN
            changed = api.put_json(helpers.lb_url("t1", lb["id"]), {"name": "renamed"},
                                   status=202).json["loadbalancer"]
            assert changed["status"] == "ACTIVE"
            assert passing.is_alive(), "the requests above waited for the probe"
        finally:
            passing.join(30)
        assert show(api, device)["health"] == c.HEALTH_OFFLINE


def _until(predicate, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return False


def test_a_device_that_answers_again_gets_the_changes_it_missed(api):
    device = api.add_device()
    lb = helpers.create_lb(api, device_id=device["id"])
    # down, as the prober and every deploy see it (the keys are written
    # straight into the row: a PUT of the device would redeploy it)
    down = json.dumps({"noop_unreachable": "no route to host", "noop_fail": "unreachable"})
    helpers.sql(api, "UPDATE device SET extra = :e WHERE id = :id", e=down, id=device["id"])
    probe(api)
    changed = api.put_json(helpers.lb_url("t1", lb["id"]), {"name": "while-down"},
                           status=202).json["loadbalancer"]
    assert changed["status"] == "ERROR"
    helpers.sql(api, "UPDATE device SET extra = NULL WHERE id = :id", id=device["id"])
    deploys = api.service.deployer.deploy_count(device["id"])
    probe(api)                  # no reconcile pass runs here: the prober deploys
    assert _until(lambda: api.get(helpers.lb_url("t1", lb["id"])).json["loadbalancer"][
        "status"] == "ACTIVE"), "the returning device was not brought up to date"
    assert api.service.deployer.deploy_count(device["id"]) > deploys
    assert helpers.last_deploy(api, device["id"], lb["id"]).name == "while-down"
    # a device that stays up is not deployed by the prober
    deploys = api.service.deployer.deploy_count(device["id"])
    probe(api)
    time.sleep(0.2)
    assert api.service.deployer.deploy_count(device["id"]) == deploys


def test_a_deleted_device_takes_its_health_along(api):
    device = api.add_device()
    probe(api)
    api.delete("/devices/%s" % device["id"], status=204)
    assert helpers.sql(api, "SELECT count(*) FROM device_health") == [(0,)]
    probe(api)
    assert helpers.sql(api, "SELECT count(*) FROM device_health") == [(0,)]


@pytest.fixture
def cluster(tmp_path, migrated_db):
    """Services sharing one database and file coordination, each probing
    every 0.2 s while it holds the prober lock."""
    made, url = [], migrated_db.lease(make_conf(tmp_path))

    def make():
        from balancer.tests.conftest import Api
        shared = {"%s__%s" % (g, n): v for g, n, v in migrated_db.shared_options()}
        client = Api(make_conf(tmp_path, coordination__backend_url="file://%s/locks" % tmp_path,
                               database__connection=url, health__probe_interval=0.2,
                               health__probe_timeout=0.5, **shared))
        made.append(client)
        return client
    yield make
    for client in made:
        client.service.close()
    migrated_db.release(url)


def test_one_service_probes_and_every_service_shows_the_same_health(cluster):
    first, second = cluster(), cluster()
    device = first.add_device()
    first.service.start()
    second.service.start()
    _wait(lambda: show(second, device)["health"] == c.HEALTH_ONLINE, 5, "ONLINE in the second")
    set_keys(second, device, noop_unreachable="no route to host")
    _wait(lambda: show(second, device)["health"] == c.HEALTH_OFFLINE, 5, "OFFLINE")
    assert show(first, device) == show(second, device)
    probers = (first.service.prober, second.service.prober)
    assert sorted(p.passes > 0 for p in probers) == [False, True], "one prober at a time"
    leader, follower = (first, second) if probers[0].passes else (second, first)
    set_keys(follower, device, noop_unreachable="")
    leader.service.close()
    _wait(lambda: follower.service.prober.passes > 0, 5, "the other service probing")
    _wait(lambda: show(follower, device)["health"] == c.HEALTH_ONLINE, 5, "ONLINE again")


# Device pairs (``peer_id``, doc/source/operations.rst) come with their own
# change; until the devices table has the column, no device is paired and
# these tests have nothing to pair.
needs_pairs = pytest.mark.skipif(not hasattr(models.Device, "peer_id"),
                                 reason="device pairs (the peer_id column) are not in this tree")


def paired(api):
    first = api.add_device(name="a", vrrp_interface="eth1", noop_vrrp_role="MASTER")
    second = api.add_device(name="b", noop_vrrp_role="BACKUP")
    api.put_json("/devices/%s" % first["id"], {"peer_id": second["id"],
                                                "vrrp_router_id": "51", "vrrp_auth": "pa1rpw"})
    return first, second


@needs_pairs
def test_a_pair_is_degraded_while_one_side_is_down_and_offline_when_both_are(api):
    first, second = paired(api)
    lb = helpers.create_lb(api, device_id=first["id"])
    probe(api)
    assert [show(api, d)["health"] for d in (first, second)] == [c.HEALTH_ONLINE] * 2
    assert show(api, first)["ha"]["role"] == c.VRRP_MASTER
    assert lb_status(api, lb) == "ONLINE"
    set_keys(api, second, noop_haproxy_down="refused")
    probe(api)
    assert (show(api, first)["health"], show(api, second)["health"]) == (
        c.HEALTH_ONLINE, c.HEALTH_OFFLINE)
    assert lb_status(api, lb) == "DEGRADED"
    set_keys(api, first, noop_unreachable="link down")
    probe(api)
    assert lb_status(api, lb) == "OFFLINE"
    set_keys(api, first, noop_unreachable="", noop_vrrp_role="FAULT")
    set_keys(api, second, noop_haproxy_down="")
    probe(api)
    assert show(api, first)["health"] == c.HEALTH_DEGRADED       # keepalived FAULT
    assert lb_status(api, lb) == "DEGRADED"
    set_keys(api, first, noop_vrrp_role="MASTER")
    probe(api)
    assert lb_status(api, lb) == "ONLINE"
