"""Per-tenant overrides of the ``[limits]`` defaults: ``tenant_limit``.

One row per (tenant, limit name) an admin set with ``PUT /{tenant_id}/limits``
(balancer/core/quotas.py); no row means the configured default.

Revision ID: 007
Revises: 006
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "007"
down_revision = "006"


def upgrade():
    op.create_table(
        "tenant_limit",
        sa.Column("tenant_id", sa.String(255), primary_key=True),
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("value", sa.Integer, nullable=False),
        sa.Column("updated_at", sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql",
                                                           "mariadb"), nullable=False))
