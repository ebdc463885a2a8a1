"""Who may do what, with oslo.policy: defaults in code, overridable by file.

Tenant routes need a token for the project in the URL (admins may act on
any project); ``/devices`` needs the admin role; ``/algorithms`` and
``/protocols`` are open to any authenticated user.
"""

from oslo_policy import policy

from balancer.core import exceptions

RULES = [
    policy.RuleDefault("context_is_admin", "role:admin",
                       "Who counts as a cloud administrator."),
    policy.RuleDefault("owner", "project_id:%(tenant_id)s",
                       "A token scoped to the project in the URL."),
    policy.RuleDefault("admin_or_owner", "rule:context_is_admin or rule:owner",
                       "The project's own members, or an administrator."),
    policy.DocumentedRuleDefault(
        "balancer:loadbalancer", "rule:admin_or_owner",
        "Every tenant route: load balancers and their nodes, health monitors, "
        "session persistence and virtual IPs.",
        [{"path": "/{tenant_id}/loadbalancers*", "method": "GET/POST/PUT/DELETE"}]),
    policy.DocumentedRuleDefault(
        "balancer:device", "rule:context_is_admin",
        "Registering, listing, inspecting and deleting devices.",
        [{"path": "/devices*", "method": "GET/POST/DELETE"}]),
    policy.DocumentedRuleDefault(
        "balancer:capabilities", "",
        "Listing the algorithms and protocols devices support.",
        [{"path": "/algorithms", "method": "GET"}, {"path": "/protocols", "method": "GET"}]),
]


def list_rules():
    """For oslopolicy-sample-generator (namespace ``balancer``)."""
    return RULES


class Authorizer:
    def __init__(self, conf):
        self.enforcer = policy.Enforcer(conf)
        self.enforcer.register_defaults(RULES)

    def authorize(self, ctx, rule, tenant_id=None):
        """Raise Forbidden unless ``ctx`` may use ``rule`` on ``tenant_id``."""
        target = {"tenant_id": tenant_id, "project_id": tenant_id}
        if not self.enforcer.enforce(rule, target, ctx.to_policy_values()):
            if tenant_id is not None:
                raise exceptions.Forbidden(
                    "not allowed to act on project %s" % tenant_id)
            raise exceptions.Forbidden("this route needs the admin role")
