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
        suffix = "?charset=utf8mb4" if backend == "mysql" else ""
        yield "%s/%s%s" % (SERVERS[backend], name, suffix)
    finally:
        with admin.connect() as conn:
            if backend == "postgresql":
                # WITH (FORCE) ends sessions a killed test process left open
                conn.execute(sa.text("DROP DATABASE IF EXISTS %s WITH (FORCE)" % name))
            else:
                conn.execute(sa.text("DROP DATABASE IF EXISTS %s" % name))
        admin.dispose()
