"""The request URL, refused before anything reads it when it cannot be read.

WSGI hands the path over as Latin-1 text of the raw bytes (PEP 3333) and the
query still percent-encoded; WebOb decodes both as UTF-8 only when a
controller first touches ``req.path_info`` or ``req.GET``, and an invalid byte
(``/t1/loadbalancers/%FF``, ``?limit=%EF``) or an encoded lone surrogate
(``%ED%B3%BF``) then raised deep inside a controller.  ``check`` decodes them
strictly, once, up front, so every such request is a JSON 400, and measures
the URL so a long one is a JSON 414 (see ``MAX_URL_LENGTH``).
"""

import urllib.parse

from balancer.core import exceptions

#: longest request target (path and query, in bytes) the API reads.  The
#: console script's eventlet server must let longer request lines through
#: (``eventlet.wsgi.server(url_length_limit=...)``, default 8192, counts the
#: whole request line) so that clients see this JSON 414 instead of
#: eventlet's empty one.
MAX_URL_LENGTH = 8192


class UriTooLong(exceptions.BalancerError):
    code, title = 414, "URI Too Long"


def _raw(environ, key):
    return environ.get(key, "").encode("latin-1", "replace")


def _strict_utf8(raw, where):
    try:
        raw.decode("utf-8", "strict")
    except UnicodeDecodeError:
        raise exceptions.Invalid("the %s is not valid UTF-8 once percent-decoded" % where,
                                 field=where) from None


def check(environ):
    """Raise Invalid or UriTooLong unless the path and query decode as UTF-8
    and together fit in ``MAX_URL_LENGTH`` bytes."""
    path = _raw(environ, "SCRIPT_NAME") + _raw(environ, "PATH_INFO")
    query = _raw(environ, "QUERY_STRING")
    if len(path) + len(query) + 1 > MAX_URL_LENGTH:
        raise UriTooLong("the URL is longer than %d bytes" % MAX_URL_LENGTH)
    _strict_utf8(path, "path")          # the server has percent-decoded it already
    for name, value in urllib.parse.parse_qsl(query.decode("latin-1"), keep_blank_values=True,
                                              encoding="latin-1"):
        _strict_utf8(name.encode("latin-1") + b"=" + value.encode("latin-1"), "query")
