"""Load balancers: the whole create commits or nothing does, then it deploys."""

import contextlib

from balancer.common import constants
from balancer.core import (
    coordination,
    device_health,
    exceptions,
    placing,
    quotas,
    records,
    scheduler,
    vip_tls,
)
from balancer.core import status as st
from balancer.core.vips import check_vip_conflicts, reserved_endpoints
from balancer.db import api as db
from balancer.db import inserts, models
from balancer.db.session import retried_on_deadlock

CHILD_KEYS = ("nodes", "healthMonitor", "virtualIps", "sessionPersistence")
COOKIE_STICKIES = ("HTTP_COOKIE", "APP_COOKIE")
# the tenant_id column's length (balancer.db.models.LoadBalancer)
TENANT_ID_LENGTH = models.LoadBalancer.__table__.c.tenant_id.type.length


def lb_view(row, health=None, fleet=None):
    """A load balancer (ORM object or plain row) as the API shows it, with
    its ``operatingStatus`` from its device's last observation (``health``)
    and the database's health of its device and peer (``fleet``, a
    ``device_health.Fleet``)."""
    out = models.LoadBalancer.as_dict(row)
    description = out.pop("status_description", None)
    if description:
        out["statusDescription"] = description
    if health is not None:
        out["operatingStatus"] = st.lb_operating_status(
            row.id, row.status, row.deployed,
            health.get(row.device_id) if row.device_id else None,
            fleet.word(row.device_id) if fleet is not None and row.device_id else None)
    return out


# kind of child (balancer.core.quotas.OF_KIND) -> the request key of each
REQUEST_KEYS = {"node": "nodes", "vip": "virtualIps", "monitor": "healthMonitor"}


def mark_changed(lb, placing=False):
    """A change to ``lb`` or its children: the next deploy must carry it.

    Without a device no deploy would ever carry it (only the LB update,
    ``placing``, schedules one), so such a change is refused, not left pending."""
    if lb.status == st.PENDING_DELETE:
        raise exceptions.Conflict("load balancer %s is being deleted" % lb.id)
    if lb.device_id is None and not placing:
        raise exceptions.Conflict("load balancer %s has no device; update it to place it"
                                  % lb.id)
    if lb.status != st.BUILD:
        lb.status = st.PENDING_UPDATE
    db.bump_revision(lb)


def check_protocol(protocol, vips=(), stickies=(), where=("virtualIps.%d.",
                                                          "sessionPersistence.%d.")):
    """HTTP listeners and cookie persistence need an HTTP load balancer: said
    here as a 400 instead of by the device, as an ERROR, after the deploy.
    ``where`` prefixes the field names as the request spelled them."""
    if (protocol or "HTTP").upper() in constants.HTTP_PROTOCOLS:
        return

    def field(template, i, name):
        return (template % i if "%d" in template else template) + name
    for i, vip in enumerate(vips):
        if str(vip.get("protocol") or protocol).upper() in constants.HTTP_PROTOCOLS:
            name = field(where[0], i, "protocol")
            raise exceptions.Invalid("invalid %s: an HTTP virtual IP needs an HTTP load "
                                     "balancer" % name, field=name)
    for i, sticky in enumerate(stickies):
        if sticky.get("type") in COOKIE_STICKIES:
            name = field(where[1], i, "type")
            raise exceptions.Invalid("invalid %s: %s persistence needs an HTTP load "
                                     "balancer" % (name, sticky["type"]), field=name)


