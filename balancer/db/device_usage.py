"""Which load balancers a device serves, for operators (balancer.core.device_usage)."""

import sqlalchemy as sa

from balancer.db import models


def lbs_on_device(session, device_id):
    """(id, name, tenant_id, status) of the device's load balancers, by name."""
    lb = models.LoadBalancer.__table__
    stmt = (sa.select(lb.c.id, lb.c.name, lb.c.tenant_id, lb.c.status)
            .where(lb.c.device_id == device_id).order_by(lb.c.name, lb.c.id))
    return [tuple(row) for row in session.execute(stmt)]
