"""``show stat`` rows -> statistics records (balancer/drivers/haproxy/stats.py),
through the driver and a fake device: one socket call for every load
balancer, our sections only, empty HAProxy fields as "not counted"."""

import dataclasses

from . import cases
from .test_driver import make

COLUMNS = "pxname,svname,scur,stot,bin,bout,ereq,econ,eresp,status,weight,check_status"
ROWS = [
    # load balancer lb1: two virtual IPs, three nodes
    "balancer-vip-a,FRONTEND,2,10,1000,5000,1,,,OPEN,,",
    "balancer-vip-b,FRONTEND,1,5,300,700,0,,,OPEN,,",
    "balancer-lb-lb1,n8001,1,6,600,2400,,0,0,UP,1,L7OK",
    "balancer-lb-lb1,n8002,0,5,500,2000,,2,1,DOWN,1,L4CON",
    "balancer-lb-lb1,n8003,0,4,200,1300,,0,0,UP,0,L7OK",
    "balancer-lb-lb1,BACKEND,1,15,1300,5700,,2,1,UP,2,",
    # someone else's load balancer and the operator's own stats listener
    "balancer-vip-z,FRONTEND,9,99,9,9,9,,,OPEN,,",
    "balancer-lb-lb2,n9,9,99,9,9,,9,9,UP,1,L7OK",
    "balancer-lb-lb2,BACKEND,9,99,9,9,,9,9,UP,1,",
    "stats,FRONTEND,1,1,1,1,0,,,OPEN,,",
]


def lb1():
    lb = cases.lb("lb1")
    vips = (dataclasses.replace(lb.vips[0], id="a"), dataclasses.replace(lb.vips[0], id="b"))
    return dataclasses.replace(lb, vips=vips)


def test_one_load_balancer_sums_its_listeners_and_maps_its_nodes():
    driver, device = make()
    device.stat_csv = "# %s\n%s\n" % (COLUMNS, "\n".join(ROWS))
    before = len(device.transport.calls)
    found = driver.stats([lb1(), cases.lb("lb3")])
    assert len(device.transport.calls) == before + 1            # one round trip
    assert set(found) == {"lb1"}                                 # lb3 is not served
    traffic = found["lb1"].traffic
    assert (traffic.bytes_in, traffic.bytes_out) == (1300, 5700)
    assert (traffic.current_connections, traffic.total_connections) == (3, 15)
    assert (traffic.request_errors, traffic.connection_errors, traffic.response_errors) == \
        (1, 2, 1)
    nodes = found["lb1"].nodes
    assert {i: (n.health, n.last_check) for i, n in nodes.items()} == {
        "n8001": ("UP", "L7OK"), "n8002": ("DOWN", "L4CON"), "n8003": ("DRAIN", "L7OK")}
    assert nodes["n8002"].traffic.total_connections == 5
    assert nodes["n8002"].traffic.connection_errors == 2
    assert nodes["n8001"].traffic.request_errors is None        # not counted on servers


def test_a_device_without_our_sections_serves_none():
    driver, device = make()
    device.stat_csv = "# %s\nstats,FRONTEND,1,1,1,1,0,,,OPEN,,\n" % COLUMNS
    assert driver.stats([lb1()]) == {}
