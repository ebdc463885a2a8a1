"""Active/standby device pairs: pairing, the pair as one scheduling target,
and what the device views say about it (doc/source/ha.rst).

A pair is two device rows that name each other in ``peer_id``.  The pair's
VRRP settings that must agree on both boxes (``vrrp_router_id``,
``vrrp_auth``) are kept on both rows; ``vrrp_interface`` and
``vrrp_priority`` belong to each box.  Load balancers placed on a pair name
its *anchor* (the member with the smaller id) as their device; a deploy of
either member deploys both (``balancer.core.pair_deploy``).
"""

import logging

from balancer.common import constants
from balancer.core import exceptions, live
from balancer.db import api as db
from balancer.db import models
from balancer.drivers import base

LOG = logging.getLogger(__name__)

#: the request fields of ``POST /devices`` and ``PUT /devices/{id}`` that pair
HA_FIELDS = ("peer_id", "vrrp_interface", "vrrp_router_id", "vrrp_priority", "vrrp_auth")
#: settings the two boxes of a pair must share
PAIR_WIDE = ("vrrp_router_id", "vrrp_auth")
DEFAULT_PRIORITY = 100
#: device settings (kept in ``extra``) that reach both boxes' keepalived.conf
#: and must agree there: the pair takes them from its anchor's row
PAIR_WIDE_EXTRA = ("vrrp_version", "vrrp_advert_int", "vrrp_down_adverts", "ha_peers_port")
#: adverts a backup misses before it takes over from a silent master: 2
#: gives a dead link or keepalived a window of about 2 s at 1 s adverts
#: where VRRP's own 3 plus skew gives a little over 3 s (doc/source/ha.rst)
DEFAULT_DOWN_ADVERTS = 2


def split_fields(values):
    """(the device's other values, its HA values) of a request."""
    rest = {k: v for k, v in values.items() if k not in HA_FIELDS}
    return rest, {k: v for k, v in values.items() if k in HA_FIELDS}


def apply(session, row, ha_values, can_pair=None):
    """Apply pairing values to ``row`` (flushed, in ``session``): returns the
    ids of the devices whose deploys change (both members of an old and a
    new pair).  Raises Conflict (why) or Invalid and changes nothing then:
    the caller's transaction is rolled back.  ``can_pair(row)``: whether the
    device's driver drives pairs (``base.Driver.supports_pairs``)."""
    touched = set()
    for key in ("vrrp_interface", "vrrp_router_id", "vrrp_priority", "vrrp_auth"):
        if key in ha_values:
            setattr(row, key, ha_values[key])
    if "peer_id" in ha_values:
        wanted = ha_values["peer_id"]
        if wanted is None:
            touched |= _unpair(session, row)
        elif wanted != row.peer_id:
            touched |= _pair(session, row, wanted, can_pair)
    if row.peer_id:
        peer = db.device_get(session, row.peer_id)
        _agree(session, row, peer, ha_values)
        touched |= {row.id, peer.id}
    return touched


def _unpair(session, row):
    if not row.peer_id:
        return set()
    peer = db.device_get(session, row.peer_id)
    row.peer_id = None
    row.ha_behind = 0
    if peer is not None and peer.peer_id == row.id:
        peer.peer_id = None
        peer.ha_behind = 0
        return {row.id, peer.id}
    return {row.id}


def _pair(session, row, peer_id, can_pair):
    if peer_id == row.id:
        raise exceptions.Conflict("peer_id: device %s cannot be paired with itself" % row.id,
                                  field="peer_id")
    peer = db.device_get(session, peer_id)
    if peer is None:
        raise exceptions.Invalid("peer_id: no device %s" % peer_id, field="peer_id")
    if (peer.type or "").upper() != (row.type or "").upper():
        raise exceptions.Conflict(
            "peer_id: device %s (%s) cannot be paired with device %s of another type (%s)"
            % (row.id, row.type, peer.id, peer.type), field="peer_id")
    if can_pair is not None and not can_pair(row):
        raise exceptions.Conflict("peer_id: devices of type %s cannot be paired" % row.type,
                                  field="peer_id")
    if row.peer_id:
        raise exceptions.Conflict(
            "peer_id: device %s is already paired with device %s; unpair it first "
            "(\"peer_id\": null)" % (row.id, row.peer_id), field="peer_id")
    if peer.peer_id and peer.peer_id != row.id:
        raise exceptions.Conflict(
            "peer_id: device %s is already paired with device %s" % (peer.id, peer.peer_id),
            field="peer_id")
    row.peer_id, peer.peer_id = peer.id, row.id
    return {row.id, peer.id}


