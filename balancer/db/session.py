"""The database a Service talks to: oslo.db's engine facade, one per Service.

For PostgreSQL and MySQL/MariaDB, oslo.db's facade builds the engine (pool
sizes, recycling, MySQL's SQL mode, Galera's ``wsrep_sync_wait``, the
exception filters that turn a deadlock into ``DBDeadlock``) from the
``[database]`` options (balancer/conf/database.py).

SQLite, the single-file default, keeps a pooled engine of its own with
oslo.db's exception filters: oslo.db gives SQLite files no pool (a new
connection and its pragmas per session: 1.5 to 2 times fewer list requests per
second, as tools/bench/scenario_sqlite_pool.py measures) and begins every
transaction at its first read, which in WAL mode makes a transaction that
writes after reading fail at once ("database is locked") when another one
wrote meanwhile, where sqlite3's own handling (begin at the first write)
waits for ``busy_timeout``.  SQLite gets WAL, a busy wait and foreign keys.

Nothing here is global: every ``Database`` (so every ``Service``, every
test) has its own engine.
"""

import functools

import sqlalchemy as sa
from oslo_config import cfg
from oslo_db import api as oslo_db_api
from oslo_db.sqlalchemy import enginefacade, exc_filters
from oslo_db.sqlalchemy import orm as oslo_db_orm
from sqlalchemy import event
from sqlalchemy.engine import make_url

from balancer.common import files

# [database] options handed to oslo.db's facade as they are
_FACADE_OPTIONS = ("connection", "sqlite_synchronous", "mysql_sql_mode",
                   "mysql_wsrep_sync_wait", "connection_recycle_time",
                   "connection_debug", "max_pool_size", "max_overflow", "pool_timeout",
                   "connection_trace", "max_retries", "retry_interval",
                   "connection_parameters")
# a writer waits this long (ms) for another writer's lock on the SQLite file
SQLITE_BUSY_TIMEOUT = 10000


def _sqlite_engine(database_conf):
    synchronous = database_conf.sqlite_synchronous

    def pragmas(dbapi_connection, _record):
        # WAL lets readers go on while the deploy engine writes statuses.
        dbapi_connection.execute("PRAGMA journal_mode=WAL")
        dbapi_connection.execute("PRAGMA busy_timeout=%d" % SQLITE_BUSY_TIMEOUT)
        dbapi_connection.execute("PRAGMA foreign_keys=ON")
        if not synchronous:
            dbapi_connection.execute("PRAGMA synchronous=OFF")
    files.create_database_file(database_conf.connection)     # owner-only
    engine = sa.create_engine(database_conf.connection,
                              connect_args={"check_same_thread": False},
                              pool_recycle=database_conf.connection_recycle_time)
    event.listen(engine, "connect", pragmas)
    # the same exceptions (DBDeadlock, DBReferenceError...) as on the servers
    exc_filters.register_engine(engine)
    return engine


def facade_options(database_conf):
    """The keyword arguments for oslo.db's facade from a ``[database]`` group."""
    options = {name: getattr(database_conf, name) for name in _FACADE_OPTIONS}
    url = make_url(options["connection"])
    if url.get_backend_name() == "mysql" and "charset" not in url.query:
        # oslo.db would pick MySQL's three-byte "utf8": names with emoji
        # and other four-byte characters would be refused
        options["connection"] = url.update_query_dict(
            {"charset": "utf8mb4"}).render_as_string(hide_password=False)
    options.update(expire_on_commit=False)
    return options


class Database:
    """An engine, a session factory and a deadlock retry for one Service."""

    def __init__(self, database_conf):
        if make_url(database_conf.connection).get_backend_name() == "sqlite":
            self.engine = _sqlite_engine(database_conf)
            self.sessionmaker = oslo_db_orm.get_maker(self.engine, expire_on_commit=False)
        else:
            facade = enginefacade.transaction_context()
            facade.configure(**facade_options(database_conf))
            self.engine = facade.writer.get_engine()
            self.sessionmaker = facade.writer.get_sessionmaker()
        self._retry = oslo_db_api.wrap_db_retry(
            max_retries=database_conf.db_max_retries,
            retry_interval=database_conf.db_retry_interval,
            inc_retry_interval=database_conf.db_inc_retry_interval,
            max_retry_interval=database_conf.db_max_retry_interval,
            retry_on_deadlock=True,
            retry_on_disconnect=database_conf.use_db_reconnect)

    def retrying(self, fn):
        """``fn`` run again from the start when its transaction deadlocked
        (PostgreSQL, InnoDB, a Galera certification conflict), as oslo.db's
        ``wrap_db_retry`` does, up to ``[database] db_max_retries`` times."""
        return self._retry(fn)

    def dispose(self):
        self.engine.dispose()


def retried_on_deadlock(method):
    """Decorate a write method of the core so a deadlocked transaction is
    run again instead of failing the request.

    The method must be safe to run again from its start: everything it did
    before the failure was in the transaction that was rolled back.  It is
    found on a ``Service`` (``self.database``) or a core manager holding one
    (``self.service.database``)."""
    @functools.wraps(method)
    def wrapper(owner, *args, **kwargs):
        database = getattr(owner, "database", None) or owner.service.database
        return database.retrying(method)(owner, *args, **kwargs)
    return wrapper


def database_for(url, **options):
    """A ``Database`` on ``url``, every other ``[database]`` option at its
    default or as in ``options``: for tools and the copy between databases
    (balancer/db/copy.py)."""
    from balancer.conf import database as database_options

    conf = cfg.ConfigOpts()
    database_options.register_opts(conf)
    conf([], project="balancer", default_config_files=[], default_config_dirs=[])
    for name, value in dict(options, connection=url).items():
        conf.set_override(name, value, group="database")
    return Database(conf.database)
