"""``show stat`` rows -> the driver contract's statistics records.

A load balancer is our frontends (one ``balancer-vip-<vip id>`` per virtual
IP, balancer/drivers/haproxy/render.py) and our backend
``balancer-lb-<lb id>``, whose servers are named by node id.  Its traffic is
what its frontends saw (clients' bytes, connections, refused requests) plus
the backend's failures towards the nodes; a node's is its server row.
"""

from balancer.drivers import base
from balancer.drivers.haproxy import runtime, sections

_SUMMARY = ("FRONTEND", "BACKEND")


def _count(row, column):
    """A counter of a row; None where HAProxy leaves it empty (not counted)."""
    value = (row or {}).get(column)
    if value in (None, ""):
        return None
    try:
        return int(value)
    except ValueError:
        return None


def _total(rows, column):
    counts = [_count(r, column) for r in rows]
    counts = [c for c in counts if c is not None]
    return sum(counts) if counts else 0


def _node(row):
    traffic = base.Traffic(
        bytes_in=_count(row, "bin"), bytes_out=_count(row, "bout"),
        current_connections=_count(row, "scur"), total_connections=_count(row, "stot"),
        request_errors=None, connection_errors=_count(row, "econ"),
        response_errors=_count(row, "eresp"))
    return base.NodeStats(traffic, runtime.node_status_word(row.get("status"),
                                                            row.get("weight")),
                          row.get("check_status") or None)


def load_balancer_stats(rows, lbs):
    """``LoadBalancerStats`` by LB id for those of ``lbs`` whose backend is
    among ``rows`` (the device's whole ``show stat``)."""
    frontends, backends, servers = {}, {}, {}
    for row in rows:
        proxy, name = row.get("pxname", ""), row.get("svname", "")
        if name == "FRONTEND" and proxy.startswith(sections.FRONTEND_PREFIX):
            frontends[proxy] = row
        elif name == "BACKEND" and proxy.startswith(sections.BACKEND_PREFIX):
            backends[proxy] = row
        elif name not in _SUMMARY and proxy.startswith(sections.BACKEND_PREFIX):
            servers.setdefault(proxy, {})[name] = row
    out = {}
    for lb in lbs:
        backend = sections.BACKEND_PREFIX + str(lb.id)
        if backend not in backends:
            continue
        listeners = [frontends[f] for f in (sections.FRONTEND_PREFIX + str(v.id)
                                            for v in lb.vips) if f in frontends]
        traffic = base.Traffic(
            bytes_in=_total(listeners, "bin"), bytes_out=_total(listeners, "bout"),
            current_connections=_total(listeners, "scur"),
            total_connections=_total(listeners, "stot"),
            request_errors=_total(listeners, "ereq"),
            connection_errors=_count(backends[backend], "econ") or 0,
            response_errors=_count(backends[backend], "eresp") or 0)
        rows_of = servers.get(backend, {})
        out[lb.id] = base.LoadBalancerStats(
            traffic, {node.id: _node(rows_of[str(node.id)]) for node in lb.nodes
                      if str(node.id) in rows_of})
    return out
