"""Functional fixtures: the real pipeline, watched for leaked secrets.

Every response of every functional test passes through ``SecretWatch``; a
test fails at teardown if any body carried a device password, a private key,
or a Python traceback (bug 9 and 18 of the original).
"""

import pytest
import webtest

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


@pytest.fixture
def api(conf):
    client = make_api(conf)
    yield client
    client.service.close()
    assert client.watch.leaks() == []


@pytest.fixture
def device(api):
    """A noop device."""
    return api.add_device(name="dev1")


@pytest.fixture
def lb(api, device):
    """A small ACTIVE load balancer of tenant t1 on ``device``."""
    return helpers.create_lb(api)
