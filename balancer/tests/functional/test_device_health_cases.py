"""Device health in harder cases (balancer/core/prober.py): a hung device,
requests while a probe is in flight, a device that comes back, every service
of a deployment showing the same health, and pairs."""

import json
import threading
import time

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
from balancer.tests.functional.test_cluster import _wait


@pytest.fixture
def conf(tmp_path):
    # a hung probe gives up after 0.5 s
    return make_conf(tmp_path, health__probe_interval=30, health__probe_timeout=0.5)


def test_a_hung_device_is_offline_within_the_timeout_and_blocks_no_request(api):
    hung = api.add_device(name="hung", noop_hang="30")
    fine = api.add_device(name="fine")
    outcome = probe(api)
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
    # the same stored probe, whichever process is asked (a probe may land
    # between the two reads, so its time is left out)
    same = {"health_checked_at": None}
    assert dict(show(first, device), **same) == dict(show(second, device), **same)
    probers = (first.service.prober, second.service.prober)
    assert sorted(p.passes > 0 for p in probers) == [False, True], "one prober at a time"
    leader, follower = (first, second) if probers[0].passes else (second, first)
    set_keys(follower, device, noop_unreachable="")
    leader.service.close()
    _wait(lambda: follower.service.prober.passes > 0, 5, "the other service probing")
    _wait(lambda: show(follower, device)["health"] == c.HEALTH_ONLINE, 5, "ONLINE again")


def paired(api):
    first = api.add_device(name="a", vrrp_interface="eth1", noop_vrrp_role="MASTER")
    second = api.add_device(name="b", noop_vrrp_role="BACKUP")
    api.put_json("/devices/%s" % first["id"], {"peer_id": second["id"],
                                                "vrrp_router_id": "51", "vrrp_auth": "pa1rpw"})
    return first, second


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
    # a box in FAULT holds no VIP: beside a dead peer, nothing serves
    set_keys(api, second, noop_haproxy_down="refused")
    probe(api)
    assert lb_status(api, lb) == "OFFLINE"
    set_keys(api, second, noop_haproxy_down="")
    set_keys(api, first, noop_vrrp_role="MASTER")
    probe(api)
    assert lb_status(api, lb) == "ONLINE"


def test_a_pair_with_one_side_offline_gets_no_new_load_balancer(api):
    first, second = paired(api)
    single = api.add_device(name="single")
    # the pair is older and emptier than ``single``: with both sides up it wins
    assert helpers.create_lb(api, name="on-pair")["device_id"] in (first["id"], second["id"])
    set_keys(api, second, noop_unreachable="link down")
    probe(api)
    placed = [helpers.create_lb(api, name="lb%d" % i) for i in range(3)]
    assert {lb["device_id"] for lb in placed} == {single["id"]}
    before = helpers.row_counts(api)
    for chosen in (first, second):       # naming either side of the pair is refused
        error = helpers.error_of(api.post_json(helpers.lb_url("t1"), helpers.lb_body(
            device_id=chosen["id"]), status=409), 409)
        assert "OFFLINE" in error["message"], error
    assert helpers.row_counts(api) == before, "a refused create leaves nothing behind"
    set_keys(api, second, noop_unreachable="")
    probe(api)
    assert helpers.create_lb(api, name="back")["device_id"] in (first["id"], second["id"])


def test_a_paired_box_out_of_vrrp_gets_its_pair_deployed_by_the_probe(api):
    first, second = paired(api)
    helpers.create_lb(api, device_id=first["id"])
    # the box that is not the anchor, its HAProxy serving, its keepalived in FAULT
    other = max(first, second, key=lambda d: d["id"])
    set_keys(api, other, noop_vrrp_role="FAULT")
    api.service.deploy_and_wait(first["id"])
    # a device's new settings give it a new driver: count on the current ones
    boxes = [api.driver(first["id"]), api.driver(second["id"])]
    before = [box.deploy_count for box in boxes]
    probe(api)
    _wait(lambda: all(box.deploy_count > was for box, was in zip(boxes, before, strict=True)),
          5, "a deploy of the pair")
    # both boxes fine: a probe asks for nothing
    set_keys(api, other, noop_vrrp_role="BACKUP")
    api.service.deploy_and_wait(first["id"])
    boxes = [api.driver(first["id"]), api.driver(second["id"])]
    probe(api)
    time.sleep(0.3)
    settled = [box.deploy_count for box in boxes]
    probe(api)
    time.sleep(0.3)
    assert [box.deploy_count for box in boxes] == settled
