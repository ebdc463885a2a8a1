"""Scratch databases on the machine's real servers, one per use, always dropped.

CI runs on machines whose PostgreSQL (127.0.0.1:5432, trust auth) and MariaDB
(127.0.0.1:3306, root, empty password) are shared with other runs, so every
database made here has a random name and is dropped on the way out, even when
the test fails.  ``BALANCER_TEST_PG_URL`` / ``BALANCER_TEST_MYSQL_URL`` point
at other servers (a URL without a database name).
"""

import contextlib
import os
import secrets
import shutil

import sqlalchemy as sa

SERVERS = {
    "postgresql": os.environ.get("BALANCER_TEST_PG_URL",
                                 "postgresql+psycopg2://postgres@127.0.0.1:5432"),
    "mysql": os.environ.get("BALANCER_TEST_MYSQL_URL",
                            "mysql+pymysql://root@127.0.0.1:3306"),
}
BACKENDS = ("sqlite",) + tuple(SERVERS)


def _admin_url(backend):
    # PostgreSQL needs a database to connect to; MariaDB does not
    return SERVERS[backend] + ("/postgres" if backend == "postgresql" else "/")


def server_answers(backend):
    """True when the server for ``backend`` accepts a connection."""
    if backend == "sqlite":
        return True
    engine = sa.create_engine(_admin_url(backend))
    try:
        with engine.connect():
            return True
    except sa.exc.OperationalError:
        return False
    finally:
        engine.dispose()


@contextlib.contextmanager
def scratch_database(backend, directory=None):
    """Yield the SQLAlchemy URL of a new, empty database of ``backend``
    (``sqlite`` needs ``directory``); it is dropped afterwards."""
    name = "balancer_test_" + secrets.token_hex(4)
    if backend == "sqlite":
        path = os.path.join(directory, name + ".sqlite")
        try:
            yield "sqlite:///" + path
        finally:
            for suffix in ("", "-wal", "-shm"):
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(path + suffix)
        return
    admin = sa.create_engine(_admin_url(backend), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text("CREATE DATABASE %s" % name))
        # PyMySQL would set up TLS (loading every CA certificate, a tenth of
        # a second) for each connection to the loopback server
        suffix = "?charset=utf8mb4&ssl_disabled=true" if backend == "mysql" else ""
        yield "%s/%s%s" % (SERVERS[backend], name, suffix)
    finally:
        with admin.connect() as conn:
            if backend == "postgresql":
                # WITH (FORCE) ends sessions a killed test process left open
                conn.execute(sa.text("DROP DATABASE IF EXISTS %s WITH (FORCE)" % name))
            else:
                conn.execute(sa.text("DROP DATABASE IF EXISTS %s" % name))
        admin.dispose()


# what the functional suite runs on: ./run_tests.sh runs it once per backend
FUNCTIONAL_BACKEND = os.environ.get("BALANCER_TEST_DATABASE", "sqlite")
# children before parents, so emptying them never trips a foreign key
TABLES_CHILDREN_FIRST = ("virtualserver", "server", "probe", "sticky", "predictor",
                         "serverfarm", "accesslist", "connectionthrottle", "loadbalancer",
                         "deploy_history", "device_health", "device", "tenant_limit")


class MigratedDatabases:
    """Empty databases at the newest schema, handed to one test at a time.

    Migrating is the slow part (seconds on MariaDB), emptying eight small
    tables is not: each database is migrated once per run and emptied when
    it is handed out again.  SQLite files are copies of one migrated
    template, made where the test's config points.  Several may be out at
    once (a module's shared API beside one test's own)."""

    def __init__(self, backend, directory):
        if backend not in BACKENDS:
            raise ValueError("BALANCER_TEST_DATABASE must be one of %s, not %r"
                             % (", ".join(BACKENDS), backend))
        self.backend, self.directory = backend, directory
        self._stack = contextlib.ExitStack()
        self._free, self._template = [], None
        # the key of the device secrets on a server (SQLite keeps one in a
        # file beside the database, copied with it)
        from cryptography import fernet
        self.secrets_key = fernet.Fernet.generate_key().decode()
        # one open engine per database to empty it: a new MariaDB connection
        # costs more than emptying the tables
        self._engines = {}

    def _new_database(self):
        from balancer.db import migration

        url = self._stack.enter_context(scratch_database(self.backend, self.directory))
        migration.sync(url)
        if self.backend != "sqlite":
            self._engines[url] = sa.create_engine(url, pool_size=1)
            self._stack.callback(self._engines[url].dispose)
        return url

    def lease(self, conf):
        """Point ``conf`` at an empty migrated database; its URL."""
        if self.backend == "sqlite":
            if self._template is None:
                self._template = self._new_database()
            url = conf.database.connection
            if not url.startswith("sqlite:///"):
                raise ValueError("an SQLite test config needs a file URL, not %s" % url)
            template, path = self._template[len("sqlite:///"):], url[len("sqlite:///"):]
            shutil.copyfile(template, path)
            if os.path.exists(template + ".key"):
                shutil.copyfile(template + ".key", path + ".key")
            return url
        url = self._free.pop() if self._free else self._new_database()
        empty(self._engines[url])
        conf.set_override("connection", url, group="database")
        for group, name, value in self.shared_options():
            conf.set_override(name, value, group=group)
        return url

    def shared_options(self):
        """(group, option, value) every service on a leased server database
        needs besides its URL: the key its device secrets are stored with."""
        if self.backend == "sqlite":
            return []
        return [("secrets", "encryption_keys", [self.secrets_key])]

    def release(self, url):
        if self.backend != "sqlite":
            self._free.append(url)

    def close(self):
        self._stack.close()


def empty(engine):
    """Delete every row of every table of the database ``engine`` is on."""
    with engine.begin() as conn:
        for table in TABLES_CHILDREN_FIRST:
            conn.execute(sa.text("DELETE FROM %s" % table))
