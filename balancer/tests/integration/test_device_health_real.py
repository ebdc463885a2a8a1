"""Device health against a real HAProxy box over real SSH
(balancer/core/prober.py, balancer/drivers/haproxy/scripts/probe.sh).

* HAProxy killed on the box: the device reads OFFLINE, with the stats
  socket named, and its load balancer's ``operatingStatus`` OFFLINE within a
  couple of probe intervals, without any request asking the device; once a
  reconcile pass started HAProxy again, ONLINE, and traffic flows.
* keepalived's state word written on the box is read by the probe (as the
  SSH user, and through sudo where the file is root's alone); every probe
  goes over one SSH connection, kept open.
* An sshd nobody answers on, and a link cut under a warm connection: OFFLINE
  with the SSH error; the link back up: ONLINE again.
"""

import os
import shutil
import subprocess

import pytest

from balancer.common import constants as c
from balancer.core import device_health
from balancer.db import api as db
from balancer.drivers.haproxy import probe
from balancer.tests import lab_parts
from balancer.tests.conftest import Api, make_conf, skip_outside_ci
from balancer.tests.integration.test_device_honesty import (
    TENANT,
    kill_haproxy,
    lb_body,
    names_served,
    show,
)

INTERVAL, TIMEOUT = 0.5, 3.0
# a result comes within one pass (interval plus the probe's timeout); two
# passes and a margin for a busy machine
WITHIN = 2 * (INTERVAL + TIMEOUT) + 2


@pytest.fixture
def health_api(tmp_path):
    """The real pipeline, probing every INTERVAL seconds in the background."""
    client = Api(make_conf(tmp_path, deploy__ssh_connect_timeout=3,
                           deploy__ssh_command_timeout=20,
                           health__probe_interval=INTERVAL, health__probe_timeout=TIMEOUT))
    client.service.prober.start()
    yield client
    client.service.close()


@pytest.fixture
def state_dir(api_box):
    """The driver's state directory on the box (device key ``state_dir``)."""
    path = os.path.join(api_box.root, "state")
    os.makedirs(path, mode=0o755, exist_ok=True)
    yield path
    state = os.path.join(path, probe.KEEPALIVED_STATE_FILE)
    if os.path.exists(state):
        os.unlink(state)


def device_view(api, device):
    return api.get("/devices/%s" % device["id"]).json["device"]


def wait_health(box, api, device, word):
    """The device's view once its health reads ``word`` (None past WITHIN)."""
    def seen():
        view = device_view(api, device)
        return view if view["health"] == word else None
    return box.wait_for(seen, timeout=WITHIN, interval=0.1)


def stored_role(api, device):
    with api.service.session() as session:
        record = device_health.read(session, [device["id"]]).get(device["id"])
    return record.vrrp_role if record else None


def test_killed_haproxy_is_offline_within_two_probes_and_online_after_restart(
        health_api, api_box, state_dir):
    device = health_api.post_json("/devices", api_box.api_device_body(
        state_dir=state_dir)).json["device"]
    port = api_box.free_vip_port(80)
    lb = health_api.post_json(TENANT, lb_body(api_box, device, port)).json["loadbalancer"]
    assert lb["status"] == "ACTIVE", lb
    online = wait_health(api_box, health_api, device, c.HEALTH_ONLINE)
    assert online and online["health_error"] is None, device_view(health_api, device)
    kill_haproxy(api_box)
    offline = wait_health(api_box, health_api, device, c.HEALTH_OFFLINE)
    assert offline, device_view(health_api, device)
    assert "HAProxy does not answer on its stats socket %s" % api_box.socket in \
        offline["health_error"]
    assert offline["health_checked_at"] > online["health_checked_at"]
    assert show(health_api, lb)["operatingStatus"] == "OFFLINE"
    assert health_api.service.reconciler.run_once(wait=30) is True     # starts HAProxy
    assert wait_health(api_box, health_api, device, c.HEALTH_ONLINE), \
        device_view(health_api, device)
    assert show(health_api, lb)["operatingStatus"] == "ONLINE"
    assert len(names_served(api_box, port)) == 3
    health_api.delete("%s/%s" % (TENANT, lb["id"]), status=204)


