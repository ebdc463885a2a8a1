"""Bodies of ``…/accessList`` and ``…/connectionThrottle`` (the Atlas shapes).

An access-list item is a network, IPv4 or IPv6 (``10.0.0.0/8``,
``2001:db8::/32``; a bare address is one host), stored canonical
(``10.1.2.3/8`` is ``10.0.0.0/8``), and a type, ALLOW or DENY in any case.
A throttle holds per-source limits: ``maxConnections`` at once,
``maxConnectionRate`` new ones per ``rateInterval`` seconds (default 60)
once a source holds more than ``minConnections``.  Both refuse keys they do
not know, so a misspelt limit is a 400 rather than a limit that is silently
not applied; ``null`` for any field is "not given" (as everywhere,
doc/source/compatibility.rst).  doc/source/api/index.rst has examples.
"""

import ipaddress

from balancer.api.schemas import any_case, compat, integer, validate, within
from balancer.common import constants
from balancer.core import exceptions

MAX_ITEMS_PER_REQUEST = 1000
ITEM = {"type": "object", "required": ["address", "type"], "additionalProperties": False,
        "properties": {"address": {"type": "string", "minLength": 1, "maxLength": 64},
                       "type": any_case(*constants.ACCESS_TYPES)}}
ACCESS_LIST = {"type": "object", "required": ["accessList"], "additionalProperties": False,
               "properties": {"accessList": {"type": "array", "minItems": 1,
                                             "maxItems": MAX_ITEMS_PER_REQUEST}}}
THROTTLE_FIELDS = {"maxConnections": integer(0, 1000000),
                   "minConnections": integer(0, 1000000),
                   "maxConnectionRate": integer(0, 1000000),
                   "rateInterval": integer(1, 3600)}
THROTTLE = {"type": "object", "additionalProperties": False, "properties": THROTTLE_FIELDS}
THROTTLE_BODY = {"type": "object", "required": ["connectionThrottle"],
                 "additionalProperties": False,
                 "properties": {"connectionThrottle": {"type": "object"}}}


def network(text):
    """The canonical network of ``text``; a 400 for anything else."""
    try:
        if "%" in text:
            raise ValueError("zone")
        return str(ipaddress.ip_network(text.strip(), strict=False))
    except ValueError:
        raise exceptions.Invalid("invalid address: %r is not an IPv4 or IPv6 network "
                                 "(CIDR) or address" % text[:64], field="address") from None


def _item(data):
    data = validate(ITEM, compat.without_nulls(data))
    return {"address": network(data["address"]), "type": data["type"].upper()}


def access_list(body):
    """The items of a POST body, checked, canonical, no network twice."""
    items = validate(ACCESS_LIST, body)["accessList"]
    checked, seen = [], set()
    for index, raw in enumerate(items):
        item = within("accessList.%d" % index, _item, raw)
        if item["address"] in seen:
            raise exceptions.Invalid("invalid accessList.%d.address: %s is in the request "
                                     "twice" % (index, item["address"]),
                                     field="accessList.%d.address" % index)
        seen.add(item["address"])
        checked.append(item)
    return checked


def _throttle(data):
    # a limit of null is not given: the answer to GET shows each one, null
    # where unset, and that answer sent back is the same throttle
    data = validate(THROTTLE, compat.without_nulls(data))
    if not data.get("maxConnections") and not data.get("maxConnectionRate"):
        raise exceptions.Invalid("invalid maxConnections: a throttle needs maxConnections "
                                 "or maxConnectionRate above 0", field="maxConnections")
    if data.get("maxConnectionRate"):
        data.setdefault("rateInterval", 60)
    return data


def throttle(body):
    """The fields of a PUT body ``{"connectionThrottle": {...}}``, checked."""
    return within("connectionThrottle", _throttle,
                  validate(THROTTLE_BODY, body)["connectionThrottle"])
