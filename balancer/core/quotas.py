"""Per-tenant limits: the ``[limits]`` defaults, an admin's overrides, the check.

Every limit has a name (as ``GET /{tenant_id}/limits`` shows it), a default
from balancer/conf/limits.py and, for one tenant, maybe an admin's override
kept in the database (``tenant_limit``, balancer/db/tenant_limits.py).  A
request that would go over a limit is an ``OverLimit`` (413) raised before
anything is stored, in the transaction that would store it, so it changes
nothing.  See doc/source/limits.rst.

Code that adds things a limit counts calls :func:`check` with the session
it is about to write in::

    quotas.check(session, tenant_id, quotas.ACCESS_LIST_ITEMS, have, adding,
                 field="accessList")
"""

import dataclasses

from balancer.conf import limits as limit_opts
from balancer.core import exceptions
from balancer.core import status as st
from balancer.db import tenant_limits as db

LOAD_BALANCERS = "loadBalancers"
NODES = "nodesPerLoadBalancer"
VIRTUAL_IPS = "virtualIpsPerLoadBalancer"
HEALTH_MONITORS = "healthMonitorsPerLoadBalancer"
ACCESS_LIST_ITEMS = "accessListItemsPerLoadBalancer"
CERTIFICATES = "certificatesPerLoadBalancer"


@dataclasses.dataclass(frozen=True)
class Limit:
    option: str          # the [limits] option holding the default
    highest: int         # the largest value an override may take
    counted: str         # what the limit counts, in a message
    holder: str          # who holds what is counted, in a message


LIMITS = {
    LOAD_BALANCERS: Limit("max_lbs_per_tenant", limit_opts.MAX_LOAD_BALANCERS,
                          "load balancers", "a tenant"),
    NODES: Limit("max_nodes_per_lb", limit_opts.SCHEMA_MAX_NODES, "nodes",
                 "a load balancer"),
    VIRTUAL_IPS: Limit("max_vips_per_lb", limit_opts.SCHEMA_MAX_VIPS, "virtual IPs",
                       "a load balancer"),
    HEALTH_MONITORS: Limit("max_monitors_per_lb", limit_opts.SCHEMA_MAX_MONITORS,
                           "health monitors", "a load balancer"),
    ACCESS_LIST_ITEMS: Limit("max_access_list_items_per_lb", limit_opts.MAX_ACCESS_LIST_ITEMS,
                             "accessList items", "a load balancer"),
    CERTIFICATES: Limit("max_certificates_per_lb", limit_opts.MAX_CERTIFICATES,
                        "certificates", "a load balancer"),
}
#: the core's short names of a load balancer's children -> their limit
OF_KIND = {"node": NODES, "vip": VIRTUAL_IPS, "monitor": HEALTH_MONITORS,
           "accessList": ACCESS_LIST_ITEMS, "certificate": CERTIFICATES,
           "loadbalancer": LOAD_BALANCERS}


def default(conf, name):
    return getattr(conf.limits, LIMITS[name].option)


def effective(conf, session, tenant_id, name, overrides=None):
    """(value, overridden) of limit ``name`` for ``tenant_id``; ``overrides``:
    the tenant's, when the caller read them already (``db.overrides``)."""
    value = db.override(session, tenant_id, name) if overrides is None \
        else overrides.get(name)
    return (default(conf, name), False) if value is None else (value, True)


def check(conf, session, tenant_id, kind, have, adding, field=None, overrides=None):
    """OverLimit unless ``have`` + ``adding`` things of ``kind`` (a limit
    name or a short kind of ``OF_KIND``) fit ``tenant_id``'s limit.

    ``field`` is the request key the error names (``nodes``, ``accessList``);
    ``overrides`` as for ``effective``."""
    name = OF_KIND.get(kind, kind)
    if not adding:
        return
    value, overridden = effective(conf, session, tenant_id, name, overrides)
    if have + adding <= value:
        return
    limit = LIMITS[name]
    source = ("this tenant's limit %s" % name if overridden
              else "[limits] %s" % limit.option)
    raise exceptions.OverLimit(
        "%s may have at most %d %s (%s); this request would give it %d"
        % (limit.holder, value, limit.counted, source, have + adding),
        field=field or name, limit=value)


def check_new_load_balancer(conf, session, tenant_id, children):
    """OverLimit when ``tenant_id`` already has as many load balancers as it
    may (those being deleted are not counted), or when a new one with
    ``children`` ({kind of ``OF_KIND``: (request key, how many)}) would be
    over a per-load-balancer limit.  One query, whatever the kinds."""
    overrides, have = db.limits_and_count(session, tenant_id, st.PENDING_DELETE)
    for kind, (field, count) in children.items():
        check(conf, session, tenant_id, kind, 0, count, field, overrides)
    check(conf, session, tenant_id, LOAD_BALANCERS, have, 1, "loadbalancer", overrides)


class Quotas:
    """The tenant limits document and an admin's changes to it."""

    def __init__(self, service):
        self.service = service

    def show(self, ctx, tenant_id):
        conf = self.service.conf
        with self.service.session() as session:
            overrides = db.overrides(session, tenant_id)
            used = db.load_balancer_count(session, tenant_id, (st.PENDING_DELETE,))
        out = {}
        for name in LIMITS:
            entry = {"value": overrides.get(name, default(conf, name)),
                     "default": default(conf, name), "override": overrides.get(name)}
            if name == LOAD_BALANCERS:
                entry["used"] = used
            out[name] = entry
        return {"tenant_id": tenant_id, "absolute": out}

    def update(self, ctx, tenant_id, values):
        """Set the overrides in ``values`` (validated: names of ``LIMITS``,
        integers from 0 to the limit's highest, or None to remove one)."""
        with self.service.session() as session:
            db.set_overrides(session, tenant_id, values)
        return self.show(ctx, tenant_id)

    def reset(self, ctx, tenant_id):
        with self.service.session() as session:
            db.clear_overrides(session, tenant_id)
