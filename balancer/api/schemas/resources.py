"""JSON schemas of every request body, and the normalisation after them.

Normalising makes stored data canonical (``"80"`` -> 80, ``"RoundRobin"`` ->
``ROUND_ROBIN``, ``"enabled"`` -> ``ENABLED``) so responses give numbers and
drivers see one vocabulary.  Unknown keys stay allowed: the original kept
them and echoed them back, and clients rely on that.  What the 2012 clients
send that needs more than that (``null`` meaning "not given", a monitor's
``status``/``attempts``/``url``, its default timings) is in
``balancer.api.schemas.compat``; doc/source/compatibility.rst lists it all.
"""

import ipaddress

from balancer.api.schemas import (
    NUMBER_OR_TEXT,
    TEXT,
    TOKEN,
    any_case,
    compat,
    flag,
    integer,
    integer_as_sent,
    tls,
    validate,
    whole,
    within,
    write_only,
)
from balancer.api.schemas import pairs as pair_schema
from balancer.common import constants
from balancer.core import exceptions
from balancer.core import status as st

NODE_ADDRESS = {"type": "string", "maxLength": 64, "ipAddress": "node"}
VIP_ADDRESS = {"type": "string", "maxLength": 64, "ipAddress": "vip"}
CONN_LIMIT = integer(0, 1000000)
# printable ASCII a URL path may hold, less what haproxy.cfg would read as
# syntax: space, quotes, backslash, '#', '$' (environment variables), and
# the characters RFC 3986 never allows in a path (| { } < > ^ `)
PATH = {"type": "string", "maxLength": 1024,
        "pattern": whole(r"/[A-Za-z0-9\-._~:/?\[\]@!&()*+,;=%]*")}
STATUS_CODE = r"[1-5][0-9]{2}"
CODES = "%s(-%s)?" % (STATUS_CODE, STATUS_CODE)
# "200", "200-204" or "200,301-302"; each range must also run upwards
# (checked in monitor())
EXPECTED = {"anyOf": [{"type": "string", "maxLength": 255,
                       "pattern": whole(r"%s(,%s)*" % (CODES, CODES))},
                      integer(100, 599)]}
COOKIE = {"type": "string", "maxLength": 64, "pattern": whole(r"[A-Za-z0-9._\-]+")}
FILE_PATH = {"type": "string", "maxLength": 1024, "pattern": whole(r"/[A-Za-z0-9._/\-]+")}

NODE = {"type": "object", "required": ["address", "port"], "properties": {
    "address": NODE_ADDRESS, "port": integer(1, 65535), "weight": integer(1, 256),
    "minCon": CONN_LIMIT, "maxCon": CONN_LIMIT, "rateBandwidth": CONN_LIMIT,
    "rateConnection": CONN_LIMIT, "condition": any_case("enabled", "disabled", "draining"),
    "status": TEXT, "name": TEXT, "type": TEXT, "description": TEXT,
    "vm_id": integer(0, 2 ** 31 - 1), "parent_id": integer(0, 2 ** 31 - 1),
    "vm_instance": TEXT}}
# every field of a virtual IP, for create and update (vip() and vip_update())
VIP_FIELDS = {
    "address": VIP_ADDRESS, "port": integer(1, 65535), "mask": TEXT, "name": TEXT,
    "type": TEXT, "ipVersion": any_case("ipv4", "ipv6"), "protocol": any_case(*constants.PROTOCOLS),
    "VLAN": integer_as_sent(0, 4095), "ICMPreply": flag(), **tls.FIELDS}
VIP = {"type": "object", "required": ["address", "port"], "properties": VIP_FIELDS}
# delay, timeout and attempts default (compat.MONITOR_DEFAULTS); the 2012
# clients' spellings ``attempts``, ``status`` and ``url`` are checked as
# the fields they stand for (compat.monitor_aliases)
MONITOR = {"type": "object",
           "required": ["type"],
           "properties": {
               "type": any_case(*constants.MONITOR_TYPES), "name": TEXT,
               "delay": integer(1, 86400), "timeout": integer(1, 86400),
               "attemptsBeforeDeactivation": integer(1, 100), "attempts": integer(1, 100),
               "method": any_case("GET", "HEAD", "POST", "PUT", "OPTIONS", "DELETE", "PATCH"),
               "path": PATH, "url": PATH, "expected": EXPECTED, "status": EXPECTED}}
STICKY = {"type": "object", "required": ["type"], "properties": {
    "type": any_case("http_cookie", "http-cookie", "app_cookie", "app-cookie",
                   "source_ip", "source-ip"),
    "cookieName": COOKIE, "name": TEXT}}
