"""Queries.  Every function takes the session it works in; the core owns it."""

import datetime

import sqlalchemy as sa
from sqlalchemy.orm import attributes as orm_attributes
from sqlalchemy.orm import selectinload

from balancer.db import models


def pack(model, values):
    """Split ``values`` into the model's columns and the rest (its ``extra``)."""
    columns = {c.name for c in model.__table__.columns} - {"extra"}
    row = {k: v for k, v in values.items() if k in columns}
    extra = {k: v for k, v in values.items() if k not in columns}
    return row, extra


def new_row(model, values, **fixed):
    row, extra = pack(model, values)
    row.update(fixed)
    return model(extra=extra or None, **row)


def in_order(rows):
    """Give rows made together strictly increasing ``created_at`` so lists
    (and round robin) keep the order the client sent them in."""
    base = models.utcnow()
    for i, row in enumerate(rows):
        row.created_at = base + datetime.timedelta(microseconds=i)
    return rows


def bump_revision(lb):
    """Count a change to ``lb`` in SQL (``revision = revision + 1``): two
    concurrent changes must never end on the same revision, or the deploy
    engine would take one state for the other.

    The status is written with it even when unchanged in this session (a
    PENDING_UPDATE read before a concurrent deploy settled the row ACTIVE):
    a new revision must never land on a settled status, or a deploy that
    looks for pending work would find none."""
    lb.revision = models.LoadBalancer.revision + 1
    orm_attributes.flag_modified(lb, "status")


def merge_into(row, values):
    """Apply an update: columns set, unknown keys merged into ``extra``."""
    columns, extra = pack(type(row), values)
    for key, value in columns.items():
        setattr(row, key, value)
    if extra:
        merged = dict(row.extra or {})
        merged.update(extra)
        row.extra = merged


# devices

def device_get(session, device_id):
    return session.get(models.Device, device_id)


def lock_device_row(session, device_id):
    """Lock the device's row until the transaction ends (PostgreSQL, MySQL)
    and return it (None when it is gone): the lock and the read are one
    statement."""
    stmt = sa.select(models.Device).where(models.Device.id == device_id).with_for_update()
    return session.scalars(stmt).first()


def device_list(session):
    stmt = sa.select(models.Device).order_by(models.Device.created_at, models.Device.id)
    return list(session.scalars(stmt))


def lb_ids_on_device(session, device_id):
    stmt = (sa.select(models.LoadBalancer.id)
            .where(models.LoadBalancer.device_id == device_id)
            .order_by(models.LoadBalancer.id))
    return list(session.scalars(stmt))


def active_lb_counts(session):
    """{device id: number of ACTIVE load balancers} for the scheduler."""
    stmt = (sa.select(models.LoadBalancer.device_id, sa.func.count())
            .where(models.LoadBalancer.status == "ACTIVE")
            .group_by(models.LoadBalancer.device_id))
    return dict(session.execute(stmt).all())


# load balancers

def _with_children():
    farm = selectinload(models.LoadBalancer.farm)
    return [farm.selectinload(models.ServerFarm.servers),
            farm.selectinload(models.ServerFarm.probes),
            farm.selectinload(models.ServerFarm.stickies),
            farm.selectinload(models.ServerFarm.vips),
            farm.selectinload(models.ServerFarm.predictor)]


def lb_get(session, tenant_id, lb_id, children=False):
    """The load balancer ``lb_id`` of ``tenant_id`` (any tenant when None)."""
    stmt = sa.select(models.LoadBalancer).where(models.LoadBalancer.id == lb_id)
    if tenant_id is not None:
        stmt = stmt.where(models.LoadBalancer.tenant_id == tenant_id)
    if children:
        stmt = stmt.options(*_with_children())
    return session.scalars(stmt).first()


