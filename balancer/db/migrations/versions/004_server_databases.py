"""PostgreSQL and MySQL/MariaDB reach the schema SQLite got in 002.

002 rebuilt SQLite's tables with cascading foreign keys; elsewhere it only
added columns and indexes, so deleting a load balancer failed on its farm's
foreign key.  Here, on those databases only:

- the foreign keys from a load balancer's children are made
  ``ON DELETE CASCADE`` (the one from a load balancer to its device is not:
  a device in use cannot be deleted);
- MySQL keeps microseconds in timestamps (rows are ordered by them),
  compares text byte for byte, as SQLite and PostgreSQL do (so tenant and
  object ids are case sensitive), and keeps long text in MEDIUMTEXT, as
  TEXT ends at 64 KiB there (balancer.db.models.LongText).

SQLite is left as it is: it has all of this since 002.

Revision ID: 004
Revises: 003
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "004"
down_revision = "003"

# (table, column, referenced table) of every foreign key that cascades
CASCADES = (("serverfarm", "lb_id", "loadbalancer"),
            ("virtualserver", "sf_id", "serverfarm"),
            ("virtualserver", "lb_id", "loadbalancer"),
            ("server", "sf_id", "serverfarm"),
            ("probe", "sf_id", "serverfarm"),
            ("sticky", "sf_id", "serverfarm"),
            ("predictor", "sf_id", "serverfarm"))
TABLES = ("device", "loadbalancer", "serverfarm", "virtualserver", "server",
          "probe", "sticky", "predictor")
# the first of these the server has: NO PAD, so "a " and "a" differ too
BINARY_COLLATIONS = ("utf8mb4_nopad_bin", "utf8mb4_0900_bin", "utf8mb4_bin")


def _foreign_keys(bind):
    """(table, reflected foreign key) of every single-column key."""
    inspector = sa.inspect(bind)
    return [(table, fk) for table in TABLES for fk in inspector.get_foreign_keys(table)
            if len(fk["constrained_columns"]) == 1]


def _cascades(table, fk):
    return (table, fk["constrained_columns"][0], fk["referred_table"]) in CASCADES


def _cascading(fk):
    return (fk.get("options") or {}).get("ondelete", "").upper() == "CASCADE"


def _recreate(table, fk):
    op.create_foreign_key(fk["name"], table, fk["referred_table"],
                          fk["constrained_columns"], fk["referred_columns"],
                          ondelete="CASCADE" if _cascades(table, fk) else None)


def _binary_collation(bind):
    for name in BINARY_COLLATIONS:
        if bind.execute(sa.text("SHOW COLLATION WHERE Collation = :name"),
                        {"name": name}).first():
            return name
    raise RuntimeError("the server has none of the collations %s" % (BINARY_COLLATIONS,))


def _mysql_text_and_time(bind):
    collation = _binary_collation(bind)
    for table in TABLES:
        op.execute("ALTER TABLE `%s` CONVERT TO CHARACTER SET utf8mb4 COLLATE %s"
                   % (table, collation))
    inspector = sa.inspect(bind)
    for table in TABLES:
        for column in inspector.get_columns(table):
            if column["name"] in ("created_at", "updated_at"):
                new_type = mysql.DATETIME(fsp=6)
            elif isinstance(column["type"], sa.Text):
                new_type = mysql.MEDIUMTEXT()
            else:
                continue
            op.alter_column(table, column["name"], type_=new_type,
                            existing_type=column["type"],
                            existing_nullable=column["nullable"])


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        return
    keys = _foreign_keys(bind)
    if bind.dialect.name == "mysql":
        # MySQL refuses to change the collation of a column a foreign key
        # uses, even with foreign_key_checks off: every key is dropped,
        # the tables changed, and the keys made again
        for table, fk in keys:
            op.drop_constraint(fk["name"], table, type_="foreignkey")
        _mysql_text_and_time(bind)
        for table, fk in keys:
            _recreate(table, fk)
        return
    for table, fk in keys:
        if _cascades(table, fk) and not _cascading(fk):
            op.drop_constraint(fk["name"], table, type_="foreignkey")
            _recreate(table, fk)
