"""A real deadlock on PostgreSQL and MariaDB is run again, not failed
(balancer.db.session.retried_on_deadlock, oslo.db's wrap_db_retry).

Two transactions update the same two rows in opposite orders; the server
aborts one of them as a deadlock.  Wrapped, both end committed; unwrapped,
the victim's error reaches the caller.
"""

import threading

import pytest
import sqlalchemy as sa
from oslo_db import exception as db_exc

from balancer.db import migration
from balancer.db import session as db_session
from balancer.tests import databases
from balancer.tests.database.conftest import require_server


@pytest.fixture(params=["postgresql", "mysql"])
def database(request, tmp_path):
    require_server(request.param)
    with databases.scratch_database(request.param, str(tmp_path)) as url:
        migration.sync(url)
        # no need to wait before a retry in a test
        database = db_session.database_for(url, db_retry_interval=0)
        with database.engine.begin() as conn:
            for name in ("a", "b"):
                conn.execute(sa.text("INSERT INTO device (id, name) VALUES (:id, :id)"),
                             {"id": name})
        try:
            yield database
        finally:
            database.dispose()


class Writer:
    """Updates two devices in a given order, meeting the other writer
    between its two updates on its first attempt only."""

    def __init__(self, database, meet):
        self.database, self.meet, self.attempts = database, meet, 0

    def write(self, first, second):
        self.attempts += 1
        with self.database.sessionmaker() as session:
            session.execute(sa.text("UPDATE device SET version = 'x' WHERE id = :id"),
                            {"id": first})
            if self.attempts == 1:
                self.meet.wait(10)
            session.execute(sa.text("UPDATE device SET version = 'y' WHERE id = :id"),
                            {"id": second})
            session.commit()

    @db_session.retried_on_deadlock
    def write_retried(self, first, second):
        self.write(first, second)


def _race(database, method):
    meet = threading.Barrier(2)
    writers = [Writer(database, meet), Writer(database, meet)]
    errors = []

    def run(writer, order):
        try:
            getattr(writer, method)(*order)
        except Exception as err:
            errors.append(err)
    threads = [threading.Thread(target=run, args=(w, o))
               for w, o in zip(writers, [("a", "b"), ("b", "a")], strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return writers, errors


def test_a_deadlocked_write_is_run_again(database):
    writers, errors = _race(database, "write_retried")
    assert errors == []
    assert sorted(w.attempts for w in writers) == [1, 2]
    with database.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM device WHERE version = 'y'")
                            ).scalar() >= 1


def test_without_the_retry_the_deadlock_reaches_the_caller(database):
    _writers, errors = _race(database, "write")
    assert len(errors) == 1 and isinstance(errors[0], db_exc.DBDeadlock), errors
