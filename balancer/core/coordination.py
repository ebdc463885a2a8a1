"""Locks every API process of one deployment shares, through tooz.

``[coordination] backend_url`` names the tooz backend (PostgreSQL or MySQL
advisory locks, Redis, files).  Without one, a process that is alone
(``balancer-api`` with ``workers = 0``) needs no lock beyond its own threads,
and processes that may have siblings on one host (forked workers, a WSGI
container) share file locks under ``[deploy] lock_path``.

Every lock is also a thread lock inside the process: tooz's database locks
are per connection, and advisory locks are re-entrant within one session, so
two threads of one process must never meet at the tooz layer.  The tooz
coordinator is started lazily in the process that uses it, so a process that
forks after building the service (workers, ``gunicorn --preload``) gets a
connection of its own.
"""

import contextlib
import logging
import os
import socket
import threading
import time
import urllib.parse
import uuid

from tooz import coordination as tooz_coordination

LOG = logging.getLogger(__name__)


class LockTimeout(Exception):
    """The lock stayed held by another process for the whole wait."""


def backend_for(backend_url, lock_path, shared_host):
    """The tooz URL to use: the configured one; file locks for processes
    that may share a host; None for a process that is alone."""
    if backend_url:
        return backend_url
    if shared_host:
        return "file://" + os.path.abspath(lock_path)
    return None


def _with_lease(url, lease_seconds):
    """Redis and memcached locks expire unless refreshed by the heartbeat:
    their lease is how long a dead holder keeps a device."""
    parsed = urllib.parse.urlsplit(url)
    if parsed.scheme not in ("redis", "rediss", "memcached") or "lock_timeout" in parsed.query:
        return url
    query = "&".join(q for q in (parsed.query, "lock_timeout=%d" % max(1, lease_seconds)) if q)
    return urllib.parse.urlunsplit(parsed._replace(query=query))


class Coordination:
    """Named exclusive locks across processes (and threads)."""

    def __init__(self, backend_url=None, lease_seconds=10.0):
        self.backend_url = _with_lease(backend_url, lease_seconds) if backend_url else None
        self._guard = threading.Lock()
        self._thread_locks = {}
        self._coordinator = None
        self._pid = None
        self._held = {}          # name -> tooz lock kept until released (leadership)

    @property
    def shared(self):
        """True when other processes can take these locks too."""
        return bool(self.backend_url)

    def _tooz(self):
        """The tooz coordinator of this process, started on first use."""
        with self._guard:
            if self._coordinator is None or self._pid != os.getpid():
                member = ("%s-%d-%s" % (socket.gethostname(), os.getpid(),
                                        uuid.uuid4().hex[:8])).encode()
                coordinator = tooz_coordination.get_coordinator(self.backend_url, member)
                coordinator.start(start_heart=True)
                # a forked child must not stop its parent's coordinator
                self._coordinator, self._pid, self._held = coordinator, os.getpid(), {}
            return self._coordinator

    def _thread_lock(self, name):
        with self._guard:
            return self._thread_locks.setdefault(name, threading.Lock())

    @contextlib.contextmanager
    def lock(self, name, timeout):
        """Hold ``name`` exclusively; LockTimeout after ``timeout`` seconds."""
        local = self._thread_lock(name)
        if not local.acquire(timeout=timeout):
            raise LockTimeout("lock %s: still held in this process after %ss" % (name, timeout))
        try:
            if not self.shared:
                yield
                return
            remote = self._tooz().get_lock(name.encode())
            _acquire(remote, name, timeout)
            try:
                yield
            finally:
                try:
                    remote.release()
                except Exception:   # a lost connection has released it anyway
                    LOG.warning("releasing lock %s failed", name, exc_info=True)
        finally:
            local.release()

    def hold(self, name):
        """Take ``name`` without waiting and keep it until ``close``: True
        while this process holds it.  Used for leadership (one reconciler
        per deployment); the lock passes on when its holder dies."""
        if not self.shared:
            return True
        coordinator = self._tooz()
        with self._guard:
            held = self._held.get(name)
        if held is not None:
            return True
        candidate = coordinator.get_lock(name.encode())
        try:
            if not candidate.acquire(blocking=False):
                return False
        except Exception:
            LOG.warning("could not ask for lock %s", name, exc_info=True)
            return False
        with self._guard:
            self._held[name] = candidate
        return True

    def close(self):
        with self._guard:
            coordinator, held = self._coordinator, self._held
            mine = self._pid == os.getpid()
            self._coordinator, self._held = None, {}
        if coordinator is None or not mine:
            return
        for lock in held.values():
            with contextlib.suppress(Exception):
                lock.release()
        with contextlib.suppress(Exception):
            coordinator.stop()


def _acquire(lock, name, timeout):
    """Poll ``lock`` until it is ours, backing off from 10 to 200 ms.

    tooz's own blocking modes do not fit: a blocking advisory lock call stops
    every green thread of an eventlet server, and its timed mode retries only
    once a second, which would add up to a second to every deploy that
    waited for another process."""
    deadline = time.monotonic() + timeout
    delay = 0.01
    while True:
        try:
            if lock.acquire(blocking=False):
                return
        except Exception as err:     # the backend is down: nobody may write
            raise LockTimeout("lock %s: coordination backend failed: %s" % (name, err)) from err
        left = deadline - time.monotonic()
        if left <= 0:
            raise LockTimeout("lock %s: held by another process for %ss" % (name, timeout))
        time.sleep(min(delay, left))
        delay = min(delay * 2, 0.2)
