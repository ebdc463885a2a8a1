"""Server changes through the runtime API, against the fake device: no
reload, the file edited in the same call, and a reload (said so in the
result) whenever HAProxy cannot take the change at runtime."""

import dataclasses

import pytest

from balancer.drivers.base import Node, Sticky
from balancer.drivers.haproxy import dynamic, render, runtime_changes

from . import cases, cases_tenant
from .test_driver import make

SEED = cases.lb(monitors=cases.SEED_MONITORS)
NEW = Node(id="n8004", address="127.0.0.1", port=8004, weight=3, max_con=50)


def nodes_of(lb, *nodes):
    return dataclasses.replace(lb, nodes=tuple(nodes))


def changes(lb):
    """A sequence of every kind of server change, each from the one before."""
    first, second, third = lb.nodes
    return [
        nodes_of(lb, first, second, third, NEW),                              # add
        nodes_of(lb, first, third, NEW),                                      # delete
        nodes_of(lb, dataclasses.replace(first, weight=7), third, NEW),       # weight
        nodes_of(lb, dataclasses.replace(first, weight=7, condition="DRAINING"), third, NEW),
        nodes_of(lb, dataclasses.replace(first, weight=7, condition="DISABLED"), third, NEW),
        nodes_of(lb, dataclasses.replace(first, weight=7), dataclasses.replace(
            third, address="127.0.0.2", port=9003), NEW),                     # address, port
        nodes_of(lb, dataclasses.replace(first, weight=7, max_con=9), dataclasses.replace(
            third, address="127.0.0.2", port=9003), NEW),                     # maxCon
    ]


def agrees(device, lbs):
    """The fake process's servers are what the file says."""
    state = dynamic.parse_servers_state(device.answer("show servers state"))
    return dynamic.agreement(dynamic.expected_servers(lbs), state)


@pytest.mark.parametrize("state_dir", ["none", "/var/lib/haproxy/state"])
def test_every_kind_of_server_change_is_applied_at_runtime_and_in_the_file(state_dir):
    driver, device = make(server_state_dir=state_dir)
    other = cases.lb("lb2", vip=("10.9.9.8", 80))
    driver.deploy([SEED, other])
    pid, deploys = device.pid, device.deploys
    for changed in changes(SEED):
        result = driver.deploy([changed, other])
        assert result.changed and result.runtime and not result.reloaded, result
        assert device.config == render.render(cases.BASE, [changed, other],
                                              None if state_dir == "none" else state_dir)
        assert agrees(device, [changed, other]) == []
    assert device.deploys == deploys and device.pid == pid
    assert device.runtime_changes == len(changes(SEED))
    assert not driver.deploy([changes(SEED)[-1], other]).changed


def test_added_server_gets_its_health_check_and_the_commands_say_so():
    driver, device = make()
    driver.deploy([SEED])
    driver.deploy([changes(SEED)[0]])
    _sub, params = device.invocations[-1]
    commands = params["BALANCER_RUNTIME"].split(";")
    assert ("add server balancer-lb-lb1/n8004 127.0.0.1:8004 check inter 30s fall 2 weight 3 "
            "maxconn 50") in commands
    assert "enable health balancer-lb-lb1/n8004" in commands
    assert device.process.servers["balancer-lb-lb1"]["n8004"]["check"] & 0x04


def test_a_change_needing_a_reload_falls_back_and_says_why():
    driver, device = make()
    driver.deploy([SEED])
    moved = dataclasses.replace(SEED, algorithm="LEAST_CONNECTION",
                                nodes=changes(SEED)[0].nodes)
    result = driver.deploy([moved])
    assert result.reloaded and not result.runtime and "beyond its nodes" in result.fallback
    min_con = nodes_of(moved, *(dataclasses.replace(n, min_con=5) for n in moved.nodes))
    result = driver.deploy([min_con])
    assert result.reloaded and "minCon" in result.fallback
    assert agrees(device, [min_con]) == []


def test_cookie_backend_cannot_gain_a_server_at_runtime():
    driver, device = make()
    sticky = dataclasses.replace(SEED, stickies=(Sticky(id="s1", type="HTTP_COOKIE"),))
    driver.deploy([sticky])
    result = driver.deploy([nodes_of(sticky, *sticky.nodes, NEW)])
    assert result.reloaded and "cookie" in result.fallback
    result = driver.deploy([nodes_of(sticky, *sticky.nodes[:2], NEW)])
    assert result.runtime and not result.reloaded         # a delete is fine


def test_old_haproxy_reloads_instead():
    driver, device = make()
    device.version = "2.2.30"
    driver.deploy([SEED])
    result = driver.deploy([changes(SEED)[0]])
    assert result.reloaded and "2.2" in result.fallback and device.runtime_changes == 0
    assert device.config == render.render(cases.BASE, [changes(SEED)[0]])


def test_refused_runtime_command_ends_in_a_reload_that_agrees():
    driver, device = make()
    driver.deploy([SEED])
    device.refuse = ("del server",)
    deleted = nodes_of(SEED, *SEED.nodes[:2])
    result = driver.deploy([deleted])
    assert result.reloaded and "did not take the change" in result.fallback
    assert "n8003 runs but is not in the file" in result.fallback
    device.refuse = ()
    assert device.config == device.running == render.render(cases.BASE, [deleted])
    assert agrees(device, [deleted]) == []


