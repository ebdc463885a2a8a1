"""The status model: BUILD/PENDING_UPDATE then ACTIVE or
ERROR, ERROR never a dead end, slow devices answered with the pending status."""

import time

import pytest

from balancer.tests.conftest import make_conf
from balancer.tests.functional import helpers
from balancer.tests.functional.conftest import running_api
from balancer.tests.functional.helpers import lb_url


def wait_for_status(api, lb_id, wanted, tenant="t1", timeout=5.0):
    deadline = time.monotonic() + timeout
    while True:
        lb = api.get(lb_url(tenant, lb_id)).json["loadbalancer"]
        if lb["status"] == wanted or time.monotonic() > deadline:
            return lb
        time.sleep(0.02)


@pytest.fixture
def failing(api):
    return api.add_device(name="failing", noop_fail="haproxy -c: bind 10.0.0.1:80 failed")


@pytest.fixture
def slow_api(tmp_path, migrated_db):
    conf = make_conf(tmp_path, deploy__wait_timeout=0.05)
    with running_api(conf, migrated_db) as client:
        client.slow = client.add_device(noop_delay=0.3)
        yield client


def test_create_goes_build_to_active(api, device):
    lb = helpers.create_lb(api)
    assert lb["status"] == "ACTIVE" and lb["deployed"] == "True"
    assert helpers.sql(api, "SELECT status, deployed FROM loadbalancer") == [("ACTIVE", "True")]


def test_failing_device_gives_error_with_description(api, failing):
    lb = helpers.create_lb(api)
    assert (lb["status"], lb["deployed"]) == ("ERROR", "False")
    assert lb["statusDescription"] == "haproxy -c: bind 10.0.0.1:80 failed"
    shown = api.get(lb_url("t1", lb["id"])).json["loadbalancer"]
    assert shown["statusDescription"] == lb["statusDescription"]


def test_error_lb_can_be_updated_and_deleted(api, failing):
    lb = helpers.create_lb(api)
    updated = api.put_json(lb_url("t1", lb["id"]), {"name": "again"}, status=202).json[
        "loadbalancer"]
    assert (updated["name"], updated["status"]) == ("again", "ERROR")
    assert "statusDescription" in updated
    api.delete(lb_url("t1", lb["id"]), status=204)
    helpers.error_of(api.get(lb_url("t1", lb["id"]), status=404), 404)
    assert helpers.row_counts(api)["loadbalancer"] == 0


def test_error_lb_recovers_with_an_update_once_the_device_works(api, failing):
    lb = helpers.create_lb(api)
    helpers.sql(api, "UPDATE device SET extra = '{}' WHERE id = :id", id=failing["id"])
    updated = api.put_json(lb_url("t1", lb["id"]), {"name": "fixed"}, status=202).json[
        "loadbalancer"]
    assert updated["status"] == "ACTIVE" and "statusDescription" not in updated
    assert api.driver(failing["id"]).live[lb["id"]].name == "fixed"


def test_error_lb_children_can_change(api, failing):
    lb = helpers.create_lb(api)
    nodes = api.post_json(lb_url("t1", lb["id"], "nodes"),
                          {"nodes": [helpers.node_body(port=81)]}).json["nodes"]
    api.delete(lb_url("t1", lb["id"], "nodes", nodes[0]["id"]), status=204)
    assert api.get(lb_url("t1", lb["id"])).json["loadbalancer"]["status"] == "ERROR"


def test_a_failing_device_does_not_touch_lbs_elsewhere(api, device, failing):
    good = helpers.create_lb(api, device_id=device["id"])
    helpers.create_lb(api, device_id=failing["id"])
    assert api.get(lb_url("t1", good["id"])).json["loadbalancer"]["status"] == "ACTIVE"
    assert api.get(lb_url("t1")).status_int == 200


def test_update_goes_pending_update_to_active(api, device, lb):
    updated = api.put_json(lb_url("t1", lb["id"]), {"name": "x"}, status=202).json
    assert updated["loadbalancer"]["status"] == "ACTIVE"


@pytest.mark.parametrize("change", ["node", "monitor", "sticky", "vip"])
def test_every_child_change_redeploys(api, device, lb, change):
    driver = api.driver(device["id"])
    count = driver.deploy_count
    part, body = {
        "node": ("nodes", {"nodes": [helpers.node_body(port=90)]}),
        "monitor": ("healthMonitoring", {"healthMonitoring": helpers.monitor_body()}),
        "sticky": ("sessionPersistence", {"type": "SOURCE_IP"}),
        "vip": ("virtualIps", {"virtualIp": helpers.vip_body()}),
    }[change]
    api.post_json(lb_url("t1", lb["id"], part), body)
    assert driver.deploy_count == count + 1
    assert api.get(lb_url("t1", lb["id"])).json["loadbalancer"]["status"] == "ACTIVE"


def test_slow_create_answers_build_then_becomes_active(slow_api):
    lb = helpers.create_lb(slow_api)
    assert lb["status"] == "BUILD" and lb["deployed"] == "False"
    assert wait_for_status(slow_api, lb["id"], "ACTIVE")["status"] == "ACTIVE"
    assert lb["id"] in slow_api.driver(slow_api.slow["id"]).live


def test_slow_update_answers_pending_update_then_active(slow_api):
    lb = helpers.create_lb(slow_api)
    wait_for_status(slow_api, lb["id"], "ACTIVE")
    updated = slow_api.put_json(lb_url("t1", lb["id"]), {"name": "later"}, status=202).json
    assert updated["loadbalancer"]["status"] == "PENDING_UPDATE"
    assert wait_for_status(slow_api, lb["id"], "ACTIVE")["name"] == "later"
    assert slow_api.driver(slow_api.slow["id"]).live[lb["id"]].name == "later"


def test_slow_delete_is_gone_afterwards(slow_api):
    lb = helpers.create_lb(slow_api)
    wait_for_status(slow_api, lb["id"], "ACTIVE")
    slow_api.delete(lb_url("t1", lb["id"]), status=204)
    shown = slow_api.get(lb_url("t1", lb["id"]), expect_errors=True)
    assert shown.status_int == 404 or shown.json["loadbalancer"]["status"] == "PENDING_DELETE"
    deadline = time.monotonic() + 5
    while slow_api.get(lb_url("t1", lb["id"]), expect_errors=True).status_int != 404:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    assert lb["id"] not in slow_api.driver(slow_api.slow["id"]).live


def test_pending_delete_refuses_changes(slow_api):
    lb = helpers.create_lb(slow_api)
    wait_for_status(slow_api, lb["id"], "ACTIVE")
    slow_api.delete(lb_url("t1", lb["id"]), status=204)
    resp = slow_api.put_json(lb_url("t1", lb["id"]), {"name": "late"}, expect_errors=True)
    assert resp.status_int in (404, 409)
    helpers.error_of(resp, resp.status_int)
