"""The dashboard on the Keystone pipeline of a real ``balancer-api``
process, in a real browser, against the real Keystone of the ``keystone``
fixture: signing in with a password (``POST /dashboard/signin``, which asks
Keystone with keystoneauth1) or with a token, and seeing only one's own
project.  Members of projects A and B hold the ``member`` role; ``admin``
is Keystone's bootstrap admin.  The device is a noop device.
"""

import pytest

from balancer.tests.integration.dashboard_browser import Dashboard, api, browser, expect  # noqa: F401
from balancer.tests.integration.test_keystone_server import KeystoneFlavorServer

pytestmark = pytest.mark.keystone


@pytest.fixture(scope="module")
def server(keystone, tmp_path_factory):
    options = {"paste_deploy__flavor": "keystone", "deploy__reconcile_interval": 0,
               "enabled_drivers": "noop"}
    options.update({"keystone_authtoken__" + k: v
                    for k, v in keystone.authtoken_options().items()})
    proc = KeystoneFlavorServer(str(tmp_path_factory.mktemp("dashboard-ks")), **options)
    proc.dbsync()
    proc.start()
    try:
        admin = keystone.token("admin")
        status, body = api(proc.url, "POST", "/devices",
                           {"name": "noop-ks", "type": "noop", "ip": "127.0.0.1"}, admin)
        assert status == 200, body
        proc.lbs = {}
        for project, user, port in (("A", "member-a", 18701), ("B", "member-b", 18702)):
            status, body = api(proc.url, "POST", "/%s/loadbalancers" % keystone.projects[project],
                               {"name": "lb-of-" + project,
                                "virtualIps": [{"address": "127.0.0.1", "port": port}],
                                "nodes": [{"address": "127.0.0.1", "port": 9000}]},
                               keystone.token(user))
            assert status == 202, body
            proc.lbs[project] = body["loadbalancer"]
        yield proc
    finally:
        proc.stop()


def sign_in(dash, user, password, project=None):
    page = dash.page
    page.get_by_role("heading", name="Sign in").wait_for()
    dash.field("username").fill(user)
    dash.field("password").fill(password)
    if project:
        dash.field("project").fill(project)
    page.get_by_role("button", name="Sign in", exact=True).click()


def test_password_sign_in_sees_only_its_own_project(dash, server, keystone):
    page = dash.open().page
    expect(page).to_have_url(server.url + "/dashboard/#/signin")
    dash.screenshot("sign-in.png")
    sign_in(dash, "member-a", "member-a-secret")
    expect(dash.status).to_contain_text("Signed in as member-a, project balancer-a.")
    expect(page.get_by_role("link", name="lb-of-A")).to_be_visible()
    expect(page.locator("#lb-list tbody tr")).to_have_count(1)
    expect(page.get_by_text("lb-of-B")).to_have_count(0)
    # a member is no operator: no links, and the page says why
    expect(page.get_by_role("link", name="Devices")).to_be_hidden()
    page.goto("/dashboard/#/devices")
    expect(page.get_by_text("Only operators (the admin role) may see this page.")).to_be_visible()
    # B's load balancer by its id, from A's session: the API says not found
    page.goto("/dashboard/#/lbs/" + server.lbs["B"]["id"])
    expect(page.locator("#lb-details")).to_contain_text("not found")
    expect(page.get_by_text("lb-of-B")).to_have_count(0)
    # every API call carried A's token: A's own answer matches the page
    status, body = api(server.url, "GET", "/%s/loadbalancers" % keystone.projects["A"],
                       token=page.evaluate("sessionStorage.getItem('balancer.dashboard.token')"))
    assert status == 200 and [lb["name"] for lb in body["loadbalancers"]] == ["lb-of-A"]
    page.goto("/dashboard/#/lbs")
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    assert page.evaluate("sessionStorage.getItem('balancer.dashboard.token')") is None


def test_a_wrong_password_is_refused_in_words(dash, server):
    page = dash.open().page
    sign_in(dash, "member-a", "not-the-password")
    expect(dash.status).to_contain_text("Not signed in: Keystone refused the user name, "
                                        "password or project.")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    assert page.evaluate("sessionStorage.getItem('balancer.dashboard.token')") is None


def test_token_sign_in_of_the_other_project(dash, server, keystone):
    page = dash.open().page
    dash.field("token").fill(keystone.token("member-b"))
    page.get_by_role("button", name="Sign in with the token").click()
    expect(page.get_by_role("link", name="lb-of-B")).to_be_visible()
    expect(page.get_by_text("lb-of-A")).to_have_count(0)
    page.get_by_role("link", name="lb-of-B").click()
    expect(page.locator("dl.facts dd").first).to_have_text("ACTIVE")


def test_a_bad_token_is_refused(dash, server):
    page = dash.open().page
    dash.field("token").fill("not-a-token")
    page.get_by_role("button", name="Sign in with the token").click()
    expect(dash.status).to_contain_text("Not signed in:")
    expect(dash.field("token")).to_have_attribute("aria-invalid", "true")


def test_the_admin_sees_the_operator_pages(dash, server, keystone):
    page = dash.open().page
    sign_in(dash, "admin", "adminpass", project="admin")
    expect(page.get_by_role("link", name="Devices")).to_be_visible()
    page.get_by_role("link", name="Devices").click()
    expect(page.get_by_role("rowheader", name="noop-ks")).to_be_visible()
    # two load balancers of two projects on the one device
    expect(page.locator("tr .device-lbs")).to_have_text("2")
    page.get_by_role("link", name="Deploys").click()
    expect(page.locator(".deploy-outcome").first).to_have_text("SUCCESS")
