"""Devices (admin): register, list, show, delete, info, and capability listings."""

import logging

from balancer.core import device_health, exceptions, live, pairs, scheduler
from balancer.core import status as st
from balancer.db import api as db
from balancer.db import crypto, models
from balancer.db.session import retried_on_deadlock
from balancer.drivers import registry

LOG = logging.getLogger(__name__)


#: how many of a device's load balancers in ERROR its view lists
FAULTS_SHOWN = 100


def fault_view(lb_id, tenant_id, user_text, operator_text, updated_at):
    """One load balancer in ERROR as the admin-only device view shows it:
    what its tenant reads and what the operator needs (DriverError)."""
    return {"loadbalancer_id": lb_id, "tenant_id": tenant_id,
            "statusDescription": user_text,
            "operatorStatusDescription": operator_text or user_text,
            "updated_at": updated_at.isoformat() if updated_at else None}


def device_view(row, health=None, probed=None):
    """A device as the API shows it; ``probed``: its ``device_health``
    Record (None: not probed yet), for the ``health`` fields."""
    out = row.to_dict()
    out["has_password"] = bool(row.password)
    out["has_private_key"] = bool(row.private_key)
    out["has_vrrp_auth"] = bool(row.vrrp_auth)
    out["ha"] = pairs.ha_view(row)
    if health is not None:
        out["operatingStatus"] = st.device_operating_status(health.get(row.id))
    now = models.utcnow()
    out.update(device_health.view(probed, now))
    if "operatingStatus" in out and out["health"] == st.OFFLINE:
        # the database decides: what this process's last deploy saw is a
        # hint, and it does not outvote the last probe (device_health.py)
        out["operatingStatus"] = st.OFFLINE
    if getattr(row, "peer_id", None):
        # the role keepalived reported to the last probe (device pairs)
        out.setdefault("ha", {"peer_id": row.peer_id})["role"] = device_health.role(probed,
                                                                                    now)
    return out


