"""The driver contract: what the core asks of a load-balancing device.

The core owns the database; a driver only ever sees the plain records below.
A driver is built for one device and is handed the *whole desired state* of that
device on every deploy (every load balancer that should be live there), so a
deploy is idempotent and heals drift: the driver never edits, it converges.

Drivers never import ``balancer.db``; they receive these dataclasses.
"""

from __future__ import annotations

import abc
import dataclasses

from balancer.common import constants


class DriverError(Exception):
    """A device refused or failed a request, told twice (as octavia-lib does).

    ``user_fault_string`` is what the tenant reads as ``statusDescription``:
    what failed, in their terms, naming only their own load balancer and
    values.  It never carries a device address, a path, HAProxy's raw output
    or anything about another tenant's load balancers.  ``str(err)`` is this
    text, so an error shown by accident shows the safe one.

    ``operator_fault_string`` is what the operator needs to fix it (device
    address, paths, HAProxy's own output); it goes to the service log and
    to the admin-only device view.  It defaults to the user text.

    ``lb_ids`` names the load balancers the failure belongs to when the driver
    can tell for sure (a section HAProxy pointed at); empty means "unknown":
    the core then finds the culprit itself (``balancer.core.isolation``).
    ``device_fault`` says the device failed whatever it was asked (it cannot
    be reached, it timed out): deploying less would not help.
    """

    def __init__(self, user_fault_string: str, lb_ids: tuple = (),
                 operator_fault_string: str | None = None, device_fault: bool = False):
        super().__init__(user_fault_string)
        self.user_fault_string = user_fault_string
        self.operator_fault_string = operator_fault_string or user_fault_string
        self.lb_ids = tuple(lb_ids)
        self.device_fault = device_fault


@dataclasses.dataclass(frozen=True)
class Device:
    id: str
    name: str
    type: str
    ip: str
    port: int
    user: str | None
    password: str | None = dataclasses.field(default=None, repr=False)
    private_key: str | None = dataclasses.field(default=None, repr=False)
    host_key: str | None = None
    extra: dict = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True)
class Node:
    id: str
    address: str
    port: int
    weight: int = 1
    condition: str = "ENABLED"          # ENABLED | DISABLED | DRAINING
    max_con: int | None = None
    min_con: int | None = None


@dataclasses.dataclass(frozen=True)
class Certificate:
    """A PEM certificate chain (leaf first) and its PEM private key.  The key
    is plain only in the records a deploy hands a driver (the core decrypts
    it for that deploy, see ``balancer.core.vip_tls``); it never shows in a
    repr, so a logged record does not carry it."""
    certificate: str
    private_key: str = dataclasses.field(repr=False)


@dataclasses.dataclass(frozen=True)
class Tls:
    """How an HTTPS virtual IP terminates TLS: ``certificates[0]`` is the
    default, the others are chosen by the name a client asks for (SNI)."""
    certificates: tuple
    min_version: str = "TLSv1.2"        # TLSv1.2 | TLSv1.3
    ciphers: str | None = None          # OpenSSL list for TLS 1.2; None: the driver's
    redirect_port: int | None = None    # an HTTP listener that redirects here


@dataclasses.dataclass(frozen=True)
class Vip:
    id: str
    address: str
    port: int
    protocol: str                       # HTTP | HTTPS | TCP (the LB's, unless the VIP says)
    tls: Tls | None = None              # HTTPS only
    forwarded_headers: bool = True      # X-Forwarded-For/-Proto/-Port on HTTP listeners


@dataclasses.dataclass(frozen=True)
class AccessItem:
    """One network of a load balancer's access list (``ALLOW`` or ``DENY``)."""
    id: str
    address: str                        # a canonical network, e.g. 10.0.0.0/8
    type: str


@dataclasses.dataclass(frozen=True)
class Throttle:
    """Per source address: at most ``max_connections`` at once, and at most
    ``max_connection_rate`` new ones per ``rate_interval`` seconds once it
    holds more than ``min_connections``.  None or 0 means no such limit."""
    max_connections: int | None = None
    max_connection_rate: int | None = None
    rate_interval: int | None = None
    min_connections: int | None = None


@dataclasses.dataclass(frozen=True)
class Monitor:
    id: str
    type: str                           # HTTP | HTTPS | CONNECT | TCP | ICMP
    delay: int | None = None         # seconds between checks
    timeout: int | None = None       # seconds to wait for an answer
    attempts: int | None = None      # failures before a node is taken out
    method: str | None = None
    path: str | None = None
    expected: str | None = None      # "200", "200-204", "200,202"


