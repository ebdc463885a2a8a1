"""The quick check (balancer/api/schemas/fast.py) never accepts what jsonschema refuses."""

import itertools

import pytest

from balancer.api import schemas
from balancer.api.schemas import fast, resources
from balancer.tests.conftest import seed_json

SCHEMAS = {"node": resources.NODE, "vip": resources.VIP, "monitor": resources.MONITOR,
           "sticky": resources.STICKY, "lb": resources.LB, "lb_update": resources.LB_UPDATE,
           "device": resources.DEVICE}
# values of every kind and edge the schemas tell apart
CANDIDATES = [None, True, False, 0, 1, 1.0, 2.5, -1, 80, 65535, 65536, 2 ** 40, "", "0",
              "1", "80", "22", "65536", "²", "abc", "GET", "get", "HTTP", "tcp", "ENABLED",
              "draining", "RoundRobin", "10.0.0.1", "0.0.0.0", "::", "2001:db8::1",
              "127.0.0.1\n", "a b", "x" * 255, "x" * 256, "/health", "/a b", "200-204",
              "204-200", "200,301-302", "SID", "HTTP_COOKIE", "app-cookie", "\x00", "$HOME",
              [], [1], {}, {"a": 1}, "true", "True", "0.5", ".5", "0.01", "-1", "1e3",
              "nan", 0.05, 300.0]


def _jsonschema_accepts(schema, data):
    return not list(schemas.Validator(schema).iter_errors(data))


def _bodies():
    seed = seed_json("createLBcommandHAProxy")
    yield "lb", {k: v for k, v in seed.items() if k not in resources.READ_ONLY}
    for key, name in (("nodes", "node"), ("virtualIps", "vip"), ("healthMonitor", "monitor")):
        for item in seed[key]:
            yield name, item
    yield "sticky", {"type": "HTTP_COOKIE", "cookieName": "SID"}
    yield "lb_update", {"name": "x", "algorithm": "LEAST_CONNECTION"}
    yield "device", {"name": "d", "type": "HAPROXY", "ip": "10.0.0.2", "port": "22",
                     "user": "ubuntu", "password": "p", "supports_ipv6": 0}


def test_the_seed_bodies_take_the_quick_path():
    for name, body in _bodies():
        assert fast.certainly_valid(SCHEMAS[name], body), (name, body)


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_every_field_broken_every_way_is_never_accepted_by_the_quick_check_alone(name):
    schema = SCHEMAS[name]
    bases = [body for kind, body in _bodies() if kind == name] or [{}]
    fields = list(schema.get("properties", {})) + ["unknownKey"]
    checked = accepted = 0
    for base, field, value in itertools.product(bases, fields, CANDIDATES):
        body = dict(base, **{field: value})
        quick = fast.certainly_valid(schema, body)
        checked += 1
        accepted += quick
        if quick:
            assert _jsonschema_accepts(schema, body), (name, field, value)
    # and without each required field
    for base, field in itertools.product(bases, schema.get("required", [])):
        body = {k: v for k, v in base.items() if k != field}
        assert not fast.certainly_valid(schema, body)
    assert checked and accepted        # the quick path did take some


def test_a_refused_body_still_gets_jsonschema_s_message():
    with pytest.raises(schemas.exceptions.Invalid) as err:
        resources.node({"address": "10.0.0.1", "port": "70000"})
    assert err.value.details["field"] == "port"
    assert "70000" in err.value.message


def test_an_unknown_keyword_sends_everything_to_jsonschema():
    schema = {"type": "object", "properties": {"a": {"type": "string", "format": "email"}}}
    assert not fast.certainly_valid(schema, {"a": "x"})
    assert fast.certainly_valid({"type": "object"}, {"a": "x"})
