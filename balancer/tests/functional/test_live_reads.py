"""Reads that ask a device answer within [limits] device_read_timeout.

The noop device's ``noop_hang`` makes every live call hang, as a device that
accepts the SSH connection and never answers; deploys are not affected.
"""

import threading
import time

import pytest

from balancer.tests.conftest import make_conf
from balancer.tests.functional import helpers
from balancer.tests.functional.conftest import running_api
from balancer.tests.functional.helpers import lb_url

BOUND = 0.5
HANG = 10          # far longer than BOUND: a hang not cut short shows up clearly


@pytest.fixture
def hung(tmp_path, migrated_db):
    """An API whose only device hangs on every live call."""
    conf = make_conf(tmp_path, limits__device_read_timeout=BOUND)
    with running_api(conf, migrated_db) as client:
        client.device = client.add_device(noop_hang=str(HANG))
        client.lb = helpers.create_lb(client)
        assert client.lb["status"] == "ACTIVE"
        yield client


def timed(call, *args, **kwargs):
    started = time.monotonic()
    return call(*args, **kwargs), time.monotonic() - started


def test_details_says_the_live_part_is_unknown(hung):
    resp, took = timed(hung.get, lb_url("t1", hung.lb["id"], "details"))
    body = resp.json["loadbalancer"] if "loadbalancer" in resp.json else resp.json
    assert took < HANG / 2
    assert body["liveStatus"] == "UNKNOWN"
    assert "did not answer within %gs" % BOUND in body["liveStatusReason"]
    assert [n["operatingStatus"] for n in body["nodes"]] == ["UNKNOWN"]
    # what the database knows is all there
    assert body["status"] == "ACTIVE" and body["nodes"][0]["condition"] == "ENABLED"


def test_a_device_that_answers_gives_live_status(api, device, lb):
    resp = api.get(lb_url("t1", lb["id"], "details"))
    body = resp.json["loadbalancer"] if "loadbalancer" in resp.json else resp.json
    assert body["liveStatus"] == "KNOWN" and "liveStatusReason" not in body
    assert [n["operatingStatus"] for n in body["nodes"]] == ["UP"]
    info = api.get("/devices/%s/info" % device["id"]).json["info"]
    assert (info["reachable"], info["liveStatus"]) == (True, "KNOWN")


def test_node_list_and_show_answer_in_time(hung):
    url = lb_url("t1", hung.lb["id"], "nodes")
    listed, took = timed(hung.get, url)
    assert took < HANG / 2
    node = listed.json["nodes"][0]
    assert node["operatingStatus"] == "UNKNOWN"
    shown, took = timed(hung.get, url + "/" + node["id"])
    assert took < HANG / 2 and shown.json["node"]["operatingStatus"] == "UNKNOWN"


def test_device_info_answers_in_time(hung):
    resp, took = timed(hung.get, "/devices/%s/info" % hung.device["id"])
    info = resp.json["info"]
    assert took < HANG / 2
    assert info["reachable"] is None            # not known either way
    assert info["liveStatus"] == "UNKNOWN" and "did not answer" in info["liveStatusReason"]
    assert info["capabilities"]["protocols"]     # what needs no device is there


def test_condition_route_answers_in_time_and_still_persists(hung):
    node = hung.get(lb_url("t1", hung.lb["id"], "nodes")).json["nodes"][0]
    resp, took = timed(hung.put, lb_url("t1", hung.lb["id"], "nodes", node["id"], "DRAINING"))
    changed = resp.json["node"]
    # one budget for the runtime call and the read-back, not one each
    assert took < BOUND * 2 + 1.5
    assert (changed["condition"], changed["operatingStatus"]) == ("DRAINING", "UNKNOWN")
    # the runtime call gave no answer, so the deploy carried the change
    live = helpers.last_deploy(hung, hung.device["id"], hung.lb["id"])
    assert live.nodes[0].condition == "DRAINING"


def test_a_hung_read_does_not_hold_up_deploys(hung):
    """A deploy asked for while a read hangs on the device goes ahead once
    the read's budget is spent, not when the device's call ends."""
    reading = threading.Thread(
        target=hung.get, args=(lb_url("t1", hung.lb["id"], "details"),))
    reading.start()
    time.sleep(BOUND / 5)                        # the read holds the device now
    resp, took = timed(hung.post_json, lb_url("t1", hung.lb["id"], "nodes"),
                       {"nodes": [helpers.node_body(port=9001)]})
    reading.join(HANG)
    added = resp.json["nodes"][0]
    assert took < HANG / 2
    lb = hung.get(lb_url("t1", hung.lb["id"])).json["loadbalancer"]
    assert lb["status"] == "ACTIVE"
    assert added["id"] in {n.id for n in hung.driver(hung.device["id"]).live[lb["id"]].nodes}
