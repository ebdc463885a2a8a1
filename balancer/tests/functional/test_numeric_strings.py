"""Every numeric field of every request body, sent as a string, create and update.

The 2012 CLI sent every value as a string (``"port": "80"``), form clients
sent numbers; doc/source/compatibility.rst promises both everywhere.  The
fields are not listed here: they are read from the very schemas the API
validates with (``openapi.BODIES``, every POST and PUT body), so a numeric
field added to a schema is sent here without anyone remembering to.  What
is written by hand is how to reach each operation (``OPERATIONS``) and the
few fields that only exist beside others (``context``).

Each field is sent as a string on its operation and read back with its
numeric meaning: a JSON number (a 0/1 flag may be a boolean), never the
string sent, except for the few fields ``AS_TEXT`` lists with the reason;
then a non-numeric string is a JSON 400 naming the field, and no row of any
table changes and nothing is deployed.
"""

import itertools

import pytest
import sqlalchemy as sa

from balancer.api import router, schemas
from balancer.api.schemas import compat, openapi
from balancer.tests import tls_certs
from balancer.tests.functional import conftest as functional
from balancer.tests.functional import helpers
from balancer.tests.functional.helpers import lb_url

api, device, lb = functional.module_fixtures("numeric-strings")

#: a tenant of its own for the limits, so no other case is limited by them
LIMITED = "limited"
_addresses = (f"10.77.{n // 250}.{n % 250 + 1}" for n in itertools.count())


def _numeric(schema):
    """(keyword, [low, high]) of an integer/number field (``integerLike``,
    ``numberLike`` or a JSON Schema ``type``), also one inside ``anyOf``
    (kept as sent, or nullable); ('flag', None) for a 0/1 flag."""
    for keyword in ("integerLike", "numberLike"):
        if keyword in schema:
            return keyword, schema[keyword]
    # plain JSON Schema numbers count too: they are what refuses "80"
    kinds = {"integer": "integerLike", "number": "numberLike"}
    types = schema.get("type")
    for kind in types if isinstance(types, list) else [types]:
        if kind in kinds:
            return kinds[kind], [schema.get("minimum", 0), schema.get("maximum", 1000)]
    options = [s for s in schema.get("anyOf", []) if isinstance(s, dict)]
    if any(schemas.Validator(option).is_valid("abc") for option in options):
        return None     # also free text (a device's version: "1", 2.8 or "1.4.24")
    if any({0, 1, "0", "1"} <= set(s.get("enum", ())) for s in options):
        return "flag", None
    return next(filter(None, map(_numeric, options)), None)


def numeric_fields(schema, path=()):
    """(path, keyword, bounds) of every numeric field in a request schema,
    ``0`` in a path standing for the first item of a list."""
    if "$ref" in schema:
        schema = openapi.REQUEST_COMPONENTS[schema["$ref"].rsplit("/", 1)[1]]
    found = _numeric(schema)
    if found:
        return [(path,) + found]
    fields = []
    for name, sub in schema.get("properties", {}).items():
        fields += numeric_fields(sub, path + (name,))
    if isinstance(schema.get("items"), dict):
        fields += numeric_fields(schema["items"], path + (0,))
    return fields


def samples(keyword, bounds):
    """Valid values for create and for update, and their text; none is a
    range's low bound (often the field's default), so reading one back
    shows that it was stored."""
    if keyword == "flag":
        return [(1, "1"), (1, "1")]       # 1: no flag is on by default
    low, high = bounds
    if keyword == "numberLike":
        values = [v for v in (0.5, 1.25, 2.75, 7.5) if low <= v <= high][:2]
    else:
        values = [min(high, low + 3), min(high, low + 2)]
    return [(v, str(v)) for v in values]


def put(body, path, value):
    """``body`` with ``value`` at ``path`` (the lists and objects copied)."""
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(head, int):
        return [put(body[0], rest, value)] + body[1:]
    return dict(body, **{head: put(body.get(head, {}), rest, value)})


def get(document, path):
    for step in path:
        document = document[step]
    return document


CASES = [(name, action) + field for (name, action), schema in sorted(openapi.BODIES.items())
         for field in numeric_fields(schema)]


def _vip():
    return {"address": next(_addresses), "port": 80}


def _node():
    return {"address": next(_addresses), "port": 8080}


def _new_lb(api):
    return helpers.create_lb(api, virtualIps=[_vip()], nodes=[_node()])["id"]


def _details(api, lb_id):
    return api.get(lb_url("t1", lb_id, "details")).json


def _child(api, lb_id, kind, child_id, key):
    return api.get(lb_url("t1", lb_id, kind, child_id)).json[key]


