"""The dashboard in a real browser driving a real HAProxy box: a load
balancer made from the form goes live on the box, its VIP link answers
from the backends, and draining a node from the page takes it out of the
traffic, with the health the box reports (DRAIN) shown on the page.

The server is a real ``balancer-api`` process (noauth pipeline); the box
is ``balancer.tests.lab.HaproxyBox`` (HAProxy, sshd and three backends,
inside a network namespace when the machine allows it).
"""

import pytest

from balancer.tests.integration.conftest import ServerProcess
from balancer.tests.integration.dashboard_browser import Dashboard, api, browser, expect  # noqa: F401


@pytest.fixture(scope="module")
def server(api_box, tmp_path_factory):
    proc = ServerProcess(str(tmp_path_factory.mktemp("dashboard-box")),
                         deploy__reconcile_interval=0, deploy__wait_timeout=0,
                         deploy__ssh_connect_timeout=3, deploy__ssh_command_timeout=20)
    proc.dbsync()
    proc.start()
    try:
        status, body = api(proc.url, "POST", "/devices", api_box.api_device_body())
        assert status == 200, body
        yield proc
    finally:
        proc.stop()


def served_by(box, port, count=6):
    names = []
    for _ in range(count):
        status, body, _headers = box.get(box.vip_url(port))
        assert status == 200, body
        names.append(body.strip())
    return names


def test_form_to_live_traffic_and_drain(browser, server, api_box):  # noqa: F811
    dash = Dashboard(browser, server.url)
    try:
        page = dash.open().page
        dash.choose_tenant("t-box")
        page.get_by_role("link", name="New load balancer").click()
        port = api_box.free_vip_port(80)
        dash.field("name").fill("box1")
        dash.field("virtualIps.0.address").fill(api_box.ip)
        dash.field("virtualIps.0.port").fill(str(port))
        backends = api_box.backend_nodes()
        for index, (address, node_port, _name) in enumerate(backends):
            if index:
                page.get_by_role("button", name="Add another node").click()
            dash.field("nodes.%d.address" % index).fill(address)
            dash.field("nodes.%d.port" % index).fill(str(node_port))
        page.get_by_role("button", name="Create").click()
        expect(page.get_by_role("heading", name="Load balancer box1")).to_be_visible()
        expect(page.locator("dl.facts dd").first).to_have_text("ACTIVE")
        assert set(served_by(api_box, port)) == {name for _a, _p, name in backends}
        # the VIP's link on the page reaches the backends through HAProxy
        url = api_box.vip_url(port)
        with dash.context.expect_page() as opened:
            page.get_by_role("link", name=url).click()
        vip_page = opened.value
        vip_page.wait_for_load_state()
        assert vip_page.locator("body").inner_text().strip() in {n for _a, _p, n in backends}
        vip_page.close()
        # drain the first backend from the page
        address, first_port, first_name = backends[0]
        row = page.locator("tr", has=page.get_by_role("rowheader",
                                                      name="%s:%d" % (address, first_port)))
        expect(row.locator(".node-health")).to_have_text("UP")
        row.get_by_role("button", name="DRAINING").click()
        expect(dash.status).to_contain_text("Node %s:%d is now DRAINING" % (address, first_port))
        expect(row.locator(".node-health")).to_have_text("DRAIN")
        assert first_name not in served_by(api_box, port)
        dash.screenshot("haproxy-drain.png")
        row.get_by_role("button", name="ENABLED").click()
        expect(row.locator(".node-health")).to_have_text("UP")
        assert api_box.wait_for(lambda: first_name in served_by(api_box, port, 9))
    finally:
        dash.close()


def test_health_down_and_maint_as_the_box_reports_them(browser, server, api_box):  # noqa: F811
    """A node failing its health check shows DOWN; one disabled from the
    page shows MAINT, is stored DISABLED and gets no traffic."""
    port = api_box.free_vip_port(81)
    monitor = {"type": "HTTP", "delay": "1", "timeout": "1", "attemptsBeforeDeactivation": "1",
               "method": "GET", "path": "/health", "expected": "200"}
    backends = api_box.backend_nodes()
    status, body = api(server.url, "POST", "/t-health/loadbalancers", {
        "name": "health1", "algorithm": "ROUND_ROBIN", "protocol": "HTTP",
        "virtualIps": [{"address": api_box.ip, "port": port}],
        "nodes": [{"address": a, "port": p} for a, p, _n in backends],
        "healthMonitor": [monitor]})
    assert status == 202, body
    lb_id = body["loadbalancer"]["id"]
    api_box.fail_health(0)
    dash = Dashboard(browser, server.url)
    try:
        page = dash.open().page
        dash.choose_tenant("t-health")
        page.get_by_role("link", name="health1").click()
        expect(page.locator("dl.facts dd").first).to_have_text("ACTIVE")
        rows = [page.locator("tr", has=page.get_by_role("rowheader", name="%s:%d" % (a, p)))
                for a, p, _n in backends]
        expect(rows[0].locator(".node-health")).to_have_text("DOWN")
        expect(rows[0].locator(".node-condition")).to_have_text("ENABLED")
        expect(rows[1].locator(".node-health")).to_have_text("UP")
        rows[1].get_by_role("button", name="DISABLED").click()
        expect(dash.status).to_contain_text("Node %s:%d is now DISABLED" % backends[1][:2])
        expect(rows[1].locator(".node-condition")).to_have_text("DISABLED")
        expect(rows[1].locator(".node-health")).to_have_text("MAINT")
        expect(rows[2].locator(".node-health")).to_have_text("UP")
        code, nodes = api(server.url, "GET", "/t-health/loadbalancers/%s/nodes" % lb_id)
        stored = {(n["address"], n["port"]): n for n in nodes["nodes"]}
        assert stored[backends[1][:2]]["condition"] == "DISABLED", nodes
        assert [stored[(a, p)]["operatingStatus"] for a, p, _n in backends] == [
            "DOWN", "MAINT", "UP"], nodes
        # only the third backend is left to serve
        assert set(served_by(api_box, port)) == {backends[2][2]}
        dash.screenshot("haproxy-down-maint.png")
    finally:
        api_box.fail_health(0, failing=False)
        dash.close()
        path = "/t-health/loadbalancers/" + lb_id
        assert api(server.url, "DELETE", path)[0] == 204
        assert api_box.wait_for(lambda: api(server.url, "GET", path)[0] == 404, timeout=30)
