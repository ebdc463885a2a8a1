"""Cross-process "one writer per device" for ``workers > 0``.

Within a process the device queue already serialises deploys; forked
workers each have their own queue, so they also take an advisory file lock
per device.  The wait polls with sleep so that, under eventlet, other green
threads keep serving while one waits for the lock.
"""

import contextlib
import fcntl
import os
import threading
import time


@contextlib.contextmanager
def held(lock_dir, device_id, timeout):
    """Hold the lock of ``device_id`` (no-op when ``lock_dir`` is None)."""
    if not lock_dir:
        yield
        return
    os.makedirs(lock_dir, mode=0o700, exist_ok=True)
    path = os.path.join(lock_dir, "device-%s.lock" % "".join(
        ch for ch in device_id if ch.isalnum() or ch in "-_"))
    with open(path, "a") as handle:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise TimeoutError("device %s stayed locked by another worker for "
                                       "%ss" % (device_id, timeout))
                time.sleep(0.01)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class ProcessWideLock:
    """A thread lock that, when ``lock_dir`` is set (forked workers), also
    holds the named file lock: for check-then-insert steps such as taking a
    VIP address:port, which must be one at a time across every worker."""

    def __init__(self, lock_dir, name, timeout=30.0):
        self._thread_lock = threading.Lock()
        self._lock_dir, self._name, self._timeout = lock_dir, name, timeout
        self._file_lock = None

    def __enter__(self):
        self._thread_lock.acquire()
        try:
            self._file_lock = held(self._lock_dir, self._name, self._timeout)
            self._file_lock.__enter__()
        except BaseException:
            self._thread_lock.release()
            raise
        return self

    def __exit__(self, *exc):
        try:
            self._file_lock.__exit__(*exc)
        finally:
            self._file_lock = None
            self._thread_lock.release()
