"""Chooses the device for a load balancer.

Devices are filtered by capability (algorithm and protocol), then the one with
the fewest ACTIVE load balancers wins (ties: oldest device).  A device whose
driver cannot be loaded is skipped with a warning, never failing the request.
"""

import logging

from balancer.common import constants
from balancer.core import exceptions
from balancer.db import api as db

LOG = logging.getLogger(__name__)


def device_capabilities(pool, device_row):
    """The driver's capabilities, narrowed to what the device declares (the
    seed's devices declare ``capabilities``); declared names are canonicalised."""
    caps = pool.peek(device_row).capabilities()
    declared = (device_row.extra or {}).get("capabilities") or {}
    algorithms = list(caps.get("algorithms", []))
    protocols = [p.upper() for p in caps.get("protocols", [])]
    if declared.get("algorithms"):
        wanted = {constants.canonical_algorithm(a) for a in declared["algorithms"]}
        algorithms = [a for a in algorithms if a in wanted]
    if declared.get("protocols"):
        wanted = {str(p).upper() for p in declared["protocols"]}
        protocols = [p for p in protocols if p in wanted]
    return {"algorithms": algorithms, "protocols": protocols}


def usable_devices(session, pool):
    """(device row, capabilities) for every device whose driver loads."""
    usable = []
    for row in db.device_list(session):
        try:
            usable.append((row, device_capabilities(pool, row)))
        except Exception as err:
            LOG.warning("skipping device %s (%s): %s", row.id, row.type, err)
    return usable


def supports(caps, algorithm, protocol):
    return ((not algorithm or algorithm in caps["algorithms"])
            and (not protocol or protocol in caps["protocols"]))


def schedule(session, pool, algorithm, protocol, device_id=None):
    """The device row that should serve an LB with this algorithm and protocol."""
    if device_id:
        row = db.device_get(session, device_id)
        if row is None:
            raise exceptions.NotFound("device %s not found" % device_id)
        try:
            caps = device_capabilities(pool, row)
        except Exception as err:
            LOG.warning("device %s (%s) cannot be used: %s", row.id, row.type, err)
            caps = None
        if caps is None or not supports(caps, algorithm, protocol):
            raise exceptions.NoValidDevice(
                "device %s cannot serve algorithm %s with protocol %s"
                % (device_id, algorithm, protocol))
        return row
    candidates = [(r, c) for r, c in usable_devices(session, pool)
                  if supports(c, algorithm, protocol)]
    if not candidates:
        raise exceptions.NoValidDevice(
            "no device can serve algorithm %s with protocol %s" % (algorithm, protocol))
    load = db.active_lb_counts(session)
    candidates.sort(key=lambda rc: (load.get(rc[0].id, 0), str(rc[0].created_at or ""), rc[0].id))
    return candidates[0][0]
