"""Nothing stays pending: redeploy what a crash or a failure left behind.

Two loops share one thread:

- the **reconcile pass** deploys every device that carries load balancers
  (the driver does nothing when the live config already matches): it heals
  devices whose live config drifted and retries unreachable ones.  It runs
  every ``interval`` seconds in ONE process of the deployment, the holder of
  the ``balancer-reconciler`` lock (balancer/core/coordination.py); when that
  process dies the lock passes to another, which runs a pass at once.
- the **pending sweep** runs in every process, every ``pending_interval``
  seconds: it asks for a deploy of each device with a load balancer left
  pending.  Where the process that accepted the change is alive and
  deploying, the sweep's deploy waits for the device lock, finds nothing
  pending and stops; where that process died, the sweep finishes its work
  within a lease and one interval.
"""

import logging
import threading

from balancer.core import pairs
from balancer.db import api as db

LOG = logging.getLogger(__name__)
LEADER_LOCK = "balancer-reconciler"


class Reconciler:
    def __init__(self, service, interval, pending_interval=0):
        self.service = service
        self.interval = interval
        self.pending_interval = pending_interval
        self.passes = 0                  # reconcile passes this process ran
        self._stop = threading.Event()
        self._thread = None

    def run_once(self, wait=None):
        """Deploy every device with load balancers; optionally wait for it."""
        with self.service.session() as session:
            device_ids = db.devices_with_lbs(session)
        if device_ids:
            LOG.info("reconciling %d device(s)", len(device_ids))
        self.passes += 1
        waiter = self.service.deployer.request_many(device_ids, force=True)
        return waiter(wait) if wait is not None else None

    def sweep_pending(self):
        """Ask for a deploy of every device with a pending load balancer,
        and of every paired device that missed its peer's deploy."""
        with self.service.session() as session:
            device_ids = db.devices_with_pending_lbs(session) + pairs.behind_devices(session)
        if device_ids:
            self.service.deployer.request_many(device_ids)
        return device_ids

    def is_leader(self):
        return self.service.coordination.hold(LEADER_LOCK)

    def start(self):
        """Start-up pass now (the leader reconciles, everyone sweeps), then
        both loops in a background thread."""
        if self.is_leader():
            self.run_once()
        else:
            self.sweep_pending()
        if self._thread is None and (self.interval or self.pending_interval):
            self._thread = threading.Thread(target=self._loop, name="reconciler",
                                            daemon=True)
            self._thread.start()

    def _loop(self):
        ticks = [t for t in (self.interval, self.pending_interval) if t]
        tick = min(ticks)
        since_pass = since_sweep = 0.0
        was_leader = self.is_leader()
        while not self._stop.wait(tick):
            since_pass += tick
            since_sweep += tick
            try:
                leader = self.is_leader()
                # a new leader runs its first pass at once: the old one may
                # have died in the middle of one
                if leader and self.interval and (since_pass >= self.interval
                                                 or not was_leader):
                    since_pass = 0.0
                    self.run_once()
                was_leader = leader
                if self.pending_interval and since_sweep >= self.pending_interval:
                    since_sweep = 0.0
                    self.sweep_pending()
            except Exception:
                LOG.exception("reconcile pass failed")

    def stop(self):
        self._stop.set()
