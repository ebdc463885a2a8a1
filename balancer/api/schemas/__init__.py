"""Request validation: JSON Schema plus three keywords of our own.

``integerLike: [min, max]`` accepts an integer or a string of digits (etc/examples'
JSON sends ``"port": "80"``) within the range, and ``validate`` turns it into
an int; ``numberLike: [min, max]`` does the same for a number that may have
a fraction (a JSON number or a decimal string such as ``"0.5"``), turned into
a float; ``ipAddress: "node"`` or ``"vip"`` accepts an IP literal (see
``balancer.api.schemas.addresses``).  Errors become a 400 that names the
field; the value is never repeated for a ``writeOnly`` property (a password,
a private key).

Every ``pattern`` must match the whole string, so each is written with
``whole``: jsonschema applies patterns with ``re.search``, where ``$`` also
matches before a final newline (``"GET\\n"`` passed ``^(GET)$``); ``\\Z``
does not.  ``balancer.api.schemas.openapi`` writes ``\\Z`` as ``$`` in the
OpenAPI document, which means the same in the ECMA-262 dialect JSON Schema
specifies.
"""

import re

import jsonschema
from jsonschema import validators

from balancer.api.schemas import addresses, document, fast
from balancer.core import exceptions


def whole(body):
    """A pattern that matches only when ``body`` spans the whole string."""
    return r"^(?:%s)\Z" % body


def any_case(*names):
    """Case-insensitive choice among ``names``, spelled without ``(?i)`` (which
    the ECMA dialect of an OpenAPI document lacks): ``[Gg][Ee][Tt]``."""
    def letters(name):
        return "".join("[%s%s]" % (ch.upper(), ch.lower()) if ch.isalpha() else re.escape(ch)
                       for ch in name)
    return {"type": "string", "pattern": whole("|".join(letters(n) for n in names)),
            "description": "one of %s, in any case" % ", ".join(names)}


# no control characters, newlines, or DEL anywhere in free text
TEXT = {"type": "string", "maxLength": 255, "pattern": whole(r"[^\x00-\x1f\x7f]*")}
# what may end up in a config file: one token, no spaces, no comment sign
TOKEN = {"type": "string", "minLength": 1, "maxLength": 255,
         "pattern": whole(r"[A-Za-z0-9._:@/\-]+")}


# a field the 2012 clients sent as text or as a number (a device ``version``
# of "1", 1 or 2.8), kept as sent
NUMBER_OR_TEXT = {"anyOf": [TEXT, {"type": "number"}]}


def integer(minimum, maximum):
    return {"integerLike": [minimum, maximum]}


def number(minimum, maximum):
    """A number that may have a fraction (``0.5`` or ``"0.5"``), as a float."""
    return {"numberLike": [minimum, maximum]}


def integer_as_sent(minimum, maximum):
    """An integer or a string of digits in the range, kept as the client
    spelled it (the original echoed a VIP's ``"VLAN": "200"`` as a string):
    the ``anyOf`` keeps ``validate`` from turning it into an int."""
    return {"anyOf": [integer(minimum, maximum)]}


def flag():
    """The original's 0/1 flags, also as strings or booleans."""
    return {"anyOf": [{"type": "boolean"}, {"enum": [0, 1, "0", "1", "true", "false",
                                                     "True", "False"]}]}


# ASCII digits only: str.isdigit() also accepts "²", which int() refuses
DIGITS = re.compile(r"[0-9]{1,10}\Z")


def _integer_like(validator, bounds, instance, schema):
    if isinstance(instance, bool):
        yield jsonschema.ValidationError("%r is not an integer" % (instance,))
        return
    if isinstance(instance, str) and DIGITS.match(instance):
        instance = int(instance)
    if not isinstance(instance, int):
        yield jsonschema.ValidationError("%r is not an integer" % (instance,))
    elif not bounds[0] <= instance <= bounds[1]:
        yield jsonschema.ValidationError(
            "%r is not between %d and %d" % (instance, bounds[0], bounds[1]))


# a decimal number as text, as the 2012 CLI sent every value: no exponent,
# no "nan" or "inf" (float() takes those), no spaces
DECIMAL = re.compile(r"-?(?:[0-9]{1,10}(?:\.[0-9]{0,10})?|\.[0-9]{1,10})\Z")


