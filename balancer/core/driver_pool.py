"""One driver instance per device, used by one thread at a time.

A driver may hold a warm SSH connection, so instances live as long as their
device's row is unchanged; the per-device lock is what makes "one writer per
device" true for deploys and runtime calls alike.
"""

import contextlib
import dataclasses
import logging
import threading

from balancer.core import records
from balancer.db import crypto
from balancer.drivers import base, registry

LOG = logging.getLogger(__name__)


class DriverPool:
    def __init__(self, enabled_types, options=None, secrets=None):
        self.enabled_types = {t.lower() for t in enabled_types}
        self.options = dict(options or {})
        # decrypts the stored device secrets (balancer.db.crypto.KeyRing)
        self.secrets = secrets
        self._guard = threading.Lock()
        self._drivers = {}     # device id -> (device record, driver)
        self._locks = {}       # device id -> Lock

    def check_type(self, device_type):
        """Raise registry.UnknownDriver unless ``device_type`` can be used."""
        name = (device_type or "").lower()
        if name not in self.enabled_types:
            raise registry.UnknownDriver(
                "device type %r is not enabled (enabled: %s)"
                % (device_type, ", ".join(sorted(self.enabled_types))))
        registry.driver_class(name)

    def _lock(self, device_id):
        with self._guard:
            return self._locks.setdefault(device_id, threading.Lock())

    def peek(self, device_row):
        """The driver for a device without taking its lock: only for
        read-only, thread-safe facts such as capabilities."""
        record = records.device_record(device_row)
        with self._guard:
            cached = self._drivers.get(record.id)
            if cached and _same_but_pinned(cached, record):
                # only the host key it learned was stored: keep it warm
                self._drivers[record.id] = (record, cached[1])
                cached = self._drivers[record.id]
            if cached and cached[0] == record:
                return cached[1]
        self.check_type(record.type)
        driver = registry.driver_class(record.type)(self._plain(record), self.options)
        with self._guard:
            cached = self._drivers.get(record.id)
            if cached and cached[0] == record:
                return cached[1]
            self._drivers[record.id] = (record, driver)
        if cached:
            self._close(cached[1])
        return driver

    def _plain(self, record):
        """The record a driver gets: its secrets decrypted.  The pool keys
        its cache on the stored (encrypted) record, so this runs only when a
        driver is built."""
        if self.secrets is None or not (record.password or record.private_key):
            return record
        try:
            return dataclasses.replace(record,
                                       password=self.secrets.decrypt(record.password),
                                       private_key=self.secrets.decrypt(record.private_key))
        except crypto.CannotDecrypt as err:
            raise base.DriverError(
                "the device's credentials cannot be used; the operator has been told",
                operator_fault_string="device %s: its credentials cannot be decrypted (%s); "
                                      "see [secrets] in the service configuration"
                                      % (record.id, err),
                device_fault=True) from None

    @contextlib.contextmanager
    def using(self, device_row):
        """The device's driver, exclusively, for a deploy or runtime call."""
        with self._lock(device_row.id):
            yield self.peek(device_row)

    @contextlib.contextmanager
    def try_using(self, device_row, wait=0.5):
        """Like ``using`` but gives None instead of waiting more than ``wait``
        seconds behind a deploy: for reads that can do without the device."""
        lock = self._lock(device_row.id)
        if not lock.acquire(timeout=wait):
            yield None
            return
        try:
            yield self.peek(device_row)
        finally:
            lock.release()

    def abandon(self, device_id):
        """Drop a device's driver that is stuck in a call, without waiting
        for it: the next user gets a fresh instance, and the old one is closed
        in the background (which ends the stuck call on a real connection)."""
        with self._guard:
            cached = self._drivers.pop(device_id, None)
        if cached:
            threading.Thread(target=self._close, args=(cached[1],), daemon=True,
                             name="close-%s" % device_id).start()

    def forget(self, device_id):
        """Drop a device's driver (after delete, or after a hung deploy)."""
        with self._guard:
            cached = self._drivers.pop(device_id, None)
        if cached:
            self._close(cached[1])

    def close_all(self):
        with self._guard:
            drivers, self._drivers = list(self._drivers.values()), {}
        for _record, driver in drivers:
            self._close(driver)

    @staticmethod
    def _close(driver):
        try:
            driver.close()
        except Exception:  # closing must never break the caller
            LOG.warning("closing driver %s failed", driver, exc_info=True)


def _same_but_pinned(cached, record):
    """True when ``record`` differs from the cached one only by the host key
    that the cached driver itself learned (trust on first use)."""
    old_record, driver = cached
    if old_record.host_key or not record.host_key:
        return False
    if dataclasses.replace(old_record, host_key=record.host_key) != record:
        return False
    return driver.learned_host_key() == record.host_key
