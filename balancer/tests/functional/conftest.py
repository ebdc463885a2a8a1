"""Functional fixtures: the real pipeline, watched for leaked secrets.

Every response of every functional test passes through ``SecretWatch``; a
test fails at teardown if any body carried a device password, a private key,
or a Python traceback (bug 9 and 18 of the original).
"""

import contextlib
import os
import shutil

import pytest
import webtest

from balancer.db import migration
from balancer.tests import conftest as base
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


@pytest.fixture(scope="session")
def migrated_db(tmp_path_factory):
    """One database migrated to head; each test starts from a copy of it,
    which is much faster than running every migration per test."""
    path = tmp_path_factory.mktemp("template") / "balancer.sqlite"
    migration.sync("sqlite:///%s" % path)
    return path


@contextlib.contextmanager
def running_api(conf, template):
    """An Api for ``conf`` whose database starts as a copy of ``template``;
    closed afterwards and checked for leaked secrets."""
    path = conf.database.connection[len("sqlite:///"):]
    shutil.copy(template, path)
    if os.path.exists("%s.key" % template):      # the key of its device secrets
        shutil.copy("%s.key" % template, "%s.key" % path)
    client = make_api(conf)
    try:
        yield client
    finally:
        client.service.close()
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