@dataclasses.dataclass(frozen=True)
class Sticky:
    id: str
    type: str                           # HTTP_COOKIE | APP_COOKIE | SOURCE_IP
    cookie_name: str | None = None


@dataclasses.dataclass(frozen=True)
class LoadBalancer:
    id: str
    name: str
    algorithm: str                      # canonical: ROUND_ROBIN, LEAST_CONNECTION, ...
    protocol: str                       # HTTP | TCP
    vips: tuple = ()
    nodes: tuple = ()
    monitors: tuple = ()
    stickies: tuple = ()
    access_list: tuple = ()             # AccessItem
    throttle: Throttle | None = None


@dataclasses.dataclass
class DeployResult:
    """What a deploy did: ``changed`` is False when the device already matched.
    ``runtime``: the change was applied without a reload (HAProxy's runtime
    API); ``fallback``: why a change that could have been a runtime one
    needed a reload after all ("" when none was tried)."""
    changed: bool
    reloaded: bool = False
    timings: dict = dataclasses.field(default_factory=dict)
    runtime: bool = False
    fallback: str = ""


@dataclasses.dataclass(frozen=True)
class Endpoint:
    """An address and a port range a device listens on by itself (an
    operator's own listener, outside every load balancer).  ``address`` is
    canonical; ``0.0.0.0`` and ``::`` are the wildcards."""
    address: str
    first_port: int
    last_port: int

    def covers(self, address: str, port: int) -> bool:
        """True when a listener on ``address:port`` would share this one's
        socket (same port and the same address, or a wildcard on either)."""
        wildcard = {"0.0.0.0", "::"} & {self.address, address}
        return self.first_port <= port <= self.last_port and (
            bool(wildcard) or address == self.address)


@dataclasses.dataclass(frozen=True)
class Serving:
    """What the device's running process was last seen serving.

    ``answering``: a load-balancing process answers on the device (None: the
    device could not be reached, nothing is known).  ``current``: it serves
    exactly what the last deploy rendered (None: not checked).  ``stale``:
    ids of the load balancers it serves differently, when the driver can tell.
    The core turns these facts into ``operatingStatus`` words
    (``balancer.core.status``)."""
    answering: bool | None
    current: bool | None = None
    stale: tuple = ()
    detail: str = ""


@dataclasses.dataclass(frozen=True)
class Probe:
    """One health probe of a device (``Driver.probe``): what the service's
    prober (balancer/core/prober.py) turns into the device's ``health``.

    ``reachable``: the device answered at all (SSH for HAProxy boxes).
    ``haproxy_answering``: its load-balancing process answers (HAProxy on
    its stats socket); None when unreachable.  ``vrrp_role``: what
    keepalived last wrote (``balancer.common.constants.VRRP_ROLES``),
    UNKNOWN when the device keeps no keepalived state.  ``error``: what went
    wrong, in the operator's words (addresses and paths allowed: the device
    views that show it are admin-only)."""
    reachable: bool
    haproxy_answering: bool | None = None
    vrrp_role: str = constants.VRRP_UNKNOWN
    error: str = ""


@dataclasses.dataclass(frozen=True)
class PairMember:
    """One device of an active/standby pair, as its peer's config names it."""
    id: str
    ip: str
    interface: str
    priority: int


@dataclasses.dataclass(frozen=True)
class Pair:
    """The pair a device belongs to (doc/source/ha.rst): ``local`` is the
    device the driver drives, ``peer`` the other one.  ``router_id`` and
    ``auth`` (decrypted; None without authentication) are the pair's VRRP
    settings, the same on both boxes."""
    local: PairMember
    peer: PairMember
    router_id: int
    auth: str | None = dataclasses.field(default=None, repr=False)
    advert_int: float = 1.0
    vrrp_version: int = 2
    #: adverts missed before a backup takes over (VRRP's own rule: 3 and a skew)
    down_adverts: int = 3
    peers_port: int = 7777


