"""Server changes at runtime, server state across reloads and master-worker
reloads, against real HAProxy on a lab box (``balancer.tests.lab``).

What the running process serves (``show servers state``) is compared with
the server lines of the file on the box, parsed here independently of the
driver's records: runtime and file must never disagree.
"""

import dataclasses
import threading
import time

import pytest

from balancer.drivers.base import LoadBalancer, Monitor, Node, Vip
from balancer.drivers.haproxy import dynamic, runtime, sections
from balancer.drivers.haproxy.driver import HaproxyDriver
from balancer.tests import lab_parts
from balancer.tests.integration.conftest import need_box
from balancer.tests.lab import HaproxyBox

pytestmark = pytest.mark.integration

OPTIONS = {"ssh_connect_timeout": 3, "ssh_command_timeout": 20}
FORCED_DRAIN = 0x08


@pytest.fixture(scope="module")
def box():
    need_box()
    with HaproxyBox(backends=4) as made:
        yield made


@pytest.fixture(scope="module")
def mw_box():
    need_box()
    with HaproxyBox(backends=2, master_worker=True) as made:
        yield made


@pytest.fixture
def driver(box):
    made = HaproxyDriver(box.device(host_key=box.host_key), OPTIONS)
    yield made
    made.close()


def make_lb(box, lb_id, port, count=3, monitor=None):
    nodes = tuple(Node(id=f"node{i + 1}", address=address, port=node_port)
                  for i, (address, node_port, _n) in enumerate(box.backend_nodes()[:count]))
    monitor = monitor or Monitor(id="m", type="HTTP", delay=1, timeout=1, attempts=2,
                                 path="/health", expected="200")
    return LoadBalancer(id=lb_id, name=lb_id, algorithm="ROUND_ROBIN", protocol="HTTP",
                        vips=(Vip(id="vip-" + lb_id, address=box.ip, port=port,
                                  protocol="HTTP"),), nodes=nodes, monitors=(monitor,))


def nodes_of(lb, *nodes):
    return dataclasses.replace(lb, nodes=tuple(nodes))


def file_servers(text):
    """backend -> {server: (address, port, weight, maint, check)}, read from
    the server lines of our backends in the file as it is on the box."""
    found, backend = {}, None
    for line in sections.our_sections_text(text).splitlines():
        words = line.split()
        if words[:1] == ["backend"]:
            backend = words[1]
            found[backend] = {}
        elif words[:1] == ["server"] and backend:
            host, _, port = words[2].rpartition(":")
            weight = int(words[words.index("weight") + 1]) if "weight" in words else 1
            found[backend][words[1]] = (host.strip("[]"), int(port), weight,
                                        "disabled" in words, "check" in words)
    return found


def running(driver):
    return dynamic.parse_servers_state(driver._runtime().ask("show servers state"))


def disagreement(box, driver):
    return dynamic.agreement(file_servers(box.read_config()), running(driver))


def names(box, port, count=8):
    assert lab_parts.is_lab_address(box.ip)
    return {box.get(box.vip_url(port))[1].strip() for _ in range(count)}


def worker_pid(driver):
    return driver._runtime().info()["Pid"]


def test_server_changes_apply_at_runtime_and_the_file_agrees(box, driver):
    port = box.free_vip_port(80)
    lb = make_lb(box, "rt-a", port)
    driver.deploy([lb])
    assert box.wait_for(lambda: names(box, port) == {"backend1", "backend2", "backend3"})
    pids, worker = box.haproxy_pids(), worker_pid(driver)
    one, two, three = lb.nodes
    address, port4, _name = box.backend_nodes()[3]
    four = Node(id="node4", address=address, port=port4, weight=2, max_con=100)
    steps = [
        (nodes_of(lb, one, two, three, four), {"backend1", "backend2", "backend3", "backend4"}),
        (nodes_of(lb, two, three, four), {"backend2", "backend3", "backend4"}),
        (nodes_of(lb, dataclasses.replace(two, weight=5), three, four), None),
        (nodes_of(lb, dataclasses.replace(two, weight=5),
                  dataclasses.replace(three, condition="DRAINING"), four),
         {"backend2", "backend4"}),
        (nodes_of(lb, dataclasses.replace(two, weight=5),
                  dataclasses.replace(three, condition="DISABLED"), four),
         {"backend2", "backend4"}),
        (nodes_of(lb, dataclasses.replace(two, weight=5),
                  dataclasses.replace(three, condition="DISABLED"),
                  dataclasses.replace(four, port=box.backend_nodes()[0][1], max_con=7)),
         {"backend1", "backend2"}),
    ]
    backend = sections.BACKEND_PREFIX + lb.id
    for changed, serving in steps:
        result = driver.deploy([changed])
        assert result.runtime and not result.reloaded, result
        # the statuses the change read in its own call are the device's
        # (the backends stay healthy, so a read right after must agree)
        just_read = driver.node_status(changed)
        asked = runtime.node_statuses(driver._runtime().stats(backend), backend)
        assert set(just_read) == {n.id for n in changed.nodes} and just_read == {
            k: v for k, v in asked.items() if k in just_read}, (just_read, asked)
        assert disagreement(box, driver) == []
        if serving is not None:
            assert box.wait_for(lambda s=serving: names(box, port) == s, timeout=8), serving
    assert box.haproxy_pids() == pids and worker_pid(driver) == worker
    state = running(driver)["balancer-lb-rt-a"]
    assert state["node4"][4] & dynamic.CHECK_ENABLED          # health checked as configured
    # a reload for another load balancer: runtime and file still agree
    other = make_lb(box, "rt-b", box.free_vip_port(81), count=1)
    result = driver.deploy([steps[-1][0], other])
    assert result.reloaded and worker_pid(driver) != worker
    assert disagreement(box, driver) == []
    assert box.wait_for(lambda: names(box, port) == {"backend1", "backend2"}, timeout=8)


