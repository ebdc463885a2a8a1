"""``…/loadbalancers/{lb_id}/accessList`` and ``…/connectionThrottle``.

Each action has its own policy rule (``balancer:accessList:get`` and so on,
balancer/api/policy.py), so reading and changing can be granted apart.
"""

from balancer.api.schemas import access
from balancer.api.v1 import base


class _Guarded(base.Controller):
    def allowed(self, req, tenant_id, action):
        """The context once both the tenant rule and ``<resource>:<action>`` allow it."""
        ctx = self.context(req, tenant_id)
        self.authorizer.authorize(ctx, "balancer:%s:%s" % (self.resource, action), tenant_id)
        return ctx


class AccessListController(_Guarded):
    resource = "accessList"

    def index(self, req, tenant_id, lb_id):
        ctx = self.allowed(req, tenant_id, "get")
        return 200, {"accessList": self.service.access.access_list(ctx, tenant_id, lb_id)}

    def create(self, req, tenant_id, lb_id):
        ctx = self.allowed(req, tenant_id, "create")
        items = access.access_list(self.body(req))
        return 200, {"accessList": self.service.access.add_items(ctx, tenant_id, lb_id, items)}

    def delete(self, req, tenant_id, lb_id, item_id):
        ctx = self.allowed(req, tenant_id, "delete")
        self.service.access.delete_item(ctx, tenant_id, lb_id, item_id)
        return 204, None


class ThrottleController(_Guarded):
    resource = "connectionThrottle"

    def show(self, req, tenant_id, lb_id):
        ctx = self.allowed(req, tenant_id, "get")
        return 200, {"connectionThrottle": self.service.access.throttle(ctx, tenant_id, lb_id)}

    def update(self, req, tenant_id, lb_id):
        ctx = self.allowed(req, tenant_id, "update")
        values = access.throttle(self.body(req))
        throttle = self.service.access.set_throttle(ctx, tenant_id, lb_id, values)
        return 200, {"connectionThrottle": throttle}

    def delete(self, req, tenant_id, lb_id):
        ctx = self.allowed(req, tenant_id, "delete")
        self.service.access.delete_throttle(ctx, tenant_id, lb_id)
        return 204, None
