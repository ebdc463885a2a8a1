"""An index on virtual IP ports: checking a new listener for collisions
reads only the VIPs on its ports.

Revision ID: 003
Revises: 002
"""
from alembic import op

revision = "003"
down_revision = "002"


def upgrade():
    op.create_index("ix_virtualserver_port", "virtualserver", ["port"])
