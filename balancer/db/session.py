"""Engine and session factory; the core opens and commits sessions."""

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import sessionmaker

from balancer.common import files


def _sqlite_pragmas(dbapi_connection, _record):
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    # WAL lets readers go on while the deploy engine writes statuses.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def make_engine(url, idle_timeout=3600):
    """An engine for ``url``; SQLite gets foreign keys, WAL and a busy wait."""
    if url.startswith("sqlite"):
        files.create_database_file(url)     # owner-only
        engine = sa.create_engine(url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return sa.create_engine(url, pool_recycle=idle_timeout, pool_pre_ping=True)


def make_session_factory(engine):
    return sessionmaker(bind=engine, expire_on_commit=False)
