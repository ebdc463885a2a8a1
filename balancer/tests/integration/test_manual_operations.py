"""The manual scripts of statistics, limits, metrics and versions, run with
curl against a live ``balancer-api`` (noop device, default pipeline)."""

import json
import os
import subprocess
import urllib.request

import pytest

from balancer.tests.conftest import TOP
from balancer.tests.integration.conftest import ServerProcess

MANUAL = os.path.join(TOP, "balancer", "tests", "manual")


def manual(env, script, *args):
    """(status, body text) of one script: it prints the body, then ``HTTP <status>``."""
    done = subprocess.run([os.path.join(MANUAL, script), *args], env=env, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    body, _, status = done.stdout.rstrip().rpartition("\nHTTP ")
    return int(status), body


def post(url, body):
    request = urllib.request.Request(url, json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as answer:
        return json.loads(answer.read())


@pytest.fixture
def server(tmp_path):
    process = ServerProcess(str(tmp_path), deploy__reconcile_interval=0)
    process.dbsync()
    process.start()
    try:
        yield process
    finally:
        process.stop()


def test_the_scripts_of_stats_limits_metrics_and_versions(server):
    env = dict(os.environ, BALANCER_URL=server.url, TENANT="foo")
    device = post(server.url + "/devices", {"name": "noop", "type": "noop",
                                            "ip": "127.0.0.1"})["device"]
    lb = post(server.url + "/foo/loadbalancers", {
        "name": "lb", "protocol": "HTTP", "algorithm": "ROUND_ROBIN", "device_id": device["id"],
        "nodes": [{"address": "127.0.0.1", "port": 8001}]})["loadbalancer"]
    status, body = manual(env, "getLBStats.sh", lb["id"])
    assert status == 200 and json.loads(body)["stats"]["liveStatus"] == "KNOWN"
    status, body = manual(env, "setLimits.sh")
    assert status == 200
    assert json.loads(body)["limits"]["absolute"]["nodesPerLoadBalancer"]["value"] == 50
    status, body = manual(env, "getLimits.sh")
    assert json.loads(body)["limits"]["absolute"]["loadBalancers"] == {
        "value": 20, "default": 100, "override": 20, "used": 1}
    assert manual(env, "resetLimits.sh") == (204, "")
    status, body = manual(env, "getMetrics.sh")
    assert status == 200 and 'balancer_lb_connections_total{device_id="%s"' % device["id"] in body
    status, body = manual(env, "getVersions.sh")
    assert status == 200 and json.loads(body)["versions"][0]["id"] == "v1"
