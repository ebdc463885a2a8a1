"""The deploy engine: one writer per device, group commit, bounded waits.

Each device has a ``DeviceQueue``.  A change bumps the queue's ``requested``
generation; one worker thread per busy device deploys the *whole* desired state
read fresh from the database, so every change that arrived while a deploy ran
is carried by the next one (100 changes cost a few reloads, not 100).  Across
processes the same holds: the deploy takes the device's cluster lock before it
reads the database, and a deploy that finds nothing pending (another process
carried its change) stops there.  Callers
wait on their generation for a bounded time; past it they answer with the
pending status and the deploy finishes in the background.
"""

import logging
import threading

from balancer.core import status as st

LOG = logging.getLogger(__name__)


class DeviceQueue:
    def __init__(self, device_id, run_deploy):
        self.device_id = device_id
        self._run_deploy = run_deploy
        self._cond = threading.Condition()
        self.requested = 0
        self.done = 0
        self.deploys = 0           # how many deploys actually ran
        self._forced = False       # the next deploy must run even with nothing pending
        self._worker = None

    def request(self, force=False):
        """Ask for a deploy that starts after now; returns its generation.
        ``force`` deploys even when no load balancer is pending (reconcile,
        changed device settings)."""
        with self._cond:
            self.requested += 1
            self._forced = self._forced or force
            generation = self.requested
            if self._worker is None:
                self._worker = threading.Thread(
                    target=self._work, name="deploy-%s" % self.device_id, daemon=True)
                self._worker.start()
            return generation

    def wait(self, generation, timeout):
        """True when a deploy that covers ``generation`` has finished."""
        with self._cond:
            return self._cond.wait_for(lambda: self.done >= generation, timeout)

    def _work(self):
        while True:
            with self._cond:
                if self.done >= self.requested:
                    self._worker = None
                    return
                target, force, self._forced = self.requested, self._forced, False
            try:
                self.deploys += 1
                self._run_deploy(self.device_id, force)
            except Exception:  # the worker must survive anything
                LOG.exception("deploy to device %s failed unexpectedly", self.device_id)
            with self._cond:
                self.done = target
                self._cond.notify_all()


class Deployer:
    """Owns the device queues; ``run_deploy(device_id, force)`` does one deploy."""

    def __init__(self, run_deploy):
        self._run_deploy = run_deploy
        self._guard = threading.Lock()
        self._queues = {}

    def queue(self, device_id):
        with self._guard:
            if device_id not in self._queues:
                self._queues[device_id] = DeviceQueue(device_id, self._run_deploy)
            return self._queues[device_id]

    def request(self, device_id, force=False):
        """Schedule a deploy of ``device_id``; returns a waiter."""
        queue = self.queue(device_id)
        generation = queue.request(force)
        return lambda timeout: queue.wait(generation, timeout)

    def request_many(self, device_ids, force=False):
        waiters = [self.request(d, force) for d in dict.fromkeys(device_ids) if d]

        def wait_all(timeout):
            # a list, not a generator: wait for every device, even after a miss
            return all([w(timeout) for w in waiters])  # noqa: C419
        return wait_all

    def deploy_count(self, device_id):
        return self.queue(device_id).deploys


def settle(heads, snapshot, error=None, rejected_ids=()):
    """What a deploy's outcome means for the load balancers it carried.

    ``heads`` are (id, revision, status, deployed) of the device's LBs now;
    ``snapshot`` maps lb id -> revision as read before the deploy: an LB
    changed since then is left pending for the next deploy.  Returns
    (updates, deletes): ``updates`` are (id, revision, status, description,
    deployed) for rows whose status changes, ``deletes`` the ids of
    PENDING_DELETE rows whose removal is now final."""
    updates, deletes = [], []
    for lb_id, revision, status, deployed in heads:
        if snapshot.get(lb_id) != revision:
            continue
        if status == st.PENDING_DELETE:
            # Out of the desired state: gone even when the device failed, since
            # the next successful deploy (reconcile) removes it there too.
            deletes.append(lb_id)
        elif error is None:
            rejected = status == st.ERROR and deployed == st.REJECTED
            if not rejected and (status, deployed) != (st.ACTIVE, st.LIVE):
                updates.append((lb_id, revision, st.ACTIVE, None, st.LIVE))
        elif lb_id in rejected_ids:
            updates.append((lb_id, revision, st.ERROR, error, st.REJECTED))
        elif status in (st.BUILD, st.PENDING_UPDATE, st.ERROR):
            updates.append((lb_id, revision, st.ERROR, error, deployed or st.NOT_LIVE))
    return updates, deletes
