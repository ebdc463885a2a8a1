"""The dashboard in a real browser, on the noauth pipeline of a real
``balancer-api`` process with a noop device (doc/source/dashboard.rst).

The device takes 2.5 s per deploy (``noop_delay``) and the API answers
without waiting (``[deploy] wait_timeout = 0``), so every change is seen
pending first and the page must follow it to ACTIVE by itself.  A load
balancer named ``doomed`` is refused by the device (``noop_reject``), the
way HAProxy refuses one bad section.  Each test uses its own tenant.
"""

import pytest

from balancer.tests.integration.dashboard_browser import (  # noqa: F401
    Dashboard,
    api,
    browser,
    expect,
    fill_create_form,
    lb_body,
    made_by_api,
    noop_server,
)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with noop_server(tmp_path_factory.mktemp("dashboard")) as proc:
        yield proc


def test_create_from_the_form_and_watch_it_reach_active(dash, server):
    page = dash.open().page
    dash.choose_tenant("t-create")
    expect(page.get_by_text("Tenant t-create has no load balancers yet.")).to_be_visible()
    page.evaluate("window.sameDocument = true")        # gone if the page reloads
    page.get_by_role("link", name="Create a load balancer").click()
    fill_create_form(dash, "web1", 18601)
    page.get_by_role("button", name="Add another node").click()
    dash.field("nodes.1.address").fill("127.0.0.1")
    dash.field("nodes.1.port").fill("9101")
    dash.field("healthMonitor.0.type").select_option("HTTP")
    dash.screenshot("create-form.png")
    page.get_by_role("button", name="Create").click()
    # the details page shows the pending status first, then follows the deploy
    expect(page.get_by_role("heading", name="Load balancer web1")).to_be_visible()
    status = page.locator("dl.facts dd").first
    expect(status).to_have_text("BUILD")
    expect(status).to_have_text("ACTIVE")
    expect(dash.status).to_contain_text("Load balancer web1 is now ACTIVE.")
    assert page.evaluate("window.sameDocument") is True
    # what the page shows is what the API says
    code, body = api(server.url, "GET", "/t-create/loadbalancers")
    (lb,) = body["loadbalancers"]
    assert lb["name"] == "web1" and lb["status"] == "ACTIVE"
    code, details = api(server.url, "GET", "/t-create/loadbalancers/%s/details" % lb["id"])
    assert sorted(n["port"] for n in details["nodes"]) == [9100, 9101]
    assert [m["type"] for m in details["healthMonitor"]] == ["HTTP"]
    expect(page.get_by_role("link", name="http://127.0.0.1:18601/")).to_be_visible()
    dash.screenshot("lb-details.png")
    page.get_by_role("link", name="Load balancers", exact=True).click()
    row = page.locator("tr[data-lb-id='%s']" % lb["id"])
    expect(row.locator(".lb-status")).to_have_text("ACTIVE")
    expect(row.locator(".lb-operating")).to_have_text("ONLINE")
    dash.screenshot("lb-list.png")


def test_list_follows_a_change_from_elsewhere_without_a_reload(dash, server):
    """A change made by another client shows up, pending then ACTIVE; a
    device of its own takes 8 s per deploy, longer than the page's slow
    polling interval, so the page must see it pending."""
    status, body = api(server.url, "POST", "/devices", {
        "name": "noop-slower", "type": "noop", "ip": "127.0.0.1", "noop_delay": "8"})
    assert status == 200, body
    slower = body["device"]["id"]
    try:
        page = dash.open().page
        dash.choose_tenant("t-live")
        page.evaluate("window.sameDocument = true")
        status, body = api(server.url, "POST", "/t-live/loadbalancers",
                           dict(lb_body("live1", 18602), device_id=slower))
        assert status == 202 and body["loadbalancer"]["status"] == "BUILD", body
        lb_id = body["loadbalancer"]["id"]
        row = page.locator("tr[data-lb-id='%s'] .lb-status" % lb_id)
        expect(row).to_have_text("BUILD")
        expect(row).to_have_text("ACTIVE")
        expect(dash.status).to_contain_text("Load balancer live1 is now ACTIVE.")
        assert page.evaluate("window.sameDocument") is True
        assert api(server.url, "DELETE", "/t-live/loadbalancers/" + lb_id)[0] == 204
    finally:
        wait_until_deleted(server, slower)


