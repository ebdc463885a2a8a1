"""A quick "certainly valid" check for the request schemas, before jsonschema.

jsonschema walks a schema with a generic machinery: about 0.2 ms for one
node of a load balancer, over 2 ms for the seed's create body, a large part
of what a create costs (doc/source/performance.rst).  The schemas here use a
handful of keywords, so each schema is turned once into plain Python checks
(``checker``).  A check only ever answers "valid" when every keyword it met
is one it knows and every one holds, and it is stricter than JSON Schema
where that is simpler (``1.0`` is not taken for an integer).  Anything else
goes to jsonschema, which finds the error and words it
(``balancer.api.schemas.validate``); so a body this check accepts is one
jsonschema accepts, which ``balancer/tests/unit/api/test_fast_schemas.py``
compares on valid and broken bodies.
"""

import re

#: keywords that only describe: they never make data invalid
ANNOTATIONS = frozenset(("description", "title", "writeOnly", "readOnly", "default",
                         "examples"))
TYPES = {"string": (str,), "object": (dict,), "array": (list,), "boolean": (bool,)}


def _never(_data):
    return False


def _type(name):
    if name == "integer":
        return lambda data: type(data) is int
    kinds = TYPES.get(name)
    if kinds is None:
        return None
    return lambda data: isinstance(data, kinds)


def _enum(values):
    # jsonschema tells True from 1; comparing the types as well is stricter
    return lambda data: any(type(data) is type(v) and data == v for v in values)


def _custom(keyword, argument):
    """The project's own keywords (``balancer.api.schemas``), run as
    jsonschema runs them: valid when they yield no error."""
    from balancer.api import schemas
    function = {"integerLike": schemas._integer_like,
                "numberLike": schemas._number_like,
                "ipAddress": schemas._ip_address}[keyword]
    return lambda data: next(iter(function(None, argument, data, None)), None) is None


def _compile(schema):
    """A function data -> True when ``schema`` certainly accepts it."""
    if not isinstance(schema, dict):
        return _never
    checks = []
    for keyword, argument in schema.items():
        if keyword in ANNOTATIONS:
            continue
        if keyword == "type":
            check = _type(argument) if isinstance(argument, str) else None
        elif keyword == "maxLength":
            check = (lambda n: lambda d: not isinstance(d, str) or len(d) <= n)(argument)
        elif keyword == "minLength":
            check = (lambda n: lambda d: not isinstance(d, str) or len(d) >= n)(argument)
        elif keyword == "pattern":
            check = (lambda p: lambda d: not isinstance(d, str) or p.search(d) is not None)(
                re.compile(argument))
        elif keyword == "maxItems":
            check = (lambda n: lambda d: not isinstance(d, list) or len(d) <= n)(argument)
        elif keyword == "enum":
            check = _enum(list(argument))
        elif keyword == "anyOf":
            options = [_compile(s) for s in argument]
            check = (lambda opts: lambda d: any(o(d) for o in opts))(options)
        elif keyword == "required":
            check = (lambda keys: lambda d: not isinstance(d, dict)
                     or all(k in d for k in keys))(list(argument))
        elif keyword == "properties":
            props = {name: _compile(sub) for name, sub in argument.items()}
            check = (lambda ps: lambda d: not isinstance(d, dict) or all(
                ps[k](v) for k, v in d.items() if k in ps))(props)
        elif keyword == "items" and isinstance(argument, dict):
            item = _compile(argument)
            check = (lambda one: lambda d: not isinstance(d, list)
                     or all(one(v) for v in d))(item)
        elif keyword in ("integerLike", "numberLike", "ipAddress"):
            check = _custom(keyword, argument)
        else:
            check = None
        if check is None:       # a keyword this module does not know
            return _never
        checks.append(check)
    return lambda data: all(check(data) for check in checks)


_CHECKERS = {}
MAX_CHECKERS = 256


def checker(schema):
    """The compiled check of ``schema``, made once per schema object (the
    schemas are module constants; the schema is kept so its id stays its)."""
    found = _CHECKERS.get(id(schema))
    if found is None or found[0] is not schema:
        if len(_CHECKERS) >= MAX_CHECKERS:   # schemas made per call (partial updates)
            _CHECKERS.clear()
        found = (schema, _compile(schema))
        _CHECKERS[id(schema)] = found
    return found[1]


def certainly_valid(schema, data):
    return checker(schema)(data)
