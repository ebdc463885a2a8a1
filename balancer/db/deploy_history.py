"""The ``deploy_history`` table: one row per deploy a device queue ran.

Written by :func:`balancer.core.deploy_history.record` after every deploy
(``balancer.core.service.Service.run_deploy``) and read by the operators'
``GET /deploys`` (balancer/api/v1/deploys.py) and the dashboard's operator
page.  No foreign key to ``device``: the history of a device that was
deleted stays readable until it ages out.
"""

from sqlalchemy import Column, Integer, String, Text, delete, select

from balancer.db import models


class DeployRecord(models.DictMixin, models.Base):
    __tablename__ = "deploy_history"
    id = Column(String(32), primary_key=True, default=models.new_id)
    device_id = Column(String(32), nullable=False, index=True)
    started_at = Column(models.Timestamp, nullable=False, index=True)
    finished_at = Column(models.Timestamp, nullable=False)
    duration_ms = Column(Integer, nullable=False)
    #: SUCCESS, PARTIAL (some load balancers rejected or not tried) or FAILED
    outcome = Column(String(16), nullable=False)
    load_balancers = Column(Integer, nullable=False)
    rejected = Column(Integer, nullable=False)
    #: the operator's text of the failure (admins only ever read this table)
    message = Column(Text)
    hidden = ()
    extra = None           # DictMixin's unknown keys: this table has none


def add(session, **values):
    session.add(DeployRecord(**values))


def prune(session, before):
    """Forget deploys that started before ``before``."""
    session.execute(delete(DeployRecord).where(DeployRecord.started_at < before))


def newest(session, limit):
    """The ``limit`` newest deploys, newest first, as dicts."""
    rows = session.scalars(select(DeployRecord).order_by(
        DeployRecord.started_at.desc(), DeployRecord.id).limit(limit))
    return [row.to_dict() for row in rows]


def started_since(session, since, limit):
    """(started_at, outcome) of deploys that started at or after ``since``."""
    return session.execute(select(DeployRecord.started_at, DeployRecord.outcome)
                           .where(DeployRecord.started_at >= since)
                           .order_by(DeployRecord.started_at).limit(limit)).all()
