"""Engine and session factory; the core opens and commits sessions."""

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import sessionmaker

from balancer.common import files
from balancer.db import crypto


def _sqlite_pragmas(dbapi_connection, _record):
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    # WAL lets readers go on while the deploy engine writes statuses.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def create_database_file(url):
    """A SQLite database file that does not exist yet is created owner-only
    first: it holds the device rows, and SQLite makes its -wal and -shm
    files with the database file's mode."""
    path = crypto.sqlite_file(url)
    if path is not None:
        try:
            files.create_private(path)
        except OSError:
            pass        # e.g. no such directory: SQLite itself says so, clearly


def make_engine(url, idle_timeout=3600):
    """An engine for ``url``; SQLite gets foreign keys, WAL and a busy wait."""
    if url.startswith("sqlite"):
        create_database_file(url)
        engine = sa.create_engine(url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return sa.create_engine(url, pool_recycle=idle_timeout, pool_pre_ping=True)


def make_session_factory(engine):
    return sessionmaker(bind=engine, expire_on_commit=False)
