"""Every curl script of balancer/tests/manual, run against a live ``balancer-api``.

The scripts are the original service's manual tests (balancer/tests/manual/README.rst
lists them); here each one runs, with its default body file, on a real
server process with a noop device, in the order a person would use them:
register a device, create the example load balancer (manual/createLBcommandHAProxy), change every
kind of child and the load balancer, read the statistics, limits, metrics
and versions, and delete everything again.  Each call's status is the one
the README's table promises, and what it changed is read back through the
API.  The last check is that no script of the directory was left out.
"""

import json
import os
import shutil
import subprocess
import time
import urllib.request

import pytest

from balancer.tests.conftest import TOP, skip_outside_ci
from balancer.tests.integration.conftest import ServerProcess

MANUAL = os.path.join(TOP, "balancer", "tests", "manual")
#: sourced by the others, not a call of its own
HELPERS = {"common.sh"}


class Scripts:
    """Runs the scripts against one server and remembers which ran."""

    def __init__(self, url):
        # no Keystone token, and no proxy between curl and the loopback server
        self.env = dict(os.environ, BALANCER_URL=url, TENANT="foo", TOKEN="",
                        NO_PROXY="*", no_proxy="*")
        self.url = url
        self.ran = set()

    def text(self, script, *args, status=200):
        """The body a script printed, its ``HTTP <status>`` checked."""
        done = subprocess.run([os.path.join(MANUAL, script), *args], env=self.env,
                              capture_output=True, text=True, timeout=30)
        assert done.returncode == 0, (script, done.stderr)
        body, _, code = done.stdout.rstrip().rpartition("\nHTTP ")
        assert int(code) == status, (script, args, code, body)
        self.ran.add(script)
        return body

    def __call__(self, script, *args, status=200):
        """The JSON body of a script's answer (None when it has none)."""
        body = self.text(script, *args, status=status)
        return json.loads(body) if body else None

    def get(self, path):
        """Read back through the API itself, not through a script."""
        with urllib.request.urlopen(self.url + path, timeout=10) as answer:
            return json.loads(answer.read())

    def wait_active(self, lb_id):
        """The load balancer once its deploy is done (the noop device is quick)."""
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            lb = self.get("/foo/loadbalancers/%s" % lb_id)["loadbalancer"]
            if lb["status"] in ("ACTIVE", "ERROR"):
                assert lb["status"] == "ACTIVE", lb
                return lb
            time.sleep(0.05)
        raise AssertionError("load balancer %s not ACTIVE within 10 s" % lb_id)


@pytest.fixture
def scripts(tmp_path):
    if shutil.which("curl") is None:
        skip_outside_ci("curl is not installed")
    process = ServerProcess(str(tmp_path), deploy__reconcile_interval=0)
    process.dbsync()
    process.start()
    try:
        yield Scripts(process.url)
    finally:
        process.stop()


def noop_device_body(tmp_path):
    """The example device body (manual/createDeviceHAProxy) for a noop device, and
    without its password, so that updateDevice.sh visibly sets one."""
    with open(os.path.join(MANUAL, "createDeviceHAProxy")) as f:
        body = json.load(f)
    body.update(type="noop", name="noop-001")
    body.pop("password")
    path = tmp_path / "createDeviceNoop"
    path.write_text(json.dumps(body))
    return str(path)


def device_steps(run, tmp_path):
    # what the registered devices can do: nothing yet
    assert (run("listAlgorithms.sh"), run("listProtocols.sh")) == (
        {"algorithms": []}, {"protocols": []})
    device = run("createDevice.sh", noop_device_body(tmp_path))["device"]
    # the example body's capabilities, canonical
    assert (run("listAlgorithms.sh"), run("listProtocols.sh")) == (
        {"algorithms": ["ROUND_ROBIN"]}, {"protocols": ["HTTP", "TCP"]})
    assert (device["type"], device["has_password"]) == ("NOOP", False)
    assert [d["id"] for d in run("listDevice.sh")["devices"]] == [device["id"]]
    assert run("listDevice.sh", device["id"])["device"]["name"] == "noop-001"
    assert run("getDeviceInfo.sh", device["id"])
    updated = run("updateDevice.sh", device["id"])["device"]
    assert updated["has_password"] is True and updated["host_key"] is None
    assert run("listDevice.sh", device["id"])["device"]["has_password"] is True
    return device


def lb_steps(run, device):
    lb = run("createLB.sh", "HAProxy", device["id"], status=202)["loadbalancer"]
    assert lb["device_id"] == device["id"] and lb["name"] == "testLB001"
    run.wait_active(lb["id"])
    assert [x["id"] for x in run("listLB.sh")["loadbalancers"]] == [lb["id"]]
    assert run("getLB.sh", lb["id"])["loadbalancer"]["algorithm"] == "ROUND_ROBIN"
    details = run("getLBDetails.sh", lb["id"])
    assert ([n["port"] for n in details["nodes"]], len(details["healthMonitor"]),
            [v["port"] for v in details["virtualIps"]]) == ([8001, 8002, 8003], 2, [80])
    updated = run("updateLB.sh", lb["id"], status=202)["loadbalancer"]
    assert (updated["name"], updated["port"]) == ("testLB", "8080")
    assert run.wait_active(lb["id"])["name"] == "testLB"
    return lb


