"""Bounded waits, deploy timeouts, and nothing left pending after a crash."""

import time

import pytest

from balancer.db import api as db
from balancer.tests.conftest import Api, make_conf
from balancer.tests.functional.conftest import running_api
from balancer.tests.functional.engine_helpers import small_lb


def _status(api, lb_id):
    return api.get("/foo/loadbalancers/%s" % lb_id).json["loadbalancer"]


def _wait_for(api, lb_id, status, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        lb = _status(api, lb_id)
        if lb["status"] == status:
            return lb
        time.sleep(0.05)
    raise AssertionError("%s never became %s: %s" % (lb_id, status, lb))


@pytest.fixture
def impatient_api(tmp_path, migrated_db):
    conf = make_conf(tmp_path, deploy__wait_timeout=0.2, deploy__deploy_timeout=2)
    with running_api(conf, migrated_db) as client:
        yield client


def test_past_the_wait_the_answer_is_pending_then_active(impatient_api):
    api = impatient_api
    device = api.add_device(noop_delay="0.8")
    lb = api.post_json("/foo/loadbalancers", small_lb("lb", 80, device["id"])).json[
        "loadbalancer"]
    assert lb["status"] == "BUILD"
    _wait_for(api, lb["id"], "ACTIVE")
    update = api.put_json("/foo/loadbalancers/%s" % lb["id"], {"name": "renamed"},
                          status=202).json["loadbalancer"]
    assert update["status"] == "PENDING_UPDATE"
    assert _wait_for(api, lb["id"], "ACTIVE")["name"] == "renamed"


def test_a_hanging_deploy_is_cut_off_and_reported(impatient_api):
    api = impatient_api
    device = api.add_device(noop_delay="5")
    lb = api.post_json("/foo/loadbalancers", small_lb("lb", 80, device["id"])).json[
        "loadbalancer"]
    failed = _wait_for(api, lb["id"], "ERROR", timeout=6)
    assert "did not finish the deploy within" in failed["statusDescription"]
    assert device["id"] not in failed["statusDescription"]
    fault = api.get("/devices/%s" % device["id"]).json["device"]["faults"][0]
    assert "timed out" in fault["operatorStatusDescription"]
    # ERROR is no dead end: the device recovers, an update makes it ACTIVE
    with api.service.session() as session:
        db.device_get(session, device["id"]).extra = {}
    assert api.put_json("/foo/loadbalancers/%s" % lb["id"], {"name": "again"},
                        status=202).json["loadbalancer"]["status"] == "ACTIVE"


def test_restart_converges_what_a_dead_process_left_pending(tmp_path, migrated_db):
    conf = make_conf(tmp_path, deploy__wait_timeout=0.1, deploy__deploy_timeout=60)
    # never handed back: the "dead" first process may still write to it
    url = migrated_db.lease(conf)
    first = Api(conf)
    device = first.add_device(noop_delay="3")
    lb = first.post_json("/foo/loadbalancers", small_lb("lb", 80, device["id"])).json[
        "loadbalancer"]
    node_url = "/foo/loadbalancers/%s/nodes" % lb["id"]
    first.post_json(node_url, {"nodes": [{"address": "127.0.0.1", "port": 8002}]})
    assert _status(first, lb["id"])["status"] == "BUILD"
    # the first process "dies" here: its deploy never reports back.  The
    # device becomes healthy, and a new process starts on the same database.
    with first.service.session() as session:
        db.device_get(session, device["id"]).extra = {}
    shared = {"%s__%s" % (g, n): v for g, n, v in migrated_db.shared_options()}
    second = Api(make_conf(tmp_path, deploy__wait_timeout=5, database__connection=url,
                           **shared))
    try:
        assert second.service.reconciler.run_once(wait=5) is True
        assert _status(second, lb["id"])["status"] == "ACTIVE"
        live = second.driver(device["id"]).live[lb["id"]]
        assert sorted(n.port for n in live.nodes) == [8001, 8002]
    finally:
        second.service.close()


def test_delete_frees_everything_even_on_a_failing_device(api):
    device = api.add_device(noop_fail="device unreachable")
    lbs = [api.post_json("/foo/loadbalancers", small_lb("lb%d" % i, 80 + i, device["id"]),
                         status=202).json["loadbalancer"] for i in range(2)]
    assert {lb["status"] for lb in lbs} == {"ERROR"}
    assert "device unreachable" in lbs[0]["statusDescription"]
    for lb in lbs:
        api.delete("/foo/loadbalancers/%s" % lb["id"], status=204)
    assert api.get("/foo/loadbalancers").json["loadbalancers"] == []
    api.delete("/devices/%s" % device["id"], status=204)


def test_deleted_lb_leaves_the_live_config(api):
    device = api.add_device()
    keep = api.post_json("/foo/loadbalancers", small_lb("keep", 81, device["id"])).json[
        "loadbalancer"]
    gone = api.post_json("/foo/loadbalancers", small_lb("gone", 82, device["id"])).json[
        "loadbalancer"]
    api.delete("/foo/loadbalancers/%s" % gone["id"], status=204)
    assert set(api.driver(device["id"]).live) == {keep["id"]}
    api.get("/foo/loadbalancers/%s" % gone["id"], status=404)


def test_a_rejected_lb_fails_alone_and_recovers_after_a_change(api):
    device = api.add_device(noop_reject="bad")
    good = api.post_json("/foo/loadbalancers", small_lb("good", 81, device["id"])).json[
        "loadbalancer"]
    bad = api.post_json("/foo/loadbalancers", small_lb("bad", 82, device["id"])).json[
        "loadbalancer"]
    assert good["status"] == "ACTIVE"
    assert bad["status"] == "ERROR" and bad["id"] in bad["statusDescription"]
    # the rejected LB is left out of later deploys, so others keep deploying
    node_url = "/foo/loadbalancers/%s/nodes" % good["id"]
    api.post_json(node_url, {"nodes": [{"address": "127.0.0.1", "port": 8009}]})
    assert set(api.driver(device["id"]).live) == {good["id"]}
    assert _status(api, good["id"])["status"] == "ACTIVE"
    # fixing the rejected LB (here: renaming it) deploys it
    fixed = api.put_json("/foo/loadbalancers/%s" % bad["id"], {"name": "fine"},
                         status=202).json["loadbalancer"]
    assert fixed["status"] == "ACTIVE"
    assert set(api.driver(device["id"]).live) == {good["id"], bad["id"]}
