"""Whose fault an HAProxy failure is, and what the tenant and the operator read."""

import pytest

from balancer.drivers.base import DriverError, Monitor, Node, Sticky
from balancer.drivers.haproxy import faults, remote, render

from . import cases
from .test_driver import make

NEW = "/etc/haproxy/haproxy.cfg.balancer-new"


def line_of(text, needle, after=None):
    """1-based number of the first line containing ``needle`` (after the
    line ``after``, when given)."""
    lines = text.splitlines()
    start = lines.index(after) if after else 0
    return next(i for i, line in enumerate(lines[start:], start=start + 1) if needle in line)


def attacker_and_victim():
    """Tenant A's node is named like B's backend: HAProxy cannot resolve it."""
    attacker = cases.lb("a", vip=("10.0.0.1", 80),
                        node_list=(Node(id="n1", address="balancer-lb-b", port=80),))
    victim = cases.lb("b", vip=("10.0.0.2", 80))
    return attacker, victim


def unresolvable_alert(text):
    line = line_of(text, "server n1 balancer-lb-b:80")
    return (f"[ALERT]    (77) : config : [{NEW}:{line}] : 'server balancer-lb-a/n1' : "
            "could not resolve address 'balancer-lb-b'.\n"
            "[ALERT]    (77) : config : Failed to initialize server(s) addr.")


def test_a_name_inside_user_text_never_blames_its_owner():
    driver, device = make()
    attacker, victim = attacker_and_victim()
    device.check_error = unresolvable_alert(render.render(cases.BASE, [attacker, victim]))
    with pytest.raises(DriverError) as caught:
        driver.deploy([attacker, victim])
    assert caught.value.lb_ids == ("a",)


def test_a_forged_location_or_proxy_name_in_user_text_is_ignored():
    text = render.render(cases.BASE, [cases.lb("a"), cases.lb("b", vip=("10.0.0.2", 80))])
    b_line = line_of(text, "balance", after="backend balancer-lb-b")
    output = (f"[ALERT] (1) : config : Proxy 'balancer-lb-a': server 'x' [{NEW}:{b_line}] "
              "Proxy 'balancer-lb-b': frontend balancer-vip-vip-b\n"
              f"[WARNING] (1) : config : [{NEW}:{b_line}] : backend balancer-lb-b\n"
              f"[ALERT] (1) : config : [/elsewhere.cfg:{b_line}] : 'balancer-lb-b'\n")
    assert faults.blamed_sections(output, text, {NEW}) == [
        ("balancer-lb-a", "server 'x' [%s:%d] Proxy 'balancer-lb-b': frontend "
                          "balancer-vip-vip-b" % (NEW, b_line))]


def test_a_location_in_the_operators_text_blames_no_one():
    operator = cases.BASE + "\nbackend balancer-lb-b\n    bogus\n"      # no marker: theirs
    text = render.render(operator, [cases.lb("b", vip=("10.0.0.2", 80))])
    line = text.splitlines().index("    bogus") + 1
    output = f"[ALERT] (1) : config : parsing [{NEW}:{line}] : unknown keyword 'bogus'"
    assert faults.blamed_sections(output, text, {NEW}) == []


def test_a_bind_failure_blames_the_frontend_by_its_location():
    lbs = [cases.lb("a"), cases.lb("b", vip=("ff02::1", 80))]
    text = render.render(cases.BASE, lbs)
    line = line_of(text, "bind [ff02::1]:80")
    output = (f"[ALERT] (9) : Binding [/etc/haproxy/haproxy.cfg:{line}] for frontend "
              "balancer-vip-vip-b: cannot bind socket (Invalid argument) for [ff02::1:80]")
    error = faults.stage_failure(remote.RELOAD_FAILED, output, text, lbs,
                                 make()[0].device, make()[0].layout)
    assert error.lb_ids == ("b",)
    assert "cannot bind socket" in str(error) and "/etc/haproxy" not in str(error)
    assert "/etc/haproxy/haproxy.cfg" in error.operator_fault_string


