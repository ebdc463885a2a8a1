"""``/{tenant_id}/loadbalancers``: create, list, show, details, update, delete."""

from balancer.api import schemas
from balancer.api.schemas import echoes, resources
from balancer.api.v1 import base
from balancer.core import exceptions

MAX_VM_ID = 2 ** 31 - 1       # the original's Integer column


def _limit(req):
    raw = req.GET.get("limit")
    if raw is None:
        return None
    if not schemas.DIGITS.match(raw) or not 1 <= int(raw) <= 1000:
        raise exceptions.Invalid("limit must be an integer from 1 to 1000", field="limit")
    return int(raw)


class LoadBalancersController(base.Controller):
    def index(self, req, tenant_id):
        ctx = self.context(req, tenant_id)
        lbs = self.service.load_balancers.list(ctx, tenant_id, _limit(req),
                                               req.GET.get("marker"))
        return 200, {"loadbalancers": lbs}

    def create(self, req, tenant_id):
        ctx = self.context(req, tenant_id)
        values = resources.load_balancer(self.body(req))
        return 202, {"loadbalancer": self.service.load_balancers.create(ctx, tenant_id, values)}

    def show(self, req, tenant_id, lb_id):
        ctx = self.context(req, tenant_id)
        return 200, {"loadbalancer": self.service.load_balancers.get(ctx, tenant_id, lb_id)}

    def details(self, req, tenant_id, lb_id):
        ctx = self.context(req, tenant_id)
        return 200, self.service.load_balancers.details(ctx, tenant_id, lb_id)

    def find_for_vm(self, req, tenant_id, vm_id):
        ctx = self.context(req, tenant_id)
        if not schemas.DIGITS.match(vm_id) or int(vm_id) > MAX_VM_ID:
            return 200, {"loadbalancers": []}     # no node can have such a vm_id
        return 200, {"loadbalancers": self.service.load_balancers.find_for_vm(
            ctx, tenant_id, int(vm_id))}

    def update(self, req, tenant_id, lb_id):
        ctx = self.context(req, tenant_id)
        shown = self.service.load_balancers.get(ctx, tenant_id, lb_id)
        values = echoes.checked_change(self.body(req), "loadbalancer", shown,
                                       resources.load_balancer_update)
        lb = self.service.load_balancers.update(ctx, tenant_id, lb_id, values)
        return 202, {"loadbalancer": lb}

    def delete(self, req, tenant_id, lb_id):
        ctx = self.context(req, tenant_id)
        self.service.load_balancers.delete(ctx, tenant_id, lb_id)
        return 204, None
