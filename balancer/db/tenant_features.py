"""Queries of access lists and connection throttles (``models.AccessItem``,
``models.ConnectionThrottle``); every function takes the core's session."""

import sqlalchemy as sa

from balancer.db import models


def access_and_throttles(session, lb_ids, chunk=500):
    """{lb id: (access-list rows, throttle row or None)} of the load balancers
    ``lb_ids`` that have either, read as plain rows (a deploy rebuilds many
    records; see ``api.lb_trees``)."""
    found = {}
    items, throttles = models.AccessItem.__table__, models.ConnectionThrottle.__table__
    for start in range(0, len(lb_ids), chunk):
        ids = list(lb_ids[start:start + chunk])
        for row in session.execute(sa.select(items).where(items.c.lb_id.in_(ids))
                                   .order_by(items.c.created_at, items.c.id)):
            found.setdefault(row.lb_id, ([], None))[0].append(row)
        for row in session.execute(sa.select(throttles).where(throttles.c.lb_id.in_(ids))):
            found[row.lb_id] = (found.get(row.lb_id, ([], None))[0], row)
    return found
