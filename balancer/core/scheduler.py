"""Chooses the device for a load balancer.

Devices are filtered by capability (algorithm and protocol), then the one with
the fewest ACTIVE load balancers wins (ties: oldest device).  A pair of
devices is one target (``balancer.core.pairs.targets``): both must support
what is asked, its load is both members' load, and the load balancer names
the pair's anchor as its device.  A device whose
driver cannot be loaded is skipped with a warning, never failing the request.
A device whose last health probe found it OFFLINE gets no new load balancer
(balancer/core/device_health.py); those already on it stay.
"""

import logging

from balancer.common import constants
from balancer.core import device_health, exceptions, pairs
from balancer.db import api as db
from balancer.db import models

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


def offline_devices(session):
    """{device id: error} of the devices the database holds OFFLINE now."""
    now = models.utcnow()
    return {device_id: record.error for device_id, record in device_health.read(session).items()
            if record.word(now) == constants.HEALTH_OFFLINE}


def schedule(session, pool, algorithm, protocol, device_id=None, keep=False):
    """The device row that should serve an LB with this algorithm and
    protocol.  ``keep``: ``device_id`` already serves it (the question is
    whether it still can), so its health does not matter."""
    offline = offline_devices(session)
    if device_id:
        row = db.device_get(session, device_id)
        if row is None:
            raise exceptions.NotFound("device %s not found" % device_id)
        try:
            caps = device_capabilities(pool, row)
        except Exception as err:
            LOG.warning("device %s (%s) cannot be used: %s", row.id, row.type, err)
            caps = None
        if caps is not None and row.peer_id:
            row, caps = _pair_target(session, pool, row, caps)
        if caps is None or not supports(caps, algorithm, protocol):
            raise exceptions.NoValidDevice(
                "device %s cannot serve algorithm %s with protocol %s"
                % (device_id, algorithm, protocol))
        if not keep and offline.keys() & {row.id, row.peer_id}:
            raise exceptions.NoValidDevice(
                "device %s is OFFLINE; no new load balancer is placed on it" % device_id)
        return row
    load = db.active_lb_counts(session)
    capable = [(r, c, members) for r, c, members in pairs.targets(usable_devices(session, pool))
               if supports(c, algorithm, protocol)]
    # a pair with a side OFFLINE gets nothing new either: the new load
    # balancer would be live on one box only (doc/source/ha.rst)
    candidates = [(r, c, sum(load.get(m, 0) for m in members)) for r, c, members in capable
                  if not offline.keys() & set(members)]
    if not candidates:
        raise exceptions.NoValidDevice(
            "no device can serve algorithm %s with protocol %s%s"
            % (algorithm, protocol, "; %d that could are OFFLINE" % len(capable)
               if capable else ""))
    candidates.sort(key=lambda rcl: (rcl[2], str(rcl[0].created_at or ""), rcl[0].id))
    return candidates[0][0]


def _pair_target(session, pool, row, caps):
    """(anchor row, capabilities of both) for a device of a pair; caps None
    when the peer cannot be used."""
    peer = db.device_get(session, row.peer_id)
    try:
        peer_caps = device_capabilities(pool, peer) if peer is not None else None
    except Exception as err:
        LOG.warning("device %s (%s) cannot be used: %s", peer.id, peer.type, err)
        peer_caps = None
    if peer_caps is None:
        return row, None
    anchor = row if row.id < peer.id else peer
    return anchor, pairs.intersect(caps, peer_caps)
