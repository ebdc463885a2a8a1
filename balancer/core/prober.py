"""Probes every device on an interval and stores its health in the database.

One process of the deployment probes at a time: the holder of the
``balancer-health-prober`` lock (``Coordination.hold``, as the reconciler's
leader election in balancer/core/reconcile.py); when it dies the lock passes
to another process, which probes at once.  Every process reads the stored
rows (balancer/core/device_health.py), so they all show the same health.

A device that comes back (the last stored probe had it OFFLINE) is deployed
at once, so the changes it missed while down reach it without waiting for
the reconcile pass.

A probe costs one round trip per device: ``Driver.probe`` on a driver of the
prober's own pool (its own warm connection), so probes never wait behind a
deploy, and deploys and API reads never wait behind a probe.  Probes of a
pass run side by side (``[health] probe_workers``); one that gives no answer
within ``probe_timeout`` makes its device OFFLINE, and its hung connection
is dropped (``DriverPool.abandon``) so that the next pass starts afresh.
"""

import concurrent.futures
import logging
import threading
import time

from balancer.common import constants
from balancer.core import device_health
from balancer.core.driver_pool import DriverPool
from balancer.db import api as db
from balancer.db import device_health as health_db
from balancer.db import models
from balancer.drivers import base

LOG = logging.getLogger(__name__)
LEADER_LOCK = "balancer-health-prober"


def returned(before, outcomes, now):
    """Ids of the devices the stored probe had OFFLINE that answer now."""
    return [device_id for device_id, (health, _e, _r) in outcomes.items()
            if health != constants.HEALTH_OFFLINE
            and device_health.word(before, device_id, now) == constants.HEALTH_OFFLINE]


def out_of_pair(outcomes, peers):
    """Ids of paired devices that serve (HAProxy answers) but whose
    keepalived is in FAULT or not running: a deploy of the pair brings such
    a box back (it clears the stale mark of a box that is current and
    restarts a keepalived that died), so it need not wait for the reconcile
    pass (doc/source/ha.rst)."""
    return [device_id for device_id, (health, _e, role) in outcomes.items()
            if peers.get(device_id) and role == constants.VRRP_FAULT
            and health != constants.HEALTH_OFFLINE]


class Prober:
    def __init__(self, service, interval, timeout, workers):
        self.service = service
        self.interval = interval
        self.timeout = timeout
        self.passes = 0                  # probe passes this process ran
        conf = service.conf
        self.drivers = DriverPool(conf.enabled_drivers, {
            "ssh_connect_timeout": min(conf.deploy.ssh_connect_timeout, timeout),
            "ssh_command_timeout": timeout}, service.secrets)
        self._workers = concurrent.futures.ThreadPoolExecutor(
            max_workers=workers, thread_name_prefix="probe")
        self._running = {}               # device id -> future still running
        self._stop = threading.Event()
        self._thread = None

    def run_once(self):
        """Probe every device once and store the outcomes; returns them
        ({device id: (health, error, role)})."""
        with self.service.session() as session:
            rows = db.device_list(session)
            peers = health_db.peers(session)
            for row in rows:
                session.expunge(row)
        futures = {row.id: self._submit(row) for row in rows}
        deadline = time.monotonic() + self.timeout
        outcomes, learned = {}, {}
        for row in rows:
            probe, host_key = self._wait(row, futures[row.id], deadline)
            health, error = device_health.health_of(probe, bool(peers.get(row.id)))
            outcomes[row.id] = (health, error, probe.vrrp_role)
            if host_key and not row.host_key:
                learned[row.id] = host_key
        checked_at = models.utcnow()
        until = device_health.valid_until(checked_at, self.interval, self.timeout)
        with self.service.session() as session:
            before = device_health.read(session)
            health_db.record(session, [(i, h, e, r, checked_at, until)
                                       for i, (h, e, r) in outcomes.items()])
            for device_id, host_key in learned.items():
                health_db.pin_host_key(session, device_id, host_key)
            carrying = set(db.devices_with_lbs(session))
            # load balancers name a pair's anchor: its peer carries them too
            carrying |= {peer for device, peer in peers.items() if device in carrying}
            back = set(returned(before, outcomes, checked_at)) & carrying
            mend = set(out_of_pair(outcomes, peers)) & carrying
        if back:
            # a device that was down missed the changes made meanwhile (its
            # load balancers are pending or ERROR): deploy it now rather
            # than at the next reconcile pass; an up-to-date one costs nothing
            LOG.info("device(s) %s answer again; deploying them", ", ".join(sorted(back)))
        if mend:
            LOG.info("paired device(s) %s out of VRRP; deploying their pair",
                     ", ".join(sorted(mend)))
        if back | mend:
            self.service.deployer.request_many(sorted(back | mend), force=True)
        self._forget_gone({row.id for row in rows})
        self.passes += 1
        return outcomes

    def _submit(self, row):
        running = self._running.get(row.id)
        if running is not None and not running.done():
            return running               # last pass's probe still hangs
        future = self._workers.submit(self._probe, row)
        self._running[row.id] = future
        return future

    def _probe(self, row):
        with self.drivers.using(row) as driver:
            probe = driver.probe()
            return probe, driver.learned_host_key()

    def _wait(self, row, future, deadline):
        """(Probe, learned host key) of one device, OFFLINE past the deadline."""
        try:
            return future.result(max(0.0, deadline - time.monotonic()))
        except concurrent.futures.TimeoutError:
            LOG.warning("device %s gave no answer to its health probe within %gs",
                        row.id, self.timeout)
            self.drivers.abandon(row.id)
            return base.Probe(reachable=False, error="the device gave no answer to the "
                              "health probe within %gs" % self.timeout), None
        except Exception as err:         # a driver that cannot even be built
            error = getattr(err, "operator_fault_string", None) or str(err)
            return base.Probe(reachable=False, error=error), None

    def _forget_gone(self, device_ids):
        for gone in set(self._running) - device_ids:
            self._running.pop(gone, None)
            self.drivers.forget(gone)

    def is_leader(self):
        return self.service.coordination.hold(LEADER_LOCK)

    def start(self):
        """Probe in a background thread every ``interval`` while this
        process holds the prober lock; nothing when the interval is 0."""
        if self._thread is None and self.interval:
            self._thread = threading.Thread(target=self._loop, name="prober", daemon=True)
            self._thread.start()

    def _loop(self):
        while not self._stop.is_set():
            started = time.monotonic()
            try:
                if self.is_leader():
                    self.run_once()
            except Exception:
                LOG.exception("health probe pass failed")
            self._stop.wait(max(0.0, self.interval - (time.monotonic() - started)))

    def stop(self):
        self._stop.set()
        if self._thread is not None:
            self._thread.join(self.timeout + 1)
        self._workers.shutdown(wait=False, cancel_futures=True)
        self.drivers.close_all()
