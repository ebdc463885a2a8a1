"""A device's health word, and what a pair's two words mean together.

The prober (balancer/core/prober.py) probes every device each
``[health] probe_interval`` and stores the outcome in the ``device_health``
table; every API process reads the same rows, so every process shows the
same health (the database decides; the in-memory ``balancer.core.health``
observations are hints about what a deploy last saw).  These functions are
pure: probe facts in, words out.  A stored outcome is trusted until its
``valid_until`` (two missed passes): after that nobody vouches for it and it
reads as UNKNOWN (doc/source/operations.rst, "Device health").
"""

import datetime

from balancer.common.constants import (
    HEALTH_DEGRADED,
    HEALTH_OFFLINE,
    HEALTH_ONLINE,
    HEALTH_UNKNOWN,
    VRRP_FAULT,
    VRRP_UNKNOWN,
)
from balancer.db import device_health as health_db
from balancer.db import models


def health_of(probe, paired):
    """(health word, error text) of one device from its ``base.Probe``.

    OFFLINE: the device cannot be reached, or its HAProxy does not answer
    (nothing it holds is served).  DEGRADED: it serves, but a paired device
    whose keepalived reports FAULT, or reports nothing, cannot take part in
    failover.  ONLINE otherwise."""
    if not probe.reachable:
        return HEALTH_OFFLINE, probe.error or "the device could not be reached"
    if not probe.haproxy_answering:
        return HEALTH_OFFLINE, probe.error or "HAProxy does not answer"
    if paired and probe.vrrp_role == VRRP_FAULT:
        return HEALTH_DEGRADED, probe.error or "keepalived reports FAULT"
    if paired and probe.vrrp_role == VRRP_UNKNOWN:
        return HEALTH_DEGRADED, "the device is paired but keepalived reports no state"
    return HEALTH_ONLINE, probe.error or None


def pair_health(own, peer=None, own_role=None, peer_role=None):
    """What serving a load balancer placed on a device is worth: the
    device's own word without a peer; with one, ONLINE when both sides are,
    OFFLINE when neither serves, DEGRADED while one side is down (the other
    still serves every VIP of the pair).  A side serves when its HAProxy
    answers (ONLINE or DEGRADED) and its keepalived is not in FAULT (a box
    in FAULT holds no VIP).  UNKNOWN on either side (never probed, or its
    last probe is too old) gives no verdict: UNKNOWN."""
    if peer is None:
        return own
    if HEALTH_UNKNOWN in (own, peer):
        return HEALTH_UNKNOWN
    if own == peer == HEALTH_ONLINE:
        return HEALTH_ONLINE
    if not (_serves(own, own_role) or _serves(peer, peer_role)):
        return HEALTH_OFFLINE
    return HEALTH_DEGRADED


def _serves(word, role):
    return word != HEALTH_OFFLINE and role != VRRP_FAULT


class Record:
    """One ``device_health`` row as read (plain values, no session)."""

    __slots__ = ("device_id", "health", "error", "vrrp_role", "checked_at", "valid_until")

    def __init__(self, device_id, health, error, vrrp_role, checked_at, valid_until):
        self.device_id, self.health, self.error = device_id, health, error
        self.vrrp_role, self.checked_at, self.valid_until = vrrp_role, checked_at, valid_until

    def word(self, now):
        """The stored word while it is still vouched for, else UNKNOWN."""
        if self.valid_until is None or now > self.valid_until:
            return HEALTH_UNKNOWN
        return self.health or HEALTH_UNKNOWN


def read(session, device_ids=None):
    """{device id: Record} from the database (all devices, or these)."""
    return {row[0]: Record(*row) for row in health_db.rows(session, device_ids)}


def word(records, device_id, now):
    """The health of ``device_id`` from ``{device id: Record}``."""
    record = records.get(device_id)
    return record.word(now) if record is not None else HEALTH_UNKNOWN


def serving_word(records, device_id, peer_id, now):
    """``pair_health`` of a device and its peer (None: not paired)."""
    own = word(records, device_id, now)
    if not peer_id:
        return own
    return pair_health(own, word(records, peer_id, now), _role(records, device_id),
                       _role(records, peer_id))


def _role(records, device_id):
    record = records.get(device_id)
    return record.vrrp_role if record is not None else None


class Fleet:
    """The health every load balancer view of one request reads: the
    database's rows, read once (on first use) per request."""

    def __init__(self, session, now=None):
        self._session, self.now = session, now or models.utcnow()
        self._records = self._peers = None

    def word(self, device_id):
        """``pair_health`` of ``device_id`` and its peer, if it has one."""
        if self._records is None:
            self._records = read(self._session)
            self._peers = health_db.peers(self._session)
        return serving_word(self._records, device_id, self._peers.get(device_id), self.now)


def view(record, now):
    """The health fields of a device's JSON (``GET /devices``)."""
    if record is None:
        return {"health": HEALTH_UNKNOWN, "health_error": "not probed yet",
                "health_checked_at": None}
    shown = record.word(now)
    error = record.error
    if shown == HEALTH_UNKNOWN and record.health:
        error = "no probe since %s (is any API process probing? [health] probe_interval)" \
            % _iso(record.checked_at)
    return {"health": shown, "health_error": error or None,
            "health_checked_at": _iso(record.checked_at)}


def role(record, now):
    """The VRRP role keepalived last reported, while the probe is fresh."""
    if record is None or record.word(now) == HEALTH_UNKNOWN:
        return VRRP_UNKNOWN
    return record.vrrp_role or VRRP_UNKNOWN


def valid_until(checked_at, interval, timeout):
    """How long a probe result is vouched for: two missed passes."""
    return checked_at + datetime.timedelta(seconds=2 * interval + timeout)


def _iso(value):
    return value.isoformat() if value is not None else None
