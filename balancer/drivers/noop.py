"""A driver that talks to nothing and records what it was asked.

Functional tests use it to see exactly which desired state the core sent.  A
device's ``extra`` can make it misbehave on purpose, to test the status model:
``noop_fail`` (a message: every deploy fails with it), ``noop_delay``
(seconds each deploy takes, to play a slow device), ``noop_reject`` (a
load balancer name: a deploy carrying it fails naming that LB, as HAProxy
does when it rejects one section), ``noop_break`` (a name: a deploy carrying
it fails naming no one, as when adding a VIP address to an interface fails),
``noop_blame_all`` (a name: a deploy carrying it fails naming every load
balancer of the deploy, a driver that blames too widely) and ``noop_hang``
(seconds every live call -- node status, device info, a runtime condition
change -- hangs, as on a device that accepts the connection and never
answers; ``close()`` ends the hang with an error, as a dropped SSH
connection would).  For pairs (``deploy_pair``): ``noop_down`` (a
message) fails every deploy as an unreachable device does (``device_fault``),
and ``noop_vrrp_role`` is the VRRP role the device reports.

Only the newest ``HISTORY`` deploys and condition calls are kept, so a
long-running server with noop devices does not grow without bound;
``deploy_count`` counts the successful ones, ``attempts`` every deploy
asked for, failed or not.
"""

import collections
import threading
import time

from balancer.common import constants
from balancer.drivers import base

#: how many deploys (and runtime condition calls) a noop driver remembers
HISTORY = 20


class NoopDriver(base.Driver):
    algorithms = constants.ALGORITHMS
    protocols = constants.PROTOCOLS

    def __init__(self, device, options=None):
        super().__init__(device, options)
        # each entry: the list of LoadBalancer records of one deploy, oldest first
        self.deploys = collections.deque(maxlen=HISTORY)
        self.deploy_count = 0
        self.attempts = 0
        # (lb id, node id, condition, weight), oldest first
        self.condition_calls = collections.deque(maxlen=HISTORY)
        self._live = None
        #: how many times ``stats`` was asked (one round trip each)
        self.stats_calls = 0
        self._closing = threading.Event()
        self._serving = None
        self.pairs = collections.deque(maxlen=HISTORY)    # the Pair of each deploy_pair

    supports_pairs = True

    def deploy_pair(self, lbs, pair):
        down = self.device.extra.get("noop_down")
        if down:
            self.attempts += 1
            raise base.DriverError("the device cannot be reached",
                                   operator_fault_string="noop device %s: noop_down %s"
                                   % (self.device.id, down), device_fault=True)
        result = self.deploy(lbs)
        self.pairs.append(pair)
        return result

    def vrrp_role(self):
        return self.device.extra.get("noop_vrrp_role")

    def deploy(self, lbs):
        self.attempts += 1
        delay = float(self.device.extra.get("noop_delay") or 0)
        if delay:
            time.sleep(delay)
        failure = self.device.extra.get("noop_fail")
        if failure:
            raise base.DriverError(str(failure))
        rejected = tuple(lb.id for lb in lbs
                         if lb.name and lb.name == self.device.extra.get("noop_reject"))
        if rejected:
            raise base.DriverError("device rejected load balancer %s" % ", ".join(rejected),
                                   rejected)
        names = {lb.name for lb in lbs if lb.name}
        extra = self.device.extra
        if extra.get("noop_break") in names:
            raise base.DriverError("the device failed to apply the configuration",
                                   operator_fault_string="noop device %s: noop_break %s"
                                   % (self.device.id, extra["noop_break"]))
        if extra.get("noop_blame_all") in names:
            raise base.DriverError("device rejected the configuration",
                                   tuple(lb.id for lb in lbs))
        self.deploys.append(list(lbs))
        self.deploy_count += 1
        self._serving = base.Serving(answering=True, current=True)
        changed = self._live != lbs
        self._live = list(lbs)
        return base.DeployResult(changed=changed, reloaded=changed)

    @property
    def live(self):
        """The load balancers of the last successful deploy, by id."""
        return {lb.id: lb for lb in self._live or []}

    def _maybe_hang(self):
        seconds = float(self.device.extra.get("noop_hang") or 0)
        if seconds and self._closing.wait(seconds):
            raise base.DriverError("connection to device %s closed" % self.device.id)

    def set_node_condition(self, lb, node):
        self._maybe_hang()
        self.condition_calls.append((lb.id, node.id, node.condition, node.weight))

    def node_status(self, lb):
        self._maybe_hang()
        status = constants.NODE_OPERATING_STATUS_OF_CONDITION
        return {n.id: status.get(n.condition, constants.NODE_UP) for n in lb.nodes}

    def stats(self, lbs):
        """Zero traffic (nothing flows through a noop device) for every load
        balancer of the last deploy; each node's health is what its
        condition makes it, as ``node_status`` says."""
        self._maybe_hang()
        self.stats_calls += 1
        health = constants.NODE_OPERATING_STATUS_OF_CONDITION
        live = self.live
        return {lb.id: base.LoadBalancerStats(
            traffic=base.Traffic(),
            nodes={node.id: base.NodeStats(base.Traffic(request_errors=None),
                                           health.get(node.condition, constants.NODE_UP))
                   for node in live[lb.id].nodes})
            for lb in lbs if lb.id in live}

    def serving(self):
        """Plays a device that serves whatever it was last deployed."""
        return self._serving

    def reserved_endpoints(self):
        """``noop_reserved`` ("address:port, ..."): listeners the pretend
        operator keeps for themselves, to test the VIP conflict check."""
        found = []
        for item in str(self.device.extra.get("noop_reserved") or "").split(","):
            host, _, port = item.strip().rpartition(":")
            if port.isdigit():
                found.append(base.Endpoint(host.strip("[]"), int(port), int(port)))
        return tuple(found)

    def info(self):
        self._maybe_hang()
        return {"reachable": True, "driver": "noop", "deploys": self.deploy_count}

    def probe(self):
        self._maybe_hang()
        extra = self.device.extra
        role = str(extra.get("noop_vrrp_role") or constants.VRRP_UNKNOWN).upper()
        if role not in constants.VRRP_ROLES:
            role = constants.VRRP_UNKNOWN
        if extra.get("noop_unreachable"):
            return base.Probe(reachable=False, error=str(extra["noop_unreachable"]))
        if extra.get("noop_haproxy_down"):
            return base.Probe(reachable=True, haproxy_answering=False, vrrp_role=role,
                              error=str(extra["noop_haproxy_down"]))
        return base.Probe(reachable=True, haproxy_answering=True, vrrp_role=role)

    def close(self):
        # ends the hangs in progress; later calls hang again (a reconnect)
        closing, self._closing = self._closing, threading.Event()
        closing.set()
