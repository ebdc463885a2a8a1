"""The deploy engine against real parts: crash recovery and hitless changes."""

import json
import threading
import time
import urllib.request

from balancer.tests.conftest import seed_json
from balancer.tests.integration.conftest import ServerProcess


def http(method, url, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        raw = resp.read()
        return json.loads(raw) if raw else None


ALL_BACKENDS = {"backend1", "backend2", "backend3"}


def backends_seen(box, port, tries=30):
    """The backends that answer through the VIP, asking until all three did
    (bounded): right after a reload the old process may still take a few
    connections, with its own round-robin position."""
    seen = set()
    for _ in range(tries):
        status, body, _headers = box.get(box.vip_url(port))
        assert status == 200, body
        seen.add(body.strip())
        if seen == ALL_BACKENDS:
            break
    return seen


def seed_lb_body(box, device_id, port):
    body = seed_json("createLBcommandHAProxy", device_id=device_id)
    body["virtualIps"][0].update(address=box.ip, port=str(port))
    for node, (address, node_port, _n) in zip(body["nodes"], box.backend_nodes(),
                                              strict=True):
        node.update(address=address, port=str(node_port))
    return body


def test_sigkill_mid_deploy_then_restart_converges(api_box, tmp_path):
    server = ServerProcess(str(tmp_path), deploy__wait_timeout=0.3)
    server.dbsync()
    server.start()
    try:
        slow_reload = ("sleep 2; sudo -n %s -D -f %s -p %s -sf $(sudo -n cat %s)"
                       % (api_box.device_extra()["haproxy_bin"], api_box.config_path,
                          api_box.pid_file, api_box.pid_file))
        device = http("POST", server.url + "/devices",
                      api_box.api_device_body(reload_command=slow_reload))["device"]
        port = api_box.free_vip_port(80)
        lb = http("POST", server.url + "/foo/loadbalancers",
                  seed_lb_body(api_box, device["id"], port))["loadbalancer"]
        assert lb["status"] == "BUILD"           # still deploying: reload sleeps
        time.sleep(0.8)
        server.kill()                            # SIGKILL in the middle of it
        server.start()                           # start-up reconciliation
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            lb = http("GET", server.url + "/foo/loadbalancers/" + lb["id"])["loadbalancer"]
            if lb["status"] not in ("BUILD", "PENDING_UPDATE"):
                break
            time.sleep(0.2)
        assert lb["status"] == "ACTIVE", lb
        assert backends_seen(api_box, port) == ALL_BACKENDS
        assert "balancer-lb-" + lb["id"] in api_box.read_config()
        http("DELETE", server.url + "/foo/loadbalancers/" + lb["id"])
    finally:
        server.stop()


class Client(threading.Thread):
    """New connection per request, continuously, until stopped (or 120 s)."""

    def __init__(self, box, url):
        super().__init__(daemon=True)
        self.box, self.url = box, url
        self.ok, self.failed, self.errors = 0, 0, []
        self.stop_flag = threading.Event()

    def run(self):
        deadline = time.monotonic() + 120
        while not self.stop_flag.is_set() and time.monotonic() < deadline:
            try:
                status, _body, _h = self.box.get(self.url, timeout=5)
                if status == 200:
                    self.ok += 1
                    continue
                self.errors.append(status)
            except OSError as err:
                self.errors.append(repr(err))
            self.failed += 1


def seed_on_box(real_api, box):
    """(port, load balancer): the box registered, the seed LB live on it."""
    device = real_api.post_json("/devices", box.api_device_body()).json["device"]
    port = box.free_vip_port(80)
    lb = real_api.post_json("/foo/loadbalancers",
                            seed_lb_body(box, device["id"], port)).json["loadbalancer"]
    assert lb["status"] == "ACTIVE"
    return port, lb


def test_100_changes_under_traffic_drop_nothing(real_api, api_box):
    port, lb = seed_on_box(real_api, api_box)
    nodes_url = "/foo/loadbalancers/%s/nodes" % lb["id"]
    first = real_api.get(nodes_url).json["nodes"][0]
    address, spare_port, _name = api_box.backend_nodes()[0]
    client = Client(api_box, api_box.vip_url(port))
    client.start()
    started = time.monotonic()
    try:
        for i in range(25):      # 4 changes a round: 100 deploys in all
            added = real_api.post_json(nodes_url, {"nodes": [
                {"address": address, "port": spare_port, "weight": 1 + i % 5}]}).json[
                "nodes"][0]
            real_api.put_json("%s/%s" % (nodes_url, first["id"]), {"weight": 2 + i % 7})
            real_api.put("%s/%s/%s" % (nodes_url, added["id"],
                                       "DRAINING" if i % 2 else "DISABLED"))
            real_api.delete("%s/%s" % (nodes_url, added["id"]), status=204)
    finally:
        client.stop_flag.set()
        client.join(10)
    elapsed = time.monotonic() - started
    print("hitless: %d requests ok, %d failed in %.1fs (%.0f req/s) during 100 changes"
          % (client.ok, client.failed, elapsed, client.ok / elapsed))
    assert client.ok > 100
    assert client.failed == 0, client.errors[:5]
    assert real_api.get("/foo/loadbalancers/%s" % lb["id"]).json["loadbalancer"][
        "status"] == "ACTIVE"
    real_api.delete("/foo/loadbalancers/%s" % lb["id"], status=204)


def test_reconcile_heals_a_hand_edited_device(real_api, api_box):
    port, lb = seed_on_box(real_api, api_box)
    healthy = api_box.read_config()
    with open(api_box.config_path, "w") as handle:      # someone edits the box by hand
        handle.write(api_box.operator_config)
    assert real_api.service.reconciler.run_once(wait=20) is True
    assert api_box.read_config() == healthy
    assert backends_seen(api_box, port) == ALL_BACKENDS
    real_api.delete("/foo/loadbalancers/%s" % lb["id"], status=204)
