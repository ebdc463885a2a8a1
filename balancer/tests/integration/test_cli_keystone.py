"""``balancer --os-*`` and ``openstack balancer`` against a real Keystone.

A real ``balancer-api`` runs the keystone flavor of the pipeline, validating
every token with the real Keystone of the ``keystone`` fixture, and is
registered in its catalog under the service type ``balancer`` (as
doc/source/cli.rst tells operators to).  The CLI logs in with a password or a
token, finds the API in the catalog, and acts as the token's project.
"""

import json

import pytest

from balancer.tests.integration import cli_runner
from balancer.tests.integration.keystone_fixture import ADMIN_PASSWORD

pytestmark = pytest.mark.keystone


def register(keystone, url):
    """The ``balancer`` service and its public endpoint in the catalog
    (updated when a run before this one registered another URL)."""
    admin = keystone.token("admin")
    services = keystone._call("GET", "/services?type=balancer", None, admin)["services"]
    if services:
        service_id = services[0]["id"]
    else:
        service_id = keystone._call("POST", "/services", {"service": {
            "type": "balancer", "name": "balancer"}}, admin)["service"]["id"]
    endpoints = keystone._call("GET", "/endpoints?service_id=%s" % service_id, None,
                               admin)["endpoints"]
    for endpoint in endpoints:
        keystone._call("DELETE", "/endpoints/%s" % endpoint["id"], None, admin)
    keystone._call("POST", "/endpoints", {"endpoint": {
        "service_id": service_id, "interface": "public", "url": url,
        "region_id": "RegionOne"}}, admin)


@pytest.fixture(scope="module")
def server(keystone, tmp_path_factory):
    options = dict(keystone.authtoken_options())
    with cli_runner.ApiServer(str(tmp_path_factory.mktemp("cli-ks")),
                              paste_deploy={"flavor": "keystone"},
                              keystone_authtoken=options) as api:
        register(keystone, api.url)
        yield api


def login(keystone, user, password=None, project=None):
    return ["--os-auth-url", keystone.url, "--os-username", user,
            "--os-password", password or (ADMIN_PASSWORD if user == "admin"
                                          else keystone._passwords[user]),
            "--os-project-name", project or keystone._scopes[user],
            "--os-user-domain-name", "Default", "--os-project-domain-name", "Default"]


def run_json(*args, env=None, program="balancer"):
    code, out, err = cli_runner.balancer(*args, "-f", "json", env=env, program=program)
    assert code == 0, "%s %s -> %d\n%s%s" % (program, " ".join(args), code, out, err)
    return json.loads(out)


def test_password_login_finds_the_api_in_the_catalog(keystone, server):
    device = run_json(*login(keystone, "admin"), "device-create", "--name", "ks-noop",
                      "--type", "noop", "--ip", "127.0.0.1")
    member = login(keystone, "member-a")
    lb = run_json(*member, "lb-create", "--name", "ks-lb", "--device-id", device["id"],
                  "--wait")
    # the tenant is the token's project
    assert (lb["tenant_id"], lb["status"]) == (keystone.projects["A"], "ACTIVE")
    assert lb["id"] in [r["id"] for r in run_json(*member, "lb-list")]
    # project B sees none of A's
    assert lb["id"] not in [r["id"] for r in run_json(*login(keystone, "member-b"),
                                                       "lb-list")]
    # a member may not touch devices: the service's 403, printed
    code, _out, err = cli_runner.balancer(*member, "device-list")
    assert code == 1 and "403" in err
    # OS_* variables instead of options, and a token instead of a password
    env = cli_runner.clean_env(OS_AUTH_URL=keystone.url, OS_USERNAME="member-a",
                               OS_PASSWORD=keystone._passwords["member-a"],
                               OS_PROJECT_NAME="balancer-a")
    assert lb["id"] in [r["id"] for r in run_json("lb-list", env=env)]
    token = ["--os-auth-url", keystone.url, "--os-token", keystone.token("member-a"),
             "--os-project-id", keystone.projects["A"]]
    assert run_json(*token, "lb-show", lb["id"])["name"] == "ks-lb"
    code, _out, _err = cli_runner.balancer(*member, "lb-delete", lb["id"], "--wait")
    assert code == 0


def test_bad_password_is_a_clear_error(keystone, server):
    code, _out, err = cli_runner.balancer(*login(keystone, "member-a", password="wrong"),
                                          "lb-list")
    assert code == 1 and "401" in err


def test_openstackclient_plugin(keystone, server):
    # python-openstackclient is a test requirement: missing, this fails
    assert cli_runner.console_script("openstack"), "python-openstackclient is not installed"
    args = login(keystone, "member-a") + ["--os-identity-api-version", "3"]
    lb = run_json(*args, "balancer", "lb", "create", "--name", "osc-lb",
                  program="openstack")
    assert lb["tenant_id"] == keystone.projects["A"]
    listed = run_json(*args, "balancer", "lb", "list", program="openstack")
    assert lb["id"] in [r["ID"] if "ID" in r else r["id"] for r in listed]
    code, _out, err = cli_runner.balancer(*args, "balancer", "lb", "delete", lb["id"],
                                          "--wait", program="openstack")
    assert code == 0, err
    # OpenStackClient's own load balancer words stay Octavia's
    code, out, _err = cli_runner.balancer("command", "list", "--group", "balancer",
                                          program="openstack",
                                          env=cli_runner.clean_env())
    assert "balancer lb create" in out and "loadbalancer" not in out
    # the tenant features too (setup.cfg's entry points, from registry.COMMANDS)
    cells = {cell.strip() for line in out.splitlines() for cell in line.split("|")}
    assert {"balancer access add", "balancer throttle set", "balancer vip create"} <= cells
