"""The shared vocabulary (``balancer/common/constants.py``) in HAProxy's words."""

from balancer.common import constants

ALGORITHM_KEYWORDS = {
    "ROUND_ROBIN": "roundrobin",
    "LEAST_CONNECTION": "leastconn",
    "HASH_SOURCE": "source",
    "HASH_URI": "uri",
    "STATIC_RR": "static-rr",
}
# Map-based hashing cannot take servers added at runtime; consistent
# hashing can (HAProxy's "add server" needs a dynamic algorithm).
CONSISTENT_HASH = frozenset({"HASH_SOURCE", "HASH_URI"})
# Algorithms whose backends cannot take servers at runtime at all.
STATIC_ALGORITHMS = frozenset({"STATIC_RR"})
# the listener mode each protocol runs in
MODE_OF_PROTOCOL = {"HTTP": "http", "HTTPS": "http", "TCP": "tcp"}
# HAProxy's name of each TLS version, for ``ssl-min-ver``
TLS_VERSION_KEYWORDS = {"TLSv1.2": "TLSv1.2", "TLSv1.3": "TLSv1.3"}

# what the driver supports: every name of the vocabulary it has a keyword for
ALGORITHMS = tuple(name for name in constants.ALGORITHMS if name in ALGORITHM_KEYWORDS)
PROTOCOLS = tuple(name for name in constants.PROTOCOLS if name in MODE_OF_PROTOCOL)