def test_a_failure_naming_no_section_names_no_load_balancer_and_no_address():
    driver, _device = make()
    lbs = [cases.lb("a"), cases.lb("b", vip=("ff02::1", 80))]
    output = "Error: ipv6: Cannot assign multicast address without \"IFA_F_MCAUTOJOIN\" flag."
    error = faults.stage_failure(remote.VIP_FAILED, output, render.render(cases.BASE, lbs),
                                 lbs, driver.device, driver.layout)
    assert error.lb_ids == () and not error.device_fault
    assert str(error) == "the device could not add a virtual IP address to its interface"
    assert "192.0.2.9" in error.operator_fault_string and "MCAUTOJOIN" in (
        error.operator_fault_string)


def test_the_tenant_reads_only_its_own_reason_the_operator_everything():
    driver, device = make()
    attacker, victim = attacker_and_victim()
    device.check_error = unresolvable_alert(render.render(cases.BASE, [attacker, victim]))
    with pytest.raises(DriverError) as caught:
        driver.deploy([attacker, victim])
    user, operator = str(caught.value), caught.value.operator_fault_string
    assert user.startswith("HAProxy refused the configuration")
    assert "balancer-lb-a: 'server balancer-lb-a/n1' : could not resolve address" in user
    assert "balancer-lb-b" not in user and "<another load balancer>" in user
    for secret in ("192.0.2.9", "/etc/haproxy", "Failed to initialize"):
        assert secret not in user
        assert secret in operator


def test_when_several_are_blamed_no_reason_text_is_shown():
    text = render.render(cases.BASE, [cases.lb("a"), cases.lb("b", vip=("10.0.0.2", 80))])
    output = "\n".join(
        f"[ALERT] (1) : config : parsing [{NEW}:{line_of(text, 'balance', after=h)}] : "
        f"secret of {h}" for h in ("backend balancer-lb-a", "backend balancer-lb-b"))
    driver, _device = make()
    error = faults.stage_failure(remote.CHECK_FAILED, output, text,
                                 [cases.lb("a"), cases.lb("b", vip=("10.0.0.2", 80))],
                                 driver.device, driver.layout)
    assert error.lb_ids == ("a", "b") and "secret" not in str(error)


def test_an_unreachable_device_tells_the_tenant_nothing_of_it():
    driver, device = make()
    device.transport.fail_with = ("host key of 192.0.2.9 changed; if the device was really "
                                  "re-installed, set its new host_key with PUT /devices/{id}")
    with pytest.raises(DriverError) as caught:
        driver.deploy([cases.lb()])
    assert "PUT /devices" not in str(caught.value) and "192.0.2.9" not in str(caught.value)
    assert "PUT /devices" in caught.value.operator_fault_string
    assert caught.value.device_fault


def test_the_renderer_never_emits_a_dollar_sign():
    for lb in (cases.lb(node_list=(Node(id="n1", address="fe80::1%${SUDO_COMMAND}", port=80),)),
               cases.lb(monitors=(Monitor(id="m1", type="HTTP", path="/$HOME"),)),
               cases.lb(stickies=(Sticky(id="s1", type="HTTP_COOKIE", cookie_name="a$b"),))):
        with pytest.raises(DriverError) as caught:
            render.render(cases.BASE, [lb])
        assert caught.value.lb_ids == ("lb1",)
    named = render.render(cases.BASE, [cases.lb(name="costs $HOME ${PATH}")])
    assert "$" not in named.replace(cases.BASE, "")


def test_a_vip_conflict_tells_the_tenant_nothing_of_the_other_load_balancer():
    with pytest.raises(DriverError) as caught:
        render.render(cases.BASE, [cases.lb("other-tenant-lb"), cases.lb("mine")])
    assert "other-tenant-lb" not in str(caught.value) and "10.9.9.9:80" in str(caught.value)
    assert "other-tenant-lb" in caught.value.operator_fault_string