@pytest.fixture
def keepalived_stand_in(state_dir, tmp_path):
    """A process named keepalived (sleep under that name) whose pid is in
    the state directory's ``keepalived.pid``, as keepalived-apply.sh leaves
    it: the probe believes the state file only while that process lives."""
    binary = tmp_path / "keepalived"
    shutil.copy(shutil.which("sleep"), binary)
    proc = subprocess.Popen([str(binary), "300"])
    pid_file = os.path.join(state_dir, "keepalived.pid")
    with open(pid_file, "w") as handle:
        handle.write("%d\n" % proc.pid)
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        os.unlink(pid_file)


def test_the_probe_reads_keepalived_state_on_the_box(health_api, api_box, state_dir,
                                                     keepalived_stand_in):
    device = health_api.post_json("/devices", api_box.api_device_body(
        state_dir=state_dir)).json["device"]
    assert wait_health(api_box, health_api, device, c.HEALTH_ONLINE)
    assert stored_role(health_api, device) == c.VRRP_UNKNOWN       # no state file: unpaired
    state = os.path.join(state_dir, probe.KEEPALIVED_STATE_FILE)
    with open(state, "w") as handle:
        handle.write("BACKUP\n")
    os.chmod(state, 0o644)
    assert api_box.wait_for(lambda: stored_role(health_api, device) == c.VRRP_BACKUP,
                            timeout=WITHIN)
    # root's alone: the SSH user reads it through sudo
    with open(state, "w") as handle:
        handle.write("MASTER\n")
    os.chmod(state, 0o600)
    assert api_box.wait_for(lambda: stored_role(health_api, device) == c.VRRP_MASTER,
                            timeout=WITHIN)
    # keepalived gone, its last word left behind: FAULT
    keepalived_stand_in.kill()
    keepalived_stand_in.wait()
    assert api_box.wait_for(lambda: stored_role(health_api, device) == c.VRRP_FAULT,
                            timeout=WITHIN)
    os.unlink(state)
    assert api_box.wait_for(lambda: stored_role(health_api, device) == c.VRRP_UNKNOWN,
                            timeout=WITHIN)
    # every pass above went over one SSH connection, kept open
    prober = health_api.service.prober
    with health_api.service.session() as session:
        driver = prober.drivers.peek(db.device_get(session, device["id"]))
    assert prober.passes >= 4 and driver.transport.connects == 1


def test_an_sshd_nobody_answers_on_is_offline_with_the_ssh_error(health_api, api_box):
    dead_port = lab_parts.free_port(2300) if not api_box.ns else 2
    body = dict(api_box.api_device_body(), port=str(dead_port), name="no-sshd")
    device = health_api.post_json("/devices", body).json["device"]
    offline = wait_health(api_box, health_api, device, c.HEALTH_OFFLINE)
    assert offline, device_view(health_api, device)
    assert "cannot connect to %s:%d" % (api_box.ip, dead_port) in offline["health_error"]
    error = health_api.post_json("/foo/loadbalancers", lb_body(api_box, device, 8090),
                                 status=409).json["error"]
    assert "OFFLINE" in error["message"]


def test_a_cut_link_is_offline_and_online_again_when_it_is_back(health_api, api_box):
    if not api_box.ns:
        skip_outside_ci("needs the box in a network namespace (ip netns)")
    device = health_api.post_json("/devices", api_box.api_device_body()).json["device"]
    assert wait_health(api_box, health_api, device, c.HEALTH_ONLINE)
    host_if = "bl%sh" % api_box.suffix           # the host side of the box's veth pair
    subprocess.run(["ip", "link", "set", host_if, "down"], check=True, timeout=30)
    try:
        offline = wait_health(api_box, health_api, device, c.HEALTH_OFFLINE)
        assert offline, device_view(health_api, device)
        assert offline["health_error"], offline
    finally:
        subprocess.run(["ip", "link", "set", host_if, "up"], check=True, timeout=30)
    assert wait_health(api_box, health_api, device, c.HEALTH_ONLINE), \
        device_view(health_api, device)
