"""Where a new load balancer goes, and the one transaction that puts it there.

A create chooses its device (``scheduler.schedule``), checks that its VIPs
are free on it, and inserts its rows.  The check and the insert must be one
at a time per device in the whole deployment, or two requests both find an
address:port free; everything else may overlap, so the device is held only
from the check to the commit:

* PostgreSQL and MySQL: the device's row, locked and read by one statement
  (``db.lock_device_row``, ``SELECT ... FOR UPDATE``) in the create's own
  transaction, freed by its commit.  When the client named the device that
  statement is also the scheduler's read, so the whole create is one
  transaction.  When the scheduler had to choose, its reads are committed
  before the lock: MySQL's REPEATABLE READ (and PostgreSQL's, where
  configured) would otherwise keep the snapshot of the first read and the VIP
  check could miss a VIP committed while this request waited for the lock.
* SQLite: no row locks; ``LoadBalancers.placing_on``'s lock is held from the
  check to the commit, the scheduler's reads come before it.  Python's
  sqlite3 starts the transaction at the first insert, so the reads before it
  always see the latest commit.

``balancer/tests/functional/test_write_path.py`` counts what a create sends;
``balancer/tests/functional/test_engine_concurrency.py`` races creates.
"""

import contextlib

from oslo_db import exception as db_exc

from balancer.core import exceptions, scheduler
from balancer.db import api as db


def _gone(device_id):
    return exceptions.NoValidDevice("device %s is gone; try again" % device_id)


@contextlib.contextmanager
def placement(manager, algorithm, protocol, device_id=None):
    """Yield (session, device row) with the device held for a VIP check and
    the inserts; commits on leaving (``manager`` is the ``LoadBalancers``)."""
    service = manager.service
    with service.session() as session:
        if service.engine.dialect.name == "sqlite":
            device = scheduler.schedule(session, service.drivers, algorithm, protocol,
                                        device_id)
            with manager.placing_on(device.id):
                try:
                    yield session, device
                    # inside the lock: the next check must see these rows
                    session.commit()
                except db_exc.DBReferenceError as err:
                    # deleted since it was chosen; the device is the only
                    # parent row the create does not insert itself
                    raise _gone(device.id) from err
            return
        if device_id:
            # held here: the session's identity map only keeps it while it is
            # referenced, and the scheduler reads it from there, not again
            locked = db.lock_device_row(session, device_id)
            if locked is None:
                raise exceptions.NotFound("device %s not found" % device_id)
            device = scheduler.schedule(session, service.drivers, algorithm, protocol,
                                        device_id)
        else:
            device = scheduler.schedule(session, service.drivers, algorithm, protocol)
            session.commit()
            if db.lock_device_row(session, device.id) is None:
                raise _gone(device.id)
        yield session, device
