"""``GET /deploys`` and ``GET /devices/{device_id}/loadbalancers``: what
operators read about deploys and devices (balancer.core.deploy_history,
balancer.core.device_usage), over the real pipeline with noop devices."""

import datetime

from balancer.db import deploy_history as db_history
from balancer.db import models


def lb(name, port, device_id=None):
    body = {"name": name, "virtualIps": [{"address": "127.0.0.1", "port": port}],
            "nodes": [{"address": "127.0.0.1", "port": 9000}]}
    if device_id:
        body["device_id"] = device_id
    return body


def test_each_deploy_is_recorded_with_outcome_duration_and_size(api):
    good = api.add_device(name="good", noop_delay="0.2")
    made = api.post_json("/t1/loadbalancers", lb("one", 18001, good["id"]), status=202)
    assert made.json["loadbalancer"]["status"] == "ACTIVE"
    (deploy,) = api.get("/deploys").json["deploys"]
    assert deploy["device_id"] == good["id"] and deploy["outcome"] == "SUCCESS"
    assert deploy["load_balancers"] == 1 and deploy["rejected"] == 0
    assert 200 <= deploy["duration_ms"] < 60000 and deploy["message"] is None
    started = datetime.datetime.fromisoformat(deploy["started_at"])
    finished = datetime.datetime.fromisoformat(deploy["finished_at"])
    assert abs((finished - started).total_seconds() * 1000 - deploy["duration_ms"]) <= 1


def test_failed_and_partial_deploys_say_so(api):
    broken = api.add_device(name="broken", noop_fail="disk full")
    api.post_json("/t1/loadbalancers", lb("a", 18002, broken["id"]), status=202)
    picky = api.add_device(name="picky", noop_reject="bad")
    api.post_json("/t1/loadbalancers", lb("fine", 18003, picky["id"]), status=202)
    api.post_json("/t1/loadbalancers", lb("bad", 18004, picky["id"]), status=202)
    deploys = api.get("/deploys").json["deploys"]
    by_device = {}
    for d in deploys:
        by_device.setdefault(d["device_id"], []).append(d)
    assert [d["outcome"] for d in by_device[broken["id"]]] == ["FAILED"]
    assert "disk full" in by_device[broken["id"]][0]["message"]
    newest = by_device[picky["id"]][0]
    assert newest["outcome"] == "PARTIAL" and newest["rejected"] == 1, newest
    assert newest["load_balancers"] == 2 and newest["message"]
    minutes = api.get("/deploys").json["perMinute"]
    assert len(minutes) == 30
    assert sum(m["deploys"] for m in minutes) == len(deploys)
    assert sum(m["failed"] for m in minutes) == sum(d["outcome"] != "SUCCESS" for d in deploys)


def test_newest_first_and_limited(api):
    device = api.add_device()
    for i in range(3):
        api.post_json("/t1/loadbalancers", lb("lb%d" % i, 18010 + i, device["id"]), status=202)
    deploys = api.get("/deploys?limit=2").json["deploys"]
    assert len(deploys) == 2 and deploys[0]["started_at"] >= deploys[1]["started_at"]
    assert deploys[0]["load_balancers"] == 3
    for bad in ("0", "201", "x", "-1"):
        error = api.get("/deploys?limit=" + bad, status=400).json["error"]
        assert error["field"] == "limit"


def test_old_deploys_are_forgotten(api):
    device = api.add_device()
    long_ago = models.utcnow() - datetime.timedelta(days=8)
    with api.service.session() as session:
        db_history.add(session, device_id=device["id"], started_at=long_ago,
                       finished_at=long_ago, duration_ms=1, outcome="SUCCESS",
                       load_balancers=0, rejected=0)
    assert len(api.get("/deploys").json["deploys"]) == 1
    api.post_json("/t1/loadbalancers", lb("new", 18020, device["id"]), status=202)
    (only,) = api.get("/deploys").json["deploys"]
    assert only["started_at"] > long_ago.isoformat()


def test_what_a_device_serves(api):
    one, two = api.add_device(name="one"), api.add_device(name="two")
    api.post_json("/t1/loadbalancers", lb("b-lb", 18030, one["id"]), status=202)
    api.post_json("/t2/loadbalancers", lb("a-lb", 18031, one["id"]), status=202)
    listed = api.get("/devices/%s/loadbalancers" % one["id"]).json["loadbalancers"]
    assert [(x["name"], x["tenant_id"], x["status"]) for x in listed] == [
        ("a-lb", "t2", "ACTIVE"), ("b-lb", "t1", "ACTIVE")]
    assert api.get("/devices/%s/loadbalancers" % two["id"]).json == {"loadbalancers": []}
    assert api.get("/devices/nothing/loadbalancers", status=404).json["error"]["code"] == 404


def test_a_pair_deploy_is_recorded_for_each_box(api):
    """Both boxes of a pair get every deploy (balancer.core.pair_deploy); each
    box's part is kept and counted, and a box that could not be reached is
    FAILED with its own reason while its peer's part succeeded."""
    first = api.add_device(name="a", vrrp_interface="eth0")
    second = api.add_device(name="b", peer_id=first["id"], vrrp_router_id=5)
    before = api.service.metrics.deploy_counts()
    made = api.post_json("/t1/loadbalancers", lb("paired", 18040), status=202).json
    assert made["loadbalancer"]["status"] == "ACTIVE"
    deploys = api.get("/deploys").json["deploys"]
    assert sorted((d["device_id"], d["outcome"], d["load_balancers"]) for d in deploys) == sorted(
        [(first["id"], "SUCCESS", 1), (second["id"], "SUCCESS", 1)])
    api.put_json("/devices/%s" % second["id"], {"noop_down": "link cut"})
    newest = {}
    for d in api.get("/deploys").json["deploys"]:
        newest.setdefault(d["device_id"], d)
    assert newest[first["id"]]["outcome"] == "SUCCESS", newest
    assert newest[second["id"]]["outcome"] == "FAILED", newest
    assert "link cut" in newest[second["id"]]["message"], newest
    # /metrics counts the same parts as the history keeps
    kept = [d["outcome"] for d in api.get("/deploys").json["deploys"]]
    after = api.service.metrics.deploy_counts()
    counted = {word: after[word][0] - before.get(word, (0, 0))[0] for word in after}
    assert (counted["success"], counted["failed"]) == (
        kept.count("SUCCESS"), kept.count("FAILED")), (counted, kept)
