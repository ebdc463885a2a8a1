"""``balancer --os-*``, ``balancer --endpoint --token``, ``Client.with_password``/
``with_token``, ``Client(endpoint, token)`` and ``openstack balancer`` against a
real Keystone.

A real ``balancer-api`` runs the keystone flavor of the pipeline, validating
every token with the real Keystone of the ``keystone`` fixture, and is
registered in its catalog under the service type ``balancer`` (as
doc/source/cli.rst tells operators to).  The CLI and the library log in with
a password or a token, find the API in the catalog, and act as the token's
project.  A second service type (``ALT``) has a public endpoint that goes
nowhere and an internal one, in RegionTwo only, that is the API: so choosing
the service type, the interface and the region each decides whether a call
reaches the API.  The original's plain mode, ``--endpoint <api>/<project>
--token <token>`` (``SERVICE_ENDPOINT``/``SERVICE_TOKEN``), sends a token
taken from Keystone beforehand, which the API's pipeline checks with Keystone.
"""

import json

import pytest

from balancer.client import Client, ClientError, ConnectionFailed, Forbidden, Unauthorized
from balancer.tests.integration import cli_runner
from balancer.tests.integration.keystone_fixture import ADMIN_PASSWORD, free_port, http

pytestmark = pytest.mark.keystone


#: a second service type, to tell interfaces and regions apart
ALT = "balancer-alt"


def register(keystone, service_type, endpoints):
    """The service and its ``(interface, region, url)`` endpoints in the
    catalog (replacing any a run before this one registered)."""
    admin = keystone.token("admin")
    for region in {region for _interface, region, _url in endpoints}:
        if http("GET", keystone.url + "/regions/" + region, token=admin)[0] == 404:
            keystone._call("POST", "/regions", {"region": {"id": region}}, admin)
    services = keystone._call("GET", "/services?type=" + service_type, None,
                              admin)["services"]
    if services:
        service_id = services[0]["id"]
    else:
        service_id = keystone._call("POST", "/services", {"service": {
            "type": service_type, "name": service_type}}, admin)["service"]["id"]
    old = keystone._call("GET", "/endpoints?service_id=%s" % service_id, None,
                         admin)["endpoints"]
    for endpoint in old:
        keystone._call("DELETE", "/endpoints/%s" % endpoint["id"], None, admin)
    for interface, region, url in endpoints:
        keystone._call("POST", "/endpoints", {"endpoint": {
            "service_id": service_id, "interface": interface, "url": url,
            "region_id": region}}, admin)


@pytest.fixture(scope="module")
def server(keystone, tmp_path_factory):
    options = dict(keystone.authtoken_options())
    with cli_runner.ApiServer(str(tmp_path_factory.mktemp("cli-ks")),
                              paste_deploy={"flavor": "keystone"},
                              keystone_authtoken=options) as api:
        register(keystone, "balancer", [("public", "RegionOne", api.url)])
        # nothing listens on a port just found free
        nowhere = "http://127.0.0.1:%d" % free_port()
        register(keystone, ALT, [("public", "RegionOne", nowhere),
                                 ("internal", "RegionTwo", api.url)])
        api.nowhere = nowhere
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


def password(keystone, user, **more):
    """``Client.with_password`` arguments for ``user`` in its own project."""
    return dict(auth_url=keystone.url, username=user,
                password=ADMIN_PASSWORD if user == "admin" else keystone._passwords[user],
                project_name=keystone._scopes[user], **more)


@pytest.fixture(scope="module")
def member_lb(keystone, server):
    """A load balancer of project A on a noop device, made through the library."""
    admin = Client.with_password(**password(keystone, "admin"))
    device = admin.devices.create(name="ks-lib", type="noop", ip="127.0.0.1")
    member = Client.with_password(**password(keystone, "member-a"))
    lb = member.load_balancers.create("ks-lib-lb", device_id=device["id"])
    assert member.wait_for(lb["id"], timeout=30, interval=0.1)["status"] == "ACTIVE"
    return lb


