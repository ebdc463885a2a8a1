"""The OpenAPI 3.1 document of the whole API, built from what the API runs.

Paths and methods come from ``balancer.api.router.ROUTES``, request bodies
from the very schemas the controllers validate with (balancer/api/schemas/
resources.py), answers from balancer/api/schemas/responses.py; so the
document cannot describe an API that does not exist.  The committed copy,
doc/source/api/openapi.yaml, is written by::

    .venv/bin/python -m balancer.api.schemas.openapi > doc/source/api/openapi.yaml

and balancer/tests/functional/test_openapi.py fails when it is out of date.

Our three schema keywords become standard JSON Schema here: ``integerLike``
an integer in range or a string of digits, ``numberLike`` a number in range
or a decimal string, ``ipAddress`` the ipv4/ipv6
formats; ``\\Z`` (see ``balancer.api.schemas.whole``) becomes ``$``, which in
the ECMA-262 dialect of JSON Schema already means the end of the string.
"""

import copy
import re
import sys

import yaml

from balancer import version
from balancer.api import router, schemas
from balancer.api.middleware import versions
from balancer.api.schemas import access, document, resources, responses
from balancer.api.schemas import limits as limit_schemas

ADDRESS_NOTES = {
    "node": "an IPv4 or IPv6 literal without a scope id",
    "vip": "an IPv4 or IPv6 literal without a scope id; not multicast, broadcast, "
           "link-local or reserved (see balancer/api/schemas/addresses.py)",
}


#: what ``balancer.api.schemas.DECIMAL`` accepts, in the document's dialect
DECIMAL_PATTERN = re.sub(r"\\Z$", "$", "^" + schemas.DECIMAL.pattern)


def _same_length(low, high):
    """Patterns for the digit strings from ``low`` to ``high``, both of one length."""
    if low == high:
        return [low]
    if set(low) == {"0"} and set(high) == {"9"}:
        return ["[0-9]{%d}" % len(low)]
    if len(low) == 1:
        return ["[%s-%s]" % (low, high)]
    if set(low[1:]) == {"0"} and set(high[1:]) == {"9"}:
        return ["[%s-%s][0-9]{%d}" % (low[0], high[0], len(low) - 1)]
    if low[0] == high[0]:
        return [low[0] + rest for rest in _same_length(low[1:], high[1:])]
    tail = len(low) - 1
    out = [low[0] + rest for rest in _same_length(low[1:], "9" * tail)]
    if int(high[0]) - int(low[0]) > 1:
        out.append("[%d-%d][0-9]{%d}" % (int(low[0]) + 1, int(high[0]) - 1, tail))
    return out + [high[0] + rest for rest in _same_length("0" * tail, high[1:])]


def range_pattern(low, high):
    """A pattern matching exactly the decimal numbers ``low`` to ``high``
    (no sign, no leading zeros): what a string may hold where the API also
    takes the number as a string of digits."""
    parts = []
    for length in range(len(str(low)), len(str(high)) + 1):
        start, end = max(low, 10 ** (length - 1) if length > 1 else 0), min(high, 10 ** length - 1)
        if start <= end:
            parts += _same_length(str(start), str(end))
    return "^(?:%s)$" % "|".join(parts)


