"""``GET /deploys`` (admin): the newest deploys with outcome and duration, and
deploys per minute for the last half hour (balancer.core.deploy_history).
The dashboard's operator pages read it (balancer/dashboard/static/js/operator.js)."""

from balancer.api import schemas
from balancer.api.v1 import base
from balancer.core import exceptions

DEFAULT_LIMIT, MAX_LIMIT = 20, 200


def _limit(req):
    raw = req.GET.get("limit")
    if raw is None:
        return DEFAULT_LIMIT
    if not schemas.DIGITS.match(raw) or not 1 <= int(raw) <= MAX_LIMIT:
        raise exceptions.Invalid("limit must be an integer from 1 to %d" % MAX_LIMIT,
                                 field="limit")
    return int(raw)


class DeploysController(base.Controller):
    rule = "balancer:deploy_history"

    def index(self, req):
        ctx = self.context(req)
        return 200, self.service.deploy_history.list(ctx, _limit(req))
