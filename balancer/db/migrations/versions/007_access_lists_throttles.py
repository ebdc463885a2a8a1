"""Access lists and connection throttles of load balancers.

``accesslist`` holds the ALLOW/DENY networks of ``…/accessList``,
``connectionthrottle`` the one throttle of ``…/connectionThrottle``; both go
with their load balancer (ON DELETE CASCADE).  TLS certificates need no
table: they are fields of their virtual IP (its keys encrypted, see
balancer/core/vip_tls.py).

Revision ID: 007
Revises: 006
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "007"
down_revision = "006"

TIMESTAMP = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")


def _lb_id(**kwargs):
    return sa.Column("lb_id", sa.String(32),
                     sa.ForeignKey("loadbalancer.id", ondelete="CASCADE"), **kwargs)


def upgrade():
    op.create_table(
        "accesslist",
        sa.Column("id", sa.String(32), primary_key=True),
        _lb_id(nullable=False),
        sa.Column("address", sa.String(64), nullable=False),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False))
    op.create_index("ix_accesslist_lb_id", "accesslist", ["lb_id"])
    op.create_table(
        "connectionthrottle",
        _lb_id(primary_key=True),
        sa.Column("max_connections", sa.Integer),
        sa.Column("min_connections", sa.Integer),
        sa.Column("max_connection_rate", sa.Integer),
        sa.Column("rate_interval", sa.Integer),
        sa.Column("created_at", TIMESTAMP),
        sa.Column("updated_at", TIMESTAMP))
