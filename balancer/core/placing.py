"""Storing new load balancers: concurrent creates on a device share one transaction.

A create's VIPs are checked against the device's, then its rows inserted.
The check and the insert must be one at a time per device in the whole
deployment, or two requests both find an address:port free; nothing else
need wait.  Creates that arrive for a device while its previous batch is
being stored are stored together by the next one (``Batches``): one VIP
query for all of them, one INSERT per table for all their rows
(``balancer.db.inserts``), one commit: one fsync on SQLite, one round trip
per table on a server, whether 1 or 100 creates arrive together.  Each
request still gets its own answer: a VIP conflict or an unusable device
refuses that request alone, and a batch that fails for another reason is
stored again one create at a time, so no request fails for another's data.

How the device is held from the check to the commit:

* PostgreSQL and MySQL: the device's row, locked and read by the batch's
  first statement (``db.lock_device_row``, ``SELECT ... FOR UPDATE``) and
  freed by its commit.  The scheduler then reads the device from the
  session, not again.
* SQLite: no row locks; ``LoadBalancers.placing_on``'s lock.  Python's
  sqlite3 starts the transaction at the first insert, so the reads before
  it see the latest commit.

``balancer/tests/functional/test_write_path.py`` counts what creates send;
``balancer/tests/functional/test_monitors_stickies_vips.py`` and
``test_cluster.py`` race creates for one VIP.
"""

import dataclasses
import threading
import time

from oslo_db import exception as db_exc

from balancer.core import exceptions, scheduler, vips
from balancer.db import api as db
from balancer.db import inserts


@dataclasses.dataclass(eq=False)
class NewLoadBalancer:
    """One create waiting to be stored: its rows and what to check first."""
    tree: inserts.NewTree
    algorithm: str
    protocol: str
    vips: list
    error: BaseException | None = None
    done: bool = False
    wake: threading.Event = dataclasses.field(default_factory=threading.Event)


class Batches:
    """Per device: one request stores what is queued, the others wait."""

    def __init__(self, manager):
        self._manager = manager
        self._guard = threading.Lock()
        self._queued = {}        # device id -> [NewLoadBalancer]
        self._storing = set()    # device ids whose batch is being stored

    def store(self, device_id, new):
        """Store ``new`` on ``device_id`` (with whatever else is queued);
        raise its own error, if any, once its batch is done."""
        with self._guard:
            self._queued.setdefault(device_id, []).append(new)
            lead = device_id not in self._storing
            self._storing.add(device_id)
        if not lead:
            new.wake.wait()          # stored by another request, or asked to lead
        if not new.done:
            self._lead(device_id)
        if new.error is not None:
            raise new.error

    def _lead(self, device_id):
        # let the requests that are ready join this batch (an eventlet
        # server runs them only when this one yields)
        time.sleep(0)
        with self._guard:
            batch = self._queued.pop(device_id, [])
        try:
            store_batch(self._manager, device_id, batch)
        except BaseException as err:     # this thread is being stopped
            for new in batch:
                new.error = new.error or err
            raise
        finally:
            for new in batch:
                new.done = True
                new.wake.set()
            with self._guard:
                waiting = self._queued.get(device_id)
                if waiting:
                    waiting[0].wake.set()      # the next batch's leader
                else:
                    self._storing.discard(device_id)


def store_batch(manager, device_id, batch):
    """Store ``batch`` in one transaction; each create's error on itself."""
    try:
        _store(manager, device_id, batch)
    except db_exc.DBDeadlock as err:
        for new in batch:        # nothing stored: each request retries itself
            new.error = err
    except Exception as err:
        if len(batch) == 1:
            batch[0].error = err
            return
        for new in batch:        # whose data it was is not known: one at a time
            new.error = None
            store_batch(manager, device_id, [new])


def _store(manager, device_id, batch):
    service = manager.service
    with service.session() as session:
        if service.engine.dialect.name != "sqlite":
            # held here: the session's identity map keeps the row only while
            # it is referenced, and the scheduler reads it from there
            locked = db.lock_device_row(session, device_id)
            if locked is None:
                raise exceptions.NotFound("device %s not found" % device_id)
            _insert(session, _accepted(service, session, device_id, batch))
            return
        with manager.placing_on(device_id):
            try:
                _insert(session, _accepted(service, session, device_id, batch))
                # inside the lock: the next check must see these rows
                session.commit()
            except db_exc.DBReferenceError as err:
                # deleted since it was chosen; the device is the only
                # parent row a create does not insert itself
                raise exceptions.NoValidDevice("device %s is gone; try again"
                                               % device_id) from err


def _accepted(service, session, device_id, batch):
    """The creates of ``batch`` that may be stored; the others get their
    error (an unusable device, a VIP taken)."""
    usable, device = [], None
    for new in batch:
        try:
            # the same row each time, from the session's identity map
            device = scheduler.schedule(session, service.drivers, new.algorithm,
                                        new.protocol, device_id)
        except exceptions.BalancerError as err:
            new.error = err
            continue
        usable.append(new)
    if not usable:
        return []
    taken = vips.taken_on_device(session, device_id,
                                 {v["port"] for new in usable for v in new.vips})
    reserved = vips.reserved_endpoints(service.drivers, device)
    accepted = []
    for new in usable:
        try:
            vips.check_free(taken, new.vips, reserved)
        except exceptions.Conflict as err:
            new.error = err
            continue
        for vip in new.vips:
            taken[(vip["address"], str(vip["port"]))] = vips.STORED
        accepted.append(new)
    return accepted


def _insert(session, accepted):
    if accepted:
        inserts.insert_trees(session, [new.tree for new in accepted])
