"""The 2012 original's schema (its sqlalchemy-migrate version 1), verbatim.

A database made by the original is stamped at this revision and upgraded from
here, so its rows are kept.

Revision ID: 001
"""
import sqlalchemy as sa
from alembic import op

revision = "001"
down_revision = None


def _id():
    return sa.Column("id", sa.String(32), primary_key=True)


def _fk(name, target):
    return sa.Column(name, sa.String(32), sa.ForeignKey(target))


def upgrade():
    op.create_table(
        "device", _id(), sa.Column("name", sa.String(255)),
        sa.Column("type", sa.String(255)), sa.Column("version", sa.String(255)),
        sa.Column("ip", sa.String(64)), sa.Column("port", sa.Integer),
        sa.Column("user", sa.String(255)), sa.Column("password", sa.String(255)),
        sa.Column("extra", sa.Text))
    op.create_table(
        "loadbalancer", _id(), _fk("device_id", "device.id"),
        sa.Column("name", sa.String(255)), sa.Column("algorithm", sa.String(255)),
        sa.Column("protocol", sa.String(255)), sa.Column("status", sa.String(255)),
        sa.Column("tenant_id", sa.String(255)),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.Column("deployed", sa.String(40)), sa.Column("extra", sa.Text))
    op.create_table(
        "serverfarm", _id(), _fk("lb_id", "loadbalancer.id"),
        sa.Column("name", sa.String(255)), sa.Column("type", sa.String(255)),
        sa.Column("status", sa.String(255)), sa.Column("deployed", sa.String(40)),
        sa.Column("extra", sa.Text))
    op.create_table(
        "virtualserver", _id(), _fk("sf_id", "serverfarm.id"),
        _fk("lb_id", "loadbalancer.id"), sa.Column("name", sa.String(255)),
        sa.Column("address", sa.String(255)), sa.Column("mask", sa.String(255)),
        sa.Column("port", sa.String(255)), sa.Column("status", sa.String(255)),
        sa.Column("deployed", sa.String(40)), sa.Column("extra", sa.Text))
    op.create_table(
        "server", _id(), _fk("sf_id", "serverfarm.id"),
        sa.Column("name", sa.String(255)), sa.Column("type", sa.String(255)),
        sa.Column("address", sa.String(255)), sa.Column("port", sa.String(255)),
        sa.Column("weight", sa.Integer), sa.Column("status", sa.String(255)),
        sa.Column("parent_id", sa.Integer), sa.Column("deployed", sa.String(40)),
        sa.Column("vm_id", sa.Integer), sa.Column("extra", sa.Text))
    for table in ("probe", "sticky"):
        op.create_table(
            table, _id(), _fk("sf_id", "serverfarm.id"),
            sa.Column("name", sa.String(255)), sa.Column("type", sa.String(255)),
            sa.Column("deployed", sa.String(40)), sa.Column("extra", sa.Text))
    op.create_table(
        "predictor", _id(), _fk("sf_id", "serverfarm.id"),
        sa.Column("type", sa.String(255)), sa.Column("deployed", sa.String(40)),
        sa.Column("extra", sa.Text))