def test_a_node_deleted_at_runtime_finishes_the_request_it_serves(box, driver):
    port = box.free_vip_port(82)
    lb = make_lb(box, "rt-del", port, count=2)
    one, two = lb.nodes
    driver.deploy([nodes_of(lb, one)])
    assert box.wait_for(lambda: names(box, port, 2) == {"backend1"})
    answers = []
    slow = threading.Thread(target=lambda: answers.append(
        box.get(box.vip_url(port, "/slow/1.5"), timeout=10)))
    slow.start()
    time.sleep(0.5)                          # the request is at backend1 now
    began = time.monotonic()
    result = driver.deploy([nodes_of(lb, two)])
    waited = time.monotonic() - began
    slow.join(10)
    assert result.runtime and not result.reloaded, result
    # answered in full by the deleted node: the delete waited for it
    assert answers and answers[0][:2] == (200, "backend1\n"), answers
    assert waited >= 0.5 and disagreement(box, driver) == []
    assert "node1" not in running(driver)["balancer-lb-rt-del"]
    assert names(box, port, 2) == {"backend2"}


def test_drain_and_health_state_survive_a_reload_for_another_lb(box, driver):
    port = box.free_vip_port(80)
    monitor = Monitor(id="m", type="HTTP", delay=1, timeout=1, attempts=1, path="/health",
                      expected="200")
    lb = make_lb(box, "st-a", port, monitor=monitor)
    driver.deploy([lb])
    box.fail_health(2)
    try:
        assert box.wait_for(lambda: running(driver)["balancer-lb-st-a"]["node3"] and
                            driver.node_status(lb).get("node3") == "DOWN", timeout=8)
        drained = nodes_of(lb, dataclasses.replace(lb.nodes[0], condition="DRAINING"),
                           *lb.nodes[1:])
        assert driver.deploy([drained]).runtime
        worker = worker_pid(driver)
        other = make_lb(box, "st-b", box.free_vip_port(81), count=1)
        result = driver.deploy([drained, other])
        assert result.reloaded and worker_pid(driver) != worker
        state = running(driver)["balancer-lb-st-a"]
        assert state["node1"][3] & FORCED_DRAIN and state["node1"][2] == 0   # still draining
        assert state["node3"][3] == 0                                         # not in maint
        assert driver.node_status(drained)["node3"] == "DOWN"                 # health kept
        assert names(box, port, 10) == {"backend2"}
    finally:
        box.fail_health(2, failing=False)
    assert disagreement(box, driver) == []


@pytest.mark.parametrize("how", ["master socket", "SIGUSR2"])
def test_master_worker_reloads_keep_the_master_and_serve_from_new_workers(mw_box, how):
    extra = {} if how == "master socket" else {"master_socket": "", "master_worker": "auto"}
    driver = HaproxyDriver(mw_box.device(host_key=mw_box.host_key, **extra), OPTIONS)
    try:
        first = make_lb(mw_box, "mw-a", mw_box.free_vip_port(80), count=2)
        driver.deploy([first])
        master, worker = mw_box.haproxy_pids(), worker_pid(driver)
        second = make_lb(mw_box, "mw-b", mw_box.free_vip_port(81), count=1)
        result = driver.deploy([first, second])
        assert result.reloaded and mw_box.haproxy_pids() == master
        assert worker_pid(driver) != worker and str(worker_pid(driver)) not in map(str, master)
        assert mw_box.wait_for(lambda: names(mw_box, second.vips[0].port) == {"backend1"})
        # and a server change on a master-worker box is a runtime one too
        added = nodes_of(second, *second.nodes, first.nodes[1])
        result = driver.deploy([first, added])
        assert result.runtime and not result.reloaded
        assert mw_box.wait_for(lambda: names(mw_box, second.vips[0].port)
                               == {"backend1", "backend2"}, timeout=8)
        assert disagreement(mw_box, driver) == []
    finally:
        driver.deploy([])
        driver.close()


def test_whole_script_sudo_reloads_twice_and_changes_at_runtime(box):
    """``sudo_mode`` script runs the script as root: the HAProxy it starts
    must not keep the box lock's descriptor, or the next call waits for it."""
    driver = HaproxyDriver(box.device(host_key=box.host_key, sudo_mode="script"),
                           dict(OPTIONS, ssh_command_timeout=10))
    try:
        first = make_lb(box, "su-a", box.free_vip_port(80), count=1)
        second = make_lb(box, "su-b", box.free_vip_port(81), count=1)
        assert driver.deploy([first]).reloaded
        assert driver.deploy([first, second]).reloaded
        grown = nodes_of(second, *second.nodes, make_lb(box, "x", 1, count=2).nodes[1])
        assert driver.deploy([first, grown]).runtime
        assert disagreement(box, driver) == []
    finally:
        driver.deploy([])
        driver.close()
