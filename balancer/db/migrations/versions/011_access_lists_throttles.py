"""Access lists and connection throttles of load balancers.

``accesslist`` holds the ALLOW/DENY networks of ``…/accessList``,
``connectionthrottle`` the one throttle of ``…/connectionThrottle``; both go
with their load balancer (ON DELETE CASCADE).  TLS certificates need no
table: they are fields of their virtual IP (its keys encrypted, see
balancer/core/vip_tls.py).

Revision ID: 010
Revises: 009
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "011"
down_revision = "010"

TIMESTAMP = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")
# the collations 004 gives every table on MySQL: ids compare exactly, and a
# foreign key needs the same collation on both sides
BINARY_COLLATIONS = ("utf8mb4_nopad_bin", "utf8mb4_0900_bin", "utf8mb4_bin")


def _table_options(bind):
    if bind.dialect.name != "mysql":
        return {}
    for name in BINARY_COLLATIONS:
        if bind.execute(sa.text("SHOW COLLATION WHERE Collation = :name"),
                        {"name": name}).first():
            return {"mysql_charset": "utf8mb4", "mysql_collate": name}
    raise RuntimeError("the server has none of the collations %s" % (BINARY_COLLATIONS,))


def _lb_id(**kwargs):
    return sa.Column("lb_id", sa.String(32),
                     sa.ForeignKey("loadbalancer.id", ondelete="CASCADE"), **kwargs)


def upgrade():
    options = _table_options(op.get_bind())
    op.create_table(
        "accesslist",
        sa.Column("id", sa.String(32), primary_key=True),
        _lb_id(nullable=False),
        sa.Column("address", sa.String(64), nullable=False),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False), **options)
    op.create_index("ix_accesslist_lb_id", "accesslist", ["lb_id"])
    op.create_table(
        "connectionthrottle",
        sa.Column("id", sa.String(32), primary_key=True),
        _lb_id(nullable=False, unique=True),
        sa.Column("max_connections", sa.Integer),
        sa.Column("min_connections", sa.Integer),
        sa.Column("max_connection_rate", sa.Integer),
        sa.Column("rate_interval", sa.Integer),
        sa.Column("created_at", TIMESTAMP),
        sa.Column("updated_at", TIMESTAMP), **options)
