"""The operator pages with something to show, in a real browser on the noauth
pipeline of a real ``balancer-api`` process: a pair of noop devices whose
VRRP roles and health the prober reads every second, and the deploys and
requests per minute after real traffic.  The same module's server serves
both tests; test_dashboard_access.py has the single-device case."""

import re
import time

import pytest

from balancer.tests.integration.conftest import ServerProcess
from balancer.tests.integration.dashboard_browser import (  # noqa: F401
    Dashboard,
    api,
    browser,
    expect,
    lb_body,
    wait_for_status,
)

#: how many requests the chart test sends while the Deploys page counts them
BURST = 150


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    # no reconcile pass: the deploys counted are the tests' own and the pending
    # sweep's, which retries a box left behind every few seconds
    proc = ServerProcess(str(tmp_path_factory.mktemp("dashboard-ops")),
                         enabled_drivers="noop", deploy__reconcile_interval=0,
                         health__probe_interval=1, health__probe_timeout=1)
    proc.dbsync()
    proc.start()
    try:
        yield proc
    finally:
        proc.stop()


def add_device(server, **values):
    status, body = api(server.url, "POST", "/devices", dict(
        {"type": "noop", "ip": "127.0.0.1"}, **values))
    assert status == 200, body
    return body["device"]


def listed_once(server, predicate, seconds=20):
    """GET /devices, by id, once ``predicate`` holds for it (the prober's pass)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        devices = {d["id"]: d for d in api(server.url, "GET", "/devices")[1]["devices"]}
        if predicate(devices):
            return devices
        time.sleep(0.3)
    raise AssertionError("GET /devices never showed it: %s" % devices)


def test_a_pair_shows_roles_health_and_a_box_left_behind(dash, server):
    first = add_device(server, name="edge-a", vrrp_interface="eth0", noop_vrrp_role="MASTER")
    second = add_device(server, name="edge-b", noop_vrrp_role="BACKUP",
                        peer_id=first["id"], vrrp_router_id="51")
    a, b = first["id"], second["id"]
    try:
        listed_once(server, lambda d: (d[a]["health"], d[a]["ha"]["role"], d[b]["health"],
                                       d[b]["ha"]["role"]) == ("ONLINE", "MASTER", "ONLINE",
                                                               "BACKUP"))
        page = dash.open().page
        dash.choose_tenant("t-pair")
        page.get_by_role("link", name="Devices").click()
        rows = {key: page.locator("tr[data-device-id='%s']" % key) for key in (a, b)}
        expect(rows[a].locator(".device-role")).to_have_text("MASTER paired with edge-b")
        expect(rows[b].locator(".device-role")).to_have_text("BACKUP paired with edge-a")
        for row in rows.values():
            expect(row.locator(".device-health")).to_have_text("ONLINE")
        # the pair serves a load balancer; then edge-b is cut off and misses a change
        status, body = api(server.url, "POST", "/t-pair/loadbalancers", lb_body("paired", 18620))
        assert status == 202, body
        lb_id = body["loadbalancer"]["id"]
        wait_for_status(server, "t-pair", lb_id, "ACTIVE")
        status, body = api(server.url, "PUT", "/devices/" + b, {
            "noop_down": "link cut", "noop_unreachable": "link cut"})
        assert status == 200, body
        status, body = api(server.url, "POST", "/t-pair/loadbalancers/%s/nodes" % lb_id,
                           {"nodes": [{"address": "127.0.0.1", "port": 9050}]})
        assert status == 200, body
        devices = listed_once(server, lambda d: d[b]["health"] == "OFFLINE"
                              and d[b]["ha"]["behind"])
        assert devices[b]["health_error"] == "link cut", devices[b]
        assert devices[a]["ha"]["behind"] is False, devices[a]
        expect(rows[b].locator(".device-health")).to_have_text("OFFLINE link cut")
        expect(rows[b].locator(".device-role")).to_have_text(
            "%s paired with edge-a; behind: it missed a change edge-a got"
            % devices[b]["ha"]["role"])
        expect(rows[a].locator(".device-role")).to_have_text("MASTER paired with edge-b")
        expect(rows[a].locator(".device-health")).to_have_text("ONLINE")
        for key in (a, b):
            code, served = api(server.url, "GET", "/devices/%s/loadbalancers" % key)
            expect(rows[key].locator(".device-lbs")).to_have_text(
                str(len(served["loadbalancers"])))
        dash.screenshot("devices.png")
    finally:
        # edge-b back (it catches up), then nothing left to deploy
        api(server.url, "PUT", "/devices/" + b, {"noop_down": "", "noop_unreachable": ""})
        delete_lbs(server, "t-pair")


def delete_lbs(server, tenant, seconds=20):
    """The tenant's load balancers, waited for: nothing of the test is left
    to deploy (the devices go with the module's server)."""
    for lb in api(server.url, "GET", "/%s/loadbalancers" % tenant)[1]["loadbalancers"]:
        assert api(server.url, "DELETE", "/%s/loadbalancers/%s" % (tenant, lb["id"]))[0] == 204
    deadline = time.monotonic() + seconds
    while api(server.url, "GET", "/%s/loadbalancers" % tenant)[1]["loadbalancers"]:
        assert time.monotonic() < deadline, "load balancers of %s not deleted" % tenant
        time.sleep(0.2)


def metrics_total(server):
    """The service's own count of the requests it answered (all routes)."""
    import urllib.request
    with urllib.request.urlopen(server.url + "/metrics", timeout=10) as response:
        text = response.read().decode()
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
               if line.startswith("balancer_api_requests_total"))