def wait_until_deleted(server, device_id, seconds=30):
    """Delete the device once its load balancers are gone (deletes deploy too)."""
    import time
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if api(server.url, "DELETE", "/devices/" + device_id)[0] in (204, 404):
            return
        time.sleep(0.5)
    raise AssertionError("device %s still in use" % device_id)


def test_bad_input_shows_the_apis_message_at_its_field(dash, server):
    page = dash.open().page
    dash.choose_tenant("t-invalid")
    page.get_by_role("link", name="New load balancer").click()
    fill_create_form(dash, "bad", 99999)
    page.get_by_role("button", name="Create").click()
    # the API's own words for the same body
    status, answer = api(server.url, "POST", "/t-invalid/loadbalancers",
                         {"name": "bad", "algorithm": "ROUND_ROBIN", "protocol": "HTTP",
                          "virtualIps": [{"address": "127.0.0.1", "port": "99999"}],
                          "nodes": [{"address": "127.0.0.1", "port": "9100"}]})
    assert status == 400 and answer["error"]["field"] == "virtualIps.0.port", answer
    message = answer["error"]["message"]
    port = dash.field("virtualIps.0.port")
    expect(port).to_have_attribute("aria-invalid", "true")
    expect(port).to_be_focused()
    problem = page.locator("#" + port.get_attribute("id") + "-problem")
    expect(problem).to_have_text(message)
    expect(dash.status).to_contain_text("Not saved: " + message)
    expect(dash.field("nodes.0.port")).not_to_have_attribute("aria-invalid", "true")
    dash.screenshot("validation-error.png")
    # a second mistake elsewhere moves the message to that field
    port.fill("18603")
    dash.field("nodes.0.address").fill("not-an-address")
    page.get_by_role("button", name="Create").click()
    node = dash.field("nodes.0.address")
    expect(node).to_have_attribute("aria-invalid", "true")
    expect(port).not_to_have_attribute("aria-invalid", "true")
    expect(dash.status).to_contain_text("invalid nodes.0.address")
    assert api(server.url, "GET", "/t-invalid/loadbalancers")[1] == {"loadbalancers": []}


def test_drain_a_node_and_see_its_state_change(dash, server):
    lb = made_by_api(server, "t-drain", "drain1", 18604)
    page = dash.open().page
    dash.choose_tenant("t-drain")
    page.get_by_role("link", name="drain1").click()
    code, details = api(server.url, "GET", "/t-drain/loadbalancers/%s/details" % lb["id"])
    node = details["nodes"][0]
    row = page.locator("tr[data-node-id='%s']" % node["id"])
    expect(row.locator(".node-health")).to_have_text("UP")
    row.get_by_role("button", name="DRAINING").click()
    expect(dash.status).to_contain_text("Node 127.0.0.1:%d is now DRAINING" % node["port"])
    expect(row.locator(".node-condition")).to_have_text("DRAINING")
    expect(row.get_by_role("button", name="DRAINING")).to_have_attribute("aria-pressed", "true")
    expect(row.locator(".node-health")).to_have_text("DRAIN")
    code, after = api(server.url, "GET", "/t-drain/loadbalancers/%s/nodes/%s"
                      % (lb["id"], node["id"]))
    assert after["node"]["condition"] == "DRAINING", after
    other = [n for n in details["nodes"] if n["id"] != node["id"]][0]
    expect(page.locator("tr[data-node-id='%s'] .node-condition" % other["id"])).to_have_text(
        "ENABLED")
    row.get_by_role("button", name="ENABLED").click()
    expect(row.locator(".node-health")).to_have_text("UP")


