"""Turns user-supplied values into tokens that are safe inside haproxy.cfg.

The API validates bodies too, but the renderer is the last line of defence:
one newline, ``#`` or space in an address, path or cookie name would let a
tenant add directives to a file that HAProxy runs as root.  Every value that
reaches the config goes through one of these functions, which either return
a canonical token or raise DriverError naming the load balancer and field.
Free text (names) never reaches the config except through ``comment``.

No value may carry ``$`` either: HAProxy expands ``$VAR`` and ``${VAR}`` while
it parses, so ``fe80::1%${SUDO_COMMAND}`` would hand the device's environment
(command lines, paths) back to the tenant in HAProxy's error message.
"""

import ipaddress
import re

from balancer.drivers.base import DriverError

_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$")
_HOSTNAME = re.compile(r"^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,62})(\.[A-Za-z0-9-]{1,63})*$")
_METHOD = re.compile(r"^[A-Z]{1,16}$")
_PATH = re.compile(r"^/[A-Za-z0-9\-._~:/?\[\]@!&()*+,;=%]{0,1023}\Z")      # RFC 3986 less $
_COOKIE = re.compile(r"^[A-Za-z0-9!%&*+\-.^_`|~]{1,64}\Z")   # RFC 6265 token less $, quotes
_CODES = re.compile(r"^[1-5][0-9]{2}(-[1-5][0-9]{2})?$")
_FORBIDDEN = re.compile(r"[\s#\x00\"'\\$]")


def refuse(lb_id, field, value, why="is not allowed in haproxy.cfg"):
    raise DriverError("load balancer %s: %s %r %s" % (lb_id, field, value, why),
                      (lb_id,))


def _text(lb_id, field, value):
    value = "" if value is None else str(value)
    if _FORBIDDEN.search(value):
        refuse(lb_id, field, value,
               "contains whitespace, a quote, '#', '$' or a control character")
    return value


def ident(lb_id, field, value):
    """Record ids become section and server names, so they must be plain."""
    value = _text(lb_id, field, value)
    if not _ID.match(value):
        refuse(lb_id, field, value, "is not a plain identifier")
    return value


def address(lb_id, field, value):
    """An IP address (canonical form) or a DNS name; returns (text, version)
    where version is 4, 6 or None for a name."""
    value = _text(lb_id, field, value)
    try:
        parsed = ipaddress.ip_address(value)
    except ValueError:
        if not _HOSTNAME.match(value):
            refuse(lb_id, field, value, "is neither an IP address nor a host name")
        return value, None
    return str(parsed), parsed.version


def host_port(host, version, port):
    """``[::1]:80`` for IPv6, ``1.2.3.4:80`` otherwise: HAProxy would read the
    last group of a bare v6 address as the port."""
    return "[%s]:%d" % (host, port) if version == 6 else "%s:%d" % (host, port)


def integer(lb_id, field, value, low, high, default=None):
    """Integers arrive as ints or as strings (``"80"``, as in etc/examples)."""
    if value is None or value == "":
        return default
    text = _text(lb_id, field, value)
    try:
        number = int(text)
    except ValueError:
        refuse(lb_id, field, value, "is not an integer")
    if not low <= number <= high:
        refuse(lb_id, field, value, "is outside %d..%d" % (low, high))
    return number


def method(lb_id, value):
    value = _text(lb_id, "monitor method", value or "GET").upper()
    if not _METHOD.match(value):
        refuse(lb_id, "monitor method", value)
    return value


def path(lb_id, value):
    value = _text(lb_id, "monitor path", value or "/")
    if not _PATH.match(value):
        refuse(lb_id, "monitor path", value, "is not an absolute URL path")
    return value


def cookie_name(lb_id, value):
    value = _text(lb_id, "cookie name", value)
    if not _COOKIE.match(value):
        refuse(lb_id, "cookie name", value, "is not a cookie token")
    return value


def expected_codes(lb_id, value):
    """``"200"``, ``"200-204"``, ``"200,202"`` -> ``"200-204,301"``, the list
    form ``http-check expect status`` takes since HAProxy 2.2."""
    if value is None or str(value).strip() == "":
        return None
    parts = [part.strip() for part in str(value).split(",")]
    for part in parts:
        if not _CODES.match(part):
            refuse(lb_id, "monitor expected codes", value,
                   "is not a list of HTTP codes or ranges like 200-204")
        low, _, high = part.partition("-")
        if high and int(high) < int(low):
            refuse(lb_id, "monitor expected codes", value, "has a range that runs backwards")
    return ",".join(parts)


def comment(value):
    """Free text (a load balancer's name) as a harmless comment tail: only
    printable ASCII, at most 60 characters, nothing HAProxy could parse."""
    text = "".join(ch if (32 < ord(ch) < 127 and ch != "$") or ch == " " else "?"
                   for ch in str(value or ""))
    return " ".join(text.split())[:60]
