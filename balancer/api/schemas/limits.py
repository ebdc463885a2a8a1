"""The body of ``PUT /{tenant_id}/limits``: an admin's overrides of one tenant's limits.

``{"limits": {"loadBalancers": 5, "nodesPerLoadBalancer": null}}``: each
named limit becomes the number given (0 to the limit's highest value, see
balancer/core/quotas.py) or, for null, the configured default again.
Unknown limit names are refused: a typo must not look like a limit set.
"""

from balancer.api.schemas import integer, validate
from balancer.core import quotas


def _value(name):
    return {"anyOf": [{"type": "null"}, integer(0, quotas.LIMITS[name].highest)]}


LIMITS = {"type": "object", "required": ["limits"], "additionalProperties": False,
          "properties": {"limits": {
              "type": "object", "minProperties": 1, "additionalProperties": False,
              "properties": {name: _value(name) for name in quotas.LIMITS}}}}


def limits_update(body):
    """{limit name: value or None} from a validated body."""
    values = validate(LIMITS, body)["limits"]
    return {name: None if value is None else int(value) for name, value in values.items()}
