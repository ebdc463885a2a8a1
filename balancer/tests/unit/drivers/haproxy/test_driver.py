"""The driver's deploy flow against a fake device: round trips, drift,
failures and rollback, VIP addresses, sudo, runtime API."""

import dataclasses

import pytest

from balancer.drivers.base import Device, DriverError, Node
from balancer.drivers.haproxy import render
from balancer.drivers.haproxy.driver import HaproxyDriver

from . import cases
from .fake_device import FakeDevice


def make(user="root", config=None, **extra):
    """A driver and its fake device; the files compare with ``render.render``
    of the records, so no server state directory unless a test asks."""
    extra.setdefault("server_state_dir", "none")
    device = FakeDevice(cases.BASE if config is None else config)
    record = Device(id="d1", name="dev1", type="haproxy", ip="192.0.2.9", port=22, user=user,
                    password="pw", extra=extra)
    return HaproxyDriver(record, {}, transport_factory=lambda: device.transport), device


def test_first_deploy_fetches_then_pushes_in_one_command():
    driver, device = make()
    result = driver.deploy([cases.lb()])
    assert result.changed and result.reloaded
    assert len(device.transport.calls) == 2
    assert device.config == render.render(cases.BASE, [cases.lb()])
    assert device.transport.calls[1][1] == device.config.encode()


def test_warm_changed_deploy_is_one_round_trip_and_same_state_reloads_nothing():
    driver, device = make()
    driver.deploy([cases.lb()])
    before = len(device.transport.calls)
    driver.deploy([cases.lb(algorithm="LEAST_CONNECTION")])
    assert len(device.transport.calls) == before + 1
    result = driver.deploy([cases.lb(algorithm="LEAST_CONNECTION")])
    assert not result.changed and device.deploys == 2
    assert len(device.transport.calls) == before + 2


def test_operator_edit_meanwhile_is_kept_and_deploy_retries():
    driver, device = make()
    driver.deploy([cases.lb()])
    device.config = "# operator was here\n" + device.config
    driver.deploy([cases.lb(algorithm="STATIC_RR")])
    assert device.config.startswith("# operator was here\n" + cases.BASE)
    assert "balance static-rr" in device.config


def test_unchanged_render_but_drifted_device_is_healed():
    driver, device = make()
    driver.deploy([cases.lb()])
    device.config = cases.BASE                     # someone removed our sections
    result = driver.deploy([cases.lb()])
    assert result.changed and "balancer-lb-lb1" in device.config


def test_check_failure_reports_haproxy_message_and_the_lb_of_the_line():
    driver, device = make()
    driver.deploy([cases.lb("lb1"), cases.lb("lb2", vip=("10.0.0.2", 80))])
    text = device.config
    line = text.splitlines().index("backend balancer-lb-lb2") + 2
    device.check_error = ("[ALERT]    (1) : config : parsing "
                          f"[/etc/haproxy/haproxy.cfg.balancer-new:{line}] : "
                          "unknown keyword 'bogus'\n[ALERT] (1) : Fatal errors found")
    with pytest.raises(DriverError) as caught:
        driver.deploy([cases.lb("lb1", algorithm="STATIC_RR"),
                       cases.lb("lb2", vip=("10.0.0.2", 80))])
    assert "unknown keyword 'bogus'" in str(caught.value)
    assert caught.value.lb_ids == ("lb2",)
    assert device.config == text


def test_reload_failure_names_the_frontend_owner():
    driver, device = make()
    device.reload_error = ("[ALERT] (9) : Starting frontend balancer-vip-vip-lb1: cannot bind "
                           "socket (Cannot assign requested address) [10.9.9.9:80]")
    with pytest.raises(DriverError) as caught:
        driver.deploy([cases.lb()])
    assert "cannot bind socket" in str(caught.value) and caught.value.lb_ids == ("lb1",)
    assert "192.0.2.9" in caught.value.operator_fault_string
    assert "192.0.2.9" not in str(caught.value)


def test_new_process_not_serving_triggers_rollback():
    driver, device = make()
    device.stale_runtime = True
    with pytest.raises(DriverError, match="did not start serving") as caught:
        driver.deploy([cases.lb()])
    assert "not serving" in caught.value.operator_fault_string
    assert device.rollbacks == 1


def test_render_refusal_never_touches_the_device():
    driver, device = make()
    with pytest.raises(DriverError):
        driver.deploy([cases.lb(name="x", algorithm="bogus\nrm -rf /")])
    assert len(device.transport.calls) == 1          # only the fetch