class Operation:
    """How to reach one operation of ``openapi.BODIES``: ``prepare`` makes
    what it acts on, ``base`` is a valid body without the field, ``send``
    posts or puts it, ``stored`` reads back a document shaped like the body."""

    def __init__(self, method, url, base, stored, prepare=_new_lb):
        self.method, self.url, self.base, self.stored = method, url, base, stored
        self.prepare = prepare

    def send(self, api, target, body, status=None):
        call = api.post_json if self.method == "POST" else api.put_json
        return call(self.url(target), body, status=status, expect_errors=status == 400)


def _node_of(api):
    lb_id = _new_lb(api)
    return lb_id, _details(api, lb_id)["nodes"][0]["id"]


def _vip_of(api):
    lb_id = _new_lb(api)
    return lb_id, _details(api, lb_id)["virtualIps"][0]["id"]


def _limits(api, _target, _resp):
    absolute = api.get("/%s/limits" % LIMITED).json["limits"]["absolute"]
    return {"limits": {name: limit["override"] for name, limit in absolute.items()}}


OPERATIONS = {
    ("lbs", "create"): Operation(
        "POST", lambda _t: lb_url("t1"), prepare=lambda api: None,
        base=lambda: helpers.lb_body(virtualIps=[_vip()], nodes=[_node()],
                                     healthMonitor=[{"type": "HTTP"}]),
        stored=lambda api, _t, resp: _details(api, resp.json["loadbalancer"]["id"])),
    ("lbs", "update"): Operation(
        "PUT", lambda lb_id: lb_url("t1", lb_id), base=dict,
        stored=lambda api, lb_id, _resp: _details(api, lb_id)),
    ("nodes", "create"): Operation(
        "POST", lambda lb_id: lb_url("t1", lb_id, "nodes"), base=lambda: {"nodes": [_node()]},
        stored=lambda api, lb_id, resp: {"nodes": [_child(
            api, lb_id, "nodes", resp.json["nodes"][0]["id"], "node")]}),
    ("nodes", "update"): Operation(
        "PUT", lambda t: lb_url("t1", t[0], "nodes", t[1]), base=dict, prepare=_node_of,
        stored=lambda api, t, _resp: _child(api, t[0], "nodes", t[1], "node")),
    ("monitors", "create"): Operation(
        "POST", lambda lb_id: lb_url("t1", lb_id, "healthMonitoring"),
        base=lambda: {"healthMonitoring": {"type": "HTTP"}},
        stored=lambda api, lb_id, resp: {"healthMonitoring": _child(
            api, lb_id, "healthMonitoring", resp.json["healthMonitoring"]["id"],
            "healthMonitoring")}),
    ("vips", "create"): Operation(
        "POST", lambda lb_id: lb_url("t1", lb_id, "virtualIps"),
        base=lambda: {"virtualIp": _vip()},
        stored=lambda api, lb_id, resp: {"virtualIp": _child(
            api, lb_id, "virtualIps", resp.json["virtualIp"]["id"], "virtualIp")}),
    ("vips", "update"): Operation(
        "PUT", lambda t: lb_url("t1", t[0], "virtualIps", t[1]), base=dict, prepare=_vip_of,
        stored=lambda api, t, _resp: _child(api, t[0], "virtualIps", t[1], "virtualIp")),
    ("devices", "create"): Operation(
        "POST", lambda _t: "/devices", prepare=lambda api: None,
        base=lambda: {"name": "numeric", "type": "noop", "ip": "127.0.0.1"},
        stored=lambda api, _t, resp: api.get(
            "/devices/%s" % resp.json["device"]["id"]).json["device"]),
    ("devices", "update"): Operation(
        "PUT", lambda device_id: "/devices/%s" % device_id, base=dict,
        prepare=lambda api: api.add_device(name="numeric")["id"],
        stored=lambda api, device_id, _resp: api.get(
            "/devices/%s" % device_id).json["device"]),
    ("throttle", "update"): Operation(
        "PUT", lambda lb_id: lb_url("t1", lb_id, "connectionThrottle"),
        base=lambda: {"connectionThrottle": {"maxConnections": 10}},
        stored=lambda api, lb_id, _resp: api.get(
            lb_url("t1", lb_id, "connectionThrottle")).json),
    ("limits", "update"): Operation(
        "PUT", lambda _t: "/%s/limits" % LIMITED, prepare=lambda api: None,
        base=lambda: {"limits": {}}, stored=_limits),
}


@pytest.fixture(scope="module")
def certificate():
    return tls_certs.Authority().issue("numeric.example.test").body()


def context(leaf, certificate):
    """The fields a field needs beside it: only an HTTPS virtual IP (which
    carries its certificate) has the TLS ones."""
    if leaf in ("httpRedirectPort", "forwardedHeaders"):
        return dict(certificate, protocol="HTTPS")
    return {}


def body_with(operation, path, value, certificate):
    body = operation.base()
    for key, extra in context(path[-1], certificate).items():
        body = put(body, path[:-1] + (key,), extra)
    return put(body, path, value)


