"""The body of ``PUT /{tenant_id}/limits``: an admin's overrides of one tenant's limits.

``{"limits": {"loadBalancers": 5, "nodesPerLoadBalancer": null}}``: each
named limit becomes the number given (0 to the limit's highest value, see
balancer/core/quotas.py) or, for null, the configured default again.
Unknown limit names are refused: a typo must not look like a limit set.

The answer to GET, ``{"limits": {"tenant_id": ..., "absolute": {name:
{"value", "default", "override", "used"}}}}``, may be sent back as it is or
edited: each ``override`` is the value set (null: the default), and the
rest is what the service shows, accepted only as shown (``echoes``).
"""

from balancer.api.schemas import echoes, integer, validate, within
from balancer.core import exceptions, quotas


def _value(name):
    return {"anyOf": [{"type": "null"}, integer(0, quotas.LIMITS[name].highest)]}


LIMITS = {"type": "object", "required": ["limits"], "additionalProperties": False,
          "properties": {"limits": {
              "type": "object", "minProperties": 1, "additionalProperties": False,
              "properties": {name: _value(name) for name in quotas.LIMITS}}}}
# the answer to GET sent back: what may be in it
READ_BACK = {"type": "object", "required": ["absolute"], "additionalProperties": False,
             "properties": {"tenant_id": {"type": "string"},
                            "absolute": {"type": "object", "minProperties": 1,
                                         "additionalProperties": False,
                                         "properties": dict.fromkeys(quotas.LIMITS,
                                                                     {"type": "object"})}}}
SHOWN_FIELDS = ("value", "default", "used")
# one limit of it: the override is the setting
ENTRIES = {name: {"type": "object", "additionalProperties": False,
                  "properties": dict(dict.fromkeys(SHOWN_FIELDS, {}), override=_value(name))}
           for name in quotas.LIMITS}


def _entry(name, entry, shown):
    """The override of one limit of a read-back body."""
    entry = validate(ENTRIES[name], entry)
    for field in SHOWN_FIELDS:
        if field in entry and not echoes.same(entry[field], shown.get(field)):
            raise exceptions.Invalid(
                "invalid %s: it is what the service shows (%r now), not a setting; "
                "change override (null: the default)" % (field, shown.get(field)),
                field=field)
    return entry


def _read_back(limits, shown):
    """{limit name: value or None} from the answer to GET, sent back."""
    limits = validate(READ_BACK, limits)
    if "tenant_id" in limits and limits["tenant_id"] != shown["tenant_id"]:
        raise exceptions.Invalid("invalid tenant_id: these are the limits of %s"
                                 % shown["tenant_id"], field="tenant_id")
    values = {}
    for name, entry in limits["absolute"].items():
        entry = within("absolute.%s" % name, _entry, name, entry, shown["absolute"][name])
        if "override" in entry:
            values[name] = entry["override"]
    return values


def limits_update(body, shown):
    """{limit name: value or None} from a validated body; ``shown``: the
    tenant's limits as GET answers them now."""
    limits = body.get("limits") if isinstance(body, dict) else None
    if isinstance(limits, dict) and "absolute" in limits and set(body) == {"limits"}:
        values = within("limits", _read_back, limits, shown)
    else:
        values = validate(LIMITS, body)["limits"]
    return {name: None if value is None else int(value) for name, value in values.items()}
