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
# MySQL compares text byte for byte here too, as migration 004 made every
# other table do: the first of these binary collations the server has
BINARY_COLLATIONS = ("utf8mb4_nopad_bin", "utf8mb4_0900_bin", "utf8mb4_bin")


def _mysql_binary_text(bind):
    for name in BINARY_COLLATIONS:
        if bind.execute(sa.text("SHOW COLLATION WHERE Collation = :name"),
                        {"name": name}).first():
            op.execute("ALTER TABLE deploy_history CONVERT TO CHARACTER SET utf8mb4 "
                       "COLLATE %s" % name)
            return
    raise RuntimeError("the server has none of the collations %s" % (BINARY_COLLATIONS,))


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
    if op.get_bind().dialect.name == "mysql":
        _mysql_binary_text(op.get_bind())
