"""Children of a load balancer: nodes, health monitors, stickies, virtual IPs.

One controller class per resource, sharing the list/show/delete actions; the
request and response wrappers are the original's (``{"nodes": [...]}``,
``{"healthMonitoring": {...}}``, a flat sticky, ``{"virtualIp": {...}}``).
"""

from balancer.api.schemas import echoes, resources, within
from balancer.api.v1 import base
from balancer.core import exceptions
from balancer.core import status as st


class MemberController(base.Controller):
    kind = None            # the core's name for the child kind
    list_key = None        # response key of a list
    item_key = None        # response key of one

    def index(self, req, tenant_id, lb_id):
        ctx = self.context(req, tenant_id)
        return 200, {self.list_key: self.service.members.list(ctx, tenant_id, lb_id, self.kind)}

    def show(self, req, tenant_id, lb_id, child_id):
        ctx = self.context(req, tenant_id)
        item = self.service.members.get(ctx, tenant_id, lb_id, self.kind, child_id)
        return 200, {self.item_key: item}

    def delete(self, req, tenant_id, lb_id, child_id):
        ctx = self.context(req, tenant_id)
        self.service.members.delete(ctx, tenant_id, lb_id, self.kind, child_id)
        return 204, None

    def _add(self, req, tenant_id, lb_id, items):
        ctx = self.context(req, tenant_id)
        return self.service.members.add(ctx, tenant_id, lb_id, self.kind, items)


class NodesController(MemberController):
    kind, list_key, item_key = "node", "nodes", "node"

    def create(self, req, tenant_id, lb_id):
        self.context(req, tenant_id)
        nodes = self.wrapped(self.body(req), "nodes")
        if not isinstance(nodes, list) or not nodes:
            nodes = [nodes] if isinstance(nodes, dict) else None
        if not nodes:
            raise exceptions.Invalid("nodes must be a non-empty list", field="nodes")
        items = resources.each("nodes", resources.node, nodes)
        return 200, {"nodes": self._add(req, tenant_id, lb_id, items)}

    def update(self, req, tenant_id, lb_id, child_id):
        ctx = self.context(req, tenant_id)
        shown = self.service.members.stored(ctx, tenant_id, lb_id, "node", child_id)
        # flat, or wrapped as the original's manual script and the answer to GET are
        values = echoes.checked_change(self.body(req), "node", shown, resources.node,
                                       creating=False)
        node = self.service.members.update(ctx, tenant_id, lb_id, "node", child_id, values)
        return 200, {"node": node}

    def change_status(self, req, tenant_id, lb_id, child_id, status):
        ctx = self.context(req, tenant_id)
        condition = st.condition_from_route(status)
        node = self.service.members.set_condition(ctx, tenant_id, lb_id, child_id, condition)
        return 200, {"node": node}


class MonitorsController(MemberController):
    kind, list_key, item_key = "monitor", "healthMonitoring", "healthMonitoring"

    def create(self, req, tenant_id, lb_id):
        self.context(req, tenant_id)
        item = within("healthMonitoring", resources.monitor,
                      self.wrapped(self.body(req), "healthMonitoring"))
        return 200, {"healthMonitoring": self._add(req, tenant_id, lb_id, [item])[0]}


class StickiesController(MemberController):
    kind, list_key, item_key = "sticky", "sessionPersistence", "sessionPersistence"

    def create(self, req, tenant_id, lb_id):
        self.context(req, tenant_id)
        item = resources.sticky(self.body(req))
        return 200, {"sessionPersistence": self._add(req, tenant_id, lb_id, [item])[0]}


class VipsController(MemberController):
    kind, list_key, item_key = "vip", "virtualIps", "virtualIp"

    def create(self, req, tenant_id, lb_id):
        self.context(req, tenant_id)
        item = within("virtualIp", resources.vip, self.wrapped(self.body(req), "virtualIp"))
        return 200, {"virtualIp": self._add(req, tenant_id, lb_id, [item])[0]}

    def update(self, req, tenant_id, lb_id, child_id):
        ctx = self.context(req, tenant_id)
        shown = self.service.members.stored(ctx, tenant_id, lb_id, "vip", child_id)
        # wrapped, or flat as the 2012 CLI sent it
        values = echoes.checked_change(self.body(req), "virtualIp", shown,
                                       resources.vip_update)
        vip = self.service.members.update_vip(ctx, tenant_id, lb_id, child_id, values)
        return 200, {"virtualIp": vip}
