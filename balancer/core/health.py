"""What each device's running process was last seen serving.

The drivers observe it whenever they talk to a device (every deploy, every
reconcile pass, ``GET /devices/{id}/info``) and the core keeps the latest
observation per device here, to answer ``operatingStatus`` on reads without
asking the device each time.  Every process keeps its own and refreshes it
on its reconcile interval; a process that has not observed a device says
``UNKNOWN`` rather than guess (``balancer.core.status``).
"""

import threading


class DeviceHealth:
    def __init__(self):
        self._guard = threading.Lock()
        self._seen = {}          # device id -> balancer.drivers.base.Serving

    def observe(self, device_id, serving):
        """Record a driver's observation; None (the driver cannot tell) is
        recorded too: an old observation must not outlive a new unknown."""
        with self._guard:
            self._seen[device_id] = serving

    def get(self, device_id):
        with self._guard:
            return self._seen.get(device_id)

    def forget(self, device_id):
        with self._guard:
            self._seen.pop(device_id, None)