_LB = models.LoadBalancer.__table__
# built once: a show runs them thousands of times a second
_LB_BY_ID = sa.select(_LB).where(_LB.c.id == sa.bindparam("lb_id"))
_LB_OF_TENANT = _LB_BY_ID.where(_LB.c.tenant_id == sa.bindparam("tenant_id"))


def lb_row(session, tenant_id, lb_id):
    """The load balancer ``lb_id`` of ``tenant_id`` (any tenant when None) as
    a plain result row: what a view needs, without building an ORM object.
    ``session`` may also be a plain connection (``Service.reading``)."""
    if tenant_id is None:
        return session.execute(_LB_BY_ID, {"lb_id": lb_id}).first()
    return session.execute(_LB_OF_TENANT, {"lb_id": lb_id, "tenant_id": tenant_id}).first()


def lb_list(session, tenant_id, limit=None, marker=None):
    """A tenant's load balancers, oldest first, ``limit`` after ``marker``:
    plain result rows (lists are the hot path; ``LoadBalancer.as_dict``
    turns them into views)."""
    lb = models.LoadBalancer.__table__
    stmt = sa.select(lb).where(lb.c.tenant_id == tenant_id).order_by(lb.c.created_at, lb.c.id)
    if marker is not None:
        stmt = stmt.where(sa.or_(lb.c.created_at > marker.created_at,
                                 sa.and_(lb.c.created_at == marker.created_at,
                                         lb.c.id > marker.id)))
    if limit is not None:
        stmt = stmt.limit(limit)
    return session.execute(stmt).all()


def lbs_for_vm(session, tenant_id, vm_id):
    lb, farm, server = models.LoadBalancer, models.ServerFarm, models.Server
    stmt = (sa.select(lb).join(farm, farm.lb_id == lb.id)
            .join(server, server.sf_id == farm.id)
            .where(lb.tenant_id == tenant_id, server.vm_id == vm_id)
            .distinct().order_by(lb.created_at, lb.id))
    return list(session.scalars(stmt))


def lb_trees(session, lb_ids, chunk=500):
    """{lb id: (lb row, vips, nodes, monitors, stickies)} read with plain
    queries, one per table: a deploy rebuilds many records, and ORM objects
    cost more than the rest of the deploy together."""
    lb, farm = models.LoadBalancer.__table__, models.ServerFarm.__table__
    trees = {}
    for start in range(0, len(lb_ids), chunk):
        ids = lb_ids[start:start + chunk]
        heads = session.execute(
            sa.select(lb.c.id, lb.c.name, lb.c.algorithm, lb.c.protocol, lb.c.revision,
                      farm.c.id.label("sf_id"))
            .outerjoin(farm, farm.c.lb_id == lb.c.id).where(lb.c.id.in_(ids))).all()
        by_farm = {h.sf_id: h.id for h in heads if h.sf_id}
        children = {h.id: ([], [], [], []) for h in heads}
        for index, model in enumerate((models.VirtualServer, models.Server, models.Probe,
                                       models.Sticky)):
            table = model.__table__
            stmt = (sa.select(table).where(table.c.sf_id.in_(list(by_farm)))
                    .order_by(table.c.created_at, table.c.id))
            for row in session.execute(stmt):
                children[by_farm[row.sf_id]][index].append(row)
        for head in heads:
            trees[head.id] = (head,) + children[head.id]
    return trees


def vip_endpoints_on_device(session, device_id, ports, excluded_statuses=()):
    """(lb id, address, port) of the VIPs on a device listening on one of
    ``ports``: what a new listener must not collide with, read without
    loading any load balancer (and without reading every VIP of the device)."""
    lb, vip = models.LoadBalancer, models.VirtualServer
    stmt = (sa.select(vip.lb_id, vip.address, vip.port).join(lb, lb.id == vip.lb_id)
            .where(lb.device_id == device_id, vip.port.in_([str(p) for p in ports])))
    if excluded_statuses:
        stmt = stmt.where(lb.status.not_in(excluded_statuses))
    return session.execute(stmt).all()


