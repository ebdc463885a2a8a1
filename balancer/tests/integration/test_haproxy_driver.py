"""The HAProxy driver against real parts: HAProxy, sshd, backends, traffic.

One ``HaproxyBox`` (namespace when possible, loopback otherwise) serves the
module; every test deploys the whole desired state it needs, as the core
does, so tests do not depend on each other's leftovers.  After every deploy
the operator's part of the live file is compared with what the box started
with.  Traffic only goes to the box's own addresses.
"""

import dataclasses
import os
import time

import pytest

from balancer.drivers.base import DriverError, LoadBalancer, Monitor, Node, Sticky, Vip
from balancer.drivers.haproxy import sections
from balancer.drivers.haproxy.driver import HaproxyDriver
from balancer.tests import lab_parts
from balancer.tests.conftest import skip_outside_ci

pytestmark = pytest.mark.integration

OPTIONS = {"ssh_connect_timeout": 3, "ssh_command_timeout": 20}


@pytest.fixture(scope="module")
def box(api_box):
    """The module's lab box (``api_box`` in conftest.py)."""
    return api_box


@pytest.fixture
def driver(box):
    made = HaproxyDriver(box.device(host_key=box.host_key), OPTIONS)
    yield made
    made.close()


@pytest.fixture
def vip_port(box):
    return box.free_vip_port(80)


def seed_lb(box, port, **changes):
    nodes = tuple(Node(id=f"node{i + 1}", address=address, port=node_port)
                  for i, (address, node_port, _name) in enumerate(box.backend_nodes()))
    lb = LoadBalancer(
        id="lb-seed", name="testLB", algorithm="ROUND_ROBIN", protocol="HTTP",
        vips=(Vip(id="vip1", address=box.ip, port=port, protocol="HTTP"),), nodes=nodes,
        monitors=(Monitor(id="m1", type="ICMP", delay=30, timeout=30, attempts=2),
                  Monitor(id="m2", type="HTTP", delay=30, timeout=30, attempts=2, method="GET",
                          path="/", expected="200-204")))
    return dataclasses.replace(lb, **changes)


def with_node(lb, index, **changes):
    nodes = list(lb.nodes)
    nodes[index] = dataclasses.replace(nodes[index], **changes)
    return dataclasses.replace(lb, nodes=tuple(nodes))


def deploy(box, driver, lbs):
    result = driver.deploy(lbs)
    assert sections.foreign_text(box.read_config()) == box.operator_config
    return result


def names(box, port, count=6, headers=None):
    assert lab_parts.is_lab_address(box.ip)
    return [box.get(box.vip_url(port), headers)[1].strip() for _ in range(count)]


def test_seed_lb_round_robins_over_three_backends(box, driver, vip_port):
    deploy(box, driver, [seed_lb(box, vip_port)])
    seen = names(box, vip_port)
    assert sorted(seen[:3]) == ["backend1", "backend2", "backend3"]
    assert seen[3:] == seen[:3]
    assert driver.learned_host_key() is None          # pinned already, nothing new learned


def test_unchanged_state_does_not_reload(box, driver, vip_port):
    deploy(box, driver, [seed_lb(box, vip_port)])
    pids = box.haproxy_pids()
    assert deploy(box, driver, [seed_lb(box, vip_port)]).changed is False
    assert box.haproxy_pids() == pids


@pytest.mark.parametrize("change", ["removed", "DISABLED", "DRAINING"])
def test_node_out_of_rotation(box, driver, vip_port, change):
    lb = seed_lb(box, vip_port)
    if change == "removed":
        lb = dataclasses.replace(lb, nodes=lb.nodes[:1] + lb.nodes[2:])
    else:
        lb = with_node(lb, 1, condition=change)
    deploy(box, driver, [lb])
    assert set(names(box, vip_port)) == {"backend1", "backend3"}


def test_failing_health_check_ejects_node(box, driver, vip_port):
    monitor = Monitor(id="m", type="HTTP", delay=1, timeout=1, attempts=1, path="/health",
                      expected="200")
    lb = seed_lb(box, vip_port, monitors=(monitor,))
    deploy(box, driver, [lb])
    box.fail_health(2)
    try:
        # node2 may come back DOWN from the saved server state (an earlier
        # test took it out of rotation) and then needs its checks to pass
        wanted = {"node1": "UP", "node2": "UP", "node3": "DOWN"}
        assert box.wait_for(lambda: driver.node_status(lb) == wanted, timeout=8)
        assert set(names(box, vip_port)) == {"backend1", "backend2"}
    finally:
        box.fail_health(2, failing=False)
    assert box.wait_for(lambda: driver.node_status(lb).get("node3") == "UP", timeout=8)