def lb_ids(client):
    return [lb["id"] for lb in client.load_balancers.list()]


def test_library_password_login_acts_as_the_project(keystone, member_lb):
    assert member_lb["tenant_id"] == keystone.projects["A"]
    assert member_lb["id"] in lb_ids(Client.with_password(**password(keystone, "member-a")))
    # the tenant is the token's project: project B's member sees none of A's
    assert member_lb["id"] not in lb_ids(
        Client.with_password(**password(keystone, "member-b")))
    with pytest.raises(ClientError) as err:
        Client.with_password(**dict(password(keystone, "member-a"), password="wrong"))
    assert "401" in str(err.value)


def test_library_catalog_choice_by_service_type_interface_and_region(keystone, server,
                                                                       member_lb):
    creds = password(keystone, "member-a")
    for choice in ({"interface": "internal"},
                   {"interface": "internal", "region_name": "RegionTwo"}):
        assert member_lb["id"] in lb_ids(Client.with_password(service_type=ALT, **choice,
                                                              **creds))
    with pytest.raises(ConnectionFailed) as err:
        Client.with_password(service_type="no-such-service", **creds)
    assert "no 'no-such-service' endpoint" in str(err.value)
    with pytest.raises(ConnectionFailed) as err:
        Client.with_password(service_type=ALT, interface="internal", region_name="RegionOne",
                             **creds)
    assert "interface internal, region RegionOne" in str(err.value)
    # the public endpoint of ALT is found, and goes nowhere
    with pytest.raises(ConnectionFailed) as err:
        lb_ids(Client.with_password(service_type=ALT, **creds))
    assert "cannot reach %s" % server.nowhere in str(err.value)


def test_library_token_login_rescoped_by_keystone(keystone, member_lb):
    token = keystone.token("member-a")
    for scope in ({"project_id": keystone.projects["A"]}, {"project_name": "balancer-a"}):
        client = Client.with_token(keystone.url, token, **scope)
        assert member_lb["id"] in lb_ids(client)
    with pytest.raises(ClientError) as err:
        Client.with_token(keystone.url, token, project_id=keystone.projects["B"])
    assert "401" in str(err.value)      # member-a has no role in project B
    with pytest.raises(ClientError) as err:
        Client.with_token(keystone.url, "not-a-token", project_id=keystone.projects["A"])
    # Keystone's own words ("Could not recognize Fernet token (HTTP 404)")
    assert str(err.value).startswith("Keystone: ") and "token" in str(err.value)


def test_cli_catalog_options_and_their_variables(keystone, server, member_lb):
    member = login(keystone, "member-a")
    alt = ["--os-service-type", ALT, "--os-interface", "internal"]
    for region in ([], ["--os-region-name", "RegionTwo"]):
        assert member_lb["id"] in [r["id"] for r in run_json(*member, *alt, *region,
                                                             "lb-list")]
    failures = [
        (["--os-service-type", "no-such-service"], "no 'no-such-service' endpoint"),
        (alt + ["--os-region-name", "RegionOne"], "interface internal, region RegionOne"),
        (["--os-service-type", ALT], "cannot reach %s" % server.nowhere),
        (["--os-service-type", ALT, "--os-interface", "admin"], "interface admin")]
    for options, words in failures:
        code, out, err = cli_runner.balancer(*member, *options, "lb-list")
        assert code == 1 and words in err, (options, code, out, err)
    # the same choices from the environment
    env = cli_runner.clean_env(OS_AUTH_URL=keystone.url, OS_USERNAME="member-a",
                               OS_PASSWORD=keystone._passwords["member-a"],
                               OS_PROJECT_NAME="balancer-a", OS_BALANCER_SERVICE_TYPE=ALT,
                               OS_INTERFACE="internal", OS_REGION_NAME="RegionTwo")
    assert member_lb["id"] in [r["id"] for r in run_json("lb-list", env=env)]
    code, _out, err = cli_runner.balancer("lb-list", env=dict(env, OS_REGION_NAME="RegionOne"))
    assert code == 1 and "region RegionOne" in err, err