def devices_with_lbs(session):
    stmt = sa.select(models.LoadBalancer.device_id).distinct()
    return [d for d in session.scalars(stmt) if d]


def devices_with_pending_lbs(session):
    """Devices with a load balancer whose change is not yet settled."""
    lb = models.LoadBalancer
    stmt = (sa.select(lb.device_id).distinct()
            .where(lb.status.in_(("BUILD", "PENDING_UPDATE", "PENDING_DELETE"))))
    return [d for d in session.scalars(stmt) if d]


def lb_heads_on_device(session, device_id):
    """(id, revision, status, deployed) of a device's load balancers: what a
    deploy needs to know about each, read without building ORM objects."""
    lb = models.LoadBalancer.__table__
    stmt = (sa.select(lb.c.id, lb.c.revision, lb.c.status, lb.c.deployed)
            .where(lb.c.device_id == device_id).order_by(lb.c.id))
    return [tuple(row) for row in session.execute(stmt)]


def lb_heads(session, lb_ids, chunk=500):
    """(id, revision, status, deployed) of the load balancers ``lb_ids``
    (those that still exist), like ``lb_heads_on_device`` for a few."""
    lb = models.LoadBalancer.__table__
    heads = []
    for start in range(0, len(lb_ids), chunk):
        stmt = (sa.select(lb.c.id, lb.c.revision, lb.c.status, lb.c.deployed)
                .where(lb.c.id.in_(lb_ids[start:start + chunk])).order_by(lb.c.id))
        heads.extend(tuple(row) for row in session.execute(stmt))
    return heads


def record_outcomes(session, updates):
    """Apply (id, revision, status, description, deployed[, operator text])
    tuples, each only if the LB is still at that revision (a newer change
    stays pending): one statement for every LB of a deploy.  The operator's
    text (None clears it) is written with the status when given."""
    if not updates:
        return
    lb = models.LoadBalancer.__table__
    values = {"status": sa.bindparam("b_status"),
              "status_description": sa.bindparam("b_description"),
              "deployed": sa.bindparam("b_deployed"), "updated_at": models.utcnow()}
    with_faults = all(len(u) > 5 for u in updates)
    if with_faults:
        values["operator_fault"] = sa.bindparam("b_text")
    stmt = (lb.update()
            .where(lb.c.id == sa.bindparam("b_id"), lb.c.revision == sa.bindparam("b_rev"))
            .values(**values))
    session.execute(stmt, [dict({"b_id": u[0], "b_rev": u[1], "b_status": u[2],
                                 "b_description": u[3], "b_deployed": u[4]},
                                **({"b_text": u[5]} if with_faults else {}))
                           for u in updates])


def record_operator_faults(session, faults):
    """Apply (id, revision, operator text) tuples: the operator's side of a
    deploy outcome (None clears it), only where the revision still holds."""
    if not faults:
        return
    lb = models.LoadBalancer.__table__
    stmt = (lb.update()
            .where(lb.c.id == sa.bindparam("b_id"), lb.c.revision == sa.bindparam("b_rev"))
            .values(operator_fault=sa.bindparam("b_text")))
    session.execute(stmt, [{"b_id": i, "b_rev": r, "b_text": t} for i, r, t in faults])


def lb_faults_on_device(session, device_id, limit):
    """The device's load balancers in ERROR, latest first: (id, tenant_id,
    status_description, operator_fault, updated_at), at most ``limit``."""
    lb = models.LoadBalancer.__table__
    stmt = (sa.select(lb.c.id, lb.c.tenant_id, lb.c.status_description, lb.c.operator_fault,
                      lb.c.updated_at)
            .where(lb.c.device_id == device_id, lb.c.status == "ERROR")
            .order_by(lb.c.updated_at.desc(), lb.c.id).limit(limit))
    return [tuple(row) for row in session.execute(stmt)]
