"""Statistics and ``/metrics`` on noop devices; ``GET /`` without a token.

Real figures moving under real traffic are in
balancer/tests/integration/test_stats_real.py; here: the shapes, the
honesty when a device does not answer, who may read what, one round trip
per device per scrape, and the counters of requests and deploys.
"""

import time

import pytest
from prometheus_client import parser

from balancer.tests.conftest import make_conf
from balancer.tests.functional import helpers
from balancer.tests.functional.conftest import running_api
from balancer.tests.functional.helpers import lb_url

MEMBER = {"X-Identity-Status": "Confirmed", "X-Project-Id": "t1", "X-Roles": "member"}
BOUND = 0.5
HANG = 10          # far longer than BOUND: a hang not cut short shows up clearly


def scrape(api, **kwargs):
    """{(sample name, frozenset of labels): value} of one ``/metrics`` answer."""
    resp = api.get("/metrics", **kwargs)
    assert resp.content_type == "text/plain"
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in parser.text_string_to_metric_families(resp.text)
            for s in family.samples}


def value(samples, name, **labels):
    return samples.get((name, frozenset(labels.items())))


def test_stats_of_a_load_balancer(api, device, lb):
    node = api.get(lb_url("t1", lb["id"], "nodes")).json["nodes"][0]
    api.put(lb_url("t1", lb["id"], "nodes", node["id"], "DISABLED"))
    stats = api.get(lb_url("t1", lb["id"], "stats")).json["stats"]
    assert stats["loadbalancer_id"] == lb["id"] and stats["liveStatus"] == "KNOWN"
    assert (stats["bytesIn"], stats["totalConnections"]) == (0, 0)   # no traffic on noop
    assert [(n["id"], n["health"], n["requestErrors"]) for n in stats["nodes"]] == [
        (node["id"], "MAINT", None)]
    # one live call for the whole answer
    assert api.driver(device["id"]).stats_calls == 1


def test_stats_are_scoped_by_tenant(api, device, lb):
    helpers.error_of(api.get(lb_url("t2", lb["id"], "stats"), status=404), 404)
    helpers.error_of(api.get(lb_url("t1", "0" * 32, "stats"), status=404), 404)
    helpers.error_of(api.get(lb_url("t1", lb["id"], "stats"),
                             headers=dict(MEMBER, **{"X-Project-Id": "t2"}), status=403), 403)


@pytest.fixture
def hung(tmp_path, migrated_db):
    conf = make_conf(tmp_path, limits__device_read_timeout=BOUND)
    with running_api(conf, migrated_db) as client:
        client.device = client.add_device(noop_hang=str(HANG))
        client.lb = helpers.create_lb(client)
        yield client


def test_a_device_that_does_not_answer_gives_no_figures(hung):
    started = time.monotonic()
    stats = hung.get(lb_url("t1", hung.lb["id"], "stats")).json["stats"]
    assert time.monotonic() - started < HANG / 2
    assert stats["liveStatus"] == "UNKNOWN"
    assert "did not answer within %gs" % BOUND in stats["liveStatusReason"]
    assert stats["bytesIn"] is None and stats["totalConnections"] is None
    assert [n["health"] for n in stats["nodes"]] == ["UNKNOWN"]
    assert stats["nodes"][0]["bytesIn"] is None


def test_metrics_is_for_admins_only(api, lb):
    helpers.error_of(api.get("/metrics", headers=MEMBER, status=403), 403)
    reader = dict(MEMBER, **{"X-Roles": "reader"})
    helpers.error_of(api.get("/metrics", headers=reader, status=403), 403)
    admin = dict(MEMBER, **{"X-Roles": "admin"})
    assert api.get("/metrics", headers=admin).status_int == 200


