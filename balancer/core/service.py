"""The service object the API is built on: sessions, drivers, the deploy engine.

One ``Service`` per process.  It is built from a config object (never a global)
and handed to the WSGI app, so tests build as many as they like.
"""

import contextlib
import logging
import threading

from balancer.core import deployer, device_lock, reconcile
from balancer.core import status as st
from balancer.core.desired_state import DesiredState
from balancer.core.devices import Devices
from balancer.core.driver_pool import DriverPool
from balancer.core.load_balancers import LoadBalancers
from balancer.core.members import Members
from balancer.db import api as db
from balancer.db import session as db_session
from balancer.drivers import base

LOG = logging.getLogger(__name__)


class Service:
    def __init__(self, conf):
        self.conf = conf
        self.engine = db_session.make_engine(conf.database.connection,
                                             conf.database.idle_timeout)
        self._sessions = db_session.make_session_factory(self.engine)
        self.drivers = DriverPool(conf.enabled_drivers, {
            "ssh_connect_timeout": conf.deploy.ssh_connect_timeout,
            "ssh_command_timeout": conf.deploy.ssh_command_timeout})
        self.deployer = deployer.Deployer(self.run_deploy)
        self.desired_state = DesiredState()
        self.wait_timeout = conf.deploy.wait_timeout
        self.deploy_timeout = conf.deploy.deploy_timeout
        # forked workers share devices: serialise them with a file lock too
        self.lock_dir = conf.deploy.lock_path if conf.workers else None
        self.devices = Devices(self)
        self.load_balancers = LoadBalancers(self)
        self.members = Members(self)
        self.reconciler = reconcile.Reconciler(self, conf.deploy.reconcile_interval)

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

    def deploy_and_wait(self, *device_ids):
        """Deploy these devices and wait (bounded) for the change to be live."""
        return self.deployer.request_many(device_ids)(self.wait_timeout)

    # the deploy itself, run by a device queue's worker thread

    def run_deploy(self, device_id):
        with self.session() as session:
            device = db.device_get(session, device_id)
            if device is None:
                return
            heads, desired = self.desired_state.read(session, device_id)
            snapshot = {lb_id: revision for lb_id, revision, _s, _d in heads}
            pending = {lb_id for lb_id, _r, status, _d in heads if status in st.PENDING}
        error, rejected, host_key = None, (), None
        try:
            host_key = self._deploy(device, desired)
        except base.DriverError as err:
            error = str(err) or "deploy failed"
            rejected = tuple(i for i in err.lb_ids if i in pending)
            if rejected:
                # Deploy everyone else; only the LBs the device refused fail.
                try:
                    host_key = self._deploy(device, [lb for lb in desired
                                                     if lb.id not in rejected])
                except base.DriverError as retry_err:
                    error, rejected = str(retry_err) or error, ()
                else:
                    others = {i: r for i, r in snapshot.items() if i not in rejected}
                    self._settle(device_id, others, None, (), host_key)
                    snapshot = {i: snapshot[i] for i in rejected}
        except Exception as err:
            LOG.exception("deploy to device %s crashed", device_id)
            error = "internal error during deploy (%s); see the service log" % \
                type(err).__name__
        self._settle(device_id, snapshot, error, rejected, host_key)

    def _deploy(self, device_row, desired):
        with device_lock.held(self.lock_dir, device_row.id, self.deploy_timeout), \
                self.drivers.using(device_row) as driver:
            outcome = {}

            def call():
                try:
                    outcome["result"] = driver.deploy(desired)
                    outcome["host_key"] = driver.learned_host_key()
                except BaseException as err:  # handed back to the waiting thread
                    outcome["error"] = err
            worker = threading.Thread(target=call, daemon=True)
            worker.start()
            worker.join(self.deploy_timeout)
            if worker.is_alive():
                self.drivers.forget(device_row.id)
                raise base.DriverError("deploy to device %s timed out after %ss"
                                       % (device_row.id, self.deploy_timeout))
            if "error" in outcome:
                raise outcome["error"]
            return outcome.get("host_key")

    def _settle(self, device_id, snapshot, error, rejected, host_key):
        with self.session() as session:
            heads = [h for h in db.lb_heads_on_device(session, device_id) if h[0] in snapshot]
            updates, deletes = deployer.settle(heads, snapshot, error, rejected)
            db.record_outcomes(session, updates)
            for lb_id in deletes:
                session.delete(db.lb_get(session, None, lb_id))
            if host_key:
                device = db.device_get(session, device_id)
                if device is not None and not device.host_key:
                    device.host_key = host_key
        if error:
            LOG.warning("deploy to device %s failed: %s", device_id, error)

    def close(self):
        self.reconciler.stop()
        self.drivers.close_all()
        self.engine.dispose()