LB_FIELDS = {"name": TEXT, "algorithm": TOKEN, "protocol": any_case(*constants.PROTOCOLS),
             "transport": TEXT, "port": integer_as_sent(1, 65535)}
# the items of these lists are checked one by one by node(), vip(), monitor()
# and sticky() (see load_balancer()), not here as well
LB = {"type": "object", "required": ["name"], "properties": dict(
    LB_FIELDS, device_id=TOKEN,
    nodes={"type": "array", "maxItems": 1000},
    virtualIps={"type": "array", "maxItems": 100},
    healthMonitor={"type": "array", "maxItems": 10},
    sessionPersistence={"type": "array", "maxItems": 1})}
LB_UPDATE = {"type": "object", "properties": LB_FIELDS}
DEVICE = {"type": "object", "required": ["name", "type", "ip"], "properties": {
    "name": TEXT, "type": TOKEN, "version": NUMBER_OR_TEXT,
    # 64: the length of the original's device.ip column
    "ip": {"type": "string", "maxLength": 64, "pattern": whole(r"[A-Za-z0-9.:\-]+")},
    "port": integer(1, 65535), "user": TOKEN,
    "password": write_only({"type": "string", "maxLength": 255}),
    "private_key": write_only({"type": "string", "maxLength": 16384}),
    "host_key": {"type": "string", "maxLength": 16384},
    "capabilities": {"type": "object", "properties": {
        "algorithms": {"type": "array", "items": TOKEN},
        "protocols": {"type": "array", "items": TOKEN}}},
    "supports_ipv6": flag(), "requires_vip_ip": flag(), "has_acl": flag(),
    "supports_vlan": flag(), "insecure_skip_host_key": flag(),
    "interface": TOKEN, "socket": FILE_PATH, "remote_config_path": FILE_PATH,
    "pid_file": FILE_PATH, "haproxy_bin": FILE_PATH,
    "reload_command": {"type": "string", "maxLength": 1024,
                       "pattern": whole(r"[^\x00-\x1f\x7f]*")},
    **pair_schema.PROPERTIES}}

READ_ONLY = ("id", "tenant_id", "device_id", "status", "sf_id", "lb_id", "deployed",
             "created_at", "updated_at", "statusDescription", "status_description",
             "revision")
FLAGS = ("supports_ipv6", "requires_vip_ip", "has_acl", "supports_vlan",
         "insecure_skip_host_key")


def _object(data, what):
    if not isinstance(data, dict):
        raise exceptions.Invalid("%s must be a JSON object" % what, field=what)
    return data


def reject_read_only(data, allowed=()):
    for key in READ_ONLY:
        if key in data and key not in allowed:
            raise exceptions.Invalid("%s cannot be set by clients" % key, field=key)


def canonical_address(data):
    """One spelling per address (``2001:DB8:0::1`` -> ``2001:db8::1``), so
    that equal addresses compare equal (VIP conflicts) and render alike."""
    if "address" in data:
        data["address"] = str(ipaddress.ip_address(data["address"]))
    return data


def node(data, creating=True):
    data = compat.without_nulls(_object(data, "node"))
    reject_read_only(data, allowed=("status",))
    schema = NODE if creating else dict(NODE, required=[])
    data = canonical_address(validate(schema, data))
    condition = data.get("condition")
    if condition is None and "status" in data:
        condition = st.condition_from_route(data["status"])
    if condition is not None or creating:
        condition = str(condition or "ENABLED").upper()
        data.update(condition=condition, status=st.STATUS_OF_CONDITION[condition])
    if creating:
        data.setdefault("weight", 1)
    return data


def vip(data):
    """A new virtual IP, checked and canonical."""
    data = compat.without_nulls(_object(data, "virtualIp"))
    reject_read_only(data)
    return tls.check(vip_canonical(canonical_address(validate(VIP, data))))


def vip_update(data):
    """The fields a ``PUT …/virtualIps/{id}`` changes, checked; the core
    merges them into the stored VIP and calls ``vip_canonical`` on the whole."""
    data = compat.without_nulls(_object(data, "virtualIp"))
    reject_read_only(data)
    data = canonical_address(validate(dict(VIP, required=[]), data))
    if data.get("protocol"):
        data["protocol"] = data["protocol"].upper()
    # the stored TLS fields count too: balancer.core.vip_tls.prepare decides
    return tls.check(data, complete=False)


