"""Who may do what, with oslo.policy: defaults in code, overridable by file.

The defaults reproduce what a tenant of the original could expect, minus its
holes: tenant routes need a token for the project in the URL (admins may act
on any project); ``/devices`` needs the admin role; ``/algorithms`` and
``/protocols`` are open to any authenticated user.

A token whose only roles in the project are readers (``reader``, Keystone's
default read-only role, and nothing that implies more) may read everything
its project may see and write nothing: every tenant route's GET is
``balancer:loadbalancer``, every other method also needs
``balancer:loadbalancer:write``, which refuses a reader with 403.  Only an
admin sets a tenant's limits or reads ``/metrics``.

Operators override any rule in a YAML file named by oslo.policy's own option,
``[oslo_policy] policy_file`` in balancer-api.conf (default ``policy.yaml``,
looked up beside the config files and in /etc/balancer/).  The file only
needs the rules it changes; it is re-read when it changes (looked at
once a second at most), without a
restart.  ``etc/policy.yaml.sample`` lists every rule with its default
(regenerate: ``oslopolicy-sample-generator --namespace balancer``).
"""

import time

from oslo_policy import policy

from balancer.core import exceptions

RULES = [
    policy.RuleDefault("context_is_admin", "role:admin",
                       "Who counts as a cloud administrator."),
    policy.RuleDefault("owner", "project_id:%(tenant_id)s",
                       "A token scoped to the project in the URL."),
    policy.RuleDefault("admin_or_owner", "rule:context_is_admin or rule:owner",
                       "The project's own members, or an administrator."),
    policy.RuleDefault("reader_only", "role:reader and not role:member and not role:admin",
                       "A token that may read its project and change nothing."),
    policy.DocumentedRuleDefault(
        "balancer:loadbalancer", "rule:admin_or_owner",
        "Every tenant route: load balancers and their nodes, health monitors, "
        "session persistence, virtual IPs, statistics and limits, reading "
        "(writing also needs balancer:loadbalancer:write).",
        [{"path": "/{tenant_id}/loadbalancers", "method": "GET"},
         {"path": "/{tenant_id}/loadbalancers", "method": "POST"},
         {"path": "/{tenant_id}/loadbalancers/{lb_id}[/...]", "method": "GET"},
         {"path": "/{tenant_id}/loadbalancers/{lb_id}[/...]", "method": "POST"},
         {"path": "/{tenant_id}/loadbalancers/{lb_id}[/...]", "method": "PUT"},
         {"path": "/{tenant_id}/loadbalancers/{lb_id}[/...]", "method": "DELETE"}]),
    *[policy.DocumentedRuleDefault(
        "balancer:%s:%s" % (resource, action), "rule:admin_or_owner",
        "%s a load balancer's %s (also needs balancer:loadbalancer)."
        % (verb, what), [{"path": "/{tenant_id}/loadbalancers/{lb_id}/" + path,
                          "method": method}])
      for resource, what, action, verb, method, path in (
          ("accessList", "access list", "get", "Reading", "GET", "accessList"),
          ("accessList", "access list", "create", "Adding networks to", "POST",
           "accessList"),
          ("accessList", "access list", "delete", "Removing a network from", "DELETE",
           "accessList/{item_id}"),
          ("connectionThrottle", "connection throttle", "get", "Reading", "GET",
           "connectionThrottle"),
          ("connectionThrottle", "connection throttle", "update", "Setting", "PUT",
           "connectionThrottle"),
          ("connectionThrottle", "connection throttle", "delete", "Removing", "DELETE",
           "connectionThrottle"))],
    policy.DocumentedRuleDefault(
        "balancer:loadbalancer:write",
        "rule:balancer:loadbalancer and (rule:context_is_admin or not rule:reader_only)",
        "Every tenant route but GET: creating, changing and deleting; "
        "refused to a token with only the reader role.",
        [{"path": "/{tenant_id}/loadbalancers", "method": "POST"},
         {"path": "/{tenant_id}/loadbalancers/{lb_id}[/...]", "method": "POST"},
         {"path": "/{tenant_id}/loadbalancers/{lb_id}[/...]", "method": "PUT"},
         {"path": "/{tenant_id}/loadbalancers/{lb_id}[/...]", "method": "DELETE"}]),
    policy.DocumentedRuleDefault(
        "balancer:limits:update", "rule:context_is_admin",
        "Setting or removing a tenant's own limits (its overrides of the "
        "[limits] defaults).",
        [{"path": "/{tenant_id}/limits", "method": "PUT"},
         {"path": "/{tenant_id}/limits", "method": "DELETE"}]),
    policy.DocumentedRuleDefault(
        "balancer:metrics", "rule:context_is_admin",
        "The Prometheus text of the service and of every load balancer "
        "(operators only: it names every tenant).",
        [{"path": "/metrics", "method": "GET"}]),
    policy.DocumentedRuleDefault(
        "balancer:device", "rule:context_is_admin",
        "Registering, listing, inspecting and deleting load-balancer devices "
        "(they hold SSH credentials and serve every project).",
        [{"path": "/devices", "method": "GET"},
         {"path": "/devices", "method": "POST"},
         {"path": "/devices/{device_id}", "method": "GET"},
         {"path": "/devices/{device_id}", "method": "DELETE"},
         {"path": "/devices/{device_id}/info", "method": "GET"},
         {"path": "/devices/{device_id}/loadbalancers", "method": "GET"}]),
    policy.DocumentedRuleDefault(
        "balancer:deploy_history", "rule:context_is_admin",
        "Reading the history of deploys to devices (outcome, duration, the "
        "operator's error text).",
        [{"path": "/deploys", "method": "GET"}]),
    policy.DocumentedRuleDefault(
        "balancer:capabilities", "",
        "Listing the algorithms and protocols the devices support (any "
        "authenticated user; the token itself is checked by authtoken).",
        [{"path": "/algorithms", "method": "GET"},
         {"path": "/protocols", "method": "GET"}]),
]


