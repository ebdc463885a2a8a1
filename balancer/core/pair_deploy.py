"""Deploying an active/standby pair: both boxes, one lock, the same sections.

A deploy of either member of a pair (``Service.run_deploy``) deploys the
pair's whole desired state (the load balancers of both members) to both
boxes at once, under the anchor's device lock, which is the pair's lock
(``pairs.anchor_id``).  The two deploys run side by side, so a dead box
costs the change at most its connect timeout, never twice that.

When one box cannot be reached (a ``device_fault``), the other one's deploy
still counts: the load balancers stay ACTIVE and their ``statusDescription``
names the box that did not get the change; that box is marked ``ha_behind``
and the pending sweep (balancer/core/reconcile.py) deploys the pair again
until it has caught up.  Until then the box itself keeps out of VRRP (its
keepalived track script, balancer/drivers/haproxy/keepalived.py), so it
never serves an older configuration than its peer.  A box that *refuses* a
configuration fails the deploy as a single device would (isolation), since
both boxes must serve the same sections.
"""

import dataclasses
import logging
import threading
import time

from balancer.core import coordination, deploy_history, isolation, pairs
from balancer.core import metrics as service_metrics
from balancer.core import status as st
from balancer.db import api as db
from balancer.db import models
from balancer.db.session import retried_on_deadlock
from balancer.drivers import base

LOG = logging.getLogger(__name__)


def deploys_pair(service, device_id, force):
    """Deploy ``device_id``'s pair and return True; False (nothing done)
    when the device has no peer."""
    with service.session() as session:
        row, peer = pairs.pair_of(session, device_id)
        ids = tuple(sorted((row.id, peer.id))) if peer is not None else None
    if ids is None:
        return False
    try:
        with service.device_lock(ids[0]):
            _deploy_locked(service, ids, force)
    except coordination.LockTimeout as err:
        LOG.warning("deploy to pair %s/%s not started: %s", ids[0], ids[1], err)
    return True


def degraded_text(served, missed):
    """What a tenant reads while only one box of the pair got the change."""
    return ("serving from device %s only: the other device of its pair (%s) could not "
            "be reached and is brought up to date before it serves again"
            % (", ".join(served), ", ".join(missed)))


def _read(service, ids):
    with service.session() as session:
        rows = {i: db.device_get(session, i) for i in ids}
        if any(r is None or r.peer_id not in ids for r in rows.values()):
            return None       # unpaired meanwhile: the unpairing redeploys both
        settings = {i: pairs.pair_settings(service.secrets, rows[i],
                                           rows[ids[1 - ids.index(i)]]) for i in ids}
        behind = {i for i in ids if rows[i].ha_behind}
        heads, desired = [], []
        for i in ids:
            device_heads, device_desired = service.desired_state.read(session, i)
            heads += device_heads
            desired += device_desired
        for row in rows.values():
            session.expunge(row)
    desired.sort(key=lambda lb: str(lb.id))
    return rows, settings, behind, heads, desired


def _deploy_locked(service, ids, force):
    try:
        read = _read(service, ids)
    except Exception:
        LOG.exception("pair %s/%s: cannot read what to deploy", *ids)
        return
    if read is None:
        return
    rows, settings, behind, heads, desired = read
    snapshot = {lb_id: revision for lb_id, revision, _s, _d in heads}
    pending = {lb_id for lb_id, _r, status, _d in heads if status in st.PENDING}
    if not pending and not force and not behind:
        return
    sides = _Sides(service, rows, settings)
    started_at, clock = models.utcnow(), time.monotonic()
    try:
        outcome = isolation.isolate(sides.deploy, desired, isolation.suspects(heads),
                                    service.conf.deploy.isolation_max_deploys,
                                    service.deploy_timeout)
    except Exception as err:
        LOG.exception("deploy to pair %s/%s crashed", *ids)
        outcome = isolation.crashed([lb.id for lb in desired], err)
    _settle(service, ids, snapshot, outcome, sides, behind)
    _record(service, ids, started_at, time.monotonic() - clock, outcome, sides)