def test_cookie_persistence_pins_a_client(box, driver, vip_port):
    lb = seed_lb(box, vip_port, stickies=(Sticky(id="s", type="HTTP_COOKIE", cookie_name="LBSRV"),))
    deploy(box, driver, [lb])
    _status, first, headers = box.get(box.vip_url(vip_port))
    cookie = headers["set-cookie"].split(";")[0]
    assert cookie.startswith("LBSRV=")
    assert set(names(box, vip_port, 6, {"Cookie": cookie})) == {first.strip()}
    assert len(set(names(box, vip_port))) == 3                   # without it: round robin


def test_bind_failure_keeps_old_config_serving(box, vip_port):
    made = HaproxyDriver(box.device(host_key=box.host_key, requires_vip_ip="0"), OPTIONS)
    try:
        deploy(box, made, [seed_lb(box, vip_port)])
        before, pids = box.read_config(), box.haproxy_pids()
        absent = dataclasses.replace(seed_lb(box, vip_port, id="lb-bad"),
                                     vips=(Vip(id="vbad", address="10.231.254.254", port=80,
                                               protocol="HTTP"),))
        with pytest.raises(DriverError) as caught:
            made.deploy([seed_lb(box, vip_port), absent])
        assert "cannot bind" in str(caught.value) and caught.value.lb_ids == ("lb-bad",)
        assert box.read_config() == before and box.haproxy_pids() == pids
        assert len(set(names(box, vip_port))) == 3
    finally:
        made.close()


def test_check_failure_reports_haproxy_message(box, driver, vip_port):
    deploy(box, driver, [seed_lb(box, vip_port)])
    before = box.read_config()
    bad = seed_lb(box, vip_port + 1, id="lb-unresolvable",
                  vips=(Vip(id="vip-ghost", address=box.ip, port=vip_port + 1, protocol="HTTP"),),
                  nodes=(Node(id="ghost", address="no-such-host.invalid", port=80),))
    with pytest.raises(DriverError) as caught:
        driver.deploy([seed_lb(box, vip_port), bad])
    assert "no-such-host.invalid" in str(caught.value)
    assert caught.value.lb_ids == ("lb-unresolvable",)
    assert box.read_config() == before
    assert len(set(names(box, vip_port))) == 3


def test_two_lbs_on_one_port_are_refused_before_the_device(box, driver, vip_port):
    deploy(box, driver, [seed_lb(box, vip_port)])
    with pytest.raises(DriverError) as caught:
        driver.deploy([seed_lb(box, vip_port), seed_lb(box, vip_port, id="lb-twin")])
    assert set(caught.value.lb_ids) == {"lb-seed", "lb-twin"}
    assert len(set(names(box, vip_port))) == 3


def test_unreachable_device_fails_fast(box):
    port = lab_parts.free_port(29000)
    dead = dataclasses.replace(box.device(), ip="127.0.0.1", port=port)
    made = HaproxyDriver(dead, {"ssh_connect_timeout": 1})
    started = time.monotonic()
    with pytest.raises(DriverError, match="could not be reached") as caught:
        made.deploy([])
    assert time.monotonic() - started < 3
    assert "cannot connect" in caught.value.operator_fault_string
    assert made.info()["reachable"] is False


def test_host_key_first_use_learned_and_mismatch_refused(box, tmp_path):
    fresh = HaproxyDriver(box.device(host_key=None), OPTIONS)
    try:
        fresh.info()
        assert fresh.learned_host_key() == box.host_key
    finally:
        fresh.close()
    other = lab_parts.make_client_key(str(tmp_path))[1]          # some other ed25519 key
    wrong = HaproxyDriver(box.device(host_key=" ".join(other.split()[:2])), OPTIONS)
    with pytest.raises(DriverError, match="could not be reached") as caught:
        wrong.deploy([])
    assert "host key" in caught.value.operator_fault_string
    assert "host key" not in str(caught.value)


