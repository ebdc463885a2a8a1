"""An update whose body is the API's own answer sent back: read, edit, PUT.

A client that GETs a record, changes a field and PUTs the whole document
back is not trying to set what the service owns.  Before an update body is
validated (``balancer.api.schemas.resources``), ``as_change`` turns it into
the change it means:

- it may come wrapped in the key its GET answers with (``{"device":
  {...}}``) or flat, as the original's clients sent it;
- a field sent with the value the record has now is no change and is left
  out (``id``, ``created_at``, a device's ``type``, an unchanged ``name``);
- a reading the service computes for each answer (``operatingStatus``, a
  device's ``health``, a certificate's ``certificateInfo``) is left out
  whatever its value: it was the service's observation when the client read
  it, it is never stored, and kept it would be stored as an unknown key.

What is left is checked as any update is: a server-owned field sent with
another value is still a 400 (``resources.reject_read_only``).  Values are
compared as JSON, so ``true`` never stands for a stored ``1`` nor ``"80"``
for ``80``: those are validated like any value sent.  doc/source/api/index.rst
("Sending a record back") says the same for clients;
balancer/tests/functional/test_round_trip.py sends every record back.
"""

import json

from balancer.api.schemas import within

#: per record (the key its GET answers with): fields computed for an answer
READINGS = {
    "loadbalancer": ("operatingStatus",),
    "node": ("operatingStatus", "notApplied"),
    "virtualIp": ("certificateInfo",),
    "device": ("has_password", "has_private_key", "has_vrrp_auth", "ha", "health",
               "health_error", "health_checked_at", "faults", "operatingStatus",
               "operatingStatusDescription"),
}


def same(a, b):
    """Equal as JSON documents: ``1`` is not ``true``, ``80`` not ``"80"``."""
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def as_change(body, key, shown):
    """The fields of ``body`` (a record ``key``) that would change the
    record ``shown`` (its answer to GET now)."""
    if not isinstance(body, dict):
        return body         # the schema's 400
    readings = READINGS.get(key, ())
    return {name: value for name, value in body.items()
            if name not in readings and not (name in shown and same(value, shown[name]))}


def checked_change(body, key, shown, check, **kwargs):
    """``check`` (a ``resources`` function) of the change ``body`` means,
    flat or wrapped as ``{key: {...}}``; a 400 names the field by its path
    in the body sent (``node.weight`` when wrapped)."""
    if isinstance(body, dict) and set(body) == {key}:
        return within(key, check, as_change(body[key], key, shown), **kwargs)
    return check(as_change(body, key, shown), **kwargs)
