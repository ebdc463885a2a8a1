"""``/metrics``: the Prometheus text of the service and of every load balancer.

Two kinds of figures, in one answer (see doc/source/metrics.rst):

* the service's own, counted as it works (balancer/core/metrics.py):
  requests per route and status code with their durations, counted by the
  ``metrics`` filter of the paste pipeline; deploys per outcome with theirs;
* the devices', read live at scrape time (balancer/core/stats.py): bytes,
  connections and errors per load balancer, per node (with its health) and
  per device, one round trip per device.

The route label is the route's template (``/{tenant_id}/loadbalancers/{lb_id}``),
never the path itself: ids in labels would make a new series per object.
"""

import time
import types

from prometheus_client import exposition as prom_exposition
from prometheus_client import metrics_core

#: set by the router (balancer/api/router.py) to the template of the route it matched
ROUTE_KEY = "balancer.route"
UNMATCHED = "unmatched"


class RequestCounter:
    """Paste filter counting every answer by method, route and status code."""

    METHODS = frozenset(("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"))

    def __init__(self, application):
        self.application = application
        self._metrics = None

    @property
    def metrics(self):
        if self._metrics is None:
            # the app module builds the router, which needs this module
            from balancer.api import app as api_app
            self._metrics = api_app.find_service(self.application).metrics
        return self._metrics

    def __call__(self, environ, start_response):
        started = time.monotonic()
        seen = {}

        def counting_start(status, headers, exc_info=None):
            seen["code"] = status.split(" ", 1)[0]
            return start_response(status, headers, exc_info)
        try:
            return self.application(environ, counting_start)
        finally:
            method = environ.get("REQUEST_METHOD", "")
            self.metrics.answered(method if method in self.METHODS else "OTHER",
                                  environ.get(ROUTE_KEY, UNMATCHED),
                                  seen.get("code", "500"), time.monotonic() - started)


def filter_factory(global_conf, **local_conf):
    return RequestCounter


def _families():
    """The per-LB, per-node and per-device metric families, empty."""
    def lb_family(kind, name, doc, labels):
        cls = metrics_core.CounterMetricFamily if kind == "counter" \
            else metrics_core.GaugeMetricFamily
        return cls(name, doc, labels=labels)
    lb_labels, node_labels = ["tenant_id", "loadbalancer_id", "device_id"], \
        ["tenant_id", "loadbalancer_id", "node_id", "device_id"]
    families = {}
    for scope, labels in (("lb", lb_labels), ("node", node_labels), ("device", ["device_id"])):
        for field, kind, doc in (
                ("bytes_in", "counter", "bytes received from clients"),
                ("bytes_out", "counter", "bytes sent to clients"),
                ("current_connections", "gauge", "connections open now"),
                ("connections", "counter", "connections since the device's process started"),
                ("request_errors", "counter", "requests refused as invalid or denied"),
                ("connection_errors", "counter", "failed connections to nodes"),
                ("response_errors", "counter", "invalid or cut-short answers from nodes")):
            families[(scope, field)] = lb_family(kind, "balancer_%s_%s" % (scope, field),
                                                 "%s (%s)" % (doc, scope), labels)
    families[("node", "up")] = metrics_core.GaugeMetricFamily(
        "balancer_node_up", "1 when the device's health check says UP (or DRAIN), else 0; "
        "label health: the device's word", labels=node_labels + ["health"])
    families[("device", "up")] = metrics_core.GaugeMetricFamily(
        "balancer_device_stats_up", "1 when the device answered for statistics within "
        "[limits] device_read_timeout, else 0", labels=["device_id"])
    return families


#: figure name in the families -> field of balancer.drivers.base.Traffic
_TRAFFIC = {"bytes_in": "bytes_in", "bytes_out": "bytes_out",
            "current_connections": "current_connections", "connections": "total_connections",
            "request_errors": "request_errors", "connection_errors": "connection_errors",
            "response_errors": "response_errors"}


def _add(families, scope, labels, traffic):
    for figure, field in _TRAFFIC.items():
        value = getattr(traffic, field)
        if value is not None:
            families[(scope, figure)].add_metric(labels, value)


class LiveCollector:
    """A prometheus-client collector over one scrape's device readings."""

    def __init__(self, readings):
        self.readings = readings

    def collect(self):
        families = _families()
        for reading in self.readings:
            device = reading.device_id
            families[("device", "up")].add_metric([device], 0 if reading.stats is None else 1)
            if reading.stats is None:
                continue
            totals = dict.fromkeys(_TRAFFIC.values(), 0)
            for lb_id, tenant_id, _record in reading.lbs:
                found = reading.stats.get(lb_id)
                if found is None:
                    continue
                _add(families, "lb", [tenant_id or "", lb_id, device], found.traffic)
                for field in totals:
                    totals[field] += getattr(found.traffic, field) or 0
                for node_id, node in found.nodes.items():
                    labels = [tenant_id or "", lb_id, node_id, device]
                    _add(families, "node", labels, node.traffic)
                    families[("node", "up")].add_metric(
                        labels + [node.health], 1 if node.health in ("UP", "DRAIN") else 0)
            _add(families, "device", [device], types.SimpleNamespace(**totals))
        return list(families.values())


def exposition(service, accept=None):
    """(body, content type) of one scrape: the service's counters (every
    process's, in multiprocess mode) and every device's live figures, in
    the format ``accept`` asks for (Prometheus text unless OpenMetrics)."""
    scrape = _Scrape(service.metrics.collecting_registry(),
                     LiveCollector(service.stats.every_device()))
    encoder, content_type = prom_exposition.choose_encoder(accept or "")
    return encoder(scrape), content_type


class _Scrape:
    """What an encoder reads: every family of both sources, in one document."""

    def __init__(self, *sources):
        self.sources = sources

    def collect(self):
        for source in self.sources:
            yield from source.collect()