def vip_canonical(data):
    """``ipVersion`` from the address (a contradicting one is a 400), the
    protocol in capitals."""
    version = "IPv6" if ":" in data["address"] else "IPv4"
    if "ipVersion" in data and data["ipVersion"].lower() != version.lower():
        raise exceptions.Invalid("invalid ipVersion: address %s is %s"
                                 % (data["address"], version), field="ipVersion")
    data["ipVersion"] = version
    if data.get("protocol"):
        data["protocol"] = data["protocol"].upper()
    return data


def monitor(data):
    data = compat.without_nulls(_object(data, "healthMonitoring"))
    # a monitor has no status of its own: the 2012 clients' ``status`` is the
    # expected HTTP code(s) (compat.monitor_aliases)
    reject_read_only(data, allowed=("status",))
    data = compat.monitor_aliases(validate(MONITOR, data))
    data["type"] = data["type"].upper()
    if "expected" in data:
        data["expected"] = str(data["expected"])
    if data["type"] in ("HTTP", "HTTPS"):
        data["method"] = data.get("method", "GET").upper()
        data.setdefault("path", "/")
        data["expected"] = str(data.get("expected", "200"))
        for part in data["expected"].split(","):
            low, _, high = part.partition("-")
            if high and int(high) < int(low):
                raise exceptions.Invalid("invalid expected: the range %s runs backwards"
                                         % part, field="expected")
    return data


def sticky(data):
    data = compat.without_nulls(_object(data, "sessionPersistence"))
    reject_read_only(data)
    data = validate(STICKY, data)
    data["type"] = data["type"].upper().replace("-", "_")
    if data["type"] == "APP_COOKIE" and not data.get("cookieName"):
        raise exceptions.Invalid("invalid cookieName: APP_COOKIE needs the "
                                 "application's cookie name", field="cookieName")
    return data


def load_balancer(data):
    data = compat.without_nulls(_object(data, "loadbalancer"))
    reject_read_only(data, allowed=("device_id",))
    data = validate(LB, data)
    data["algorithm"] = constants.canonical_algorithm(data.get("algorithm") or "ROUND_ROBIN")
    data["protocol"] = (data.get("protocol") or "HTTP").upper()
    for key, check in (("nodes", node), ("virtualIps", vip), ("healthMonitor", monitor),
                       ("sessionPersistence", sticky)):
        data[key] = each(key, check, data.get(key, []))
    return data


def each(key, check, items):
    """``check`` every item of a list, naming a bad field ``key.N.field``."""
    return [within("%s.%d" % (key, i), check, item) for i, item in enumerate(items)]


def load_balancer_update(data):
    data = compat.without_nulls(_object(data, "loadbalancer"))
    reject_read_only(data)
    for key in ("nodes", "virtualIps", "healthMonitor", "sessionPersistence"):
        if key in data:
            raise exceptions.Invalid("%s cannot be changed through a load balancer "
                                     "update; use its own route" % key, field=key)
    data = validate(LB_UPDATE, data)
    if "algorithm" in data:
        data["algorithm"] = constants.canonical_algorithm(data["algorithm"])
    if "protocol" in data:
        data["protocol"] = data["protocol"].upper()
    return data


def device(data):
    data = compat.without_nulls(_object(data, "device"))
    reject_read_only(data)
    data = validate(DEVICE, data)
    data.setdefault("port", 22)
    return _device_values(data)


def _device_values(data):
    """Flags as 0/1; ``version`` as text, the type of its column (a form's
    ``1`` is the CLI's ``"1"``)."""
    for key in FLAGS:
        if key in data:
            data[key] = 1 if str(data[key]).lower() in ("1", "true") else 0
    if "version" in data:
        data["version"] = str(data["version"])
    return data


def device_update(data):
    """A device change: any field of a device except its id and type; a
    ``host_key`` of null forgets the pinned key (the next connection pins the
    key it is shown, as on first use) and a ``peer_id`` of null unpairs
    (doc/source/ha.rst); any other null means "not given"."""
    reject_read_only(_object(data, "device"))
    if "type" in data:
        raise exceptions.Invalid("type cannot be changed; register a new device",
                                 field="type")
    cleared = [key for key in CLEARABLE_DEVICE_FIELDS if key in data and data[key] is None]
    data = compat.without_nulls(data)
    data = _device_values(validate(dict(DEVICE, required=[]), data))
    data.update(dict.fromkeys(cleared))
    return data


# device fields whose null in an update is a request, not an absence
CLEARABLE_DEVICE_FIELDS = ("host_key", "peer_id")