def test_a_failed_change_shows_its_error_text(dash, server):
    page = dash.open("#/new").page
    dash.choose_tenant("t-error")
    page.get_by_role("link", name="New load balancer").click()
    fill_create_form(dash, "doomed", 18605)
    page.get_by_role("button", name="Create").click()
    expect(page.locator("dl.facts dd").first).to_have_text("ERROR")
    code, body = api(server.url, "GET", "/t-error/loadbalancers")
    (lb,) = body["loadbalancers"]
    assert lb["status"] == "ERROR" and lb["statusDescription"], lb
    expect(page.locator("#lb-error")).to_have_text(lb["statusDescription"])
    expect(dash.status).to_contain_text("Load balancer doomed is now ERROR")


def test_delete_asks_first(dash, server):
    lb = made_by_api(server, "t-delete", "gone1", 18606)
    page = dash.open().page
    dash.choose_tenant("t-delete")
    page.get_by_role("link", name="gone1").click()
    page.get_by_role("button", name="Delete…").click()
    expect(dash.status).to_contain_text("Confirm deleting load balancer gone1.")
    page.get_by_role("button", name="Cancel").click()
    expect(dash.status).to_contain_text("Delete cancelled.")
    assert api(server.url, "GET", "/t-delete/loadbalancers/" + lb["id"])[0] == 200
    page.get_by_role("button", name="Delete…").click()
    page.get_by_role("button", name="Yes, delete gone1").click()
    expect(dash.status).to_contain_text("Load balancer gone1 was deleted.")
    expect(page.get_by_text("Tenant t-delete has no load balancers yet.")).to_be_visible()
    assert api(server.url, "GET", "/t-delete/loadbalancers/" + lb["id"])[0] == 404


def test_edit_and_add_a_node_with_the_apis_messages(dash, server):
    lb = made_by_api(server, "t-edit", "before", 18610)
    page = dash.open().page
    dash.choose_tenant("t-edit")
    page.get_by_role("link", name="before").click()
    page.get_by_role("link", name="Edit").click()
    expect(page.get_by_role("heading", name="Edit load balancer")).to_be_visible()
    expect(dash.field("name")).to_have_value("before")
    dash.field("name").fill("x" * 300)
    page.get_by_role("button", name="Save").click()
    code, answer = api(server.url, "PUT", "/t-edit/loadbalancers/" + lb["id"], {"name": "x" * 300})
    assert code == 400 and answer["error"]["field"] == "name"
    expect(dash.field("name")).to_have_attribute("aria-invalid", "true")
    expect(dash.status).to_contain_text("Not saved: " + answer["error"]["message"])
    dash.field("name").fill("after")
    dash.field("algorithm").select_option("LEAST_CONNECTION")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name="Load balancer after")).to_be_visible()
    expect(page.locator("dl.facts dd").first).to_have_text("ACTIVE")
    code, body = api(server.url, "GET", "/t-edit/loadbalancers/" + lb["id"])
    assert (body["loadbalancer"]["name"], body["loadbalancer"]["algorithm"]) == (
        "after", "LEAST_CONNECTION")
    # a node added from the details page, after one refused
    form = page.locator("#add-node-form")
    form.locator('[data-field="nodes.0.address"]').fill("127.0.0.1")
    form.locator('[data-field="nodes.0.port"]').fill("0")
    form.get_by_role("button", name="Add node").click()
    expect(form.locator('[data-field="nodes.0.port"]')).to_have_attribute("aria-invalid", "true")
    expect(dash.status).to_contain_text("Not saved: invalid nodes.0.port")
    form.locator('[data-field="nodes.0.port"]').fill("9333")
    form.get_by_role("button", name="Add node").click()
    expect(dash.status).to_contain_text("Node 127.0.0.1:9333 added")
    expect(page.get_by_role("rowheader", name="127.0.0.1:9333")).to_be_visible()
    expect(page.locator("dl.facts dd").first).to_have_text("ACTIVE")


