"""Active/standby device pairs: the peer and the VRRP settings of a device.

``peer_id`` names the other device of the pair (both rows name each other;
``balancer.core.pairs`` keeps that symmetric).  ``vrrp_auth`` is a Fernet
token like ``password`` (``balancer.db.crypto``).  ``ha_behind`` is 1 while
the device missed a deploy its peer got: the pending sweep catches it up
(``balancer/core/reconcile.py``), and the box keeps out of VRRP until then
(doc/source/ha.rst).

Revision ID: 007
Revises: 006
"""
import sqlalchemy as sa
from alembic import op

revision = "008"
down_revision = "007"


def upgrade():
    with op.batch_alter_table("device") as batch:
        batch.add_column(sa.Column("peer_id", sa.String(32)))
        batch.add_column(sa.Column("vrrp_interface", sa.String(255)))
        batch.add_column(sa.Column("vrrp_router_id", sa.Integer))
        batch.add_column(sa.Column("vrrp_priority", sa.Integer))
        batch.add_column(sa.Column("vrrp_auth", sa.Text))
        batch.add_column(sa.Column("ha_behind", sa.Integer, nullable=False,
                                   server_default="0"))
