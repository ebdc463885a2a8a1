"""What each device's running process was last seen serving.

The drivers observe it whenever they talk to a device (every deploy, every
reconcile pass, ``GET /devices/{id}/info``) and the core keeps the latest
observation per device here, to answer ``operatingStatus`` on reads without
asking the device each time.  It is a hint kept by each process, not the
database's word: an observation older than ``max_age`` seconds is not shown
(the process says ``UNKNOWN``, ``balancer.core.status``), so a process that
does not run the reconcile pass (another one holds the reconciler lock) and
has not deployed a device lately never repeats an old ``ONLINE``.
"""

import threading
import time


class DeviceHealth:
    def __init__(self, max_age=None, clock=time.monotonic):
        self.max_age = max_age            # seconds; None: observations never expire
        self._clock = clock
        self._guard = threading.Lock()
        self._seen = {}          # device id -> (balancer.drivers.base.Serving, when)

    def observe(self, device_id, serving):
        """Record a driver's observation; None (the driver cannot tell) is
        recorded too: an old observation must not outlive a new unknown."""
        with self._guard:
            self._seen[device_id] = (serving, self._clock())

    def get(self, device_id):
        """The latest observation still young enough to show, else None."""
        with self._guard:
            serving, when = self._seen.get(device_id, (None, None))
        if when is not None and self.max_age and self._clock() - when > self.max_age:
            return None
        return serving

    def forget(self, device_id):
        with self._guard:
            self._seen.pop(device_id, None)
