"""Children of a load balancer: nodes, health monitors, stickies, virtual IPs.

Every lookup goes through the load balancer *and* the tenant in the URL, so an
id from another load balancer or tenant is simply not found (the original let
a tenant delete another tenant's nodes).  Every change redeploys the LB.
"""

import functools
import logging

from balancer.core import exceptions, live, quotas, records, vip_tls, vip_update
from balancer.core import status as st
from balancer.core.load_balancers import (
    check_protocol,
    check_vip_conflicts,
    mark_changed,
    reserved_endpoints,
)
from balancer.db import api as db
from balancer.db import models
from balancer.db.session import retried_on_deadlock

LOG = logging.getLogger(__name__)

# kind -> (model, relation on the server farm, name in messages)
KINDS = {
    "node": (models.Server, "servers", "node"),
    "monitor": (models.Probe, "probes", "health monitor"),
    "sticky": (models.Sticky, "stickies", "session persistence"),
    "vip": (models.VirtualServer, "vips", "virtual IP"),
}
# kind -> the key its add request wraps it in, as an over-limit 413 names it
ADD_KEYS = {"node": "nodes", "monitor": "healthMonitoring", "vip": "virtualIp"}


class Members:
    def __init__(self, service):
        self.service = service
        self.read_timeout = service.conf.limits.device_read_timeout

    def lb_of(self, session, tenant_id, lb_id):
        return self._lb(session, tenant_id, lb_id)

    def child_of(self, lb, kind, child_id):
        return self._child(lb, kind, child_id)

    @retried_on_deadlock
    def update_vip(self, ctx, tenant_id, lb_id, vip_id, values):
        """``PUT …/virtualIps/{id}`` (balancer.core.vip_update)."""
        return vip_update.update_vip(self, ctx, tenant_id, lb_id, vip_id, values)

    def _lb(self, session, tenant_id, lb_id):
        lb = db.lb_get(session, tenant_id, lb_id, children=True)
        if lb is None or lb.farm is None:
            raise exceptions.NotFound("load balancer %s not found" % lb_id)
        return lb

    def _child(self, lb, kind, child_id):
        _model, relation, label = KINDS[kind]
        for row in getattr(lb.farm, relation):
            if row.id == child_id:
                return row
        raise exceptions.NotFound("%s %s not found in load balancer %s"
                                  % (label, child_id, lb.id))

    def node_views(self, lb, rows):
        """Node dicts as stored, and what asking the device about them needs
        (for ``live_status``; None when the device is not asked: only an
        ACTIVE load balancer's device is meant to serve what is stored)."""
        views = [records.not_applied(v) for v in records.child_views(lb, rows)]
        if not views or lb.device_id is None or lb.status != st.ACTIVE:
            return views, None
        return views, (lb.device, records.lb_record(lb))

    def live_status(self, views, probe, budget=None):
        """Add the device's ``operatingStatus`` to node ``views``, or
        ``UNKNOWN`` where it gave no answer within the budget (``[limits]
        device_read_timeout``); returns what a view of the whole load
        balancer says about it (``liveStatus``, and why it is UNKNOWN).

        Called with no session open, so that a slow device never holds a
        database connection that other requests need."""
        if probe is None:
            return {}
        device, record = probe
        try:
            statuses = live.ask(self.service.drivers, device,
                                lambda driver: driver.node_status(record),
                                budget or live.Budget(self.read_timeout))
            unknown = None
        except live.NoAnswer as err:
            statuses, unknown = {}, str(err)
        except Exception as err:
            LOG.warning("no operating status for load balancer %s: %s", record.id, err)
            statuses, unknown = {}, "the device could not be asked"
        for view in views:
            if view["id"] in statuses:
                view["operatingStatus"] = statuses[view["id"]]
            elif unknown:
                view["operatingStatus"] = live.UNKNOWN
        if unknown:
            return {"liveStatus": live.UNKNOWN, "liveStatusReason": unknown}
        return {"liveStatus": live.KNOWN}

    def list(self, ctx, tenant_id, lb_id, kind):
        with self.service.session() as session:
            lb = self._lb(session, tenant_id, lb_id)
            rows = getattr(lb.farm, KINDS[kind][1])
            if kind != "node":
                return records.child_views(lb, rows)
            views, probe = self.node_views(lb, rows)
        self.live_status(views, probe)
        return views

    def stored(self, ctx, tenant_id, lb_id, kind, child_id):
        """The child as ``get`` shows it, less what the device would be
        asked (a node's ``operatingStatus``): what an update compares with."""
        with self.service.session() as session:
            lb = self._lb(session, tenant_id, lb_id)
            view = records.child_views(lb, [self._child(lb, kind, child_id)])[0]
            return records.not_applied(view) if kind == "node" else view

    def get(self, ctx, tenant_id, lb_id, kind, child_id, budget=None):
        with self.service.session() as session:
            lb = self._lb(session, tenant_id, lb_id)
            row = self._child(lb, kind, child_id)
            if kind != "node":
                return records.child_views(lb, [row])[0]
            views, probe = self.node_views(lb, [row])
        self.live_status(views, probe, budget)
        return views[0]

    @retried_on_deadlock
    def add(self, ctx, tenant_id, lb_id, kind, items):
        model, relation, _label = KINDS[kind]
        placing = self.service.session
        if kind == "vip":
            with self.service.session() as session:
                device_id = self._lb(session, tenant_id, lb_id).device_id
            placing = functools.partial(self.service.load_balancers.placing_session, device_id)
        with placing() as session:
            lb = self._lb(session, tenant_id, lb_id)
            if kind == "vip" and lb.device_id != device_id:
                raise exceptions.Conflict("load balancer %s moved to another device while "
                                          "this request ran; try again" % lb_id)
            if kind in ADD_KEYS:
                quotas.check(self.service.conf, session, lb.tenant_id, kind,
                             len(getattr(lb.farm, relation)), len(items), ADD_KEYS[kind])
            mark_changed(lb)
            if kind in ("vip", "sticky"):
                where = ("virtualIp.", "")      # a wrapped VIP, a flat sticky
                check_protocol(lb.protocol, items if kind == "vip" else (),
                               items if kind == "sticky" else (), where=where)
            if kind == "vip":
                check_vip_conflicts(session, lb.device_id, items, own_lb_id=lb.id,
                                    reserved=reserved_endpoints(self.service.drivers, lb.device))
                _check_own_vips(lb, items)
                items = [dict(v, protocol=v.get("protocol") or lb.protocol) for v in items]
                items = [vip_tls.prepare(v, lb.protocol, self.service.secrets) for v in items]
                vip_tls.check_limit(quotas.effective(self.service.conf, session, lb.tenant_id,
                                                     quotas.CERTIFICATES)[0],
                                    [v.extra or {} for v in lb.farm.vips], items)
            extra = {"lb": lb} if kind == "vip" else {}
            rows = db.in_order([db.new_row(model, item, **extra) for item in items])
            getattr(lb.farm, relation).extend(rows)
            session.flush()
            ids, device_id = [r.id for r in rows], lb.device_id
        self.service.deploy_and_wait(device_id)
        with self.service.session() as session:
            lb = self._lb(session, tenant_id, lb_id)
            views = records.child_views(lb, [self._child(lb, kind, i) for i in ids])
            return [records.not_applied(v) for v in views] if kind == "node" else views

    @retried_on_deadlock
    def update(self, ctx, tenant_id, lb_id, kind, child_id, values):
        with self.service.session() as session:
            lb = self._lb(session, tenant_id, lb_id)
            row = self._child(lb, kind, child_id)
            mark_changed(lb)
            db.merge_into(row, values)
            device_id = lb.device_id
        self.service.deploy_and_wait(device_id)
        return self.get(ctx, tenant_id, lb_id, kind, child_id)

    @retried_on_deadlock
    def delete(self, ctx, tenant_id, lb_id, kind, child_id):
        with self.service.session() as session:
            lb = self._lb(session, tenant_id, lb_id)
            row = self._child(lb, kind, child_id)
            mark_changed(lb)
            getattr(lb.farm, KINDS[kind][1]).remove(row)
            device_id = lb.device_id
        self.service.deploy_and_wait(device_id)

    @retried_on_deadlock
    def set_condition(self, ctx, tenant_id, lb_id, node_id, condition):
        """Change a node's condition live through the device's runtime API,
        then persist it in the configuration with a normal deploy."""
        with self.service.session() as session:
            lb = self._lb(session, tenant_id, lb_id)
            row = self._child(lb, "node", node_id)
            db.merge_into(row, {"condition": condition,
                                "status": st.STATUS_OF_CONDITION[condition]})
            mark_changed(lb)
            session.flush()
            device = lb.device
            lb_record, node = records.lb_record(lb), records.node_record(row)
        # one budget for both live calls: a hung device costs this request
        # device_read_timeout once, not once per call
        budget = live.Budget(self.read_timeout)
        if device is not None:
            try:
                live.ask(self.service.drivers, device,
                         lambda driver: driver.set_node_condition(lb_record, node), budget)
            except Exception as err:  # the deploy below still applies it
                LOG.warning("runtime change of node %s failed: %s", node_id,
                            getattr(err, "operator_fault_string", err))
            self.service.deploy_and_wait(device.id)
        return self.get(ctx, tenant_id, lb_id, "node", node_id, budget)


def _check_own_vips(lb, items):
    """New VIPs may not repeat each other or one this load balancer has."""
    seen = {(v.address, str(v.port)) for v in lb.farm.vips}
    for vip in items:
        key = (vip["address"], str(vip["port"]))
        if key in seen:
            raise exceptions.Conflict("%s:%s is already a virtual IP of load balancer %s"
                                      % (key + (lb.id,)), field="virtualIps")
        seen.add(key)