BOGUS_TOKEN = "gAAAAABbogus-token-keystone-never-issued"


def server_error(server, path, token):
    """The API's own error message for a call with ``token`` (or none)."""
    status, document, _headers = http("GET", server.url + path, token=token)
    assert status == 401, (status, document)
    return document["error"]["message"]


def test_cli_endpoint_and_token_from_keystone(keystone, server, member_lb):
    token, project = keystone.token("member-a"), keystone.projects["A"]
    endpoint = "%s/%s" % (server.url, project)
    plain = ["--endpoint", endpoint, "--token", token]
    assert member_lb["id"] in [r["id"] for r in run_json(*plain, "lb-list")]
    assert run_json(*plain, "lb-show", member_lb["id"])["tenant_id"] == project
    # the same from SERVICE_ENDPOINT and SERVICE_TOKEN
    env = cli_runner.clean_env(SERVICE_ENDPOINT=endpoint, SERVICE_TOKEN=token)
    assert run_json("lb-show", member_lb["id"], env=env)["name"] == "ks-lib-lb"
    # an admin's token at the API's root reaches the devices
    admin = ["--endpoint", server.url, "--token", keystone.token("admin")]
    assert member_lb["device_id"] in [r["id"] for r in run_json(*admin, "device-list")]
    # the token is what the API checks: member-a's token in project B's URLs is refused
    code, _out, err = cli_runner.balancer("--endpoint", "%s/%s" % (
        server.url, keystone.projects["B"]), "--token", token, "lb-list")
    assert code == 1 and "403" in err, err


def test_cli_bogus_or_missing_token_is_the_servers_401(keystone, server):
    endpoint = "%s/%s" % (server.url, keystone.projects["A"])
    path = "/%s/loadbalancers" % keystone.projects["A"]
    runs = [(["--endpoint", endpoint, "--token", BOGUS_TOKEN, "lb-list"], None, BOGUS_TOKEN),
            (["lb-list"], cli_runner.clean_env(SERVICE_ENDPOINT=endpoint,
                                               SERVICE_TOKEN=BOGUS_TOKEN), BOGUS_TOKEN),
            (["--endpoint", endpoint, "lb-list"], None, None)]
    for args, env, token in runs:
        message = server_error(server, path, token)
        code, out, err = cli_runner.balancer(*args, env=env)
        assert code == 1 and out == "", (args, code, out, err)
        assert "401" in err and message in err, (args, err)
        assert "Traceback" not in err


def test_library_endpoint_and_token_from_keystone(keystone, server, member_lb):
    token, project = keystone.token("member-a"), keystone.projects["A"]
    client = Client(endpoint="%s/%s" % (server.url, project), token=token)
    assert member_lb["id"] in lb_ids(client)
    assert client.load_balancers.get(member_lb["id"])["tenant_id"] == project
    # the tenant may be given apart from the endpoint
    assert member_lb["id"] in lb_ids(Client(endpoint=server.url, token=token,
                                            tenant_id=project))
    admin = Client(endpoint=server.url, token=keystone.token("admin"))
    assert member_lb["device_id"] in [d["id"] for d in admin.devices.list()]
    with pytest.raises(Forbidden):
        lb_ids(Client(endpoint="%s/%s" % (server.url, keystone.projects["B"]), token=token))
    path = "/%s/loadbalancers" % project
    for bogus in (BOGUS_TOKEN, None):
        with pytest.raises(Unauthorized) as err:
            lb_ids(Client(endpoint="%s/%s" % (server.url, project), token=bogus))
        assert err.value.status == 401
        assert err.value.message == server_error(server, path, bogus)
