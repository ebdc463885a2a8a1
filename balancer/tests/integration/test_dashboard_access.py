"""The dashboard without a mouse, at 200 % zoom, and its operator pages, in a
real browser on the noauth pipeline of a real ``balancer-api`` process
(``noop_server``: a noop device that takes NOOP_DELAY s per deploy).  Each test uses
its own tenant."""

import re
import time

import pytest

from balancer.tests.integration.dashboard_browser import (  # noqa: F401
    NOOP_DELAY,
    Dashboard,
    api,
    browser,
    expect,
    made_by_api,
    noop_server,
)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with noop_server(tmp_path_factory.mktemp("dashboard")) as proc:
        yield proc


def focus_until(page, predicate_js, presses=80):
    """Press Tab until the focused element satisfies ``predicate_js``."""
    for _ in range(presses):
        page.keyboard.press("Tab")
        if page.evaluate("(() => { const e = document.activeElement; return %s; })()"
                         % predicate_js):
            return
    raise AssertionError("Tab never reached: " + predicate_js)


def test_keyboard_only(dash, server):
    """Tenant, create, details, drain: Tab, typing, Enter and Space only."""
    page = dash.open().page
    keys = page.keyboard
    page.get_by_label("Tenant").wait_for()
    focus_until(page, "e.name === 'tenant'")
    keys.type("t-keys")
    keys.press("Enter")
    expect(page.get_by_role("heading", name="Load balancers")).to_be_focused()
    focus_until(page, "e.textContent === 'Create a load balancer'")
    keys.press("Enter")
    expect(page.get_by_role("heading", name="New load balancer")).to_be_focused()
    for field, text in (("name", "keys1"), ("virtualIps.0.address", "127.0.0.1"),
                        ("virtualIps.0.port", "18607"), ("nodes.0.address", "127.0.0.1"),
                        ("nodes.0.port", "9200")):
        focus_until(page, "e.dataset && e.dataset.field === '%s'" % field)
        keys.type(text)
    # the focused field shows where it is
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline not in ("", "none"), outline
    focus_until(page, "e.tagName === 'BUTTON' && e.textContent === 'Create'")
    keys.press("Enter")
    expect(page.get_by_role("heading", name="Load balancer keys1")).to_be_focused()
    expect(page.locator("dl.facts dd").first).to_have_text("ACTIVE")
    focus_until(page, "e.dataset && e.dataset.condition === 'DRAINING'")
    keys.press("Space")
    expect(dash.status).to_contain_text("is now DRAINING")
    expect(page.locator("tr[data-node-id] .node-condition").first).to_have_text("DRAINING")
    # delete, confirmed from the keyboard too
    focus_until(page, "e.id === 'delete-lb'")
    keys.press("Enter")
    expect(page.get_by_role("button", name="Yes, delete keys1")).to_be_focused()
    keys.press("Enter")
    expect(dash.status).to_contain_text("Load balancer keys1 was deleted.")


def test_readable_at_200_percent_zoom(browser, server):  # noqa: F811
    made_by_api(server, "t-zoom", "zoomed-load-balancer-with-a-long-name", 18608)
    dash = Dashboard(browser, server.url, zoom=2)
    try:
        page = dash.open().page
        dash.choose_tenant("t-zoom")
        link = page.get_by_role("link", name="zoomed-load-balancer-with-a-long-name")
        expect(link).to_be_visible()
        assert no_sideways_scrolling(page)
        link.click()
        expect(page.locator("dl.facts dd").first).to_have_text("ACTIVE")
        assert no_sideways_scrolling(page)
        drain = page.get_by_role("button", name="DRAINING").first
        drain.scroll_into_view_if_needed()
        expect(drain).to_be_in_viewport()
        box = drain.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= page.viewport_size["width"], box
        # text really is twice as large as at 100 %: 16 CSS px, 32 device px
        assert page.evaluate("getComputedStyle(document.body).fontSize") == "16px"
        assert page.evaluate("window.devicePixelRatio") == 2
        dash.screenshot("zoom-200.png")
        page.get_by_role("link", name="New load balancer").click()
        assert no_sideways_scrolling(page)
    finally:
        dash.close()


def no_sideways_scrolling(page):
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_operator_pages(dash, server):
    made_by_api(server, "t-ops", "ops1", 18609)
    page = dash.open().page
    dash.choose_tenant("t-ops")
    page.get_by_role("link", name="Devices").click()
    row = page.locator("tr[data-device-id='%s']" % server.device_id)
    expect(row.locator(".device-reachability")).to_have_text("ONLINE")
    code, on_device = api(server.url, "GET", "/devices/%s/loadbalancers" % server.device_id)
    errors = sum(lb["status"] == "ERROR" for lb in on_device["loadbalancers"])
    expected = str(len(on_device["loadbalancers"])) + (" (%d in ERROR)" % errors if errors else "")
    expect(row.locator(".device-lbs")).to_have_text(expected)
    # the prober's word once it has probed the device ([health] probe_interval);
    # a device without a peer has no HA role (test_dashboard_operator.py: a pair)
    device = wait_for_health(server, server.device_id, "ONLINE")
    assert device["ha"] is None, device
    expect(row.locator(".device-health")).to_have_text("ONLINE")
    expect(row.locator(".device-role")).to_have_text("single device")
    page.get_by_role("link", name="Deploys").click()
    code, history = api(server.url, "GET", "/deploys?limit=20")
    newest = history["deploys"][0]
    assert newest["outcome"] in ("SUCCESS", "PARTIAL", "FAILED")
    assert newest["duration_ms"] >= NOOP_DELAY * 1000
    expect(page.locator(".deploy-outcome").first).to_have_text(newest["outcome"])
    expect(page.get_by_text("%d ms" % newest["duration_ms"]).first).to_be_visible()
    expect(page.locator("#chart-summary")).to_have_text(re.compile(r"^\d+ deploys? in the last 30"))
    total = int(page.locator("#chart-summary").text_content().split()[0])
    assert total >= 1
    assert page.locator(".chart svg rect").count() >= 1


def wait_for_health(server, device_id, word, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        device = api(server.url, "GET", "/devices/" + device_id)[1]["device"]
        if device["health"] == word:
            return device
        time.sleep(0.5)
    raise AssertionError("device %s never %s: %s" % (device_id, word, device))