def test_key_authentication(box, vip_port):
    made = HaproxyDriver(box.device(auth="key", host_key=box.host_key), OPTIONS)
    try:
        deploy(box, made, [seed_lb(box, vip_port, algorithm="LEAST_CONNECTION")])
        assert made.info()["haproxy_version"].startswith("2.")
    finally:
        made.close()


def test_runtime_condition_change_without_reload(box, driver, vip_port):
    lb = seed_lb(box, vip_port)
    deploy(box, driver, [lb])
    pids = box.haproxy_pids()
    driver.set_node_condition(lb, dataclasses.replace(lb.nodes[0], condition="DRAINING"))
    assert driver.node_status(lb)["node1"] == "DRAIN"
    assert set(names(box, vip_port)) == {"backend2", "backend3"}
    driver.set_node_condition(lb, dataclasses.replace(lb.nodes[0], condition="DISABLED"))
    assert driver.node_status(lb)["node1"] == "MAINT"
    driver.set_node_condition(lb, lb.nodes[0])
    assert driver.node_status(lb)["node1"] == "UP"
    assert len(set(names(box, vip_port))) == 3
    assert box.haproxy_pids() == pids
    drained = with_node(lb, 0, condition="DRAINING")        # the core persists it next
    deploy(box, driver, [drained])
    assert driver.node_status(drained)["node1"] == "DRAIN"


def test_vip_address_added_and_released(box, driver):
    if not box.ns:
        skip_outside_ci("VIP addresses are only added inside the lab's own namespace")
    address = f"{box.subnet}.10"
    lb = dataclasses.replace(seed_lb(box, 80, id="lb-extra"),
                             vips=(Vip(id="vx", address=address, port=80, protocol="HTTP"),))
    deploy(box, driver, [seed_lb(box, 80), lb])
    assert len({box.get(f"http://{address}:80/")[1] for _ in range(3)}) == 3
    assert address + "/32" in box.interface_addresses()
    deploy(box, driver, [seed_lb(box, 80)])
    assert address + "/32" not in box.interface_addresses()
    assert box.ip + "/24" in box.interface_addresses()


def test_foreign_sections_survive_deleting_everything(box, driver, vip_port):
    deploy(box, driver, [seed_lb(box, vip_port)])
    deploy(box, driver, [])
    assert box.read_config() == box.operator_config


def test_a_deploy_waits_for_another_script_still_running_on_the_box(box, driver, vip_port):
    """A script orphaned by a killed API process holds the box's lock
    (``box_lock`` in scripts/balancer.sh): the next deploy waits for it
    instead of racing it."""
    import subprocess

    from balancer.drivers.haproxy import remote
    lock = remote.lock_path(driver.layout)
    holder = subprocess.Popen(["runuser", "-u", box.user, "--", "flock", lock, "sleep", "3"])
    try:
        time.sleep(0.5)                       # the holder has the lock by now
        began = time.monotonic()
        driver.deploy([seed_lb(box, vip_port)])
        waited = time.monotonic() - began
    finally:
        holder.wait(10)
        driver.deploy([])
        if os.path.exists(lock):
            os.unlink(lock)
    assert waited >= 2.0, waited


STAGES = ("lock-and-drift-check", "write", "haproxy-check", "backup-and-swap", "reload",
          "new-process-answers", "runtime-check")


def test_stage_times_profile_the_box_side_of_a_deploy(box, vip_port):
    timed = HaproxyDriver(box.device(host_key=box.host_key, deploy_stage_times="1"), OPTIONS)
    try:
        timed.deploy([])
        result = deploy(box, timed, [seed_lb(box, vip_port)])
        stages = {k[len("remote "):]: v for k, v in result.timings.items()
                  if k.startswith("remote ")}
        assert tuple(stages) == STAGES, result.timings
        assert all(seconds >= 0 for seconds in stages.values())
        # the stages are the script's own time: within the SSH call around them
        assert 0 < sum(stages.values()) <= result.timings["remote"]
        assert len(set(names(box, vip_port))) == 3
    finally:
        timed.close()



def test_without_stage_times_a_deploy_reports_no_stages(box, driver, vip_port):
    # (the script starts no date process then)
    driver.deploy([])
    result = deploy(box, driver, [seed_lb(box, vip_port)])
    assert "remote" in result.timings
    assert not [k for k in result.timings if k.startswith("remote ")]