def every_row(api):
    """Every row of every table of the service's database."""
    with api.service.engine.connect() as conn:
        names = sorted(sa.inspect(conn).get_table_names())
        return {name: conn.execute(sa.text("SELECT * FROM %s" % name)).fetchall()
                for name in names}


def _case_id(case):
    name, action, path = case[:3]
    return "%s-%s-%s" % (name, action, ".".join(map(str, path)))


#: the record a field of each operation's body belongs to
RECORD_OF_OPERATION = {"nodes": "node", "vips": "vip", "monitors": "monitor",
                       "devices": "device", "throttle": "throttle", "limits": "limits"}
RECORD_OF_LIST = {"nodes": "node", "virtualIps": "vip", "healthMonitor": "monitor",
                  "sessionPersistence": "sticky"}

#: (record, field) read back as text, each deliberately (doc/source/compatibility.rst,
#: "What is echoed as sent, and what is stored canonically"); every other
#: numeric field must read back as a number
AS_TEXT = {
    # echoed as the client spelled it, as the original did
    ("lb", "port"): "kept with no effect, echoed as sent",
    ("vip", "VLAN"): "the original echoed a virtual IP's VLAN as sent",
    ("vip", "ICMPreply"): "the original echoed a virtual IP's ICMPreply as sent",
    ("monitor", "status"): "the 2012 spelling of expected, echoed as sent beside it",
    # stored canonically as text
    ("monitor", "expected"): 'HTTP codes are text ("200-204"): 200 is "200"',
}


def record_of(name, path):
    """The record (``node``, ``vip``, ...) the field at ``path`` of an
    operation ``name``'s body belongs to."""
    if name == "lbs":
        return RECORD_OF_LIST[path[0]] if len(path) > 1 else "lb"
    return RECORD_OF_OPERATION[name]


def _means(stored, value, keyword, text, as_text=False):
    """``stored`` is ``value`` read back: a number of the field's kind, or
    where the field is in AS_TEXT, the text that was sent."""
    if as_text:
        return type(stored) is str and stored == text
    if keyword == "numberLike":
        return type(stored) is float and stored == value
    kinds = (int, bool) if keyword == "flag" else (int,)
    return type(stored) in kinds and stored == value


def test_the_fields_read_back_as_text_are_numeric_fields_of_the_bodies():
    """AS_TEXT names only fields this test sends (a renamed one is noticed)."""
    sent = {(record_of(name, path), path[-1]) for name, _action, path, *_ in CASES}
    assert set(AS_TEXT) <= sent


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_a_numeric_string_is_taken_with_its_meaning(api, device, certificate, case):
    name, action, path, keyword, bounds = case
    operation = OPERATIONS[(name, action)]
    value, text = samples(keyword, bounds)[0 if action == "create" else 1]
    target = operation.prepare(api)
    resp = operation.send(api, target, body_with(operation, path, text, certificate))
    stored = operation.stored(api, target, resp)
    record = record_of(name, path)
    assert _means(get(stored, path), value, keyword, text, (record, path[-1]) in AS_TEXT), (
        text, get(stored, path))
    canonical = compat.MONITOR_ALIASES.get(path[-1]) if name in ("lbs", "monitors") else None
    if canonical:       # the 2012 spelling fills the field it stands for
        assert _means(get(stored, path[:-1] + (canonical,)), value, keyword, text,
                      (record, canonical) in AS_TEXT)


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_a_non_numeric_string_is_a_400_naming_the_field(api, device, certificate, case):
    name, action, path, keyword, _bounds = case
    operation = OPERATIONS[(name, action)]
    target = operation.prepare(api)
    before = every_row(api), api.driver(device["id"]).deploy_count
    resp = operation.send(api, target, body_with(operation, path, "abc", certificate),
                          status=400)
    # the field is named by its path in the body (``nodes.0.port``)
    error = helpers.error_of(resp, 400, ".".join(map(str, path)))
    assert "'abc'" in error["message"], error
    assert (every_row(api), api.driver(device["id"]).deploy_count) == before


def test_every_operation_with_a_body_is_reached():
    """A new POST or PUT body is in the schemas walked here, and a new
    operation with numeric fields needs its entry in OPERATIONS."""
    with_bodies = {(n, a) for method, _p, n, a in router.ROUTES if method in ("POST", "PUT")}
    assert with_bodies - set(openapi.BODIES) == {("nodes", "change_status")}
    assert {case[:2] for case in CASES} == set(OPERATIONS)
    keywords = {case[3] for case in CASES}
    assert keywords == {"integerLike", "numberLike", "flag"}
    fields = {case[2][-1] for case in CASES}
    assert {"vrrp_advert_int", "vrrp_version", "ha_peers_port", "maxCon", "minCon",
            "httpRedirectPort", "VLAN", "delay", "rateInterval", "loadBalancers"} <= fields