def test_disable_a_node_and_see_it_in_maintenance(dash, server):
    """DISABLED from the page: the API stores it and the device's health of
    the node is MAINT (the noop device reports what a condition makes a node,
    as HAProxy does; test_dashboard_haproxy.py sees a real box's)."""
    lb = made_by_api(server, "t-disable", "disable1", 18611)
    page = dash.open().page
    dash.choose_tenant("t-disable")
    page.get_by_role("link", name="disable1").click()
    code, details = api(server.url, "GET", "/t-disable/loadbalancers/%s/details" % lb["id"])
    node, other = details["nodes"]
    row = page.locator("tr[data-node-id='%s']" % node["id"])
    expect(row.locator(".node-condition")).to_have_text("ENABLED")
    row.get_by_role("button", name="DISABLED").click()
    expect(dash.status).to_contain_text("Node 127.0.0.1:%d is now DISABLED" % node["port"])
    expect(row.locator(".node-condition")).to_have_text("DISABLED")
    # a disabled node is deployed (PENDING_UPDATE), then the device reports it
    expect(page.locator("dl.facts dd").first).to_have_text("ACTIVE")
    expect(row.locator(".node-health")).to_have_text("MAINT")
    expect(row.get_by_role("button", name="DISABLED")).to_have_attribute("aria-pressed", "true")
    expect(row.get_by_role("button", name="ENABLED")).to_have_attribute("aria-pressed", "false")
    code, after = api(server.url, "GET", "/t-disable/loadbalancers/%s/nodes/%s"
                      % (lb["id"], node["id"]))
    assert after["node"]["condition"] == "DISABLED", after
    # a fresh page reads the same from the API, and the other node is untouched
    page.reload()
    expect(row.locator(".node-condition")).to_have_text("DISABLED")
    expect(row.locator(".node-health")).to_have_text("MAINT")
    other_row = page.locator("tr[data-node-id='%s']" % other["id"])
    expect(other_row.locator(".node-condition")).to_have_text("ENABLED")
    expect(other_row.locator(".node-health")).to_have_text("UP")


def test_persistence_and_a_monitor_added_elsewhere_show_up(dash, server):
    """Session persistence and a health monitor made through the API while
    the details page is open appear on it without a reload."""
    lb = made_by_api(server, "t-sticky", "sticky1", 18612)
    page = dash.open().page
    dash.choose_tenant("t-sticky")
    page.get_by_role("link", name="sticky1").click()
    expect(page.get_by_text("No session persistence.")).to_be_visible()
    expect(page.get_by_text("No health monitor: every node counts as up.")).to_be_visible()
    page.evaluate("window.sameDocument = true")
    # a keyboard user on the VIP's link keeps it while the page redraws
    vip_link = page.get_by_role("link", name="http://127.0.0.1:18612/")
    vip_link.focus()
    path = "/t-sticky/loadbalancers/" + lb["id"]
    status, body = api(server.url, "POST", path + "/sessionPersistence",
                       {"type": "APP_COOKIE", "cookieName": "JSESSIONID"})
    assert status == 200, body
    status, body = api(server.url, "POST", path + "/healthMonitoring", {"healthMonitoring": {
        "type": "HTTP", "delay": 7, "timeout": 3, "attemptsBeforeDeactivation": 2,
        "path": "/alive"}})
    assert status == 200, body
    persistence = page.get_by_role("table", name="How clients stick to a node")
    expect(persistence.locator("tbody td")).to_have_text(["APP_COOKIE", "JSESSIONID"])
    code, details = api(server.url, "GET", path + "/details")
    assert [(s["type"], s["cookieName"]) for s in details["sessionPersistence"]] == [
        ("APP_COOKIE", "JSESSIONID")], details
    (monitor,) = details["healthMonitor"]
    assert (monitor["type"], monitor["delay"], monitor["path"]) == ("HTTP", 7, "/alive")
    monitors = page.get_by_role("table", name="How the nodes are checked")
    expect(monitors.locator("tbody td")).to_have_text(
        ["HTTP", "7", "3", "2", "GET /alive expects %s" % monitor["expected"]])
    assert page.evaluate("window.sameDocument") is True
    expect(vip_link).to_be_focused()
