"""Tests on the real database servers: each makes and drops its own databases.

A server that does not answer skips its tests on a workstation; in CI
(``CI`` or ``BALANCER_REQUIRE_REAL_COMPONENTS`` set) it fails them instead.
"""


import pytest

from balancer.tests import databases
from balancer.tests.conftest import skip_outside_ci


def require_server(backend):
    if databases.server_answers(backend):
        return
    message = "no %s server at %s" % (backend, databases.SERVERS[backend])
    skip_outside_ci(message)


@pytest.fixture(params=databases.BACKENDS)
def backend(request):
    """Each of SQLite, PostgreSQL and MySQL/MariaDB in turn."""
    if request.param != "sqlite":
        require_server(request.param)
    return request.param


@pytest.fixture
def scratch_url(backend, tmp_path):
    """The URL of a new empty database of ``backend``, dropped afterwards."""
    with databases.scratch_database(backend, str(tmp_path)) as url:
        yield url
