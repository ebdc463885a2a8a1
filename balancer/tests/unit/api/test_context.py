"""The request context: keystonemiddleware's headers, noauth, and 401s.

The pipeline tests build the real keystone flavor from a balancer-api.conf
file; requests without a token are refused by keystonemiddleware before it
would ever contact Keystone, so no server is needed here (the real one is in
balancer/tests/integration/test_keystone_*.py).
"""

import pytest

from balancer import conf as balancer_conf
from balancer.api.middleware import context
from balancer.core import exceptions
from balancer.tests.conftest import Api

KEYSTONE = "http://keystone.invalid:5000/v3"


def environ(**headers):
    env = {"HTTP_" + k.upper().replace("-", "_"): v for k, v in headers.items()}
    env[context.AUTH_KEY] = "keystone"
    return env


def test_context_from_keystonemiddleware_headers():
    ctx = context.from_headers(environ(**{
        "X-Identity-Status": "Confirmed", "X-Project-Id": "p1", "X-Project-Name": "one",
        "X-User-Id": "u1", "X-User-Name": "alice", "X-Roles": "member, reader",
        "X-Auth-Token": "tok", "openstack.request_id": "x"}))
    assert (ctx.project_id, ctx.project_name, ctx.user_id, ctx.user_name) == \
        ("p1", "one", "u1", "alice")
    assert ctx.roles == ["member", "reader"] and not ctx.is_admin
    assert ctx.auth_token == "tok" and ctx.authenticated


def test_context_from_the_originals_tenant_headers():
    ctx = context.from_headers(environ(**{
        "X-Identity-Status": "Confirmed", "X-Tenant-Id": "t1", "X-Tenant-Name": "tee",
        "X-User": "bob", "X-Role": "Admin"}))
    assert (ctx.project_id, ctx.project_name, ctx.user_name) == ("t1", "tee", "bob")
    assert ctx.is_admin


@pytest.mark.parametrize("status", [None, "Invalid", "", "confirmedish"])
def test_unconfirmed_identity_is_not_authenticated(status):
    headers = {"X-Project-Id": "p1", "X-Roles": "admin"}
    if status is not None:
        headers["X-Identity-Status"] = status
    with pytest.raises(exceptions.NotAuthenticated):
        context.from_headers(environ(**headers))


def test_keystone_mode_is_fail_closed():
    """Any sign of keystonemiddleware means headers decide, never noauth."""
    assert context.behind_keystone({context.AUTH_KEY: "keystone"})
    assert context.behind_keystone({"HTTP_X_IDENTITY_STATUS": "Invalid"})
    assert context.behind_keystone({"keystone.token_auth": object()})
    assert not context.behind_keystone({"HTTP_X_ROLES": "admin"})


def keystone_api(tmp_path, extra=""):
    """The keystone flavor, configured only through balancer-api.conf."""
    path = tmp_path / "balancer-api.conf"
    path.write_text(
        "[database]\nconnection = sqlite:///%s\n[deploy]\nreconcile_interval = 0\n"
        "[paste_deploy]\nflavor = keystone\n"
        "[keystone_authtoken]\nwww_authenticate_uri = %s\nauth_url = %s\n%s"
        % (tmp_path / "b.sqlite", KEYSTONE, KEYSTONE, extra))
    conf = balancer_conf.make_conf()
    conf(["--config-file", str(path)], project="balancer", default_config_files=[])
    return Api(conf)


def assert_json_401(response):
    assert response.status_int == 401
    assert response.json["error"]["code"] == 401
    assert response.json["error"]["title"] == "Unauthorized"


def test_keystone_flavor_reads_keystone_authtoken_from_the_service_config(tmp_path):
    api = keystone_api(tmp_path)
    try:
        response = api.get("/A/loadbalancers", status=401)
        assert_json_401(response)
        # the URI comes from balancer-api.conf, not from the paste file
        assert KEYSTONE in response.headers["WWW-Authenticate"]
        assert_json_401(api.get("/devices", status=401))
        # spoofed identity headers are removed by keystonemiddleware
        assert_json_401(api.get("/devices", status=401, headers={
            "X-Identity-Status": "Confirmed", "X-Roles": "admin", "X-Project-Id": "A"}))
    finally:
        api.service.close()


def test_delayed_decision_without_token_is_a_json_401_not_500(tmp_path):
    api = keystone_api(tmp_path, "delay_auth_decision = true\n")
    try:
        assert_json_401(api.get("/algorithms", status=401))
        assert_json_401(api.post_json("/A/loadbalancers", {}, status=401))
    finally:
        api.service.close()


def test_noauth_default_acts_as_admin_and_ignores_identity_headers(api):
    assert api.get("/devices").status_int == 200
    assert api.get("/any-tenant/loadbalancers").status_int == 200
    assert api.get("/devices", headers={"X-Roles": "member",
                                        "X-Project-Id": "A"}).status_int == 200
