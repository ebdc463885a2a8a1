"""Nothing stays pending: redeploy what a crash or a failure left behind.

At start-up every device that carries load balancers is deployed again (the
driver does nothing when the live config already matches), which finishes
whatever a killed process had begun.  Then, every ``interval`` seconds, the
same pass heals devices whose live config drifted and retries devices that
were unreachable.
"""

import logging
import threading

from balancer.db import api as db

LOG = logging.getLogger(__name__)


class Reconciler:
    def __init__(self, service, interval):
        self.service = service
        self.interval = interval
        self._stop = threading.Event()
        self._thread = None

    def run_once(self, wait=None):
        """Deploy every device with load balancers; optionally wait for it."""
        with self.service.session() as session:
            device_ids = db.devices_with_lbs(session)
        if device_ids:
            LOG.info("reconciling %d device(s)", len(device_ids))
        waiter = self.service.deployer.request_many(device_ids)
        return waiter(wait) if wait is not None else None

    def start(self):
        """Start-up pass now, then periodic passes in a background thread."""
        self.run_once()
        if self.interval and self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="reconciler",
                                            daemon=True)
            self._thread.start()

    def _loop(self):
        while not self._stop.wait(self.interval):
            try:
                self.run_once()
            except Exception:
                LOG.exception("reconcile pass failed")

    def stop(self):
        self._stop.set()
