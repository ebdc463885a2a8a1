"""The keystone flavor as operators deploy it, against a real Keystone.

A policy override file taking effect on real tokens, and ``balancer-api``
itself (eventlet, monkey patching, keystonemiddleware's HTTP calls under it)
switched to Keystone by the one documented option.
"""

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from balancer.tests.conftest import TOP, Api
from balancer.tests.integration.conftest import ServerProcess
from balancer.tests.integration.test_keystone_pipeline import as_, assert_json_error, keystone_conf

pytestmark = pytest.mark.keystone


def test_operator_policy_file_overrides_defaults_for_real_tokens(keystone, tmp_path):
    """policy.yaml beside balancer-api.conf: capabilities become admin-only
    and a custom role may manage devices."""
    (tmp_path / "policy.yaml").write_text(
        '"balancer:capabilities": "role:admin"\n'
        '"balancer:device": "role:admin or role:reader"\n')
    api = Api(keystone_conf(tmp_path, keystone))
    try:
        member = as_(keystone, "member-a")              # roles: member, reader
        assert_json_error(api.get("/algorithms", headers=member, status=403), 403)
        assert api.get("/algorithms", headers=as_(keystone, "admin")).status_int == 200
        assert api.get("/devices", headers=member).status_int == 200
        a = keystone.projects["A"]
        assert api.get("/%s/loadbalancers" % a, headers=member).status_int == 200
        assert_json_error(api.get("/%s/loadbalancers" % keystone.projects["B"],
                                  headers=member, status=403), 403)
    finally:
        api.service.close()


def fetch(url, token=None):
    """(status, JSON body) of a GET to the live server; errors included."""
    req = urllib.request.Request(url, headers={"X-Auth-Token": token} if token else {})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, json.loads(resp.read() or b"null")
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read() or b"null")


class KeystoneFlavorServer(ServerProcess):
    """``ServerProcess`` waits for an open 200; behind Keystone it is a 401."""

    def start(self):
        with open(self.log_path, "a") as log:
            self.proc = subprocess.Popen(
                [sys.executable, os.path.join(TOP, "bin", "balancer-api"),
                 "--config-file", self.conf_path], stdout=log, stderr=log)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and self.proc.poll() is None:
            try:
                if fetch(self.url + "/algorithms")[0] == 401:
                    return self
            except OSError:
                time.sleep(0.1)
        self.stop()
        with open(self.log_path) as f:
            raise AssertionError("balancer-api did not start:\n" + f.read()[-3000:])


@pytest.fixture
def server(keystone, tmp_path):
    options = {"paste_deploy__flavor": "keystone", "deploy__reconcile_interval": 0}
    options.update({"keystone_authtoken__" + k: v
                    for k, v in keystone.authtoken_options().items()})
    proc = KeystoneFlavorServer(str(tmp_path), **options)
    proc.dbsync()
    try:
        yield proc.start()
    finally:
        proc.stop()


def test_balancer_api_process_with_the_keystone_flavor(keystone, server):
    a, b = keystone.projects["A"], keystone.projects["B"]
    status, body = fetch(server.url + "/%s/loadbalancers" % a)
    assert status == 401 and body["error"]["code"] == 401
    assert fetch(server.url + "/%s/loadbalancers" % a, "bogus")[0] == 401
    member = keystone.token("member-a")
    assert fetch(server.url + "/%s/loadbalancers" % a, member) == (200, {"loadbalancers": []})
    assert fetch(server.url + "/%s/loadbalancers" % b, member)[0] == 403
    assert fetch(server.url + "/devices", member)[0] == 403
    assert fetch(server.url + "/algorithms", member)[0] == 200
    assert fetch(server.url + "/devices", keystone.token("admin"))[0] == 200
