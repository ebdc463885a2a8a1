"""The driver never takes a config file for a running process: a killed
HAProxy is started afresh, a reload that reloaded nothing is a failure, a
process that missed the swap is reloaded, and the operator's own listeners
are reserved.  Against the fake device (``fake_device``)."""

import dataclasses

import pytest

from balancer.drivers.base import DriverError, Endpoint, Node
from balancer.drivers.haproxy import render, runtime, sections, serving

from . import cases
from .test_driver import make

NEW_NODE = Node(id="n8004", address="127.0.0.1", port=8004)


def with_new_node(lb):
    return dataclasses.replace(lb, nodes=lb.nodes + (NEW_NODE,))


def test_killed_haproxy_is_seen_offline_then_started_afresh():
    driver, device = make()
    driver.deploy([cases.lb()])
    assert driver.serving().answering and driver.serving().current
    device.kill()
    driver.info()
    assert driver.serving().answering is False
    result = driver.deploy([cases.lb()])       # what a reconcile pass asks
    assert result.reloaded and device.starts == 1
    assert device.running == device.config == render.render(cases.BASE, [cases.lb()])
    assert driver.serving().answering and driver.serving().current


def test_a_start_that_fails_stays_offline():
    driver, device = make()
    driver.deploy([cases.lb()])
    device.kill()
    device.reload_error = "[ALERT] (1) : Starting frontend balancer-vip-vip-lb1: cannot bind"
    with pytest.raises(DriverError, match="cannot bind"):
        driver.deploy([cases.lb()])
    assert driver.serving().answering is False


def test_reload_that_reloads_nothing_is_a_failure_and_is_rolled_back():
    driver, device = make(runtime_changes="0")
    driver.deploy([cases.lb()])
    served = device.running
    device.reload_noop = True                   # the file is swapped, the process stays
    with pytest.raises(DriverError, match="did not start serving") as caught:
        driver.deploy([with_new_node(cases.lb())])
    assert "n8004" in caught.value.operator_fault_string
    assert caught.value.lb_ids == ()            # no load balancer's fault
    assert device.rollbacks == 1 and device.config == served
    assert driver.serving().current is False and driver.serving().stale == ("lb1",)


def test_weight_only_change_that_was_not_reloaded_is_a_failure():
    driver, device = make(runtime_changes="0")
    driver.deploy([cases.lb()])
    device.reload_noop = True
    changed = dataclasses.replace(cases.lb(), nodes=cases.nodes(8001, 8002, 8003, weight=5))
    with pytest.raises(DriverError, match="did not start serving") as caught:
        driver.deploy([changed])
    assert "still answers" in caught.value.operator_fault_string


def test_fresh_driver_reloads_a_process_that_missed_the_swap():
    old = render.render(cases.BASE, [cases.lb()])
    new = render.render(cases.BASE, [with_new_node(cases.lb())])
    driver, device = make(config=new)
    device.running = old                        # the session was cut before the reload
    result = driver.deploy([with_new_node(cases.lb())])
    assert result.reloaded and device.deploys == 1 and device.running == new


def test_fresh_driver_leaves_a_process_that_serves_the_file_alone():
    new = render.render(cases.BASE, [cases.lb()])
    driver, device = make(config=new)
    result = driver.deploy([cases.lb()])
    assert not result.changed and device.deploys == 0
    assert driver.serving().current


def test_warm_driver_checks_a_process_it_did_not_start():
    driver, device = make()
    driver.deploy([with_new_node(cases.lb())])
    device.running = render.render(cases.BASE, [cases.lb()])   # reloaded by hand, older file
    device.pid += 5
    result = driver.deploy([with_new_node(cases.lb())])
    assert result.reloaded and device.running == device.config


def test_warm_unchanged_deploy_with_the_verified_pid_asks_nothing_more():
    driver, device = make()
    driver.deploy([cases.lb()])
    before = len(device.transport.calls)
    assert not driver.deploy([cases.lb()]).changed
    assert len(device.transport.calls) == before + 1