class LoadBalancers:
    def __init__(self, service):
        self.service = service
        self.batches = placing.Batches(self)

    @contextlib.contextmanager
    def placing_on(self, device_id):
        """Hold ``device_id``'s listener lock for a check-then-insert of VIPs.

        VIP conflicts are checked, then rows inserted: one at a time per
        device in the whole deployment, or two requests (in any processes)
        both find an address:port free.  Take it before the transaction's
        first read, so that the check sees every VIP committed before."""
        if device_id is None:
            yield
            return
        try:
            with self.service.device_lock(device_id, "vips"):
                yield
        except coordination.LockTimeout as err:
            raise exceptions.Conflict("the device of this load balancer is busy; "
                                      "try again") from err

    @contextlib.contextmanager
    def placing_session(self, device_id):
        """A session in which ``device_id``'s VIPs may be checked, then new
        ones inserted, by one request at a time in the whole deployment.

        On PostgreSQL and MySQL that is the device's row, locked by the
        transaction's first statement (``SELECT ... FOR UPDATE``) and freed by
        its commit: no connection of its own, and a waiter is woken by the
        server.  SQLite has no row locks: there it is ``placing_on``'s lock,
        held around the whole transaction."""
        if device_id is None or self.service.engine.dialect.name == "sqlite":
            with self.placing_on(device_id), self.service.session() as session:
                yield session
            return
        with self.service.session() as session:
            db.lock_device_row(session, device_id)
            yield session

    def _get(self, session, tenant_id, lb_id, children=False):
        row = db.lb_get(session, tenant_id, lb_id, children=children)
        if row is None:
            raise exceptions.NotFound("load balancer %s not found" % lb_id)
        return row

    @retried_on_deadlock
    def create(self, ctx, tenant_id, values):
        """Store the load balancer and its children in one transaction, one
        insert per table, shared with the creates that arrive for the same
        device meanwhile (``balancer.core.placing``), committed before the
        deploy: the deploy (maybe another process's) and every later VIP
        check must see it.  Its status settles in the deploy's one commit
        for every create it carried."""
        if len(tenant_id) > TENANT_ID_LENGTH:
            raise exceptions.Invalid("invalid tenant_id: longer than %d characters"
                                     % TENANT_ID_LENGTH, field="tenant_id")
        values = dict(values)
        children = {key: values.pop(key, None) or [] for key in CHILD_KEYS}
        # a device named by the request is checked too, and a pair's member
        # stands for its pair: the load balancer names the anchor
        # (balancer.core.pairs.targets)
        with self.service.session() as session:
            quotas.check_new_load_balancer(self.service.conf, session, tenant_id, {
                kind: (key, len(children[key])) for kind, key in REQUEST_KEYS.items()})
            check_protocol(values.get("protocol"), children["virtualIps"],
                           children["sessionPersistence"])
            device_id = scheduler.schedule(session, self.service.drivers,
                                           values.get("algorithm"), values.get("protocol"),
                                           values.pop("device_id", None)).id
        # HTTPS VIPs: checked against the protocol they end with, keys sealed
        vips = [vip_tls.prepare(v, values.get("protocol"), self.service.secrets)
                for v in self._with_protocol(children["virtualIps"], values.get("protocol"))]
        if vip_tls.certificate_count(vips):
            with self.service.session() as session:
                vip_tls.check_limit(quotas.effective(self.service.conf, session, tenant_id,
                                                     quotas.CERTIFICATES)[0], [], vips)
        tree = inserts.new_tree(
            values, tenant_id, device_id, st.BUILD, st.NOT_LIVE,
            nodes=children["nodes"], monitors=children["healthMonitor"],
            stickies=children["sessionPersistence"],
            vips=vips)
        self.batches.store(device_id, placing.NewLoadBalancer(
            tree, values.get("algorithm"), values.get("protocol"), children["virtualIps"]))
        self.service.deploy_and_wait(device_id)
        return self.get(ctx, tenant_id, tree.lb["id"])

    @staticmethod
    def _with_protocol(vips, protocol):
        return [dict(v, protocol=v.get("protocol") or protocol) for v in vips]

    def get(self, ctx, tenant_id, lb_id):
        with self.service.reading() as connection:
            row = db.lb_row(connection, tenant_id, lb_id)
            if row is None:
                raise exceptions.NotFound("load balancer %s not found" % lb_id)
            return lb_view(row, self.service.health, device_health.Fleet(connection))

    def list(self, ctx, tenant_id, limit=None, marker=None):
        with self.service.reading() as connection:
            marker_row = db.lb_row(connection, tenant_id, marker) if marker else None
            if marker and marker_row is None:
                raise exceptions.NotFound("load balancer %s not found" % marker)
            rows = db.lb_list(connection, tenant_id, limit, marker_row)
            fleet = device_health.Fleet(connection)
            return [lb_view(r, self.service.health, fleet) for r in rows]

    def find_for_vm(self, ctx, tenant_id, vm_id):
        with self.service.session() as session:
            fleet = device_health.Fleet(session)
            return [lb_view(r, self.service.health, fleet)
                    for r in db.lbs_for_vm(session, tenant_id, vm_id)]

    def details(self, ctx, tenant_id, lb_id):
        members = self.service.members
        with self.service.session() as session:
            lb = self._get(session, tenant_id, lb_id, children=True)
            out = lb_view(lb, self.service.health, device_health.Fleet(session))
            farm = lb.farm
            out["nodes"], probe = members.node_views(lb, farm.servers if farm else [])
            views = records.child_views
            out["virtualIps"] = views(lb, farm.vips if farm else [])
            out["healthMonitor"] = views(lb, farm.probes if farm else [])
            out["sessionPersistence"] = views(lb, farm.stickies if farm else [])
            # the Atlas sub-resources (core.access), as their own routes show them
            out["accessList"] = [item.to_dict() for item in lb.access_list]
            out["connectionThrottle"] = lb.throttle.to_dict() if lb.throttle else {}
        # the device is asked once the session is closed (Members.live_status)
        live_status = members.live_status(out["nodes"], probe)
        return dict(out, **live_status) if live_status else out

    @retried_on_deadlock
    def update(self, ctx, tenant_id, lb_id, values):
        devices = []
        with self.service.session() as session:
            current_device = self._get(session, tenant_id, lb_id).device_id
        with self.placing_session(current_device) as session:
            lb = self._get(session, tenant_id, lb_id, children=True)
            mark_changed(lb, placing=True)
            changes_placement = any(
                k in values and values[k] != getattr(lb, k) for k in ("algorithm", "protocol"))
            if "protocol" in values and values["protocol"] != lb.protocol and lb.farm:
                try:
                    check_protocol(values["protocol"], stickies=[
                        {"type": str(x.type).upper()} for x in lb.farm.stickies])
                except exceptions.Invalid as err:
                    raise exceptions.Conflict("protocol %s: the load balancer has cookie "
                                              "persistence (%s)" % (values["protocol"], err),
                                              field="protocol") from err
                # the VIPs' listeners speak the LB's protocol, as the original's did
                # (balancer/tests/functional/test_load_balancers.py)
                for vip in lb.farm.vips:
                    vip_tls.check_protocol_change(vip, values["protocol"])
                    db.merge_into(vip, {"protocol": values["protocol"]})
            db.merge_into(lb, values)
            devices.append(lb.device_id)
            # an LB without a device (the original left them after a failed
            # create) is placed now, so that an update can rescue it
            if changes_placement or lb.device_id is None:
                self._reschedule(session, lb)
                devices.append(lb.device_id)
                if lb.farm and lb.farm.predictor:
                    lb.farm.predictor.type = lb.algorithm
        # a move leaves nothing pending on the old device: force its deploy
        self.service.deploy_and_wait(*devices, force=len(set(devices)) > 1)
        return self.get(ctx, tenant_id, lb_id)

    def _reschedule(self, session, lb):
        """Keep the device if it still serves the LB, else move it (as the
        original did; balancer/tests/functional/test_scheduler.py)."""
        if lb.device_id is not None:
            try:
                scheduler.schedule(session, self.service.drivers, lb.algorithm,
                                   lb.protocol, lb.device_id, keep=True)
                return
            except exceptions.BalancerError:
                pass
        device = scheduler.schedule(session, self.service.drivers, lb.algorithm, lb.protocol)
        vips = [{"address": v.address, "port": v.port} for v in (lb.farm.vips if lb.farm else [])]
        with self.placing_on(device.id if device.id != lb.device_id else None):
            check_vip_conflicts(session, device.id, vips, own_lb_id=lb.id,
                                reserved=reserved_endpoints(self.service.drivers, device))
        lb.device_id = device.id

    @retried_on_deadlock
    def delete(self, ctx, tenant_id, lb_id):
        with self.service.session() as session:
            lb = self._get(session, tenant_id, lb_id)
            if lb.device_id is None:
                session.delete(lb)
                return
            lb.status = st.PENDING_DELETE
            db.bump_revision(lb)
            device_id = lb.device_id
        self.service.deploy_and_wait(device_id)
