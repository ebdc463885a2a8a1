"""``deploy_history``: one row per deploy, for operators.

Each deploy a device queue runs records when it started, how long it took,
its outcome and how many load balancers it carried
(balancer/db/deploy_history.py); ``GET /deploys`` and the dashboard's
operator page read it.

Revision ID: 010
Revises: 009
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "010"
down_revision = "009"

# microseconds on MySQL too, as balancer.db.models.Timestamp
TIMESTAMP = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")


def upgrade():
    op.create_table(
        "deploy_history",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("device_id", sa.String(32), nullable=False),
        sa.Column("started_at", TIMESTAMP, nullable=False),
        sa.Column("finished_at", TIMESTAMP, nullable=False),
        sa.Column("duration_ms", sa.Integer, nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("load_balancers", sa.Integer, nullable=False),
        sa.Column("rejected", sa.Integer, nullable=False),
        sa.Column("message", sa.Text))
    op.create_index("ix_deploy_history_device_id", "deploy_history", ["device_id"])
    op.create_index("ix_deploy_history_started_at", "deploy_history", ["started_at"])
