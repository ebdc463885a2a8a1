"""Cascading foreign keys, lookup indexes, timestamps, status text, SSH keys.

Each table is rebuilt (create new, copy rows, swap), which is how SQLite
changes foreign keys; it works the same on other databases.

Revision ID: 002
Revises: 001
"""
import datetime

import sqlalchemy as sa
from alembic import op

revision = "002"
down_revision = "001"

S32 = sa.String(32)
S255 = sa.String(255)


def _stamps():
    return [sa.Column("created_at", sa.DateTime), sa.Column("updated_at", sa.DateTime)]


def _child(name, target, index=True):
    return sa.Column(name, S32, sa.ForeignKey(target, ondelete="CASCADE"), index=index)


def _simple(table):
    return [_child("sf_id", "serverfarm.id"), sa.Column("name", S255),
            sa.Column("type", S255), sa.Column("deployed", sa.String(40)),
            sa.Column("extra", sa.Text)] + _stamps()


NEW_COLUMNS = {
    "device": [sa.Column("name", S255), sa.Column("type", S255),
               sa.Column("version", S255), sa.Column("ip", sa.String(64)),
               sa.Column("port", sa.Integer), sa.Column("user", S255),
               sa.Column("password", S255), sa.Column("private_key", sa.Text),
               sa.Column("host_key", sa.Text), sa.Column("extra", sa.Text)] + _stamps(),
    "loadbalancer": [
        sa.Column("device_id", S32, sa.ForeignKey("device.id"), index=True),
        sa.Column("name", S255), sa.Column("algorithm", S255),
        sa.Column("protocol", S255), sa.Column("status", S255, index=True),
        sa.Column("status_description", sa.Text),
        sa.Column("tenant_id", S255, index=True),
        sa.Column("revision", sa.Integer, nullable=False, server_default="0"),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.Column("deployed", sa.String(40)), sa.Column("extra", sa.Text)],
    "serverfarm": [_child("lb_id", "loadbalancer.id"), sa.Column("name", S255),
                   sa.Column("type", S255), sa.Column("status", S255),
                   sa.Column("deployed", sa.String(40)),
                   sa.Column("extra", sa.Text)] + _stamps(),
    "virtualserver": [_child("sf_id", "serverfarm.id"),
                      _child("lb_id", "loadbalancer.id"), sa.Column("name", S255),
                      sa.Column("address", S255), sa.Column("mask", S255),
                      sa.Column("port", S255), sa.Column("status", S255),
                      sa.Column("deployed", sa.String(40)),
                      sa.Column("extra", sa.Text)] + _stamps(),
    "server": [_child("sf_id", "serverfarm.id"), sa.Column("name", S255),
               sa.Column("type", S255), sa.Column("address", S255),
               sa.Column("port", S255), sa.Column("weight", sa.Integer),
               sa.Column("status", S255), sa.Column("parent_id", sa.Integer),
               sa.Column("deployed", sa.String(40)),
               sa.Column("vm_id", sa.Integer, index=True),
               sa.Column("extra", sa.Text)] + _stamps(),
    "probe": _simple("probe"),
    "sticky": _simple("sticky"),
    "predictor": [_child("sf_id", "serverfarm.id"), sa.Column("type", S255),
                  sa.Column("deployed", sa.String(40)),
                  sa.Column("extra", sa.Text)] + _stamps(),
}
# parents before children, so foreign keys point at rebuilt tables
ORDER = ("device", "loadbalancer", "serverfarm", "virtualserver", "server",
         "probe", "sticky", "predictor")


def _rebuild_sqlite(bind, name):
    """Swap ``name`` for a new table of the new shape, keeping every row.

    Runs with foreign keys off and legacy renames on (see migration.py), so the
    other tables' references keep pointing at ``name``."""
    old_columns = {c["name"] for c in sa.inspect(bind).get_columns(name)}
    op.rename_table(name, name + "__old")
    op.create_table(name, sa.Column("id", S32, primary_key=True), *NEW_COLUMNS[name])
    kept = ["id"] + [c.name for c in NEW_COLUMNS[name] if c.name in old_columns]
    cols = ", ".join('"%s"' % c for c in kept)
    op.execute('INSERT INTO "%s" (%s) SELECT %s FROM "%s__old"' % (name, cols, cols, name))
    op.drop_table(name + "__old")


def _add_columns(bind, name):
    """Other databases: add what is missing in place."""
    old_columns = {c["name"] for c in sa.inspect(bind).get_columns(name)}
    for column in NEW_COLUMNS[name]:
        if column.name not in old_columns:
            op.add_column(name, column.copy())
        if column.index:
            op.create_index("ix_%s_%s" % (name, column.name), name, [column.name])


def upgrade():
    bind = op.get_bind()
    rebuild = _rebuild_sqlite if bind.dialect.name == "sqlite" else _add_columns
    for name in ORDER:
        rebuild(bind, name)
    # a bound datetime, not CURRENT_TIMESTAMP: SQLite would store another text
    # format than SQLAlchemy's, and ordering by created_at compares text
    now = datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
    for name in ORDER:
        op.get_bind().execute(sa.text("UPDATE %s SET created_at = :now "
                                      "WHERE created_at IS NULL" % name)
                              .bindparams(sa.bindparam("now", now, type_=sa.DateTime)))
        op.execute("UPDATE %s SET updated_at = created_at WHERE updated_at IS NULL" % name)