def _number_like(validator, bounds, instance, schema):
    if isinstance(instance, str) and DECIMAL.match(instance):
        instance = float(instance)
    if isinstance(instance, bool) or not isinstance(instance, (int, float)):
        yield jsonschema.ValidationError("%s is not a number" % _shown(instance))
    elif not bounds[0] <= instance <= bounds[1]:       # NaN is never in range
        yield jsonschema.ValidationError(
            "%r is not between %g and %g" % (instance, bounds[0], bounds[1]))


def _ip_address(validator, role, instance, schema):
    if not isinstance(instance, str):
        return
    problem = addresses.problem(instance, role)
    if problem:
        yield jsonschema.ValidationError(problem)


Validator = validators.extend(jsonschema.Draft7Validator,
                              {"integerLike": _integer_like, "numberLike": _number_like,
                               "ipAddress": _ip_address})


def _field_name(error):
    path = [str(p) for p in error.absolute_path]
    if error.validator == "required":
        missing = error.message.split("'")[1] if "'" in error.message else ""
        path.append(missing)
    if error.validator == "additionalProperties" and "'" in error.message:
        path.append(error.message.split("'")[1])
    return ".".join(path) or "body"


def _coerce(schema, data):
    """Turn every ``integerLike`` value into an int and every ``numberLike``
    one into a float, following the schema."""
    if "integerLike" in schema and isinstance(data, str):
        return int(data)
    if "numberLike" in schema and isinstance(data, (str, int, float)):
        return float(data)
    if isinstance(data, dict):
        props = schema.get("properties", {})
        return {k: _coerce(props.get(k, {}), v) for k, v in data.items()}
    if isinstance(data, list) and isinstance(schema.get("items"), dict):
        return [_coerce(schema["items"], v) for v in data]
    return data


def within(prefix, check, data, *args, **kwargs):
    """``check(data)``, with any Invalid's field placed under ``prefix`` so
    the 400 names the field by its path in the whole body (``nodes.0.port``)."""
    try:
        return check(data, *args, **kwargs)
    except exceptions.Invalid as err:
        field = err.details.get("field")
        path = "%s.%s" % (prefix, field) if field and field != "body" else prefix
        message = err.message.replace("invalid %s:" % field, "invalid %s:" % path, 1)
        raise exceptions.Invalid(message, **dict(err.details, field=path)) from err


def write_only(schema):
    """A property never shown back (a password): its errors omit the value."""
    return dict(schema, writeOnly=True)


def _write_only_reason(error):
    """Why a write-only value was refused, in words that never repeat it."""
    if error.validator == "type":
        return "must be of type %s" % error.validator_value
    if error.validator == "maxLength":
        return "must be at most %d characters long" % error.validator_value
    if error.validator == "minLength":
        return "must be at least %d characters long" % error.validator_value
    return "is not an accepted value (%s)" % error.validator


def _shown(value):
    """``value`` as an error message may quote it: short."""
    text = repr(value)
    return text if len(text) <= 80 else text[:60] + "... (%d characters)" % len(text)


def validate(schema, data):
    """Validated and coerced ``data``, or Invalid naming the first bad field."""
    document.check(data)      # also where the data did not come from a request body
    if fast.certainly_valid(schema, data):
        return _coerce(schema, data)
    errors = sorted(Validator(schema).iter_errors(data),
                    key=lambda e: (len(list(e.absolute_path)), list(map(str, e.absolute_path))))
    if errors:
        error = errors[0]
        field = _field_name(error)
        if isinstance(error.schema, dict) and error.schema.get("writeOnly"):
            reason = _write_only_reason(error)
        elif error.validator == "pattern":
            reason = "contains characters that are not allowed"
        elif error.validator in ("anyOf", "oneOf", "enum"):
            reason = "%s is not one of the accepted values" % _shown(error.instance)
        else:
            reason = error.message if len(error.message) <= 200 else \
                "%s (%s)" % (_shown(error.instance), error.validator)
        raise exceptions.Invalid("invalid %s: %s" % (field, reason), field=field)
    return _coerce(schema, data)