def deploys(count):
    return "%d deploy%s" % (count, "" if count == 1 else "s")


def answered_on_the_page(summary, seconds=30):
    """The requests the page counted since it opened, once the count holds
    the whole burst (a sample may fall in the middle of it)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        text = summary.text_content()
        found = re.fullmatch(r"About ([1-9]\d*) API requests per minute now; "
                             r"(\d+) answered since this page opened\.", text)
        if found and int(found.group(2)) >= BURST:
            return int(found.group(2))
        time.sleep(0.5)
    raise AssertionError("the page never counted the burst: %r" % text)


def test_deploys_and_requests_per_minute_follow_real_traffic(dash, server):
    device = add_device(server, name="charted")
    try:
        charted_traffic(dash, server, device)
    finally:
        delete_lbs(server, "t-chart")


def charted_traffic(dash, server, device):
    """The Deploys page before and after real requests and a deploy."""
    before = metrics_total(server)
    page = dash.open().page
    dash.choose_tenant("t-chart")
    page.get_by_role("link", name="Deploys").click()
    requests = page.locator("#requests-summary")
    expect(requests).to_have_text("Counting API requests; the rate shows after the next sample.")
    deploys_before = int(re.match(r"\d+", page.locator("#chart-summary").text_content()).group())
    # real requests and a real deploy, before the page's next sample
    for _ in range(BURST):
        assert api(server.url, "GET", "/algorithms")[0] == 200
    status, body = api(server.url, "POST", "/t-chart/loadbalancers",
                       dict(lb_body("charted1", 18621), device_id=device["id"]))
    assert status == 202, body
    wait_for_status(server, "t-chart", body["loadbalancer"]["id"], "ACTIVE")
    # in words: the rate now, and every request answered since the page opened
    answered = answered_on_the_page(requests)
    assert BURST <= answered <= metrics_total(server) - before, answered
    bars = page.locator("section[aria-labelledby='req-title'] svg g.bar title")
    assert bars.count() >= 1
    assert re.fullmatch(r"\d\d:\d\d UTC: about [1-9]\d* API requests per minute",
                        bars.last.text_content()), bars.last.text_content()
    # the deploy is counted, in words and in its minute's bar, as the API says
    code, history = api(server.url, "GET", "/deploys")
    total = sum(m["deploys"] for m in history["perMinute"])
    failed = sum(m["failed"] for m in history["perMinute"])
    assert total >= deploys_before + 1
    expect(page.locator("#chart-summary")).to_have_text(
        "%s in the last 30 minutes, %d not fully successful." % (deploys(total), failed))
    (newest,) = [d for d in history["deploys"] if d["device_id"] == device["id"]]
    assert newest["outcome"] == "SUCCESS", newest
    hour_minute = newest["started_at"][11:16]
    (minute,) = [m for m in history["perMinute"] if m["minute"][11:16] == hour_minute]
    bar = page.locator("section[aria-labelledby='chart-title'] svg g.bar title").filter(
        has_text=hour_minute + " UTC:")
    expect(bar).to_have_text("%s UTC: %s, %d not fully successful" % (
        hour_minute, deploys(minute["deploys"]), minute["failed"]))
    dash.screenshot("deploys.png")
