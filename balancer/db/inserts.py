"""New load balancers and their children as plain inserts, one per table.

The ORM's unit of work builds an object per row, tracks it and orders the
flush; a create needs none of that: every row is new, its id is made here
(``models.new_id``), and parents are simply inserted before children.  Each
table gets one INSERT whatever the number of its rows (an executemany: one
multi-row statement on PostgreSQL and MySQL, a prepared loop in SQLite),
also for the trees of many creates stored together (``balancer.core.placing``),
and tables without rows get none.  ``balancer/tests/functional/test_write_path.py``
counts the statements a create sends.
"""

import dataclasses
import datetime

import sqlalchemy as sa

from balancer.db import models
from balancer.db.api import pack

#: parents before children, the order the inserts must follow
TREE_MODELS = (models.LoadBalancer, models.ServerFarm, models.Predictor, models.Server,
               models.Probe, models.Sticky, models.VirtualServer)


@dataclasses.dataclass
class NewTree:
    """The rows of one new load balancer, as {model: [column dict, ...]}."""
    rows: dict

    @property
    def lb(self):
        return self.rows[models.LoadBalancer][0]


def _columns(model):
    names = model.__dict__.get("_insert_columns")
    if names is None:
        names = tuple(c.name for c in model.__table__.columns)
        model._insert_columns = names
    return names


def _row(model, values, now, **fixed):
    """Every column of ``model`` for one new row (an executemany needs the
    same keys in every row): the request's values, unknown keys in
    ``extra``, then ``fixed``; id and timestamps made here, as the model's
    defaults would have made them."""
    columns, extra = pack(model, values)
    row = dict.fromkeys(_columns(model))
    row.update(columns)
    row.update(fixed)
    row.update(extra=extra or None, id=models.new_id(), created_at=now, updated_at=now)
    return row


def _ordered(model, items, now, **fixed):
    """Rows made together, with strictly increasing ``created_at`` so lists
    (and round robin) keep the order the client sent them in."""
    return [_row(model, item, now + datetime.timedelta(microseconds=i), **fixed)
            for i, item in enumerate(items)]


def new_tree(values, tenant_id, device_id, status, deployed, nodes=(), monitors=(),
             stickies=(), vips=()):
    """The rows of a new load balancer (``values`` are its own fields) with
    its server farm, predictor, nodes, monitors, stickies and VIPs."""
    now = models.utcnow()
    lb = _row(models.LoadBalancer, values, now, tenant_id=tenant_id, device_id=device_id,
              status=status, revision=1, deployed=deployed)
    farm = _row(models.ServerFarm, {}, now, lb_id=lb["id"])
    return NewTree(rows={
        models.LoadBalancer: [lb],
        models.ServerFarm: [farm],
        models.Predictor: [_row(models.Predictor, {}, now, sf_id=farm["id"],
                                type=lb["algorithm"])],
        models.Server: _ordered(models.Server, nodes, now, sf_id=farm["id"]),
        models.Probe: _ordered(models.Probe, monitors, now, sf_id=farm["id"]),
        models.Sticky: _ordered(models.Sticky, stickies, now, sf_id=farm["id"]),
        models.VirtualServer: _ordered(models.VirtualServer, vips, now, sf_id=farm["id"],
                                       lb_id=lb["id"]),
    })


def insert_trees(session, trees):
    """Insert ``trees`` in ``session``'s transaction: one statement per
    table that has rows, however many trees, parents first."""
    for model in TREE_MODELS:
        rows = [row for tree in trees for row in tree.rows.get(model, ())]
        if rows:
            session.execute(sa.insert(model.__table__), rows)