def _record(service, ids, started_at, seconds, outcome, sides):
    """Each box's part, as a single device's deploy is counted and kept
    (``Service._run_deploy_locked``): a box that was not reached failed with
    its own error; the other one had the pair's outcome."""
    for device_id in ids:
        missed = sides.missed.get(device_id)
        own = outcome if missed is None else dataclasses.replace(
            outcome, live=None, failure=missed)
        service.metrics.deployed(service_metrics.deploy_outcome(own), seconds)
        deploy_history.record(service, device_id, started_at, seconds, own)


class _Sides:
    """Deploys one set of load balancers to both boxes, side by side."""

    def __init__(self, service, rows, settings):
        self.service, self.rows, self.settings = service, rows, settings
        self.missed = {}       # device id -> DriverError of the box that was not reached
        self.host_keys = {}

    def deploy(self, lbs):
        results = {}
        # a box found unreachable is not tried again within this deploy
        todo = [i for i in self.rows if i not in self.missed]
        threads = [threading.Thread(target=self._one, args=(i, lbs, results), daemon=True,
                                    name="deploy-pair-%s" % i) for i in todo]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        failed = {i: err for i, err in results.items() if err is not None}
        refused = [err for err in failed.values() if not err.device_fault]
        if refused:
            raise refused[0]
        self.missed.update(failed)
        if len(self.missed) == len(self.rows):
            raise next(iter(self.missed.values()))
        return None

    def _one(self, device_id, lbs, results):
        try:
            key = self.service._deploy(self.rows[device_id], lbs, self.settings[device_id])
            if key:
                self.host_keys[device_id] = key
            results[device_id] = None
        except base.DriverError as err:
            results[device_id] = err
        except Exception as err:  # a bug: the box's state is not known
            LOG.exception("deploy to device %s crashed", device_id)
            results[device_id] = base.DriverError(
                "internal error during the deploy; the operator has been told",
                operator_fault_string="internal error: %s: %s" % (type(err).__name__, err),
                device_fault=True)


@retried_on_deadlock
def _settle(service, ids, snapshot, outcome, sides, behind):
    with service.session() as session:
        heads = [h for i in ids for h in db.lb_heads_on_device(session, i) if h[0] in snapshot]
        updates, deletes = isolation.settle(heads, snapshot, outcome)
        if outcome.live is not None:
            updates = _with_pair_texts(heads, snapshot, outcome, updates, sides, behind)
            pairs.mark_behind(session, sides.missed, True)
            pairs.mark_behind(session, [i for i in ids if i not in sides.missed], False)
        db.record_outcomes(session, [u[:5] for u in updates])
        db.record_operator_faults(session, [(u[0], u[1], u[5]) for u in updates])
        for lb_id in deletes:
            session.delete(db.lb_get(session, None, lb_id))
        for device_id, key in sides.host_keys.items():
            device = db.device_get(session, device_id)
            if device is not None and not device.host_key:
                device.host_key = key
    if outcome.failure is not None:
        LOG.warning("deploy to pair %s/%s failed: %s", ids[0], ids[1],
                    outcome.failure.operator_fault_string)
    for device_id, err in sides.missed.items():
        LOG.warning("pair %s/%s: device %s did not get the deploy: %s", ids[0], ids[1],
                    device_id, err.operator_fault_string)
    for lb_id, error in outcome.rejected.items():
        LOG.warning("pair %s/%s rejected load balancer %s: %s", ids[0], ids[1], lb_id,
                    error.operator_fault_string)


def _with_pair_texts(heads, snapshot, outcome, updates, sides, behind):
    """The updates, with every live load balancer of the pair saying which
    box is behind (or, once both boxes are current again, nothing)."""
    if not sides.missed and not behind:
        return updates
    by_id = {u[0]: u for u in updates}
    live = set(outcome.live)
    if sides.missed:
        served = [i for i in sides.rows if i not in sides.missed]
        text = degraded_text(served, sorted(sides.missed))
        operator = "; ".join("device %s: %s" % (i, err.operator_fault_string)
                             for i, err in sorted(sides.missed.items()))
    else:
        text = operator = None
    for lb_id, revision, status, _deployed in heads:
        if lb_id not in live or snapshot.get(lb_id) != revision or status == st.PENDING_DELETE:
            continue
        if lb_id in by_id and by_id[lb_id][2] != st.ACTIVE:
            continue
        by_id[lb_id] = (lb_id, revision, st.ACTIVE, text, st.LIVE, operator)
    return list(by_id.values())
