"""Schema upgrades (``balancer-api --dbsync``) with alembic.

A database made by the 2012 original carries sqlalchemy-migrate's
``migrate_version`` table at version 1; it matches our revision ``001``
exactly, so it is stamped there and upgraded, and no row is lost.
"""

import logging
import os

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from balancer.common import files

LOG = logging.getLogger(__name__)
ORIGINAL_REVISION = "001"


def _alembic_config(connection, keyring=None):
    config = Config()
    config.set_main_option("script_location",
                           os.path.join(os.path.dirname(__file__), "migrations"))
    config.attributes["connection"] = connection
    # the keys that encrypt device secrets (revision 005), if the caller has them
    config.attributes["keyring"] = keyring
    return config


def current_revision(connection):
    return MigrationContext.configure(connection).get_current_revision()


def sync(url, keyring=None, revision="head"):
    """Bring the database at ``url`` to ``revision`` (the newest schema by
    default); safe to repeat.  The same schema on SQLite, PostgreSQL and
    MySQL/MariaDB (balancer/tests/database/test_schema.py).
    ``keyring`` (balancer.db.crypto) encrypts the device secrets stored in
    the clear; without one the default key file is used (see ``crypto.load``)."""
    files.create_database_file(url)     # owner-only
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            if engine.dialect.name == "sqlite":
                # Tables are rebuilt to change foreign keys: keep references
                # by name and do not let the rebuild cascade deletes.
                connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
                connection.exec_driver_sql("PRAGMA legacy_alter_table=ON")
                connection.commit()
            config = _alembic_config(connection, keyring)
            tables = set(sa.inspect(connection).get_table_names())
            if current_revision(connection) is None and "migrate_version" in tables:
                LOG.info("adopting a database made by the original balancer")
                command.stamp(config, ORIGINAL_REVISION)
                connection.commit()
            command.upgrade(config, revision)
            connection.commit()
            return current_revision(connection)
    finally:
        engine.dispose()


def head_revision():
    """The newest revision the migrations know."""
    return ScriptDirectory.from_config(_alembic_config(None)).get_current_head()
