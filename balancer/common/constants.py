"""The vocabulary every layer shares: API schemas, the core, the scheduler and
every driver use these names; a driver maps them to its own keywords (the
HAProxy driver in ``balancer/drivers/haproxy/maps.py``).

The API accepts the original's names and common aliases ("RoundRobin",
"round-robin", "LEAST_CONNECTIONS"); ``canonical_algorithm`` folds them into
one canonical name so the rest of the code sees only those.
"""

ALGORITHMS = ("ROUND_ROBIN", "LEAST_CONNECTION", "HASH_SOURCE", "HASH_URI", "STATIC_RR")
PROTOCOLS = ("HTTP", "HTTPS", "TCP")
# protocols whose listeners speak HTTP to the backends (HTTPS is terminated)
HTTP_PROTOCOLS = ("HTTP", "HTTPS")
MONITOR_TYPES = ("HTTP", "HTTPS", "CONNECT", "TCP", "ICMP")
STICKY_TYPES = ("HTTP_COOKIE", "APP_COOKIE", "SOURCE_IP")

# TLS versions a terminated HTTPS listener may be held to (the lowest one
# accepted); TLS 1.0 and 1.1 are not offered at all
TLS_VERSIONS = ("TLSv1.2", "TLSv1.3")
DEFAULT_TLS_VERSION = "TLSv1.2"

# access-list item types: an ALLOW item wins over a DENY item that also
# matches a source address
ALLOW, DENY = "ALLOW", "DENY"
ACCESS_TYPES = (ALLOW, DENY)

# a node's condition (what the tenant asks for) and the original's node
# ``status`` that goes with each
ENABLED, DISABLED, DRAINING = "ENABLED", "DISABLED", "DRAINING"
CONDITIONS = (ENABLED, DISABLED, DRAINING)
STATUS_OF_CONDITION = {ENABLED: "INSERVICE", DISABLED: "OUTOFSERVICE", DRAINING: "DRAINING"}

# a node's operating status as a device reports it
NODE_UP, NODE_DOWN, NODE_DRAIN, NODE_MAINT = "UP", "DOWN", "DRAIN", "MAINT"
NODE_OPERATING_STATUS_OF_CONDITION = {ENABLED: NODE_UP, DISABLED: NODE_MAINT, DRAINING: NODE_DRAIN}

_ALIASES = {
    "LEASTCONNECTIONS": "LEAST_CONNECTION",
    "LEASTCONN": "LEAST_CONNECTION",
    "SOURCE": "HASH_SOURCE",
    "SOURCEIP": "HASH_SOURCE",
    "URI": "HASH_URI",
    "STATICROUNDROBIN": "STATIC_RR",
}


def _fold(name):
    return "".join(ch for ch in str(name).upper() if ch.isalnum())


_BY_FOLDED = {_fold(name): name for name in ALGORITHMS}
_BY_FOLDED.update(_ALIASES)


def canonical_algorithm(name):
    """``"RoundRobin"`` -> ``"ROUND_ROBIN"``; unknown names come back upper-cased
    so that the scheduler can say no device supports them."""
    if name is None:
        return None
    return _BY_FOLDED.get(_fold(name), str(name).upper())

# a device's health as the service's probe sees it (balancer/core/device_health.py)
HEALTH_ONLINE, HEALTH_DEGRADED, HEALTH_OFFLINE = "ONLINE", "DEGRADED", "OFFLINE"
HEALTH_UNKNOWN = "UNKNOWN"      # never probed, or the last probe is too old to trust
HEALTHS = (HEALTH_ONLINE, HEALTH_DEGRADED, HEALTH_OFFLINE, HEALTH_UNKNOWN)

# the VRRP role keepalived reports for a device of a pair; UNKNOWN when the
# device keeps no keepalived state (not paired, keepalived not running yet)
VRRP_MASTER, VRRP_BACKUP, VRRP_FAULT, VRRP_UNKNOWN = "MASTER", "BACKUP", "FAULT", "UNKNOWN"
VRRP_ROLES = (VRRP_MASTER, VRRP_BACKUP, VRRP_FAULT, VRRP_UNKNOWN)
