"""Desired states for the golden-file tests, one function per golden file.

Kept apart from the test module so that the regeneration switch
(``BALANCER_REGEN_GOLDEN=1``) and the ``haproxy -c`` check share one list.
"""

import pathlib

from balancer.drivers.base import LoadBalancer, Monitor, Node, Sticky, Vip

HERE = pathlib.Path(__file__).parent
BASE = (HERE / "operator_base.cfg").read_text()
ODD = (HERE / "operator_odd.cfg").read_text()


def nodes(*ports, **fields):
    return tuple(Node(id="n%d" % port, address="127.0.0.1", port=port, **fields)
                 for port in ports)


def lb(lb_id="lb1", name="seed lb", algorithm="ROUND_ROBIN", protocol="HTTP",
       vip=("10.9.9.9", 80), node_list=None, monitors=(), stickies=()):
    vips = (Vip(id="vip-" + lb_id, address=vip[0], port=vip[1], protocol=protocol),) if vip else ()
    return LoadBalancer(id=lb_id, name=name, algorithm=algorithm, protocol=protocol,
                        vips=vips,
                        nodes=node_list if node_list is not None else nodes(8001, 8002, 8003),
                        monitors=monitors, stickies=stickies)


SEED_MONITORS = (
    Monitor(id="m1", type="ICMP", delay=30, timeout=30, attempts=2),
    Monitor(id="m2", type="HTTP", delay=30, timeout=30, attempts=2, method="GET",
            path="/", expected="200-204"),
)


def seed():
    """The seed README's load balancer: 3 nodes, ICMP + HTTP monitors."""
    return BASE, [lb(name="testLB", monitors=SEED_MONITORS)]


def _algorithm(name):
    return lambda: (BASE, [lb(algorithm=name)])


def tcp():
    return BASE, [lb(protocol="TCP", vip=("10.9.9.9", 5432),
                     monitors=(Monitor(id="m1", type="TCP", delay=5, timeout=2, attempts=3),))]


def monitor_https():
    return BASE, [lb(monitors=(Monitor(id="m1", type="HTTPS", delay=10, timeout=5, attempts=4,
                                       method="HEAD", path="/healthz?full=1",
                                       expected="200,204"),))]


def monitor_connect():
    return BASE, [lb(monitors=(Monitor(id="m1", type="CONNECT", delay=3),))]


def monitor_icmp_only():
    return BASE, [lb(monitors=(Monitor(id="m1", type="ICMP", delay=7, timeout=3, attempts=2),))]


def monitor_http_plain():
    return BASE, [lb(monitors=(Monitor(id="m1", type="HTTP", path="/status", expected="200"),))]


def node_conditions():
    return BASE, [lb(node_list=(
        Node(id="a", address="127.0.0.1", port=8001, weight=5),
        Node(id="b", address="127.0.0.1", port=8002, condition="DISABLED"),
        Node(id="c", address="127.0.0.1", port=8003, condition="DRAINING", weight=7),
        Node(id="d", address="127.0.0.1", port=8004, weight="12", max_con="100", min_con=10),
        Node(id="e", address="localhost", port=8005, weight=0),
    ))]


def cookie_insert():
    return BASE, [lb(stickies=(Sticky(id="s1", type="HTTP_COOKIE"),))]


def cookie_app():
    return BASE, [lb(stickies=(Sticky(id="s1", type="APP_COOKIE", cookie_name="JSESSIONID"),))]


def source_ip():
    return BASE, [lb(stickies=(Sticky(id="s1", type="SOURCE_IP"),))]


def several_lbs():
    """Given out of order on purpose: the output is ordered by LB id."""
    return BASE, [
        lb("lb3", "third", "LEAST_CONNECTION", "TCP", ("0.0.0.0", 3306), nodes(9301)),
        lb("lb1", "first", vip=("10.9.9.9", 80), node_list=nodes(9101, 9102)),
        lb("lb2", "second", vip=("10.9.9.9", 8080), node_list=nodes(9201),
           stickies=(Sticky(id="s", type="HTTP_COOKIE", cookie_name="LB2"),)),
    ]


def ipv6():
    return BASE, [lb(vip=("2001:db8::10", 80), stickies=(Sticky(id="s1", type="SOURCE_IP"),),
                     node_list=(Node(id="v6a", address="2001:db8:0:0::1", port=8001),
                                Node(id="v6b", address="::1", port=8002),
                                Node(id="v4", address="127.0.0.1", port=8003)))]


def foreign_odd():
    return ODD, [lb(monitors=SEED_MONITORS), lb("lb2", "second", vip=("10.9.9.9", 81))]


def name_injection():
    """Free text names reach the config only as a one-line comment."""
    return BASE, [lb(name="evil\n    server x 6.6.6.6:80\n#\x00 and more text than sixty "
                          "characters long")]


def no_lbs():
    return ODD, []


CASES = {
    "seed": seed,
    "algorithm_round_robin": _algorithm("ROUND_ROBIN"),
    "algorithm_least_connection": _algorithm("LEAST_CONNECTION"),
    "algorithm_hash_source": _algorithm("HASH_SOURCE"),
    "algorithm_hash_uri": _algorithm("HASH_URI"),
    "algorithm_static_rr": _algorithm("STATIC_RR"),
    "algorithm_alias_roundrobin": _algorithm("RoundRobin"),
    "algorithm_alias_leastconn": _algorithm("leastconn"),
    "tcp": tcp,
    "monitor_https": monitor_https,
    "monitor_connect": monitor_connect,
    "monitor_icmp_only": monitor_icmp_only,
    "monitor_http_plain": monitor_http_plain,
    "node_conditions": node_conditions,
    "cookie_insert": cookie_insert,
    "cookie_app": cookie_app,
    "source_ip": source_ip,
    "several_lbs": several_lbs,
    "ipv6": ipv6,
    "foreign_odd": foreign_odd,
    "name_injection": name_injection,
    "no_lbs": no_lbs,
}
