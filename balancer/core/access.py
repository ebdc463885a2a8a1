"""Access lists and connection throttles of load balancers.

Both are sub-resources of a load balancer in the Atlas style
(``…/accessList``, ``…/connectionThrottle``): every lookup goes through the
load balancer *and* the tenant in the URL (another tenant's id is simply
not found), every change marks the load balancer PENDING_UPDATE and
redeploys it like any other change, and a request that would go over the
tenant's ``accessListItemsPerLoadBalancer`` (an admin's override, else
``[limits] max_access_list_items_per_lb``; balancer/core/quotas.py) is a 413
that stores nothing.
The HAProxy side is balancer/drivers/haproxy/render_access.py.
"""

from balancer.core import exceptions, quotas
from balancer.core.load_balancers import mark_changed
from balancer.db import api as db
from balancer.db import models
from balancer.db.session import retried_on_deadlock


class Access:
    def __init__(self, service):
        self.service = service

    def _lb(self, session, tenant_id, lb_id):
        lb = db.lb_get(session, tenant_id, lb_id)
        if lb is None:
            raise exceptions.NotFound("load balancer %s not found" % lb_id)
        return lb

    # -- access lists -------------------------------------------------------
    def access_list(self, ctx, tenant_id, lb_id):
        with self.service.session() as session:
            return [item.to_dict() for item in self._lb(session, tenant_id, lb_id).access_list]

    @retried_on_deadlock
    def add_items(self, ctx, tenant_id, lb_id, items):
        """Add networks (checked by ``schemas.access.access_list``); returns
        the whole list once the deploy carried it (or the wait ran out)."""
        with self.service.session() as session:
            lb = self._lb(session, tenant_id, lb_id)
            have = {item.address: item for item in lb.access_list}
            for index, item in enumerate(items):
                if item["address"] in have:
                    raise exceptions.Conflict(
                        "%s is already in the access list of load balancer %s (as %s)"
                        % (item["address"], lb_id, have[item["address"]].type),
                        field="accessList.%d.address" % index)
            # the tenant's limit: an admin's override, else the [limits] default
            quotas.check(self.service.conf, session, tenant_id, quotas.ACCESS_LIST_ITEMS,
                         len(have), len(items), field="accessList")
            mark_changed(lb)
            lb.access_list.extend(db.in_order([models.AccessItem(**item) for item in items]))
            device_id = lb.device_id
        self.service.deploy_and_wait(device_id)
        return self.access_list(ctx, tenant_id, lb_id)

    @retried_on_deadlock
    def delete_item(self, ctx, tenant_id, lb_id, item_id):
        with self.service.session() as session:
            lb = self._lb(session, tenant_id, lb_id)
            found = [item for item in lb.access_list if item.id == item_id]
            if not found:
                raise exceptions.NotFound("access-list item %s not found in load balancer %s"
                                          % (item_id, lb_id))
            mark_changed(lb)
            lb.access_list.remove(found[0])
            device_id = lb.device_id
        self.service.deploy_and_wait(device_id)

    # -- connection throttle ------------------------------------------------
    def throttle(self, ctx, tenant_id, lb_id):
        """The throttle's fields, or {} when the load balancer has none."""
        with self.service.session() as session:
            row = self._lb(session, tenant_id, lb_id).throttle
            return row.to_dict() if row is not None else {}

    @retried_on_deadlock
    def set_throttle(self, ctx, tenant_id, lb_id, values):
        """Create or replace the throttle (``schemas.access.throttle``)."""
        columns = {column: values.get(field)
                   for column, field in models.ConnectionThrottle.FIELDS.items()}
        with self.service.session() as session:
            lb = self._lb(session, tenant_id, lb_id)
            mark_changed(lb)
            if lb.throttle is None:
                lb.throttle = models.ConnectionThrottle(**columns)
            else:
                for column, value in columns.items():
                    setattr(lb.throttle, column, value)
            device_id = lb.device_id
        self.service.deploy_and_wait(device_id)
        return self.throttle(ctx, tenant_id, lb_id)

    @retried_on_deadlock
    def delete_throttle(self, ctx, tenant_id, lb_id):
        with self.service.session() as session:
            lb = self._lb(session, tenant_id, lb_id)
            if lb.throttle is None:
                raise exceptions.NotFound("load balancer %s has no connection throttle"
                                          % lb_id)
            mark_changed(lb)
            lb.throttle = None
            device_id = lb.device_id
        self.service.deploy_and_wait(device_id)