def standard(schema):
    """``schema`` in plain JSON Schema 2020-12 (a deep copy)."""
    if isinstance(schema, list):
        return [standard(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out = {}
    for key, value in schema.items():
        if key == "integerLike":
            low, high = value
            out["anyOf"] = [{"type": "integer", "minimum": low, "maximum": high},
                            {"type": "string", "pattern": range_pattern(low, high),
                             "description": "the same integer as a string of digits"}]
            out.setdefault("description", "an integer from %d to %d" % (low, high))
        elif key == "numberLike":
            low, high = value
            out["anyOf"] = [{"type": "number", "minimum": low, "maximum": high},
                            {"type": "string", "pattern": DECIMAL_PATTERN,
                             "description": "the same number as a decimal string "
                                            "(%g to %g)" % (low, high)}]
            out.setdefault("description", "a number from %g to %g" % (low, high))
        elif key == "ipAddress":
            out["anyOf"] = [{"format": "ipv4"}, {"format": "ipv6"}]
            out["description"] = ADDRESS_NOTES[value]
        elif key == "pattern":
            out[key] = re.sub(r"\\Z$", "$", value)
        elif key in ("properties", "patternProperties"):
            out[key] = {name: standard(sub) for name, sub in value.items()}
        else:
            out[key] = standard(value)
    return out


def _with_items(schema, **items):
    """A load balancer body whose child lists are described item by item."""
    body = copy.deepcopy(schema)
    for key, item in items.items():
        body["properties"][key] = dict(body["properties"][key], items=item)
    return body


def _optional(schema, drop=()):
    body = copy.deepcopy(schema)
    body["required"] = []
    for key in drop:
        body["properties"].pop(key, None)
    return body


def _wrapper(key, inner, **more):
    return {"type": "object", "required": [key], "properties": {key: dict(inner, **more)}}


READ_ONLY_NOTE = ("Unknown keys are stored and echoed back; null for an optional key "
                  "means it is not given. These keys cannot be set: "
                  + ", ".join(resources.READ_ONLY) + " (a health monitor's status is "
                  "its expected HTTP codes, as the 2012 clients sent it); in an update, "
                  "a key sent with the value the record shows now is no change, so the "
                  "answer to GET may be sent back edited. Nesting is limited to %d "
                  "levels." % document.MAX_DEPTH)
DEVICE_UPDATE = _optional(resources.DEVICE, drop=("type",))
DEVICE_UPDATE["properties"]["host_key"] = {
    "type": ["string", "null"], "maxLength": 16384,
    "description": "null forgets the pinned key; the next connection pins the key shown"}

#: request schemas shared by several bodies, by component name
REQUEST_COMPONENTS = {"NodeBody": resources.NODE, "VirtualIpBody": resources.VIP,
                      "MonitorBody": resources.MONITOR, "StickyBody": resources.STICKY}
_ref = responses.ref

#: (controller, action) -> request body schema (our dialect)
BODIES = {
    ("lbs", "create"): _with_items(resources.LB, nodes=_ref("NodeBody"),
                                   virtualIps=_ref("VirtualIpBody"),
                                   healthMonitor=_ref("MonitorBody"),
                                   sessionPersistence=_ref("StickyBody")),
    ("lbs", "update"): resources.LB_UPDATE,
    ("nodes", "create"): _wrapper("nodes", {"type": "array", "minItems": 1,
                                            "maxItems": 1000, "items": _ref("NodeBody")}),
    ("nodes", "update"): _optional(resources.NODE),
    ("monitors", "create"): _wrapper("healthMonitoring", _ref("MonitorBody")),
    ("stickies", "create"): _ref("StickyBody"),
    ("vips", "create"): _wrapper("virtualIp", _ref("VirtualIpBody")),
    # also accepted wrapped in {"virtualIp": ...} (balancer.api.v1.members)
    ("vips", "update"): _optional(resources.VIP),
    ("devices", "create"): resources.DEVICE,
    ("devices", "update"): DEVICE_UPDATE,
    ("access", "create"): dict(_wrapper("accessList", {
        "type": "array", "minItems": 1, "maxItems": access.MAX_ITEMS_PER_REQUEST,
        "items": access.ITEM}), additionalProperties=False),
    ("throttle", "update"): dict(_wrapper("connectionThrottle", access.THROTTLE),
                                 additionalProperties=False),
    ("limits", "update"): limit_schemas.LIMITS,
}

# ids a created thing's answer carries: (JSON pointer into the answer, name
# of the path parameter it fills)
CREATED_ID = {
    "lbs": ("/loadbalancer/id", "lb_id"),
    "nodes": ("/nodes/0/id", "child_id"),
    "monitors": ("/healthMonitoring/id", "child_id"),
    "stickies": ("/sessionPersistence/id", "child_id"),
    "vips": ("/virtualIp/id", "child_id"),
    "devices": ("/device/id", "device_id"),
    "access": ("/accessList/0/id", "item_id"),
}


def operation_id(name, action):
    return "%s_%s" % (name, action)


def _parameters(path, name, action):
    params = [{"name": p, "in": "path", "required": True, "schema": {"type": "string"}}
              for p in re.findall(r"{(\w+)}", path)]
    if (name, action) == ("deploys", "index"):
        params.append({"name": "limit", "in": "query", "required": False,
                       "schema": {"type": "integer", "minimum": 1, "maximum": 200}})
    if (name, action) == ("lbs", "index"):
        params += [{"name": "limit", "in": "query", "required": False,
                    "schema": {"type": "integer", "minimum": 1, "maximum": 1000}},
                   {"name": "marker", "in": "query", "required": False,
                    "schema": {"type": "string"},
                    "description": "id of the last load balancer of the previous page"}]
    return params


def _links(path, name, action):
    """From a create's answer to every operation on what it created."""
    if action != "create":
        return {}
    pointer, param = CREATED_ID[name]
    links = {}
    for _method, other_path, other_name, other_action in router.ROUTES:
        if other_path == path or not other_path.startswith(path + "/{" + param + "}"):
            continue
        if other_name != name and name != "lbs":
            continue
        values = {p: "$request.path." + p for p in re.findall(r"{(\w+)}", path)}
        values[param] = "$response.body#" + pointer
        links[operation_id(other_name, other_action)] = {
            "operationId": operation_id(other_name, other_action), "parameters": values}
    return links


def _errors(method):
    codes = ["400", "403", "404", "414"]
    if method in ("POST", "PUT", "DELETE"):
        codes.append("409")
    if method in ("POST", "PUT"):
        codes += ["413", "415"]
    out = {code: {"$ref": "#/components/responses/Error"} for code in sorted(codes)}
    out["default"] = {"$ref": "#/components/responses/Error"}
    return out


def _operation(method, path, name, action):
    code, schema = responses.SUCCESS[(name, action)]
    success = {"description": "success"}
    if schema is not None:
        success["content"] = {"application/json": {"schema": schema}}
    if (name, action) in responses.NOT_JSON:
        success["content"] = {responses.NOT_JSON[(name, action)]: {
            "schema": {"type": "string"}}}
    links = _links(path, name, action)
    if links:
        success["links"] = links
    op = {"operationId": operation_id(name, action), "tags": [name],
          "parameters": _parameters(path, name, action),
          "responses": dict({str(code): success}, **_errors(method))}
    body = BODIES.get((name, action))
    if body is not None:
        op["requestBody"] = {"required": True, "description": READ_ONLY_NOTE, "content": {
            "application/json": {"schema": standard(body)}}}
    return op


def _healthcheck():
    """``/healthcheck`` is answered by a filter in front of the router
    (balancer/api/middleware/healthcheck.py, oslo.middleware), not by a
    route; its answer is text unless JSON or HTML is asked for."""
    answer = {"text/plain": {"schema": {"type": "string"}},
              "application/json": {"schema": {"type": "object"}},
              "text/html": {"schema": {"type": "string"}}}
    operation = {"tags": ["healthcheck"], "description": "before any authentication",
                 "responses": {"200": {"description": "the service and its database answer",
                                       "content": answer},
                               "503": {"description": "the database does not answer",
                                       "content": answer}}}
    return {"get": dict(operation, operationId="healthcheck_get"),
            "head": {"operationId": "healthcheck_head", "tags": ["healthcheck"],
                     "responses": {"204": {"description": "healthy"},
                                   "503": {"description": "not healthy"}}}}


def _versions():
    """``/`` is answered by a filter in front of authentication
    (balancer/api/middleware/versions.py), not by a route."""
    link = {"type": "object", "required": ["rel", "href"],
            "properties": {"rel": {"type": "string"}, "href": {"type": "string"}}}
    schema = {"type": "object", "required": ["versions"], "properties": {"versions": {
        "type": "array", "items": {
            "type": "object", "required": ["id", "status", "links"],
            "properties": {"id": {"type": "string", "enum": ["v1"]},
                           "status": {"type": "string", "enum": ["CURRENT"]},
                           "updated": {"type": "string"},
                           "links": {"type": "array", "items": link}}}}}}
    answer = {"description": "the API versions this service serves (without a token)",
              "content": {"application/json": {"schema": schema,
                                               "example": versions.document(
                                                   "http://localhost:8181/")}}}
    return {"get": {"operationId": "versions_get", "tags": ["versions"],
                    "responses": {"200": answer}},
            "head": {"operationId": "versions_head", "tags": ["versions"],
                     "responses": {"200": {"description": "as GET, without a body"}}}}


#: paths served by a filter of the pipeline rather than by a route
PIPELINE_PATHS = {"/": _versions, "/healthcheck": _healthcheck}


def build():
    """The OpenAPI document as a dict."""
    paths = {path: make() for path, make in PIPELINE_PATHS.items()}
    for method, path, name, action in router.ROUTES:
        paths.setdefault(path, {})[method.lower()] = _operation(method, path, name, action)
    return {
        "openapi": "3.1.0",
        "info": {"title": "balancer", "version": version.VERSION,
                 "description": "Load balancing as a service: tenants' load balancers "
                                "under /{tenant_id}/loadbalancers, admin devices under "
                                "/devices. Every error is JSON."},
        "servers": [{"url": "http://localhost:8181"}],
        "paths": paths,
        "components": {"responses": {"Error": {
            "description": "an error, always JSON of this shape",
            "content": {"application/json": {"schema": responses.ref("Error")}}}},
            "schemas": dict(
            copy.deepcopy(responses.COMPONENTS),
            **{name: standard(schema) for name, schema in REQUEST_COMPONENTS.items()})},
    }


class _Dumper(yaml.SafeDumper):
    """Writes repeated parts out in full: no ``&id001`` anchors for readers."""

    def ignore_aliases(self, data):
        return True


def as_yaml(doc=None):
    return ("# Generated by python -m balancer.api.schemas.openapi; do not edit.\n"
            + yaml.dump(doc or build(), Dumper=_Dumper, sort_keys=False,
                        allow_unicode=False, width=100))


if __name__ == "__main__":
    sys.stdout.write(as_yaml())