def test_vip_addresses_are_added_only_when_required_and_never_for_wildcards():
    driver, device = make(requires_vip_ip="1", interface="eth1")
    driver.deploy([cases.lb("a", vip=("10.231.9.10", 80)), cases.lb("b", vip=("0.0.0.0", 81)),
                   cases.lb("c", vip=("127.0.0.1", 82)), cases.lb("d", vip=("2001:db8::5", 80))])
    _sub, params = device.invocations[-1]
    assert params["BALANCER_ADD_VIPS"].split() == ["10.231.9.10/32", "2001:db8::5/128"]
    assert params["BALANCER_INTERFACE"] == "eth1"


def test_vip_address_removed_only_when_no_lb_uses_it_and_operator_does_not_bind_it():
    driver, device = make(requires_vip_ip=True)
    driver.deploy([cases.lb("a", vip=("10.231.9.10", 80)), cases.lb("b", vip=("10.231.9.10", 81)),
                   cases.lb("c", vip=("127.0.0.1", 90)), cases.lb("e", vip=("10.231.9.12", 80))])
    driver.deploy([cases.lb("b", vip=("10.231.9.10", 81))])
    assert device.invocations[-1][1]["BALANCER_DEL_VIPS"].split() == ["10.231.9.12/32"]


def test_no_vip_commands_when_not_required():
    driver, device = make(requires_vip_ip="0")
    driver.deploy([cases.lb(vip=("10.231.9.10", 80))])
    assert device.invocations[-1][1]["BALANCER_ADD_VIPS"] == ""


def test_sudo_per_command_for_non_root_and_whole_script_mode():
    driver, device = make(user="lbuser")
    driver.deploy([cases.lb()])
    assert device.invocations[-1][1]["BALANCER_SUDO"] == "sudo -n"
    assert device.transport.calls[-1][0].startswith("sh -c ")
    driver, device = make(user="lbuser", sudo_mode="script")
    driver.deploy([cases.lb()])
    assert device.transport.calls[-1][0].startswith("sudo -n sh -c ")
    assert device.invocations[-1][1]["BALANCER_SUDO"] == ""
    driver, device = make(user="root")
    driver.deploy([cases.lb()])
    assert device.invocations[-1][1]["BALANCER_SUDO"] == ""


def test_unreachable_device_is_a_driver_error():
    driver, device = make()
    device.transport.fail_with = "cannot connect to 192.0.2.9:22: timed out"
    with pytest.raises(DriverError, match="could not be reached") as caught:
        driver.deploy([cases.lb()])
    assert caught.value.device_fault and "timed out" in caught.value.operator_fault_string
    assert "192.0.2.9" not in str(caught.value)
    assert driver.info()["reachable"] is False


def test_runtime_condition_change_and_status():
    driver, device = make()
    lb = cases.lb()
    driver.deploy([lb])
    del device.transport.calls[:]
    driver.set_node_condition(lb, dataclasses.replace(lb.nodes[0], condition="DRAINING"))
    driver.set_node_condition(lb, Node(id="n8002", address="127.0.0.1", port=8002, weight=4))
    sent = [stdin.decode() for command, stdin in device.transport.calls]
    assert sent == ["set weight balancer-lb-lb1/n8001 0; "
                    "set server balancer-lb-lb1/n8001 state drain\n",
                    "set weight balancer-lb-lb1/n8002 4; "
                    "set server balancer-lb-lb1/n8002 state ready\n"]
    device.runtime_answer = "No such server.\n"
    with pytest.raises(DriverError, match="refused the change of node n8001") as caught:
        driver.set_node_condition(lb, lb.nodes[0])
    assert "No such server" in caught.value.operator_fault_string
    device.stat_csv = ("# pxname,svname,status,weight\nbalancer-lb-lb1,n8001,UP,1\n"
                       "balancer-lb-lb1,n8002,DOWN,1\nbalancer-lb-lb1,n8003,MAINT,1\n"
                       "balancer-lb-lb1,BACKEND,UP,2\nother,n8001,DOWN,1\n")
    assert driver.node_status(lb) == {"n8001": "UP", "n8002": "DOWN", "n8003": "MAINT"}


def test_info_reports_version_and_process():
    driver, _device = make()
    info = driver.info()
    assert info["reachable"] and info["haproxy_version"] == "2.6.12" and info["pid"] == "100"


def test_learned_host_key_comes_from_the_transport():
    driver, device = make()
    device.transport.learned_host_key = "ssh-ed25519 AAAA"
    driver.deploy([])
    assert driver.learned_host_key() == "ssh-ed25519 AAAA"
