"""Live statistics of load balancers, read from their devices.

``GET /{tenant_id}/loadbalancers/{id}/stats`` asks the load balancer's
device once (the driver's ``stats``: one ``show stat`` on HAProxy) within
``[limits] device_read_timeout``, like every live read (balancer/core/live.py);
past it, or when the device does not serve the load balancer, the answer
says ``liveStatus: UNKNOWN`` and why, and carries no figure at all rather
than a figure that is not true.

``GET /metrics`` asks every device once, all at the same time, each within
the same timeout, for every load balancer on it: a scrape costs one round
trip per device, not one per load balancer.
"""

import dataclasses
import logging
import threading

import sqlalchemy as sa

from balancer.core import exceptions, live, records
from balancer.db import api as db
from balancer.db import models

LOG = logging.getLogger(__name__)

#: driver record field -> API key, for a load balancer and for a node
FIELDS = (("bytes_in", "bytesIn"), ("bytes_out", "bytesOut"),
          ("current_connections", "currentConnections"),
          ("total_connections", "totalConnections"), ("request_errors", "requestErrors"),
          ("connection_errors", "connectionErrors"), ("response_errors", "responseErrors"))


def traffic_view(traffic):
    return {key: None if traffic is None else getattr(traffic, name) for name, key in FIELDS}


@dataclasses.dataclass
class DeviceReading:
    """What one device answered for ``/metrics``: its load balancers
    (id, tenant, record) and their statistics, or why there are none."""
    device_id: str
    device_name: str
    lbs: list
    stats: dict | None = None
    reason: str | None = None


class Stats:
    def __init__(self, service):
        self.service = service
        self.read_timeout = service.conf.limits.device_read_timeout

    def _ask(self, device_row, lbs, budget=None):
        """(stats by LB id, None) or (None, why there are none)."""
        try:
            found = live.ask(self.service.drivers, device_row,
                             lambda driver: driver.stats(lbs),
                             budget or live.Budget(self.read_timeout))
        except live.NoAnswer as err:
            return None, str(err)
        except Exception as err:
            LOG.warning("no statistics from device %s: %s", device_row.id,
                        getattr(err, "operator_fault_string", err))
            return None, "the device could not be asked"
        if found is None:
            return None, "this device's driver keeps no statistics"
        return found, None

    def for_lb(self, ctx, tenant_id, lb_id):
        with self.service.session() as session:
            lb = db.lb_get(session, tenant_id, lb_id, children=True)
            if lb is None:
                raise exceptions.NotFound("load balancer %s not found" % lb_id)
            record = records.lb_record(lb) if lb.farm else None
            device = lb.device
            nodes = [(n.id, n.address, n.port) for n in (lb.farm.servers if lb.farm else [])]
        found, reason = (None, "the load balancer has no device") if device is None \
            else self._ask(device, [record])
        mine = (found or {}).get(lb_id)
        if found is not None and mine is None:
            reason = "the device does not serve this load balancer (yet)"
        out = dict({"loadbalancer_id": lb_id}, **traffic_view(mine and mine.traffic))
        out["nodes"] = []
        for node_id, address, port in nodes:
            node = mine.nodes.get(node_id) if mine else None
            view = dict({"id": node_id, "address": address,
                         "port": int(port) if str(port or "").isdigit() else None},
                        **traffic_view(node and node.traffic))
            view["health"] = node.health if node else live.UNKNOWN
            view["lastCheck"] = node.last_check if node else None
            out["nodes"].append(view)
        if mine is None:
            out.update(liveStatus=live.UNKNOWN, liveStatusReason=reason)
        else:
            out["liveStatus"] = live.KNOWN
        return out

    def every_device(self):
        """A ``DeviceReading`` per device that has load balancers, every
        device asked at once (each within ``device_read_timeout``)."""
        readings, devices = [], []
        with self.service.session() as session:
            tenants = dict(session.execute(sa.select(models.LoadBalancer.id,
                                                     models.LoadBalancer.tenant_id)).all())
            for device in db.device_list(session):
                _heads, desired = self.service.desired_state.read(session, device.id)
                if not desired:
                    continue
                lbs = [(lb.id, tenants.get(lb.id), lb) for lb in desired]
                readings.append(DeviceReading(device.id, device.name or "", lbs))
                devices.append(device)

        def read(reading, device):
            reading.stats, reading.reason = self._ask(device, [lb for _i, _t, lb in
                                                               reading.lbs])
        workers = [threading.Thread(target=read, args=pair, daemon=True,
                                    name="stats-%s" % pair[1].id)
                   for pair in zip(readings, devices, strict=True)]
        for worker in workers:
            worker.start()
        for worker in workers:
            # live.ask gives up by itself at the budget; this is a backstop
            worker.join(self.read_timeout + live.TURN_WAIT + 1.0)
        return readings
