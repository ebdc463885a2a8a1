"""A driver that talks to nothing and records what it was asked.

Functional tests use it to see exactly which desired state the core sent.  A
device's ``extra`` can make it misbehave on purpose, to test the status model:
``noop_fail`` (a message: every deploy fails with it), ``noop_delay``
(seconds each deploy takes, to play a slow device) and ``noop_reject`` (a
load balancer name: a deploy carrying it fails naming that LB, as HAProxy
does when it rejects one section).
"""

import time

from balancer.drivers import base
from balancer.drivers.haproxy import maps


class NoopDriver(base.Driver):
    algorithms = maps.ALGORITHMS
    protocols = maps.PROTOCOLS

    def __init__(self, device, options=None):
        super().__init__(device, options)
        self.deploys = []          # each entry: the list of LoadBalancer records
        self.condition_calls = []  # (lb id, node id, condition, weight)
        self._live = None

    def deploy(self, lbs):
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
        self.deploys.append(list(lbs))
        changed = self._live != lbs
        self._live = list(lbs)
        return base.DeployResult(changed=changed, reloaded=changed)

    @property
    def live(self):
        """The load balancers of the last successful deploy, by id."""
        return {lb.id: lb for lb in self._live or []}

    def set_node_condition(self, lb, node):
        self.condition_calls.append((lb.id, node.id, node.condition, node.weight))

    def node_status(self, lb):
        status = {"ENABLED": "UP", "DISABLED": "MAINT", "DRAINING": "DRAIN"}
        return {n.id: status.get(n.condition, "UP") for n in lb.nodes}

    def info(self):
        return {"reachable": True, "driver": "noop", "deploys": len(self.deploys)}
