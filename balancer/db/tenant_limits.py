"""Queries behind the per-tenant limits (balancer/core/quotas.py)."""

import sqlalchemy as sa

from balancer.db import models


def overrides(session, tenant_id):
    """{limit name: value} an admin set for ``tenant_id``."""
    stmt = sa.select(models.TenantLimit.name, models.TenantLimit.value).where(
        models.TenantLimit.tenant_id == tenant_id)
    return dict(session.execute(stmt).all())


def _row(session, tenant_id, name):
    return session.scalars(sa.select(models.TenantLimit).where(
        models.TenantLimit.tenant_id == tenant_id, models.TenantLimit.name == name)).first()


def override(session, tenant_id, name):
    """The value an admin set for one limit of ``tenant_id``, or None."""
    return session.scalar(sa.select(models.TenantLimit.value).where(
        models.TenantLimit.tenant_id == tenant_id, models.TenantLimit.name == name))


def set_overrides(session, tenant_id, values):
    """Set (value) or remove (None) each override in ``values``."""
    for name, value in values.items():
        row = _row(session, tenant_id, name)
        if value is None:
            if row is not None:
                session.delete(row)
        elif row is None:
            session.add(models.TenantLimit(tenant_id=tenant_id, name=name, value=value))
        else:
            row.value = value


def clear_overrides(session, tenant_id):
    """Remove every override of ``tenant_id``; how many there were."""
    result = session.execute(sa.delete(models.TenantLimit).where(
        models.TenantLimit.tenant_id == tenant_id))
    return result.rowcount


def load_balancer_count(session, tenant_id, excluded_statuses=()):
    """How many load balancers ``tenant_id`` has, leaving out those whose
    status is in ``excluded_statuses``."""
    stmt = sa.select(sa.func.count()).select_from(models.LoadBalancer).where(
        models.LoadBalancer.tenant_id == tenant_id)
    if excluded_statuses:
        stmt = stmt.where(models.LoadBalancer.status.not_in(excluded_statuses))
    return session.scalar(stmt)


#: the key under which ``limits_and_count`` returns the count
COUNT_KEY = "#load balancers"
_LIMITS_AND_COUNT = sa.union_all(
    sa.select(models.TenantLimit.name, models.TenantLimit.value).where(
        models.TenantLimit.tenant_id == sa.bindparam("tenant_id")),
    sa.select(sa.literal(COUNT_KEY), sa.func.count()).select_from(models.LoadBalancer).where(
        models.LoadBalancer.tenant_id == sa.bindparam("tenant_id"),
        models.LoadBalancer.status != sa.bindparam("excluded")))


def limits_and_count(session, tenant_id, excluded_status):
    """(``overrides``, ``load_balancer_count``) of ``tenant_id`` in one
    statement, built once: a create asks both, and on SQLite building and
    running two ORM queries cost more CPU than the rest of its checks
    (tools/bench/results/profiles/group-commit.folded)."""
    rows = dict(session.connection().execute(
        _LIMITS_AND_COUNT, {"tenant_id": tenant_id, "excluded": excluded_status}).all())
    return rows, rows.pop(COUNT_KEY)

