"""Per-tenant overrides of the ``[limits]`` defaults: ``tenant_limit``.

One row per (tenant, limit name) an admin set with ``PUT /{tenant_id}/limits``
(balancer/core/quotas.py); no row means the configured default.

Revision ID: 007
Revises: 006
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "009"
down_revision = "008"
# as 004 makes every table on MySQL/MariaDB: tenant ids compare exactly
BINARY_COLLATIONS = ("utf8mb4_nopad_bin", "utf8mb4_0900_bin", "utf8mb4_bin")


def upgrade():
    op.create_table(
        "tenant_limit",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("tenant_id", sa.String(255), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("value", sa.Integer, nullable=False),
        sa.Column("updated_at", sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql",
                                                           "mariadb"), nullable=False),
        sa.UniqueConstraint("tenant_id", "name", name="uq_tenant_limit_name"))
    bind = op.get_bind()
    if bind.dialect.name in ("mysql", "mariadb"):
        collation = next(name for name in BINARY_COLLATIONS if bind.execute(
            sa.text("SHOW COLLATION WHERE Collation = :name"), {"name": name}).first())
        op.execute("ALTER TABLE tenant_limit CONVERT TO CHARACTER SET utf8mb4 COLLATE %s"
                   % collation)