def test_file_changed_by_someone_else_is_adopted_and_deployed_whole():
    driver, device = make()
    driver.deploy([SEED])
    device.config = "# operator was here\n" + device.config
    result = driver.deploy([changes(SEED)[0]])
    assert result.reloaded and "changed meanwhile" in result.fallback
    assert device.config.startswith("# operator was here\n")
    assert agrees(device, [changes(SEED)[0]]) == []


def test_runtime_changes_can_be_turned_off_per_device():
    driver, device = make(runtime_changes="0")
    driver.deploy([SEED])
    result = driver.deploy([changes(SEED)[0]])
    assert result.reloaded and device.runtime_changes == 0


def test_the_edits_make_exactly_the_full_render():
    lbs = [cases.lb("a", vip=("10.0.0.1", 80)), SEED, cases.lb("z", vip=("10.0.0.3", 80))]
    live = render.render(cases.BASE, lbs, "/s")
    for changed in changes(SEED):
        wanted = [lbs[0], changed, lbs[2]]
        plan = dynamic.plan(live, {lb.id: lb for lb in lbs}, wanted, "/s")
        assert plan.text == render.render(cases.BASE, wanted, "/s")
        assert all(first <= last + 1 for first, last, _lines in plan.edits)
    assert dynamic.plan(live, {lb.id: lb for lb in lbs}, lbs, "/s") == dynamic.NOTHING
    assert "added or removed" in dynamic.plan(live, {lb.id: lb for lb in lbs}, lbs[:2], "/s")


def test_reordered_nodes_and_static_rr_need_a_reload():
    previous = {"lb1": SEED}
    backwards = nodes_of(SEED, *reversed(SEED.nodes))
    assert "order" in dynamic.plan("", previous, [backwards])
    static = dataclasses.replace(SEED, algorithm="STATIC_RR")
    reweighted = nodes_of(static, dataclasses.replace(SEED.nodes[0], weight=9), *SEED.nodes[1:])
    assert "STATIC_RR" in dynamic.plan("", {"lb1": static}, [reweighted])


def test_version_words():
    assert dynamic.version_of("2.6.12-1+deb12u4") == (2, 6)
    assert dynamic.version_of("3.0-dev4") == (3, 0)
    assert dynamic.version_of("") is None


def test_the_change_reads_its_nodes_status_so_the_answer_needs_no_second_call(monkeypatch):
    driver, device = make()
    driver.deploy([SEED])
    drained = nodes_of(SEED, dataclasses.replace(SEED.nodes[0], condition="DRAINING"),
                       *SEED.nodes[1:])
    assert driver.deploy([drained]).runtime
    calls = len(device.transport.calls)
    statuses = driver.node_status(drained)
    assert len(device.transport.calls) == calls           # read in the change's own call
    assert statuses == {"n8001": "DRAIN", "n8002": "UP", "n8003": "UP"}
    # used once: the next read asks the device itself
    device.stat_csv = "# pxname,svname,status,weight\nbalancer-lb-lb1,n8001,DOWN,0\n"
    assert driver.node_status(drained) == {"n8001": "DOWN"}
    assert len(device.transport.calls) == calls + 1
    # and never once it is older than JUST_READ_FOR
    assert driver.deploy([SEED]).runtime
    clock = runtime_changes.time.monotonic() + runtime_changes.JUST_READ_FOR + 0.1
    monkeypatch.setattr(runtime_changes.time, "monotonic", lambda: clock)
    assert driver.node_status(SEED) == {"n8001": "DOWN"}
    assert len(device.transport.calls) == calls + 3


def test_a_reload_leaves_no_status_read_before_it():
    driver, device = make()
    driver.deploy([SEED])
    weighted = nodes_of(SEED, dataclasses.replace(SEED.nodes[0], weight=9), *SEED.nodes[1:])
    assert driver.deploy([weighted]).runtime
    other = cases.lb("lb2", vip=("10.9.9.8", 80))
    assert driver.deploy([weighted, other]).reloaded       # a new LB: a reload
    device.stat_csv = "# pxname,svname,status,weight\nbalancer-lb-lb1,n8001,DOWN,9\n"
    assert driver.node_status(weighted) == {"n8001": "DOWN"}


@pytest.mark.parametrize("where", [{}, {"remote_config_path": "/srv/lb/haproxy.cfg"},
                                   {"tls_dir": "/srv/certs"}])
def test_an_https_load_balancer_changes_its_nodes_at_runtime_wherever_its_certificates_are(
        where):
    driver, device = make(**where)
    https = cases_tenant.tls_single()[1][0]
    driver.deploy([https])
    weighted = nodes_of(https, dataclasses.replace(https.nodes[0], weight=9), *https.nodes[1:])
    result = driver.deploy([weighted])
    assert result.runtime and not result.reloaded, result
    assert device.config == render.render(cases.BASE, [weighted], None, driver.tls.dir)
