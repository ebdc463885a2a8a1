"""A load balancer's access list and connection throttle, as frontend lines.

Both act on ``tcp-request connection`` rules: HAProxy evaluates those when
it accepts a connection, before any TLS handshake, HTTP parsing or backend
choice, so a refused source costs one accept and one close.

* Access list: ``acl balancer_allow src <networks>`` and ``balancer_deny``,
  then ``tcp-request connection reject if balancer_deny !balancer_allow``:
  an ALLOW item wins over a DENY item that also matches (a DENY of
  ``0.0.0.0/0`` plus ALLOW items lets only those in).  An ALLOW list alone
  refuses nobody.  Networks are written at most 32 to a line (HAProxy
  reads at most 64 words a line); lines of one ACL name are OR-ed.
* Throttle: a stick table per frontend counts, per source address, the
  connections it holds (``conn_cur``) and opens per ``rateInterval``
  (``conn_rate``); ``track-sc0 src`` counts each new connection, then it is
  refused when the source holds more than ``maxConnections``, or opened
  more than ``maxConnectionRate`` in the interval while holding more than
  ``minConnections``.  Counts are per virtual IP (each has its own table).

balancer/tests/unit/drivers/haproxy/golden/access_*.cfg and throttle.cfg
show them whole; balancer/tests/integration/test_access_throttle_real.py
shows them refusing real clients.
"""

import ipaddress
import re

from balancer.common import constants
from balancer.drivers.haproxy import values

PER_LINE = 32
TABLE_SIZE = "100k"
# what a network in CIDR form may hold: nothing haproxy.cfg reads as syntax
_NETWORK = re.compile(r"^[0-9A-Fa-f:.]{2,45}(/[0-9]{1,3})?\Z")


def _network(lb_id, item):
    text = str(item.address or "")
    try:
        if not _NETWORK.match(text):
            raise ValueError(text)
        return str(ipaddress.ip_network(text, strict=False))
    except ValueError:
        values.refuse(lb_id, "access list address", item.address, "is not a network")


def access_lines(lb):
    """The ACL and reject lines of ``lb``'s access list ([] when empty)."""
    lb_id = lb.id
    networks = {constants.ALLOW: [], constants.DENY: []}
    for item in lb.access_list:
        kind = str(item.type or "").upper()
        if kind not in networks:
            values.refuse(lb_id, "access list type", item.type)
        networks[kind].append(_network(lb_id, item))
    if not networks[constants.DENY]:
        return []       # an ALLOW list alone refuses nobody
    lines = []
    for kind, acl in ((constants.ALLOW, "balancer_allow"), (constants.DENY, "balancer_deny")):
        found = networks[kind]
        for start in range(0, len(found), PER_LINE):
            lines.append("acl %s src %s" % (acl, " ".join(found[start:start + PER_LINE])))
    condition = "balancer_deny !balancer_allow" if networks[constants.ALLOW] else "balancer_deny"
    lines.append("tcp-request connection reject if %s" % condition)
    return lines


def throttle_lines(lb):
    """The stick table and reject lines of ``lb``'s throttle ([] without one)."""
    throttle, lb_id = lb.throttle, lb.id
    if throttle is None:
        return []
    most = values.integer(lb_id, "maxConnections", throttle.max_connections, 0, 1000000)
    rate = values.integer(lb_id, "maxConnectionRate", throttle.max_connection_rate, 0, 1000000)
    interval = values.integer(lb_id, "rateInterval", throttle.rate_interval, 1, 3600,
                              default=60)
    least = values.integer(lb_id, "minConnections", throttle.min_connections, 0, 1000000)
    if not most and not rate:
        return []
    # entries outlive the interval so that a rate is never forgotten early
    lines = ["stick-table type ipv6 size %s expire %ds store conn_cur,conn_rate(%ds)"
             % (TABLE_SIZE, max(interval, 30), interval),
             "tcp-request connection track-sc0 src"]
    if most:
        lines.append("tcp-request connection reject if { sc0_conn_cur gt %d }" % most)
    if rate:
        over_least = " { sc0_conn_cur gt %d }" % least if least else ""
        lines.append("tcp-request connection reject if { sc0_conn_rate gt %d }%s"
                     % (rate, over_least))
    return lines


def frontend_lines(lb):
    """Every connection rule of ``lb``'s frontends, access list first."""
    return access_lines(lb) + throttle_lines(lb)