@dataclasses.dataclass(frozen=True)
class Traffic:
    """Counters of a load balancer or of one node, as the device counts them
    since its serving process started (a reload starts them at 0 again).
    None: the device does not count that figure there (HAProxy counts
    request errors on listeners, not on servers)."""
    bytes_in: int | None = 0
    bytes_out: int | None = 0
    current_connections: int | None = 0
    total_connections: int | None = 0
    request_errors: int | None = 0       # requests refused as invalid or denied
    connection_errors: int | None = 0    # connections to a node that failed
    response_errors: int | None = 0      # answers from a node cut short or invalid


@dataclasses.dataclass(frozen=True)
class NodeStats:
    traffic: Traffic
    health: str                          # UP | DOWN | DRAIN | MAINT
    last_check: str | None = None        # the device's word for the last check


@dataclasses.dataclass(frozen=True)
class LoadBalancerStats:
    traffic: Traffic
    nodes: dict = dataclasses.field(default_factory=dict)   # node id -> NodeStats


class Driver(abc.ABC):
    """One instance per device, reused across deploys (it may keep a warm
    connection).  The core calls it from one thread per device at a time."""

    #: algorithms and protocols this driver can serve, canonical names.
    algorithms: tuple = ()
    protocols: tuple = ()

    def __init__(self, device: Device, options: dict | None = None):
        self.device = device
        self.options = options or {}

    def capabilities(self) -> dict:
        """Algorithms and protocols this device serves, for the scheduler and
        the ``/algorithms``, ``/protocols`` listings."""
        return {"algorithms": list(self.algorithms),
                "protocols": list(self.protocols)}

    @abc.abstractmethod
    def deploy(self, lbs: list) -> DeployResult:
        """Make the device serve exactly ``lbs`` (our part of its config);
        the operator's own configuration is left as it is.  Raises
        DriverError and leaves the previous configuration serving on failure."""

    #: True when ``deploy_pair`` works (the scheduler places pairs only on such drivers)
    supports_pairs: bool = False

    def deploy_pair(self, lbs: list, pair: Pair) -> DeployResult:
        """``deploy`` for a device of ``pair``: the same load balancers as
        its peer gets, with the pair's virtual IP addresses held by VRRP
        instead of added to the interface.  Raises DriverError."""
        raise DriverError("this device type cannot be paired",
                          operator_fault_string="driver %s has no pair support"
                                                % type(self).__name__, device_fault=True)

    def vrrp_role(self) -> str | None:
        """The device's VRRP role (``balancer.common.constants.VRRP_ROLES``)
        as the box itself reports it; None when the driver cannot tell."""
        return None

    def set_node_condition(self, lb: LoadBalancer, node: Node) -> None:
        """Apply ``node.condition``/``node.weight`` without a reload where the
        device can; ``deploy`` is still called afterwards to persist it."""

    def node_status(self, lb: LoadBalancer) -> dict:
        """Operating status per node id (UP, DOWN, DRAIN, MAINT); {} if unknown."""
        return {}

    def stats(self, lbs: list) -> dict | None:
        """``LoadBalancerStats`` per load balancer id of ``lbs`` that the
        device serves, read in one round trip to the device (a request for
        one LB and a scrape of every LB of the device cost the same).  A
        load balancer the device does not serve is left out; None when this
        driver cannot read statistics at all."""
        return None

    def info(self) -> dict:
        """Reachability and version facts for ``GET /devices/{id}/info``."""
        return {}

    def reserved_endpoints(self) -> tuple:
        """``Endpoint`` s the device uses for itself (the operator's own
        listeners): the core refuses a virtual IP on one of them with a 409.
        Known from the device's configuration as last read or deployed; ()
        when the driver has not read it yet (the deploy still refuses such a
        virtual IP, naming only its own load balancer)."""
        return ()

    def probe(self) -> Probe:
        """Is the device up?  One cheap round trip (the prober calls it on
        every device each ``[health] probe_interval``), from a driver
        instance of the prober's own, so it never waits behind a deploy.
        This default asks ``info``; drivers should do better."""
        try:
            facts = self.info()
        except Exception as err:
            return Probe(reachable=False, error=str(err))
        reachable = facts.get("reachable", True)
        return Probe(reachable=bool(reachable), error=str(facts.get("error") or ""))

    def serving(self) -> Serving | None:
        """What the running process serves, as seen by the last deploy or
        ``info`` call; None when this driver cannot tell."""
        return None

    def learned_host_key(self) -> str | None:
        """A host key first seen on this connection, for the core to pin."""
        return None

    def close(self) -> None:
        """Release connections; the instance may be used again afterwards."""