def test_operator_listeners_are_reserved_and_refused_at_render():
    driver, _device = make()
    assert driver.reserved_endpoints() == ()    # nothing read yet
    driver.deploy([cases.lb()])
    assert driver.reserved_endpoints() == (Endpoint("127.0.0.1", 8404, 8404),)
    for address in ("127.0.0.1", "0.0.0.0"):
        with pytest.raises(DriverError, match="reserves for itself") as caught:
            driver.deploy([cases.lb(), cases.lb("lb2", vip=(address, 8404))])
        assert caught.value.lb_ids == ("lb2",)
        assert "lb1" not in str(caught.value)


@pytest.mark.parametrize("line, expected", [
    ("bind 10.0.0.1:80", [("10.0.0.1", 80, 80)]),
    ("bind *:8404", [("0.0.0.0", 8404, 8404)]),
    ("bind :8404 name stats", [("0.0.0.0", 8404, 8404)]),
    ("bind :::443 v4v6", [("::", 443, 443)]),
    ("bind [2001:DB8::1]:80", [("2001:db8::1", 80, 80)]),
    ("bind ipv4@10.0.0.1:80-89,10.0.0.2:81", [("10.0.0.1", 80, 89), ("10.0.0.2", 81, 81)]),
    ("bind /var/run/haproxy-peers.sock", []),
    ("bind fd@${FD_80}", []),
    ("# bind 10.0.0.1:80", []),
])
def test_operator_bind_forms(line, expected):
    assert list(sections.operator_endpoints("listen x\n    %s\n" % line)) == expected


def test_endpoint_covers_wildcards_both_ways():
    stats = Endpoint("127.0.0.1", 8404, 8404)
    assert stats.covers("127.0.0.1", 8404) and stats.covers("0.0.0.0", 8404)
    assert not stats.covers("127.0.0.2", 8404) and not stats.covers("127.0.0.1", 8405)
    assert Endpoint("::", 80, 81).covers("10.0.0.1", 81)


def _answer(device, lbs):
    device.running = render.render(cases.BASE, lbs)
    return device.answer(["show info", "show backend", "show servers state",
                          "show stat -1 1 -1"])


def test_problems_name_servers_ports_and_frontends():
    _driver, device = make()
    lb = cases.lb()
    everything = serving.question([lb])
    assert serving.problems([lb], everything, _answer(device, [lb])) == ((), "")
    moved = dataclasses.replace(lb, nodes=cases.nodes(8001, 8002, 9003))
    stale, why = serving.problems([moved], everything, _answer(device, [lb]))
    assert stale == ("lb1",) and "n9003 is not served" in why and "n8003" in why
    stale, why = serving.problems([lb], everything, _answer(device, [with_new_node(lb)]))
    assert "not rendered: n8004" in why
    stale, why = serving.problems([lb, cases.lb("lb2")], everything, _answer(device, [lb]))
    assert stale == ("lb2",) and "balancer-lb-lb2 is not served" in why


def test_problems_leave_operator_sections_named_like_ours_alone():
    _driver, device = make()
    lb = cases.lb()
    answer = _answer(device, [lb]).replace("# name\n", "# name\nbalancer-lb-theirs\n")
    everything = serving.question([lb])
    assert "theirs" in serving.problems([lb], everything, answer)[1]
    assert serving.problems([lb], everything, answer, {"balancer-lb-theirs"}) == ((), "")


def test_only_changed_load_balancers_are_asked_server_by_server():
    lbs = [cases.lb("a"), cases.lb("b")]
    asked = serving.question(lbs, serving.changed_since({"a": lbs[0]}, lbs))
    assert asked.commands == ("show servers state balancer-lb-b",
                              "show stat balancer-vip-vip-b 1 -1")
    assert serving.question(lbs, None).lb_ids is None


def test_parse_serving_reads_every_block():
    text = ("Name: HAProxy\nPid: 7\n\n# name\nbalancer-lb-a\n\n1\n# be_id be_name\n"
            "3 balancer-lb-a 1 n1 ::1 2 0 1 1 0 1 0 2 0 0 0 0 - 8001 - 0 0 - - 0\n\n"
            "# pxname,svname,status\nbalancer-vip-v,FRONTEND,OPEN\n\nNo such proxy.\n\n")
    seen = runtime.parse_serving(text)
    assert seen.info["Pid"] == "7" and seen.backends == {"balancer-lb-a"}
    assert seen.servers == {"balancer-lb-a": {"n1": ("::1", "8001")}}
    assert seen.frontends == {"balancer-vip-v"}
