"""A status never claims more than the running HAProxy serves: real box.

* HAProxy SIGKILLed on the box: the device and its load balancers say
  ``operatingStatus`` OFFLINE, reconcile starts HAProxy afresh (no ``-x``
  against the stale socket file) and traffic through the VIP comes back.
* A reload that does not happen (a ``reload_command`` that swaps nothing in,
  or one that hangs until the SSH session is cut): the load balancer is not
  ACTIVE until the running process serves every rendered server.
* A VIP on the operator's own ``listen stats`` address and port: 409, and
  the stats listener keeps all of its connections.
"""

import os
import signal
import time

import pytest

from balancer.tests.conftest import Api, make_conf, seed_json
from balancer.tests.lab_parts import alive

TENANT = "/foo/loadbalancers"


def lb_body(box, device, port, nodes=3, address=None):
    body = seed_json("createLBcommandHAProxy", device_id=device["id"])
    body["virtualIps"][0].update(address=address or box.ip, port=str(port))
    body["nodes"] = body["nodes"][:nodes]
    for node, (host, node_port, _n) in zip(body["nodes"], box.backend_nodes(), strict=False):
        node.update(address=host, port=str(node_port))
    return body


def names_served(box, port, tries=30):
    """The backend names answering through the VIP (asking until the set
    stops growing for a while); empty when nothing answers."""
    seen = set()
    for _ in range(tries):
        try:
            status, body, _h = box.get(box.vip_url(port), timeout=2)
        except OSError:
            return seen
        if status == 200:
            seen.add(body.strip())
    return seen


def vip_is_dark(box, port):
    try:
        box.get(box.vip_url(port), timeout=1)
    except OSError:
        return True
    return False


def kill_haproxy(box):
    """SIGKILL the box's HAProxy by the pids in its pid file (each checked
    to be an HAProxy process of this box first)."""
    killed = []
    for pid in box.haproxy_pids():
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            cmdline = handle.read()
        if b"haproxy" in cmdline and box.config_path.encode() in cmdline:
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)
    assert killed, "no HAProxy process of this box to kill"
    assert box.wait_for(lambda: not any(alive(p) for p in killed), timeout=10)
    return killed


def show(api, lb):
    return api.get("%s/%s" % (TENANT, lb["id"])).json["loadbalancer"]


def device_info(api, device):
    return api.get("/devices/%s/info" % device["id"]).json["info"]


@pytest.fixture
def device(real_api, api_box):
    return real_api.post_json("/devices", api_box.api_device_body()).json["device"]


def test_killed_haproxy_is_offline_until_reconcile_restarts_it(real_api, api_box, device):
    port = api_box.free_vip_port(80)
    lb = real_api.post_json(TENANT, lb_body(api_box, device, port)).json["loadbalancer"]
    assert lb["status"] == "ACTIVE" and lb["operatingStatus"] == "ONLINE", lb
    assert len(names_served(api_box, port)) == 3
    killed = kill_haproxy(api_box)
    assert vip_is_dark(api_box, port)
    assert os.path.exists(api_box.socket)                 # the stale socket file stays
    info = device_info(real_api, device)
    assert info["reachable"] is True and info["operatingStatus"] == "OFFLINE", info
    lb = show(real_api, lb)
    assert lb["status"] == "ACTIVE" and lb["operatingStatus"] == "OFFLINE", lb
    assert real_api.service.reconciler.run_once(wait=30) is True
    assert show(real_api, lb)["operatingStatus"] == "ONLINE"
    assert len(names_served(api_box, port)) == 3
    info = device_info(real_api, device)
    assert info["operatingStatus"] == "ONLINE" and int(info["pid"]) not in killed
    real_api.delete("%s/%s" % (TENANT, lb["id"]), status=204)


def test_reconcile_that_cannot_start_haproxy_leaves_it_offline(real_api, api_box, device):
    port = api_box.free_vip_port(80)
    lb = real_api.post_json(TENANT, lb_body(api_box, device, port)).json["loadbalancer"]
    real_api.put_json("/devices/%s" % device["id"], {"start_command": "echo no luck; false"})
    kill_haproxy(api_box)
    assert real_api.service.reconciler.run_once(wait=30) is True
    lb = show(real_api, lb)
    assert lb["operatingStatus"] == "OFFLINE", lb          # seen by reconcile, not assumed
    assert vip_is_dark(api_box, port)
    real_api.put_json("/devices/%s" % device["id"], {"start_command": ""})
    lb = show(real_api, lb)
    assert lb["status"] == "ACTIVE" and lb["operatingStatus"] == "ONLINE", lb
    assert len(names_served(api_box, port)) == 3
    real_api.delete("%s/%s" % (TENANT, lb["id"]), status=204)


def test_a_change_after_haproxy_was_killed_starts_it_without_x(real_api, api_box, device):
    port = api_box.free_vip_port(80)
    lb = real_api.post_json(TENANT, lb_body(api_box, device, port, nodes=2)).json[
        "loadbalancer"]
    kill_haproxy(api_box)
    host, node_port, name = api_box.backend_nodes()[2]
    real_api.post_json("%s/%s/nodes" % (TENANT, lb["id"]),
                       {"nodes": [{"address": host, "port": str(node_port)}]})
    lb = show(real_api, lb)
    assert lb["status"] == "ACTIVE" and lb["operatingStatus"] == "ONLINE", lb
    assert name in names_served(api_box, port)
    real_api.delete("%s/%s" % (TENANT, lb["id"]), status=204)