def test_metrics_count_requests_by_route_and_code(api, lb):
    before = scrape(api)
    route = "/{tenant_id}/loadbalancers/{lb_id}"
    for _ in range(3):
        api.get(lb_url("t1", lb["id"]))
    api.get(lb_url("t1", "0" * 32), status=404)
    after = scrape(api)
    key = {"method": "GET", "route": route}
    assert value(after, "balancer_api_requests_total", code="200", **key) - (
        value(before, "balancer_api_requests_total", code="200", **key) or 0) == 3
    assert value(after, "balancer_api_requests_total", code="404", **key) - (
        value(before, "balancer_api_requests_total", code="404", **key) or 0) == 1
    assert value(after, "balancer_api_request_duration_seconds_count", **key) >= 4
    # no id ever becomes a label (one series per route, not per object)
    assert lb["id"] not in api.get("/metrics").text.split("balancer_lb_")[0]


def test_metrics_count_deploys_by_outcome(api, device, migrated_db, tmp_path):
    before = scrape(api)
    helpers.create_lb(api)
    broken = api.add_device(name="broken", noop_fail="disk full")
    helpers.create_lb(api, device_id=broken["id"])
    picky = api.add_device(name="picky", noop_reject="refused")
    helpers.create_lb(api, device_id=picky["id"])         # a success of its own
    rejected = helpers.create_lb(api, name="refused", device_id=picky["id"])
    assert rejected["status"] == "ERROR"                  # the others stay live: partial
    after = scrape(api)

    def grew(outcome):
        name = "balancer_deploys_total"
        return value(after, name, outcome=outcome) - (value(before, name, outcome=outcome)
                                                       or 0)
    assert (grew("success"), grew("failed"), grew("partial")) == (2, 1, 1)
    assert grew("lock_timeout") == 0
    assert value(after, "balancer_deploy_duration_seconds_count", outcome="failed") >= 1
    counts = api.service.metrics.deploy_counts()
    assert counts["success"][0] == value(after, "balancer_deploys_total", outcome="success")


def test_metrics_show_every_load_balancer_with_one_call_per_device(api):
    first = api.add_device(name="first")
    second = api.add_device(name="second")
    lbs = [helpers.create_lb(api, device_id=first["id"]),
           helpers.create_lb(api, tenant="t2", device_id=first["id"]),
           helpers.create_lb(api, device_id=second["id"])]
    calls = [api.driver(d["id"]).stats_calls for d in (first, second)]
    samples = scrape(api)
    assert [api.driver(d["id"]).stats_calls for d in (first, second)] == [c + 1 for c in calls]
    for lb in lbs:
        node_id = api.get(lb_url(lb["tenant_id"], lb["id"], "nodes")).json["nodes"][0]["id"]
        labels = {"tenant_id": lb["tenant_id"], "loadbalancer_id": lb["id"],
                      "device_id": lb["device_id"]}
        assert value(samples, "balancer_lb_bytes_in_total", **labels) == 0
        assert value(samples, "balancer_node_up", node_id=node_id, health="UP",
                     **labels) == 1
    for dev in (first, second):
        assert value(samples, "balancer_device_stats_up", device_id=dev["id"]) == 1
        assert value(samples, "balancer_device_connections_total", device_id=dev["id"]) == 0


def test_a_hung_device_does_not_hold_up_the_scrape(hung):
    helpers.create_lb(hung)
    helpers.create_lb(hung)
    started = time.monotonic()
    samples = scrape(hung)
    assert time.monotonic() - started < HANG / 2
    assert value(samples, "balancer_device_stats_up", device_id=hung.device["id"]) == 0
    assert not [k for k in samples if k[0].startswith("balancer_lb_")]


def test_the_version_document_needs_no_token(api):
    for headers in ({}, {"X-Identity-Status": "Invalid"}):
        doc = api.get("/", headers=headers).json
        assert [(v["id"], v["status"]) for v in doc["versions"]] == [("v1", "CURRENT")]
        assert doc["versions"][0]["links"] == [{"rel": "self", "href": "http://localhost/"}]
    assert api.head("/").status_int == 200
    helpers.error_of(api.post_json("/", {}, status=404), 404)     # no route, as before
