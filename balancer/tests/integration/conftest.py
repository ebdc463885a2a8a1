"""Real parts for API-level integration tests: a HAProxy box, a live server."""

import os
import random
import signal
import subprocess
import sys
import time
import urllib.request

import pytest

from balancer.tests import lab_parts
from balancer.tests.conftest import TOP, Api, make_conf, skip_outside_ci
from balancer.tests.lab import HaproxyBox


def need_box():
    if not HaproxyBox.available():
        skip_outside_ci("needs root with haproxy, sshd, socat and sudo")


@pytest.fixture(scope="module")
def api_box():
    need_box()
    with HaproxyBox(backends=3) as box:
        yield box


@pytest.fixture
def real_api(tmp_path):
    """The real pipeline with the real haproxy driver, short SSH timeouts."""
    client = Api(make_conf(tmp_path, deploy__ssh_connect_timeout=3,
                           deploy__ssh_command_timeout=20))
    yield client
    client.service.close()


class ServerProcess:
    """``bin/balancer-api`` as a real process on a free loopback port."""

    def __init__(self, workdir, **options):
        # a random start: test runs side by side must not meet on one port
        self.port = lab_parts.free_port(random.randint(20000, 40000))
        self.conf_path = os.path.join(workdir, "balancer-api.conf")
        sections = {"DEFAULT": {"bind_host": "127.0.0.1", "bind_port": self.port},
                    "database": {"connection": "sqlite:///%s/balancer.sqlite" % workdir}}
        for key, value in options.items():
            group, _, name = key.rpartition("__")
            sections.setdefault(group or "DEFAULT", {})[name] = value
        with open(self.conf_path, "w") as f:
            for group, values in sections.items():
                f.write("[%s]\n" % group)
                f.writelines("%s = %s\n" % kv for kv in values.items())
        self.log_path = os.path.join(workdir, "server.log")
        self.proc = None

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.port

    def dbsync(self):
        subprocess.run([sys.executable, os.path.join(TOP, "bin", "balancer-api"),
                        "--config-file", self.conf_path, "--dbsync"],
                       check=True, capture_output=True, timeout=60)

    def start(self):
        log = open(self.log_path, "a")
        self.proc = subprocess.Popen(
            [sys.executable, os.path.join(TOP, "bin", "balancer-api"),
             "--config-file", self.conf_path], stdout=log, stderr=log)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("balancer-api exited %s; log: %s"
                                   % (self.proc.returncode, self.log_path))
            try:
                urllib.request.urlopen(self.url + "/algorithms", timeout=1).read()
                return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("balancer-api did not start; log: %s" % self.log_path)

    def kill(self, sig=signal.SIGKILL):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(60)

    def stop(self):
        self.kill(signal.SIGTERM)


# the session-scoped real Keystone (built in its own cached venv)
from balancer.tests.integration.keystone_fixture import keystone  # noqa: E402,F401


@pytest.fixture
def dash(browser, server):
    """A fresh browser context (its own session) on the dashboard of the
    test module's ``server``, with the module's ``browser``
    (balancer/tests/integration/dashboard_browser.py)."""
    from balancer.tests.integration.dashboard_browser import Dashboard
    board = Dashboard(browser, server.url)
    yield board
    board.close()