class Devices:
    def __init__(self, service):
        self.service = service
        self.read_timeout = service.conf.limits.device_read_timeout

    @retried_on_deadlock
    def create(self, ctx, values):
        try:
            self.service.drivers.check_type(values.get("type"))
        except registry.UnknownDriver as err:
            raise exceptions.Invalid(str(err), field="type")
        values, ha_values = pairs.split_fields(self._encrypted(values))
        values["type"] = values["type"].upper()
        with self.service.session() as session:
            row = db.new_row(models.Device, values)
            session.add(row)
            session.flush()
            touched = pairs.apply(session, row, ha_values, self._can_pair)
            session.flush()
            view = device_view(row)
            has_lbs = bool(touched) and any(db.lb_ids_on_device(session, i) for i in touched)
        if has_lbs:     # the new peer gets the pair's load balancers
            self.service.deploy_and_wait(*touched, force=True)
        return view

    @retried_on_deadlock
    def update(self, ctx, device_id, values):
        """Change a device (credentials, address, paths, pinned key) and
        redeploy its load balancers with the new settings."""
        with self.service.session() as session:
            row = self._get(session, device_id)
            values, ha_values = pairs.split_fields(self._encrypted(values, row))
            db.merge_into(row, values)
            touched = pairs.apply(session, row, ha_values, self._can_pair) | {device_id}
            session.flush()
            view = device_view(row, probed=device_health.read(session, [device_id])
                               .get(device_id))
            has_lbs = any(db.lb_ids_on_device(session, i) for i in touched)
        if has_lbs:     # nothing is pending: the device (or its pair) itself changed
            self.service.deploy_and_wait(*sorted(touched), force=True)
        return view

    def _can_pair(self, row):
        return getattr(self.service.drivers.peek(row), "supports_pairs", False)

    def _encrypted(self, values, row=None):
        """``values`` with the password and private key as stored: encrypted
        (balancer.db.crypto); refused when the service has no key.  A secret
        sent again unchanged keeps its stored token, and so the device's warm
        driver."""
        values = dict(values)
        try:
            for column in crypto.ALL_SECRET_COLUMNS:
                if not values.get(column):
                    continue
                stored = getattr(row, column, None)
                if stored and self._same_secret(stored, values[column]):
                    values[column] = stored
                else:
                    values[column] = self.service.secrets.encrypt(values[column])
        except crypto.NoKey as err:
            raise exceptions.Unavailable("%s; the device was not stored" % err,
                                         field=column) from None
        except UnicodeEncodeError:      # a lone surrogate: no bytes to encrypt
            raise exceptions.Invalid("invalid %s: is not valid Unicode text" % column,
                                     field=column) from None
        return values

    def _same_secret(self, stored, plain):
        try:
            return self.service.secrets.decrypt(stored) == plain
        except crypto.CannotDecrypt:
            return False

    def _get(self, session, device_id):
        row = db.device_get(session, device_id)
        if row is None:
            raise exceptions.NotFound("device %s not found" % device_id)
        return row

    def stored(self, ctx, device_id):
        """The device as ``get`` shows it, less what it would ask the box
        and the faults: what an update compares with."""
        with self.service.session() as session:
            return device_view(self._get(session, device_id))

    def get(self, ctx, device_id):
        """The device, with its load balancers in ERROR and both texts of
        each error (``faults``, latest first, at most FAULTS_SHOWN)."""
        with self.service.session() as session:
            row = self._get(session, device_id)
            out = device_view(row, self.service.health,
                              device_health.read(session, [device_id]).get(device_id))
        if out["ha"] is not None:
            # asked of the box now; the list shows what the last probe saw
            out["ha"]["role"] = pairs.read_role(self.service, row, self.read_timeout)
        with self.service.session() as session:
            out["faults"] = [fault_view(*f) for f in
                             db.lb_faults_on_device(session, device_id, FAULTS_SHOWN)]
            return out

    def list(self, ctx):
        with self.service.session() as session:
            probed = device_health.read(session)
            return [device_view(r, self.service.health, probed.get(r.id))
                    for r in db.device_list(session)]

    @retried_on_deadlock
    def delete(self, ctx, device_id):
        with self.service.session() as session:
            row = self._get(session, device_id)
            lb_ids = db.lb_ids_on_device(session, device_id)
            if lb_ids:
                raise exceptions.Conflict(
                    "device %s is in use by load balancers %s"
                    % (device_id, ", ".join(lb_ids)), loadbalancers=lb_ids)
            peers = pairs.apply(session, row, {"peer_id": None}) - {device_id}
            session.delete(row)
            serving_peers = [p for p in peers if db.lb_ids_on_device(session, p)]
        self.service.drivers.forget(device_id)
        self.service.health.forget(device_id)
        if serving_peers:   # the peer now serves alone (its VIPs no longer VRRP's)
            self.service.deploy_and_wait(*serving_peers, force=True)

    def info(self, ctx, device_id):
        """Capabilities and the device's own facts; a failing device answers,
        not errors, and a hung one answers within ``[limits]
        device_read_timeout`` with ``liveStatus`` UNKNOWN and ``reachable``
        null (not known either way)."""
        with self.service.session() as session:
            row = self._get(session, device_id)
            out = {"id": row.id, "name": row.name, "type": row.type,
                   "loadbalancers": len(db.lb_ids_on_device(session, device_id))}
        try:
            out["capabilities"] = scheduler.device_capabilities(self.service.drivers, row)
            facts, serving = live.ask(self.service.drivers, row,
                                      lambda driver: (driver.info(), driver.serving()),
                                      live.Budget(self.read_timeout))
            out.update(facts)
            self.service.health.observe(row.id, serving)
            out.setdefault("reachable", True)
            out["liveStatus"] = live.KNOWN
        except live.NoAnswer as err:
            # busy or hung: the last observation (a deploy's) still stands
            out.update(reachable=None, liveStatus=live.UNKNOWN, liveStatusReason=str(err))
        except Exception as err:
            out.update(reachable=False, liveStatus=live.KNOWN,
                       error=getattr(err, "operator_fault_string", None) or str(err))
            self.service.health.observe(row.id, None)
        serving = self.service.health.get(row.id)
        out["operatingStatus"] = st.device_operating_status(serving)
        if serving is not None and serving.detail:
            out["operatingStatusDescription"] = serving.detail
        return out

    def _union(self, key):
        seen = {}
        with self.service.session() as session:
            for _row, caps in scheduler.usable_devices(session, self.service.drivers):
                for name in caps[key]:
                    seen.setdefault(name, None)
        return list(seen)

    def algorithms(self, ctx):
        return self._union("algorithms")

    def protocols(self, ctx):
        return self._union("protocols")