def _agree(session, row, peer, ha_values):
    """Copy the pair-wide settings to the peer and check the pair can run."""
    for key in PAIR_WIDE:
        if key in ha_values or getattr(peer, key) is None:
            setattr(peer, key, getattr(row, key))
        elif getattr(row, key) is None:
            setattr(row, key, getattr(peer, key))
    if not row.vrrp_interface and peer.vrrp_interface:
        row.vrrp_interface = peer.vrrp_interface
    if not peer.vrrp_interface:
        peer.vrrp_interface = row.vrrp_interface
    if not row.vrrp_interface:
        raise exceptions.Invalid("a paired device needs vrrp_interface (the interface "
                                 "that carries the virtual IPs)", field="vrrp_interface")
    if row.vrrp_router_id is None:
        raise exceptions.Invalid("a pair needs vrrp_router_id (1-255, unique on its "
                                 "network)", field="vrrp_router_id")
    for other in db.device_list(session):
        if (other.id not in (row.id, peer.id) and other.peer_id
                and other.vrrp_router_id == row.vrrp_router_id):
            raise exceptions.Conflict(
                "vrrp_router_id: %s is already used by the pair of device %s"
                % (row.vrrp_router_id, other.id), field="vrrp_router_id")


def anchor_id(row):
    """The member of ``row``'s pair new load balancers name as their device."""
    return min(row.id, row.peer_id) if row.peer_id else row.id


def ha_view(row, role=constants.VRRP_UNKNOWN):
    """The ``ha`` block of a device view: None for a device without a peer."""
    if not row.peer_id:
        return None
    return {"peer_id": row.peer_id, "role": role if role in constants.VRRP_ROLES
            else constants.VRRP_UNKNOWN, "behind": bool(row.ha_behind)}


def read_role(service, row, seconds):
    """The box's own word for its VRRP role, asked through its driver (one
    round trip), UNKNOWN when it cannot tell.  The device health probe
    (balancer/core/device_health.py, where present) may answer this from
    its last probe instead."""
    try:
        role = live.ask(service.drivers, row, lambda driver: driver.vrrp_role(),
                        live.Budget(seconds))
    except Exception as err:      # unreachable, busy, hung: not known
        LOG.info("VRRP role of device %s unknown: %s", row.id,
                 getattr(err, "operator_fault_string", err))
        return constants.VRRP_UNKNOWN
    return role if role in constants.VRRP_ROLES else constants.VRRP_UNKNOWN


# -- the pair as a scheduling target ----------------------------------------

def targets(usable):
    """Scheduling targets from (device row, capabilities): a device alone,
    or a pair as one target (its anchor row, the capabilities both members
    have).  A pair whose other member's driver does not load, or whose
    driver cannot drive pairs, takes no new load balancer."""
    by_id = {row.id: (row, caps) for row, caps in usable}
    out, seen = [], set()
    for row, caps in usable:
        if row.id in seen:
            continue
        if not row.peer_id:
            out.append((row, caps, (row.id,)))
            continue
        seen |= {row.id, row.peer_id}
        peer = by_id.get(row.peer_id)
        if peer is None:
            LOG.warning("pair %s/%s skipped: device %s cannot be used", row.id,
                        row.peer_id, row.peer_id)
            continue
        anchor = row if row.id < peer[0].id else peer[0]
        out.append((anchor, intersect(caps, peer[1]), (row.id, peer[0].id)))
    return out


def intersect(one, other):
    return {key: [name for name in one[key] if name in other[key]] for key in one}


def pair_of(session, device_id):
    """(device row, peer row or None) of ``device_id``; (None, None) if gone."""
    row = db.device_get(session, device_id)
    if row is None or not row.peer_id:
        return row, None
    return row, db.device_get(session, row.peer_id)


def pair_settings(secrets, row, peer):
    """The driver's ``base.Pair`` for ``row`` (its VRRP auth decrypted)."""
    anchor = row if anchor_id(row) == row.id else peer
    extra = {key: (anchor.extra or {}).get(key) for key in PAIR_WIDE_EXTRA}

    def member(device):
        return base.PairMember(id=device.id, ip=device.ip or "",
                               interface=device.vrrp_interface or "",
                               priority=device.vrrp_priority or DEFAULT_PRIORITY)
    auth = secrets.decrypt(row.vrrp_auth) if row.vrrp_auth and secrets else row.vrrp_auth
    return base.Pair(local=member(row), peer=member(peer), router_id=row.vrrp_router_id,
                     auth=auth, advert_int=float(extra.get("vrrp_advert_int") or 1),
                     vrrp_version=int(extra.get("vrrp_version") or 2),
                     down_adverts=int(extra.get("vrrp_down_adverts") or DEFAULT_DOWN_ADVERTS),
                     peers_port=int(extra.get("ha_peers_port") or 7777))


def behind_devices(session):
    """Paired devices that missed a deploy their peer got."""
    return [row.id for row in db.device_list(session) if row.peer_id and row.ha_behind]


def mark_behind(session, device_ids, behind):
    for device_id in device_ids:
        row = session.get(models.Device, device_id)
        if row is not None:
            row.ha_behind = 1 if behind else 0
