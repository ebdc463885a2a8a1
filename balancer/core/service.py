"""The service object the API is built on: sessions, drivers, the deploy engine.

One ``Service`` per process.  It is built from a config object (never a global)
and handed to the WSGI app, so tests build as many as they like.  Building it
starts nothing; ``start`` (called by the bootstrap in the process that serves,
see balancer/api/bootstrap.py) starts the reconciler.
"""

import contextlib
import logging
import os
import threading
import time

from balancer.core import (
    coordination,
    deploy_history,
    deployer,
    isolation,
    pair_deploy,
    prober,
    reconcile,
    vip_tls,
)
from balancer.core import metrics as service_metrics
from balancer.core import status as st
from balancer.core.access import Access
from balancer.core.desired_state import DesiredState
from balancer.core.device_usage import DeviceUsage
from balancer.core.devices import Devices
from balancer.core.driver_pool import DriverPool
from balancer.core.health import DeviceHealth
from balancer.core.load_balancers import LoadBalancers
from balancer.core.members import Members
from balancer.core.quotas import Quotas
from balancer.core.stats import Stats
from balancer.db import api as db
from balancer.db import crypto, models
from balancer.db import session as db_session
from balancer.drivers import base

LOG = logging.getLogger(__name__)


class Service:
    def __init__(self, conf, shared_host=False):
        """``shared_host``: other API processes may run on this host without
        a ``[coordination] backend_url`` (forked workers, a WSGI container);
        they then share file locks."""
        self.conf = conf
        self.database = db_session.Database(conf.database)
        self.engine, self._sessions = self.database.engine, self.database.sessionmaker
        # device secrets are stored encrypted; drivers get them decrypted
        self.secrets = crypto.load(conf.secrets.encryption_keys, conf.secrets.key_file,
                                   conf.database.connection)
        self.drivers = DriverPool(conf.enabled_drivers, {
            "ssh_connect_timeout": conf.deploy.ssh_connect_timeout,
            "ssh_command_timeout": conf.deploy.ssh_command_timeout}, self.secrets)
        self.deployer = deployer.Deployer(self.run_deploy)
        self.desired_state = DesiredState()
        # what each device was seen serving; a reconcile pass refreshes it
        # every interval, so an observation missing two passes is not shown
        interval = conf.deploy.reconcile_interval
        self.health = DeviceHealth(max_age=2 * interval + conf.deploy.deploy_timeout
                                   if interval else None)
        self.wait_timeout = conf.deploy.wait_timeout
        self.deploy_timeout = conf.deploy.deploy_timeout
        self.coordination = coordination.Coordination(
            coordination.backend_for(conf.coordination.backend_url, conf.deploy.lock_path,
                                     shared_host or conf.workers > 0),
            conf.coordination.lease_seconds)
        self._built_in, self._started_in = os.getpid(), None
        self.devices = Devices(self)
        self.load_balancers = LoadBalancers(self)
        self.members = Members(self)
        self.access = Access(self)      # access lists and connection throttles
        self.quotas = Quotas(self)
        self.stats = Stats(self)
        self.metrics = service_metrics.ServiceMetrics()
        self.deploy_history = deploy_history.DeployHistory(self)
        self.device_usage = DeviceUsage(self)
        self.reconciler = reconcile.Reconciler(self, conf.deploy.reconcile_interval,
                                               conf.coordination.pending_check_interval)
        # device health, stored in the database (balancer/core/prober.py)
        self.prober = prober.Prober(self, conf.health.probe_interval,
                                    conf.health.probe_timeout, conf.health.probe_workers)

    def start(self):
        """Start this process's background work (once per process)."""
        if self._started_in == os.getpid():
            return
        if os.getpid() != self._built_in:
            # forked after it was built: the parent's connections are not ours
            self.engine.dispose(close=False)
        self._started_in = os.getpid()
        self.reconciler.start()
        self.prober.start()

    def device_lock(self, device_id, purpose="deploy"):
        """The cluster-wide lock of one device: ``deploy`` for its writer,
        ``vips`` for a check-then-insert of its listeners."""
        return self.coordination.lock("balancer-%s-%s" % (purpose, device_id),
                                      self.deploy_timeout)

    @contextlib.contextmanager
    def session(self):
        """A session whose work is committed on success, rolled back on error."""
        session = self._sessions()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    @contextlib.contextmanager
    def reading(self):
        """A plain connection for reads of plain rows (no ORM objects, nothing
        written): a show or a list without the session's bookkeeping."""
        with self.engine.connect() as connection:
            yield connection

    def deploy_and_wait(self, *device_ids, force=False):
        """Deploy these devices and wait (bounded) for the change to be live.
        ``force``: deploy even if no load balancer is pending (the device's
        own settings changed)."""
        return self.deployer.request_many(device_ids, force)(self.wait_timeout)

    # the deploy itself, run by a device queue's worker thread

    def run_deploy(self, device_id, force=False):
        """One deploy of ``device_id``, as its only writer in the deployment:
        the lock is taken before the database is read, so no process ever
        pushes a state older than one already pushed.  A device of a pair
        deploys the pair (``balancer.core.pair_deploy``)."""
        if pair_deploy.deploys_pair(self, device_id, force):
            return
        watch = service_metrics.Stopwatch()
        try:
            with self.device_lock(device_id):
                self._run_deploy_locked(device_id, force)
        except coordination.LockTimeout as err:
            self.metrics.deployed(service_metrics.LOCK_TIMEOUT, watch.seconds())
            # the holder is alive and busy; what is pending stays pending and
            # the next request or the pending sweep (reconcile.py) retries
            LOG.warning("deploy to device %s not started: %s", device_id, err)

    def _run_deploy_locked(self, device_id, force):
        """Deploy the device's desired state; when that fails, find the load
        balancers that caused it and fail only them (``core.isolation``)."""
        with self.session() as session:
            device = db.device_get(session, device_id)
            if device is None:
                return
            heads, desired = self.desired_state.read(session, device_id)
        snapshot = {lb_id: revision for lb_id, revision, _s, _d in heads}
        pending = {lb_id for lb_id, _r, status, _d in heads if status in st.PENDING}
        if not pending and not force:
            return      # another process carried the change that asked for this
        suspects = isolation.suspects(heads)
        watch = service_metrics.Stopwatch()
        started_at, clock = models.utcnow(), time.monotonic()
        try:
            outcome = isolation.isolate(lambda lbs: self._deploy(device, lbs), desired,
                                        suspects, self.conf.deploy.isolation_max_deploys,
                                        self.deploy_timeout)
        except Exception as err:
            LOG.exception("deploy to device %s crashed", device_id)
            outcome = isolation.crashed([lb.id for lb in desired], err)
        self._settle(device_id, snapshot, outcome, suspects)
        self.metrics.deployed(service_metrics.deploy_outcome(outcome), watch.seconds())
        deploy_history.record(self, device_id, started_at, time.monotonic() - clock, outcome)

    def _deploy(self, device_row, desired, pair=None):
        """Deploy ``desired`` to one device (as a member of ``pair``, a
        ``base.Pair``, when given); returns a host key it learned."""
        # HTTPS VIPs' keys are opened for this deploy only (core.vip_tls)
        desired = vip_tls.opened(desired, self.secrets)
        with self.drivers.using(device_row) as driver:
            outcome = {}

            def call():
                try:
                    outcome["result"] = (driver.deploy(desired) if pair is None
                                         else driver.deploy_pair(desired, pair))
                    outcome["host_key"] = driver.learned_host_key()
                except BaseException as err:  # handed back to the waiting thread
                    outcome["error"] = err
                finally:
                    self.health.observe(device_row.id, driver.serving())
            worker = threading.Thread(target=call, daemon=True)
            worker.start()
            worker.join(self.deploy_timeout)
            if worker.is_alive():
                self.drivers.forget(device_row.id)
                raise base.DriverError(
                    "the device did not finish the deploy within %ss" % self.deploy_timeout,
                    operator_fault_string="deploy to device %s timed out after %ss"
                                          % (device_row.id, self.deploy_timeout),
                    device_fault=True)
            if "error" in outcome:
                raise outcome["error"]
            fallback = getattr(outcome.get("result"), "fallback", "")
            if fallback:    # the driver could not apply it at runtime: say why
                LOG.info("device %s reloaded for a change: %s", device_row.id, fallback)
            return outcome.get("host_key")

    @db_session.retried_on_deadlock
    def _settle(self, device_id, snapshot, outcome, unsettled=None):
        """Record ``outcome``.  ``unsettled``: the LBs not live at the
        snapshot (``isolation.suspects``), the only ones whose status a
        deploy can change: only they are read again, not the whole device."""
        with self.session() as session:
            if unsettled is None:
                heads = [h for h in db.lb_heads_on_device(session, device_id)
                         if h[0] in snapshot]
            else:
                heads = db.lb_heads(session, sorted(unsettled))
            updates, deletes = isolation.settle(heads, snapshot, outcome)
            # status and operator text in one statement for every LB carried
            db.record_outcomes(session, [u[:6] for u in updates])
            for lb_id in deletes:
                session.delete(db.lb_get(session, None, lb_id))
            if outcome.host_key:
                device = db.device_get(session, device_id)
                if device is not None and not device.host_key:
                    device.host_key = outcome.host_key
        # the operator's text (addresses, paths, HAProxy's output) goes to
        # the log; tenants only ever see the user text
        if outcome.failure is not None:
            LOG.warning("deploy to device %s failed: %s", device_id,
                        outcome.failure.operator_fault_string)
        for lb_id, error in outcome.rejected.items():
            LOG.warning("device %s rejected load balancer %s: %s", device_id, lb_id,
                        error.operator_fault_string)
        if outcome.untried:
            LOG.warning("deploy to device %s: load balancers %s not tried within %d "
                        "deploys", device_id, ", ".join(outcome.untried), outcome.attempts)

    def close(self):
        self.reconciler.stop()
        self.prober.stop()
        self.coordination.close()
        self.drivers.close_all()
        self.engine.dispose()
