"""A real browser for the dashboard's tests: Playwright driving Debian's
Chromium, headless, against a real ``balancer-api`` process.

Playwright cannot download its own browser here, so it launches
``/usr/bin/chromium`` (``apt-get install chromium``, in
tools/install-system-packages) with ``--no-sandbox`` (the tests run as
root).  Without either, the tests skip on a developer's machine and fail in
CI (``skip_outside_ci``).  Screenshots of the main pages go to
doc/source/dashboard/, where doc/source/dashboard.rst shows them.
"""

import contextlib
import json
import os
import time
import urllib.error
import urllib.request

import pytest

from balancer.tests.conftest import TOP, skip_outside_ci
from balancer.tests.integration.conftest import ServerProcess

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = os.path.join(TOP, "doc", "source", "dashboard")
TIMEOUT_MS = 20000
#: a desktop window; 200 % zoom shows half as many CSS pixels, twice as large
WINDOW = (1280, 900)
#: seconds each deploy of the noop server's device takes: long enough for a
#: page to see every change pending first, even on a busy machine
NOOP_DELAY = 2.5


def sync_playwright_or_skip():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        skip_outside_ci("PyPI playwright is not installed (test-requirements.txt)")
    if not os.access(CHROMIUM, os.X_OK):
        skip_outside_ci("Debian's chromium is not installed (tools/install-system-packages)")
    return sync_playwright


def expect(target, *args, **kwargs):
    """Playwright's ``expect``, imported when first used (the module loads
    without Playwright, so its tests can skip or fail in words)."""
    from playwright.sync_api import expect as playwright_expect
    # as long as any other wait here (its default is 5 s: less than a poll
    # interval plus a deploy on a busy machine)
    playwright_expect.set_options(timeout=TIMEOUT_MS)
    return playwright_expect(target, *args, **kwargs)


@pytest.fixture(scope="module")
def browser():
    sync_playwright = sync_playwright_or_skip()
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"],
                                              headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


class Dashboard:
    """One browser context (its own sessionStorage) on the dashboard."""

    def __init__(self, browser, base_url, zoom=1):
        width, height = WINDOW
        self.context = browser.new_context(
            base_url=base_url, viewport={"width": width // zoom, "height": height // zoom},
            device_scale_factor=zoom)
        self.context.set_default_timeout(TIMEOUT_MS)
        self.page = self.context.new_page()
        self.errors = []      # uncaught exceptions of the page's scripts
        self.page.on("pageerror", lambda err: self.errors.append(str(err)))
        # everything the page loads or asks comes from balancer-api itself:
        # no fonts, scripts or styles from elsewhere (an isolated network)
        self.foreign = []
        origin = base_url.rstrip("/") + "/"
        self.page.on("request", lambda request: None if request.url.startswith(
            (origin, "data:")) else self.foreign.append(request.url))

    def open(self, route=""):
        self.page.goto("/dashboard/" + route)
        return self

    @property
    def status(self):
        """The aria-live region every action's result is said in."""
        return self.page.locator("#status")

    def choose_tenant(self, tenant):
        self.page.get_by_label("Tenant").fill(tenant)
        self.page.get_by_role("button", name="Show this tenant").click()
        self.page.get_by_role("heading", name="Load balancers").wait_for()

    def field(self, name):
        """The input whose value goes to ``name`` in the request body."""
        return self.page.locator('[data-field="%s"]' % name)

    def screenshot(self, name):
        os.makedirs(SCREENSHOTS, exist_ok=True)
        self.page.screenshot(path=os.path.join(SCREENSHOTS, name), full_page=True)

    def close(self):
        self.context.close()
        assert self.errors == [], self.errors
        assert self.foreign == [], self.foreign


def api(base_url, method, path, body=None, token=None):
    """(status, JSON) of one API call, as any client makes it."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base_url + path, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("X-Auth-Token", token)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            raw, status = response.read(), response.status
    except urllib.error.HTTPError as err:
        raw, status = err.read(), err.code
    return status, (json.loads(raw) if raw.strip() else None)


@contextlib.contextmanager
def noop_server(workdir):
    """balancer-api (noauth) with one noop device: NOOP_DELAY s per deploy, no waiting
    in the API (so every change is seen pending), and a load balancer named
    ``doomed`` refused by the device, as HAProxy refuses one bad section."""
    proc = ServerProcess(str(workdir), deploy__wait_timeout=0,
                         deploy__reconcile_interval=0, enabled_drivers="noop")
    proc.dbsync()
    proc.start()
    try:
        status, body = api(proc.url, "POST", "/devices", {
            "name": "noop-slow", "type": "noop", "ip": "127.0.0.1", "noop_delay": str(NOOP_DELAY),
            "noop_reject": "doomed"})
        assert status == 200, body
        proc.device_id = body["device"]["id"]
        yield proc
    finally:
        proc.stop()


def lb_body(name, port, nodes=2):
    return {"name": name, "algorithm": "ROUND_ROBIN", "protocol": "HTTP",
            "virtualIps": [{"address": "127.0.0.1", "port": port}],
            "nodes": [{"address": "127.0.0.1", "port": 9000 + i} for i in range(nodes)]}


def made_by_api(server, tenant, name, port):
    status, body = api(server.url, "POST", "/%s/loadbalancers" % tenant, lb_body(name, port))
    assert status == 202, body
    lb = body["loadbalancer"]
    wait_for_status(server, tenant, lb["id"], "ACTIVE")
    return lb


def wait_for_status(server, tenant, lb_id, status, seconds=20):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        code, body = api(server.url, "GET", "/%s/loadbalancers/%s" % (tenant, lb_id))
        if code == 200 and body["loadbalancer"]["status"] == status:
            return body["loadbalancer"]
        time.sleep(0.2)
    raise AssertionError("%s did not reach %s" % (lb_id, status))


def fill_create_form(dash, name, port, node_port="9100"):
    dash.field("name").fill(name)
    dash.field("virtualIps.0.address").fill("127.0.0.1")
    dash.field("virtualIps.0.port").fill(str(port))
    dash.field("nodes.0.address").fill("127.0.0.1")
    dash.field("nodes.0.port").fill(node_port)
