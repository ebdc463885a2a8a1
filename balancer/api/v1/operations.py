"""Statistics, limits and ``/metrics``: what tenants and operators read
about load balancers rather than the load balancers themselves.

``GET /{tenant_id}/loadbalancers/{lb_id}/stats`` and ``GET
/{tenant_id}/limits`` are tenant reads (a reader may see them); an admin
sets a tenant's limits (``PUT``/``DELETE /{tenant_id}/limits``); ``GET
/metrics`` is for operators only (balancer/api/policy.py).
"""

import webob

from balancer.api import metrics
from balancer.api.schemas import limits as limit_schemas
from balancer.api.v1 import base


class StatsController(base.Controller):
    def show(self, req, tenant_id, lb_id):
        ctx = self.context(req, tenant_id)
        return 200, {"stats": self.service.stats.for_lb(ctx, tenant_id, lb_id)}


class LimitsController(base.Controller):
    #: changing a tenant's limits is an admin's, reading them the tenant's
    admin_rule = "balancer:limits:update"

    def show(self, req, tenant_id):
        ctx = self.context(req, tenant_id)
        return 200, {"limits": self.service.quotas.show(ctx, tenant_id)}

    def _admin(self, req, tenant_id):
        ctx = self.context(req, tenant_id)
        self.authorizer.authorize(ctx, self.admin_rule, tenant_id)
        return ctx

    def update(self, req, tenant_id):
        ctx = self._admin(req, tenant_id)
        values = limit_schemas.limits_update(self.body(req),
                                             self.service.quotas.show(ctx, tenant_id))
        return 200, {"limits": self.service.quotas.update(ctx, tenant_id, values)}

    def delete(self, req, tenant_id):
        ctx = self._admin(req, tenant_id)
        self.service.quotas.reset(ctx, tenant_id)
        return 204, None


class MetricsController(base.Controller):
    rule = "balancer:metrics"
    write_rule = None

    def show(self, req):
        self.context(req)
        body, content_type = metrics.exposition(self.service, req.headers.get("Accept"))
        response = webob.Response(status=200, body=body)
        response.headers["Content-Type"] = content_type
        return 200, response
