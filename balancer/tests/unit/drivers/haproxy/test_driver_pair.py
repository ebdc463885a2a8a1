"""The driver's pair hooks against a fake device: the peers sections go
with the HAProxy deploy, keepalived's config follows it, a failed
keepalived step is the device's fault, unpairing stops keepalived."""

import pytest

from balancer.drivers.base import Device, DriverError
from balancer.drivers.haproxy import keepalived
from balancer.drivers.haproxy.driver import HaproxyDriver
from balancer.drivers.haproxy.transport import CommandResult

from . import cases
from .fake_device import FakeDevice
from .test_keepalived import pair, sticky_lbs


class PairedDevice(FakeDevice):
    """A fake box that also answers keepalived's apply script and the probe."""

    def __init__(self, config):
        super().__init__(config)
        self.keepalived = []          # (command, stdin) of each apply
        self.apply_status = 0
        self.state = "BACKUP"

    def respond(self, command, stdin):
        if "NOTIFY_B64=" in command:
            self.keepalived.append((command, stdin))
            if self.apply_status:
                return CommandResult(self.apply_status, b"@@balancer stage check\n"
                                     b"bad keyword\n", b"")
            return CommandResult(0, b"@@balancer keepalived reloaded\n@@balancer state "
                                 + self.state.encode() + b"\n@@balancer done\n", b"")
        if "balancer-probe" in command:           # scripts/probe.sh, by its name
            return CommandResult(0, b"@@balancer haproxy 42\n@@balancer vrrp "
                                 + self.state.encode() + b"\n", b"")
        return super().respond(command, stdin)


def make(**extra):
    device = PairedDevice(cases.BASE)
    record = Device(id="dev-a", name="a", type="haproxy", ip="10.231.5.2", port=22,
                    user="root", password="pw",
                    extra=dict({"requires_vip_ip": "1", "state_dir": "/srv/st"}, **extra))
    return HaproxyDriver(record, {}, transport_factory=lambda: device.transport), device


def test_deploy_pair_sends_peers_then_keepalived():
    driver, device = make()
    driver.deploy_pair(sticky_lbs(), pair())
    assert "peers balancer-pair" in device.config and "localpeer balancer-dev-a" in device.config
    deploy = next(params for sub, params in device.invocations if sub == "deploy")
    assert deploy["BALANCER_ADD_VIPS"] == ""          # the VIPs are keepalived's
    [(command, conf)] = device.keepalived
    assert conf.decode() == keepalived.render(pair(), sticky_lbs(), driver.layout, "/srv/st")
    assert "DIR=/srv/st\n" in command and "STOP=''" in command
    assert driver.vrrp_role() == "BACKUP"


def test_a_failed_keepalived_step_is_the_devices_fault():
    driver, device = make()
    device.apply_status = 5
    with pytest.raises(DriverError) as caught:
        driver.deploy_pair(sticky_lbs(), pair())
    assert caught.value.device_fault
    assert "bad keyword" in caught.value.operator_fault_string
    assert "bad keyword" not in caught.value.user_fault_string


def test_a_deploy_after_unpairing_stops_keepalived_first():
    driver, device = make()
    driver.deploy_pair(sticky_lbs(), pair())
    driver.deploy(sticky_lbs())
    command, _conf = device.keepalived[-1]
    assert "STOP=1" in command
    assert "peers balancer-pair" not in device.config
    # alone again, the box adds its VIPs itself (requires_vip_ip)
    sub, params = device.invocations[-1]
    assert sub == "deploy" and "10.231.5.10/32" in params["BALANCER_ADD_VIPS"].split()
    driver.deploy(sticky_lbs())
    assert len(device.keepalived) == 2                # only once
