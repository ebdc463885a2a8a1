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
# as 004_server_databases.py converted every table: a foreign key to
# ``device.id`` needs the same character set and collation on both sides
BINARY_COLLATIONS = ("utf8mb4_nopad_bin", "utf8mb4_0900_bin", "utf8mb4_bin")


def _mysql_options(bind):
    if bind.dialect.name != "mysql":
        return {}
    for name in BINARY_COLLATIONS:
        if bind.execute(sa.text("SHOW COLLATION WHERE Collation = :name"),
                        {"name": name}).first():
            return {"mysql_charset": "utf8mb4", "mysql_collate": name}
    raise RuntimeError("the server has none of the collations %s" % (BINARY_COLLATIONS,))


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
        **_mysql_options(op.get_bind()),
    )
