"""The operator's side of a device error: ``loadbalancer.operator_fault``.

A device error has two texts (``balancer.drivers.base.DriverError``): the
tenant's, kept in ``status_description`` as before, and the operator's
(device address, paths, HAProxy's output), kept here and shown only to
administrators (``GET /devices/{id}``).

Revision ID: 006
Revises: 005
"""
import sqlalchemy as sa
from alembic import op

revision = "006"
down_revision = "005"


def upgrade():
    op.add_column("loadbalancer", sa.Column("operator_fault", sa.Text))
