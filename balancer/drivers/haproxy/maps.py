"""Tables from the API's vocabulary to HAProxy keywords.

The API accepts the original's names and common aliases ("RoundRobin",
"round-robin", "LEAST_CONNECTIONS"); ``canonical_algorithm`` folds them into
one canonical name so the rest of the code sees only those.
"""

ALGORITHM_KEYWORDS = {
    "ROUND_ROBIN": "roundrobin",
    "LEAST_CONNECTION": "leastconn",
    "HASH_SOURCE": "source",
    "HASH_URI": "uri",
    "STATIC_RR": "static-rr",
}
ALGORITHMS = tuple(ALGORITHM_KEYWORDS)
PROTOCOLS = ("HTTP", "TCP")
MONITOR_TYPES = ("HTTP", "HTTPS", "CONNECT", "TCP", "ICMP")
STICKY_TYPES = ("HTTP_COOKIE", "APP_COOKIE", "SOURCE_IP")

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
