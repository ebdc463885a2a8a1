"""Device health: ``device_health``, the last probe of each device.

The prober (balancer/core/prober.py) writes one row per device each
``[health] probe_interval``; every API process reads it, so all of them show
the same ``health`` in ``GET /devices`` (doc/source/operations.rst).

Revision ID: 007
Revises: 006
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "007"
down_revision = "006"

Timestamp = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")


def upgrade():
    op.create_table(
        "device_health",
        sa.Column("device_id", sa.String(32),
                  sa.ForeignKey("device.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("health", sa.String(16)),
        sa.Column("error", sa.Text),
        sa.Column("vrrp_role", sa.String(16)),
        sa.Column("checked_at", Timestamp),
        sa.Column("valid_until", Timestamp),
    )