def test_a_reload_that_swaps_but_does_not_reload_is_not_active(real_api, api_box, device):
    port = api_box.free_vip_port(80)
    lb = real_api.post_json(TENANT, lb_body(api_box, device, port, nodes=2)).json[
        "loadbalancer"]
    assert lb["status"] == "ACTIVE"
    before = api_box.read_config()
    # a node added at runtime needs no reload: this test is about reloads
    real_api.put_json("/devices/%s" % device["id"], {"reload_command": "true",
                                                     "runtime_changes": "0"})
    host, node_port, name = api_box.backend_nodes()[2]
    real_api.post_json("%s/%s/nodes" % (TENANT, lb["id"]),
                       {"nodes": [{"address": host, "port": str(node_port)}]})
    lb = show(real_api, lb)
    assert lb["status"] == "ERROR", lb                     # not ACTIVE: n3 is not served
    assert "did not start serving" in lb["statusDescription"]
    faults = real_api.get("/devices/%s" % device["id"]).json["device"]["faults"]
    assert "not serving" in faults[0]["operatorStatusDescription"]  # the detail: operators'
    assert lb["operatingStatus"] == "DEGRADED"             # the older revision serves
    assert name not in names_served(api_box, port)
    assert api_box.read_config() == before                 # rolled back to what serves
    assert real_api.service.reconciler.run_once(wait=30) is True
    assert show(real_api, lb)["status"] == "ERROR"         # still not served, still not ACTIVE
    real_api.put_json("/devices/%s" % device["id"], {"reload_command": ""})
    lb = show(real_api, lb)
    assert lb["status"] == "ACTIVE" and lb["operatingStatus"] == "ONLINE", lb
    assert name in names_served(api_box, port)
    real_api.delete("%s/%s" % (TENANT, lb["id"]), status=204)


@pytest.fixture
def impatient_api(tmp_path):
    """Gives up on a remote command after 3 s, as with a hung reload."""
    client = Api(make_conf(tmp_path, deploy__ssh_connect_timeout=3,
                           deploy__ssh_command_timeout=3))
    yield client
    client.service.close()


def test_a_hung_reload_cut_off_after_the_swap_is_repaired(impatient_api, api_box):
    api = impatient_api
    device = api.post_json("/devices", api_box.api_device_body()).json["device"]
    port = api_box.free_vip_port(80)
    lb = api.post_json(TENANT, lb_body(api_box, device, port, nodes=2)).json["loadbalancer"]
    assert lb["status"] == "ACTIVE"
    api.put_json("/devices/%s" % device["id"], {"reload_command": "sleep 6",
                                                "runtime_changes": "0"})
    host, node_port, name = api_box.backend_nodes()[2]
    api.post_json("%s/%s/nodes" % (TENANT, lb["id"]),
                  {"nodes": [{"address": host, "port": str(node_port)}]})
    lb = show(api, lb)
    assert lb["status"] == "ERROR", lb                     # the session was cut: timed out
    assert ":%d" % node_port in api_box.read_config()      # the file has the new server...
    assert name not in names_served(api_box, port)         # ...the process does not
    # The cut-off script runs on on the box, holding its lock, until its
    # "sleep 6" ends (3 s of it passed before the cut): the repair waits for
    # that, so let it end first (box_lock in scripts/balancer.sh).
    time.sleep(3.5)
    # The operator fixes the reload; the next deploy (a new driver, which
    # trusts nothing) finds the file right but the process wrong: it reloads.
    api.put_json("/devices/%s" % device["id"], {"reload_command": ""})
    assert name in names_served(api_box, port)
    lb = show(api, lb)
    assert lb["status"] == "ACTIVE" and lb["operatingStatus"] == "ONLINE", lb
    api.delete("%s/%s" % (TENANT, lb["id"]), status=204)


def stats_answers(box, count=20):
    """How many of ``count`` new connections the operator's stats page answers."""
    answered = 0
    for _ in range(count):
        status, body, _h = box.get(box.vip_url(box.stats_port, "/stats;csv"), timeout=2)
        answered += status == 200 and "pxname" in body
    return answered


def test_a_vip_on_the_operators_stats_listener_is_409(real_api, api_box, device):
    port = api_box.free_vip_port(80)
    lb = real_api.post_json(TENANT, lb_body(api_box, device, port)).json["loadbalancer"]
    config = api_box.read_config()
    for address in (api_box.ip, "0.0.0.0"):
        resp = real_api.post_json(TENANT, lb_body(api_box, device, api_box.stats_port,
                                                  address=address), status=409)
        message = resp.json["error"]["message"]
        assert "reserved by the device" in message
        assert device["id"] not in message and lb["id"] not in message
    assert api_box.read_config() == config
    assert stats_answers(api_box) == 20
    real_api.delete("%s/%s" % (TENANT, lb["id"]), status=204)


def test_a_first_vip_on_the_stats_listener_is_refused_by_the_deploy(real_api, api_box, device):
    """A driver that never read the device cannot 409; its deploy refuses
    the load balancer alone, and the stats listener is never shared."""
    config = api_box.read_config()
    lb = real_api.post_json(TENANT, lb_body(api_box, device, api_box.stats_port)).json[
        "loadbalancer"]
    assert lb["status"] == "ERROR" and lb["operatingStatus"] == "OFFLINE", lb
    assert "reserves for itself" in lb["statusDescription"]
    assert api_box.read_config() == config
    assert stats_answers(api_box) == 20
    real_api.delete("%s/%s" % (TENANT, lb["id"]), status=204)
