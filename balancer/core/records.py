"""Turns database rows into the plain records drivers receive.

This is the one place that knows where each API field is stored (a column or
``extra``), so drivers and the renderer never see the original's quirks.
"""

from balancer.common import constants
from balancer.core import vip_tls
from balancer.drivers import base

#: node fields the API keeps and echoes (the original accepted them) but that
#: no driver receives: HAProxy has no per-server bandwidth or connection-rate
#: limit.  Responses name them under ``notApplied`` so nobody relies on them.
NOT_APPLIED_NODE_FIELDS = ("rateBandwidth", "rateConnection")


def not_applied(view):
    """Mark the fields of a node view that have no effect on any device."""
    ignored = [name for name in NOT_APPLIED_NODE_FIELDS if view.get(name) is not None]
    if ignored:
        view["notApplied"] = ignored
    return view


def child_views(lb, rows):
    """Child rows as the API shows them.  A child is deployed exactly when
    its load balancer is: every child change bumps the load balancer's
    revision, and ``deployed`` says whether that revision is live (the
    original's child rows kept a ``deployed`` nobody updated)."""
    views = [r.to_dict() for r in rows]
    for view in views:
        view["deployed"] = lb.deployed
    return views


def _int(value, default=None):
    if value in (None, ""):
        return default
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def device_record(row):
    return base.Device(id=row.id, name=row.name or "", type=(row.type or "").lower(),
                       ip=row.ip or "", port=_int(row.port, 22), user=row.user,
                       password=row.password, private_key=row.private_key,
                       host_key=row.host_key, extra=dict(row.extra or {}))


def node_record(row):
    extra = row.extra or {}
    return base.Node(id=row.id, address=row.address, port=_int(row.port),
                     weight=_int(row.weight, 1),
                     condition=str(extra.get("condition") or "ENABLED").upper(),
                     max_con=_int(extra.get("maxCon")), min_con=_int(extra.get("minCon")))


def vip_record(row, lb_protocol):
    extra = row.extra or {}
    protocol = str(extra.get("protocol") or lb_protocol or "HTTP").upper()
    return base.Vip(id=row.id, address=row.address, port=_int(row.port), protocol=protocol,
                    tls=vip_tls.tls_record(extra, protocol),
                    forwarded_headers=vip_tls.forwarded_headers(extra))


def access_record(row):
    return base.AccessItem(id=row.id, address=row.address, type=str(row.type).upper())


def throttle_record(row):
    if row is None:
        return None
    return base.Throttle(max_connections=_int(row.max_connections),
                         max_connection_rate=_int(row.max_connection_rate),
                         rate_interval=_int(row.rate_interval),
                         min_connections=_int(row.min_connections))


def monitor_record(row):
    extra = row.extra or {}
    return base.Monitor(id=row.id, type=str(row.type or "").upper(),
                        delay=_int(extra.get("delay")), timeout=_int(extra.get("timeout")),
                        attempts=_int(extra.get("attemptsBeforeDeactivation")),
                        method=extra.get("method"), path=extra.get("path"),
                        expected=None if extra.get("expected") is None
                        else str(extra.get("expected")))


def sticky_record(row):
    extra = row.extra or {}
    return base.Sticky(id=row.id, type=str(row.type or "").upper(),
                       cookie_name=extra.get("cookieName"))


def lb_record(row):
    """The full desired state of one loaded ORM load balancer."""
    farm = row.farm
    return tree_record(row, farm.vips if farm else (), farm.servers if farm else (),
                       farm.probes if farm else (), farm.stickies if farm else (),
                       row.access_list, row.throttle)


def tree_record(row, vips, nodes, monitors, stickies, access=(), throttle=None):
    """The desired state of one load balancer from its row and child rows
    (ORM objects or plain result rows: only attributes are read);
    ``access``/``throttle``: its access-list rows and throttle row."""
    protocol = str(row.protocol or "HTTP").upper()
    return base.LoadBalancer(
        id=row.id, name=row.name or "",
        algorithm=constants.canonical_algorithm(row.algorithm) or "ROUND_ROBIN",
        protocol=protocol,
        vips=tuple(vip_record(v, protocol) for v in vips),
        nodes=tuple(node_record(n) for n in nodes),
        monitors=tuple(monitor_record(p) for p in monitors),
        stickies=tuple(sticky_record(s) for s in stickies),
        access_list=tuple(access_record(a) for a in access),
        throttle=throttle_record(throttle))
