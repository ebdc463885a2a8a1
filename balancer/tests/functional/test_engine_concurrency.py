"""One writer per device, group commit, and no lost update under concurrency."""

import time

from balancer.tests.functional.engine_helpers import call, in_parallel, small_lb


def _lb_statuses(api, tenant="foo"):
    return {lb["id"]: lb["status"] for lb in api.get("/%s/loadbalancers" % tenant).json[
        "loadbalancers"]}


def _create_at_once(api, device_id, count, first_port):
    """``count`` creates released together on ``device_id``: the ids, all ACTIVE."""
    jobs = [lambda i=i: call(api.wsgi, "POST", "/foo/loadbalancers",
                             small_lb("lb%d" % i, first_port + i, device_id))
            for i in range(count)]
    results = in_parallel(jobs)
    assert all(code == 202 for code, _ in results), results[:3]
    assert all(body["loadbalancer"]["status"] == "ACTIVE" for _, body in results)
    return {body["loadbalancer"]["id"] for _, body in results}


def test_50_concurrent_creates_on_one_device_all_live(api):
    # a deploy slower than a create (which takes a round trip or two more
    # on a database server than on SQLite), so that creates pile up behind it
    device = api.add_device(noop_delay="0.2")
    created = _create_at_once(api, device["id"], 50, 10000)
    driver = api.driver(device["id"])
    assert set(driver.live) == created            # every section is live
    assert set(_lb_statuses(api).values()) == {"ACTIVE"}
    deploys = api.service.deployer.deploy_count(device["id"])
    print("50 concurrent creates cost %d deploys" % deploys)
    assert deploys < 25                            # grouped, not one each


def test_50_concurrent_node_changes_no_lost_update(api):
    device = api.add_device(noop_delay="0.02")
    lb = api.post_json("/foo/loadbalancers", small_lb("lb", 9000, device["id"])).json[
        "loadbalancer"]
    before = api.service.deployer.deploy_count(device["id"])
    url = "/foo/loadbalancers/%s/nodes" % lb["id"]
    jobs = [lambda i=i: call(api.wsgi, "POST", url,
                             {"nodes": [{"address": "127.0.0.1", "port": 20000 + i}]})
            for i in range(50)]
    results = in_parallel(jobs)
    assert [code for code, _ in results] == [200] * 50
    live = api.driver(device["id"]).live[lb["id"]]
    assert sorted(n.port for n in live.nodes) == [8001] + list(range(20000, 20050))
    assert api.get("/foo/loadbalancers/%s" % lb["id"]).json["loadbalancer"]["status"] == \
        "ACTIVE"
    deploys = api.service.deployer.deploy_count(device["id"]) - before
    print("50 concurrent node adds cost %d deploys" % deploys)
    assert deploys < 50


def test_slow_device_does_not_block_another(api):
    slow = api.add_device(name="slow", noop_delay="1.5")
    fast = api.add_device(name="fast")
    timings = {}

    def create(name, device, port):
        started = time.monotonic()
        code, body = call(api.wsgi, "POST", "/foo/loadbalancers",
                          small_lb(name, port, device["id"]))
        timings[name] = time.monotonic() - started
        return code, body["loadbalancer"]["status"]

    results = in_parallel([lambda: create("slow", slow, 1001),
                           lambda: create("fast1", fast, 1002),
                           lambda: create("fast2", fast, 1003)])
    assert results == [(202, "ACTIVE")] * 3
    assert timings["slow"] >= 1.4
    assert timings["fast1"] < 1.0 and timings["fast2"] < 1.0


def test_concurrent_creates_on_a_pair_are_grouped_and_reach_both_boxes(api):
    first = api.add_device(name="a", vrrp_interface="eth1", noop_delay="0.2")
    second = api.add_device(name="b", noop_delay="0.2")
    api.put_json("/devices/%s" % first["id"], {"peer_id": second["id"], "vrrp_router_id": 7})
    boxes = [api.driver(first["id"]), api.driver(second["id"])]
    before = [box.deploy_count for box in boxes]
    created = _create_at_once(api, first["id"], 30, 11000)
    # both boxes serve every section, and the same ones (one pair deploy each time)
    assert set(boxes[0].live) == set(boxes[1].live) == created
    deploys = [box.deploy_count - was for box, was in zip(boxes, before, strict=True)]
    print("30 concurrent creates on a pair cost %s deploys" % deploys)
    assert deploys[0] == deploys[1] and deploys[0] < 15      # grouped, not one each
