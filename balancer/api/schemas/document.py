"""A request body, decoded: JSON that can be stored and answered again.

``json.loads`` accepts two things the rest of the service cannot handle:

- lone surrogates (``"\\ud800"``, or the raw bytes ``ED A0 80``, which
  ``json.loads`` decodes with ``surrogatepass``): such a string cannot be
  encoded as UTF-8, so the database refused it at commit and the request
  ended in a 500.  Any string in the document, key or value, in a known field
  or an unknown one kept as ``extra``, is refused with a 400 naming it.
- documents nested hundreds of levels deep: every recursive step later on
  (schema validation, coercion, storing ``extra``, encoding the answer)
  could hit Python's recursion limit.  ``MAX_DEPTH`` bounds the nesting; the
  deepest body the API defines is four levels.

The walk is iterative, so the check itself never recurses.
"""

import json

from balancer.core import exceptions

#: deepest nesting of arrays and objects a body may have
MAX_DEPTH = 32


def _no_constants(name):
    """NaN and Infinity are not JSON; accepting them would echo invalid JSON."""
    raise ValueError("%s is not a JSON value" % name)


def _printable(part):
    """A path element as text that can itself be put in a JSON answer."""
    return str(part).encode("utf-8", "backslashreplace").decode("utf-8")


def _field(path):
    return ".".join(_printable(p) for p in path) or "body"


def _check_text(text, path):
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        field = _field(path)
        raise exceptions.Invalid("invalid %s: contains a lone surrogate, which is not "
                                 "a character and cannot be stored" % field,
                                 field=field) from None


def check(document):
    """Raise Invalid for a lone surrogate anywhere or nesting past MAX_DEPTH."""
    pending = [(document, (), 1)]
    while pending:
        value, path, depth = pending.pop()
        if isinstance(value, (dict, list)) and depth > MAX_DEPTH:
            field = _field(path[:1])        # the top-level field it is under
            raise exceptions.Invalid("invalid %s: the document is nested deeper than %d "
                                     "levels" % (field, MAX_DEPTH), field=field)
        if isinstance(value, dict):
            for key, item in value.items():
                _check_text(key, path + (key,))
                pending.append((item, path + (key,), depth + 1))
        elif isinstance(value, list):
            pending.extend((item, path + (index,), depth + 1)
                           for index, item in enumerate(value))
        elif isinstance(value, str):
            _check_text(value, path)
    return document


def parse(raw):
    """The JSON document in ``raw`` (bytes), checked; Invalid otherwise."""
    try:
        document = json.loads(raw, parse_constant=_no_constants)
    except RecursionError:
        raise exceptions.Invalid("malformed JSON: the document is nested deeper than %d "
                                 "levels" % MAX_DEPTH, field="body") from None
    except ValueError as err:
        raise exceptions.Invalid("malformed JSON: %s" % err, field="body") from None
    return check(document)
