"""Copy every row from one balancer database to another (SQLite to a server).

The upgrade from one ``balancer.sqlite`` to PostgreSQL or MariaDB
(doc/source/operations.rst, "Moving from SQLite to a database server"):
the target is brought to the newest schema, checked to be empty, then
every row of every table is copied, parents before children, in one
transaction, so a failure leaves the target as empty as it was.  Values are
copied as stored: ``extra`` keeps its JSON text byte for byte, timestamps
keep their microseconds.
"""

import sqlalchemy as sa

from balancer.db import migration, models, session

# rows inserted per statement
BATCH = 500


class CopyError(Exception):
    """The copy was refused or failed; nothing was written."""


def _plain_table(table, metadata):
    """``table`` with its JSON columns as plain text, so they are copied
    as stored instead of being decoded and encoded again."""
    columns = [sa.Column(c.name, sa.Text if isinstance(c.type, models.JsonBlob) else c.type,
                         primary_key=c.primary_key)
               for c in table.columns]
    return sa.Table(table.name, metadata, *columns)


def key_of(table):
    """The column rows are told apart by (``id``, or ``device_id`` of
    ``device_health``)."""
    return list(table.primary_key.columns)[0]


def _tables():
    metadata = sa.MetaData()
    # sorted_tables: every table after the tables its foreign keys point at
    return [_plain_table(t, metadata) for t in models.Base.metadata.sorted_tables]


def _too_long(table, rows):
    """(column, row id, length, limit) of the first value longer than its
    column: SQLite never checks lengths, the servers refuse them."""
    limits = {c.name: c.type.length for c in table.columns
              if isinstance(c.type, sa.String) and getattr(c.type, "length", None)}
    for row in rows:
        for name, limit in limits.items():
            value = row[name]
            if isinstance(value, str) and len(value) > limit:
                return name, row[key_of(table).name], len(value), limit
    return None


def _check_source(connection):
    revision, head = migration.current_revision(connection), migration.head_revision()
    if revision != head:
        raise CopyError("the source database is at revision %s, not %s: run "
                        "balancer-api --dbsync on it first" % (revision, head))


def _check_empty(connection, tables):
    filled = [t.name for t in tables
              if connection.execute(sa.select(sa.func.count()).select_from(t)).scalar()]
    if filled:
        raise CopyError("the target database already holds rows (in %s): the copy "
                        "only fills an empty database" % ", ".join(filled))


def copy_rows(source_url, target_url):
    """Copy every row of ``source_url`` into ``target_url``, which is first
    brought to the newest schema (as ``--dbsync`` does) and must be empty.

    Returns {table name: rows copied}.  Raises ``CopyError`` (the target
    unchanged but for its schema) when the source is not at the newest
    schema, the target has rows, or a value does not fit the target."""
    migration.sync(target_url)
    tables = _tables()
    source, target = session.database_for(source_url), session.database_for(target_url)
    copied = {}
    try:
        with source.engine.connect() as reading, target.engine.begin() as writing:
            _check_source(reading)
            _check_empty(writing, tables)
            for table in tables:
                rows = [dict(r) for r in
                        reading.execute(sa.select(table).order_by(key_of(table))).mappings()]
                problem = _too_long(table, rows)
                if problem:
                    raise CopyError("%s.%s of row %s is %d characters long, the "
                                    "column holds %d" % ((table.name,) + problem))
                for start in range(0, len(rows), BATCH):
                    writing.execute(table.insert(), rows[start:start + BATCH])
                copied[table.name] = len(rows)
    finally:
        source.dispose()
        target.dispose()
    return copied
