"""Functional fixtures: the real pipeline, watched for leaked secrets.

Every response of every functional test passes through ``SecretWatch``; a
test fails at teardown if any body carried a device password, a private key,
or a Python traceback (bug 9 and 18 of the original).

The database is SQLite unless ``BALANCER_TEST_DATABASE`` says ``postgresql``
or ``mysql`` (``./run_tests.sh`` runs this suite on all three): every test
starts on an empty database at the newest schema either way.  Tests about
SQLite itself carry the ``sqlite_only`` mark.
"""

import contextlib

import pytest
import webtest

from balancer.tests import conftest as base
from balancer.tests import databases
from balancer.tests.functional import helpers


class SecretWatch:
    """WSGI wrapper keeping every response body it sees."""

    def __init__(self, application):
        self.application = application
        self.bodies = []

    def __call__(self, environ, start_response):
        chunks = list(self.application(environ, start_response))
        self.bodies.append(b"".join(chunks))
        return chunks

    def leaks(self):
        return [(needle, body[:200]) for body in self.bodies
                for needle in helpers.SECRETS + ("Traceback",)
                if needle.encode() in body]


def make_api(conf):
    client = base.Api(conf)
    client.watch = SecretWatch(client.wsgi)
    client.app = webtest.TestApp(client.watch)
    return client


def pytest_collection_modifyitems(config, items):
    """On a database server, run what runs on the database under test: not
    the tests about SQLite itself, nor those that use no database of this
    suite (the SQLite pass has run them already)."""
    backend = databases.FUNCTIONAL_BACKEND
    if backend == "sqlite":
        return
    about_sqlite = pytest.mark.skip(reason="about SQLite itself; this run is on %s"
                                    % backend)
    elsewhere = pytest.mark.skip(reason="uses no database of this run (on %s)" % backend)
    for item in items:
        if item.get_closest_marker("sqlite_only"):
            item.add_marker(about_sqlite)
        elif "migrated_db" not in getattr(item, "fixturenames", ()):
            item.add_marker(elsewhere)


@pytest.fixture(scope="session")
def migrated_db(tmp_path_factory):
    """Migrated databases of the backend under test, migrated once and
    emptied for each test (much faster than migrating per test)."""
    pool = databases.MigratedDatabases(databases.FUNCTIONAL_BACKEND,
                                       str(tmp_path_factory.mktemp("databases")))
    yield pool
    pool.close()


@contextlib.contextmanager
def running_api(conf, migrated):
    """An Api for ``conf`` on an empty database leased from ``migrated``;
    closed afterwards and checked for leaked secrets."""
    url = migrated.lease(conf)
    try:
        client = make_api(conf)
        try:
            yield client
        finally:
            client.service.close()
    finally:
        migrated.release(url)
    assert client.watch.leaks() == []


@pytest.fixture
def api(conf, migrated_db):
    with running_api(conf, migrated_db) as client:
        yield client


@pytest.fixture
def device(api):
    """A noop device."""
    return api.add_device(name="dev1")


@pytest.fixture
def lb(api, device):
    """A small ACTIVE load balancer of tenant t1 on ``device``."""
    return helpers.create_lb(api)


def module_fixtures(label):
    """``api``, ``device`` and ``lb`` fixtures shared by one test module
    (faster than one pipeline per test, for modules whose tests never change
    what they share): ``api, device, lb = module_fixtures("name")``."""
    @pytest.fixture(scope="module")
    def api(tmp_path_factory, migrated_db):
        conf = base.make_conf(tmp_path_factory.mktemp(label))
        with running_api(conf, migrated_db) as client:
            yield client

    @pytest.fixture(scope="module")
    def device(api):
        return api.add_device(name="dev1")

    @pytest.fixture(scope="module")
    def lb(api, device):
        return helpers.create_lb(api)
    return api, device, lb
