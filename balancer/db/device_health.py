"""Queries of the ``device_health`` table (balancer/core/prober.py writes it,
every device and load balancer view reads it).  Every function takes the
session it works in; the core owns it."""

import sqlalchemy as sa

from balancer.db import models

_TABLE = models.DeviceHealth.__table__


def rows(session, device_ids=None):
    """(device id, health, error, vrrp role, checked_at, valid_until) of the
    devices probed so far (all, or these)."""
    stmt = sa.select(_TABLE.c.device_id, _TABLE.c.health, _TABLE.c.error,
                     _TABLE.c.vrrp_role, _TABLE.c.checked_at, _TABLE.c.valid_until)
    if device_ids is not None:
        ids = [d for d in device_ids if d]
        if not ids:
            return []
        stmt = stmt.where(_TABLE.c.device_id.in_(ids))
    return [tuple(row) for row in session.execute(stmt)]


def peers(session):
    """{device id: peer id} of paired devices.  The ``peer_id`` column comes
    with device pairs (doc/source/operations.rst); without it, no device is
    paired."""
    column = getattr(models.Device, "peer_id", None)
    if column is None:
        return {}
    stmt = sa.select(models.Device.id, column).where(column.is_not(None))
    return dict(session.execute(stmt).all())


def record(session, outcomes):
    """Store probe outcomes: (device id, health, error, vrrp role,
    checked_at, valid_until) tuples.  Devices deleted meanwhile are left
    out (their row would point at nothing)."""
    if not outcomes:
        return
    keys = ("device_id", "health", "error", "vrrp_role", "checked_at", "valid_until")
    rows = {o[0]: dict(zip(keys, o, strict=True)) for o in outcomes}
    alive = set(session.scalars(sa.select(models.Device.id)
                                .where(models.Device.id.in_(list(rows)))))
    known = set(session.scalars(sa.select(_TABLE.c.device_id)
                                .where(_TABLE.c.device_id.in_(list(alive)))))
    updates = [{"b_" + k: v for k, v in r.items()} for i, r in rows.items()
               if i in known]
    if updates:
        stmt = (_TABLE.update().where(_TABLE.c.device_id == sa.bindparam("b_device_id"))
                .values({k: sa.bindparam("b_" + k) for k in keys[1:]}))
        session.execute(stmt, updates)
    inserts = [r for i, r in rows.items() if i in alive and i not in known]
    if inserts:
        session.execute(_TABLE.insert(), inserts)


def pin_host_key(session, device_id, host_key):
    """Pin a host key the prober's connection saw first (trust on first
    use, as a deploy does): only where none is pinned yet."""
    table = models.Device.__table__
    session.execute(table.update().where(table.c.id == device_id, table.c.host_key.is_(None))
                    .values(host_key=host_key))
