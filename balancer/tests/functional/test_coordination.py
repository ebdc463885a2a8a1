"""The cluster-wide locks on every tooz backend the docs name, real servers.

Two ``Coordination`` objects are two tooz members with their own
connections, exactly as two API processes would be; the dead-holder cases
use a real second process, killed with SIGKILL.
"""

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time

import pytest

from balancer.core import coordination
from balancer.tests import databases

HOLDER = """
import sys, time
from balancer.core import coordination
c = coordination.Coordination(sys.argv[1], lease_seconds=2)
with c.lock(sys.argv[2], timeout=10):
    print("held", flush=True)
    time.sleep(60)
"""


@contextlib.contextmanager
def backend_url(kind, tmp_path):
    """A tooz URL of ``kind`` on this machine's servers (a scratch database
    for PostgreSQL and MariaDB, dropped afterwards)."""
    if kind == "file":
        yield "file://%s" % tmp_path
    elif kind == "redis":
        yield "redis://127.0.0.1:6379"
    else:
        with databases.scratch_database(kind) as url:
            name = url.rsplit("/", 1)[1].split("?")[0]
            yield ("postgresql://postgres@127.0.0.1:5432/%s" % name if kind == "postgresql"
                   else "mysql://root@127.0.0.1:3306/%s" % name)


KINDS = ["file", "redis", "postgresql", "mysql"]


@pytest.mark.parametrize("kind", KINDS)
def test_a_lock_excludes_another_member(kind, tmp_path):
    name = "balancer-test-%s" % os.urandom(4).hex()
    with backend_url(kind, tmp_path) as url:
        first, second = coordination.Coordination(url), coordination.Coordination(url)
        inside, leave, order = threading.Event(), threading.Event(), []

        def hold():
            with first.lock(name, timeout=5):
                inside.set()
                leave.wait(10)
                time.sleep(0.2)
                order.append("first out")

        thread = threading.Thread(target=hold)
        thread.start()
        assert inside.wait(10)
        with pytest.raises(coordination.LockTimeout):
            with second.lock(name, timeout=0.1):
                order.append("second in while held")
        leave.set()
        with second.lock(name, timeout=5):
            order.append("second in")
        thread.join()
        first.close(), second.close()
    assert order == ["first out", "second in"]


@pytest.mark.parametrize("kind", KINDS)
def test_a_dead_holder_passes_the_lock_on(kind, tmp_path):
    name = "balancer-test-%s" % os.urandom(4).hex()
    with backend_url(kind, tmp_path) as url:
        holder = subprocess.Popen([sys.executable, "-c", HOLDER, url, name],
                                  stdout=subprocess.PIPE, text=True)
        try:
            assert holder.stdout.readline().strip() == "held"
            other = coordination.Coordination(url, lease_seconds=2)
            with pytest.raises(coordination.LockTimeout):
                with other.lock(name, timeout=0.3):
                    pass
            holder.send_signal(signal.SIGKILL)      # our own child, still running
            holder.wait(10)
            started = time.monotonic()
            with other.lock(name, timeout=10):
                took = time.monotonic() - started
            other.close()
        finally:
            if holder.poll() is None:
                holder.kill()
                holder.wait(10)
    assert took < 10


@pytest.mark.parametrize("kind", KINDS)
def test_leadership_is_held_by_one_member_until_it_closes(kind, tmp_path):
    name = "balancer-leader-%s" % os.urandom(4).hex()
    with backend_url(kind, tmp_path) as url:
        first, second = coordination.Coordination(url), coordination.Coordination(url)
        assert first.hold(name)
        assert first.hold(name)              # still ours
        assert not second.hold(name)
        first.close()
        deadline = time.monotonic() + 10
        while not second.hold(name) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert second.hold(name)
        second.close()


def test_without_a_backend_only_threads_are_excluded():
    alone = coordination.Coordination(None)
    assert not alone.shared and alone.hold("anything")
    with alone.lock("x", timeout=1):
        with pytest.raises(coordination.LockTimeout):
            with alone.lock("x", timeout=0.05):
                pass