def list_rules():
    """For oslopolicy-sample-generator (entry point namespace ``balancer``)."""
    return RULES


class _Enforcer(policy.Enforcer):
    """oslo.policy looks at the policy files on every check; looking at most
    once per ``recheck_interval`` seconds still picks up an operator's edit
    without a restart, and takes a third of the cost off every request."""

    def __init__(self, conf, recheck_interval):
        super().__init__(conf)
        self._recheck_interval = recheck_interval
        self._checked_at = None
        #: (rule, target, credentials) -> allowed; emptied whenever the rules
        #: are looked at again, so it is never staler than the rules are
        self.decisions = {}

    def load_rules(self, force_reload=False):
        now = time.monotonic()
        if (not force_reload and self._checked_at is not None
                and now - self._checked_at < self._recheck_interval):
            return
        super().load_rules(force_reload)
        self._checked_at = now
        self.decisions = {}


def _frozen(values):
    """Policy credentials as a hashable key (lists become tuples)."""
    return tuple(sorted((k, tuple(v) if isinstance(v, list) else v)
                        for k, v in values.items() if not isinstance(v, dict)))


class Authorizer:
    """One oslo.policy Enforcer on the service's ConfigOpts.

    ``policy.Enforcer(conf)`` registers ``[oslo_policy]`` on that object, so
    the policy file option is read from balancer-api.conf and never from the
    process-global ``cfg.CONF``.
    """

    def __init__(self, conf, recheck_interval=1.0):
        self.enforcer = _Enforcer(conf, recheck_interval)
        self.enforcer.register_defaults(RULES)

    def authorize(self, ctx, rule, tenant_id=None):
        """Raise Forbidden unless ``ctx`` may use ``rule`` on ``tenant_id``.

        Without a tenant the target carries no ``tenant_id`` at all, so an
        ``owner`` check can never match a token that has no project either
        (oslo.policy would compare the strings "None" and "None").
        """
        target = {} if tenant_id is None else {"tenant_id": tenant_id,
                                                "project_id": tenant_id}
        if not self._allowed(rule, target, ctx.to_policy_values()):
            if tenant_id is not None:
                raise exceptions.Forbidden(
                    "Not allowed to act on project %s (policy rule %s)." % (tenant_id, rule))
            raise exceptions.Forbidden("Not allowed by policy rule %s." % rule)

    def _allowed(self, rule, target, credentials):
        self.enforcer.load_rules()
        key = (rule, tuple(sorted(target.items())), _frozen(credentials))
        decisions = self.enforcer.decisions
        if key not in decisions:
            if len(decisions) > 10000:
                decisions.clear()
            decisions[key] = bool(self.enforcer.enforce(rule, target, credentials))
        return decisions[key]