def node_steps(run, lb_id):
    assert len(run("listNodes.sh", lb_id)["nodes"]) == 3
    assert run("findLBforVM.sh", "42")["loadbalancers"] == []
    node = run("addNodeToLB.sh", lb_id)["nodes"][0]
    # a second node on the DevBox's third backend (tools/devbox serves 8001-8003)
    assert (node["port"], node["weight"], node["vm_id"]) == (8003, 2, 42)
    run.wait_active(lb_id)
    assert len(run("listNodes.sh", lb_id)["nodes"]) == 4
    assert [x["id"] for x in run("findLBforVM.sh", "42")["loadbalancers"]] == [lb_id]
    assert run("getNode.sh", lb_id, node["id"])["node"]["name"] == "extra-node"
    updated = run("updateNode.sh", lb_id, node["id"])["node"]
    assert (updated["weight"], updated["maxCon"]) == (5, 500)
    run.wait_active(lb_id)
    drained = run("changeNodeStatus.sh", lb_id, node["id"], "draining")["node"]
    assert drained["condition"] == "DRAINING"
    run.wait_active(lb_id)
    assert run("deleteNode.sh", lb_id, node["id"], status=204) is None
    run.wait_active(lb_id)
    assert node["id"] not in [n["id"] for n in run("listNodes.sh", lb_id)["nodes"]]
    run("getNode.sh", lb_id, node["id"], status=404)


def child_steps(run, lb_id, kind, list_key, item_key, add, get, delete, checks):
    """Add, read and delete one child with its scripts; ``checks`` are
    fields the added child must show."""
    before = len(run(kind, lb_id)[list_key])
    child = run(add, lb_id)[item_key]
    assert {k: child.get(k) for k in checks} == checks, child
    run.wait_active(lb_id)
    assert len(run(kind, lb_id)[list_key]) == before + 1
    assert run(get, lb_id, child["id"])[item_key]["id"] == child["id"]
    return child, lambda: _delete_child(run, lb_id, delete, get, child["id"])


def _delete_child(run, lb_id, delete, get, child_id):
    assert run(delete, lb_id, child_id, status=204) is None
    run.wait_active(lb_id)
    run(get, lb_id, child_id, status=404)


def member_steps(run, lb_id):
    _probe, delete_probe = child_steps(
        run, lb_id, "listProbes.sh", "healthMonitoring", "healthMonitoring",
        "addProbeToLB.sh", "getProbe.sh", "deleteProbe.sh",
        {"delay": 10, "timeout": 5, "expected": "200-204", "path": "/health"})
    delete_probe()
    vip, delete_vip = child_steps(
        run, lb_id, "listVIPs.sh", "virtualIps", "virtualIp", "addVIPToLB.sh",
        "getVIP.sh", "deleteVIP.sh", {"port": 8080, "name": "vip-8080"})
    updated = run("updateVIP.sh", lb_id, vip["id"])["virtualIp"]
    assert (updated["name"], updated["port"]) == ("front", 8081)
    run.wait_active(lb_id)
    assert run("getVIP.sh", lb_id, vip["id"])["virtualIp"]["port"] == 8081
    delete_vip()
    _sticky, delete_sticky = child_steps(
        run, lb_id, "listStickies.sh", "sessionPersistence", "sessionPersistence",
        "addStickyToLB.sh", "getSticky.sh", "deleteSticky.sh",
        {"type": "HTTP_COOKIE", "cookieName": "SID"})
    delete_sticky()


def operator_steps(run, device, lb_id):
    assert run("getLBStats.sh", lb_id)["stats"]["liveStatus"] == "KNOWN"
    limits = run("setLimits.sh")["limits"]["absolute"]
    assert limits["nodesPerLoadBalancer"]["value"] == 50
    assert run("getLimits.sh")["limits"]["absolute"]["loadBalancers"] == {
        "value": 20, "default": 100, "override": 20, "used": 1}
    assert run("resetLimits.sh", status=204) is None
    assert run("getLimits.sh")["limits"]["absolute"]["loadBalancers"]["override"] is None
    metrics = run.text("getMetrics.sh")
    assert 'balancer_lb_connections_total{device_id="%s"' % device["id"] in metrics
    assert run("getVersions.sh")["versions"][0]["id"] == "v1"


def teardown_steps(run, device, lb_id):
    run("deleteDevice.sh", device["id"], status=409)      # it still serves the LB
    assert run("deleteLB.sh", lb_id, status=204) is None
    deadline = time.monotonic() + 10
    while run("listLB.sh")["loadbalancers"] and time.monotonic() < deadline:
        time.sleep(0.05)
    run("getLB.sh", lb_id, status=404)
    assert run("deleteDevice.sh", device["id"], status=204) is None
    assert run("listDevice.sh")["devices"] == []


def test_every_manual_script_does_what_its_readme_says(scripts, tmp_path):
    started = time.monotonic()
    device = device_steps(scripts, tmp_path)
    lb = lb_steps(scripts, device)
    node_steps(scripts, lb["id"])
    member_steps(scripts, lb["id"])
    operator_steps(scripts, device, lb["id"])
    teardown_steps(scripts, device, lb["id"])
    every = {name for name in os.listdir(MANUAL) if name.endswith(".sh")} - HELPERS
    assert every - scripts.ran == set()
    assert time.monotonic() - started < 30
