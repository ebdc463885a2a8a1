"""One class per resource of the API, each a thin map of its routes.

Records are returned as the API sends them (plain dicts, unknown keys
included); arguments are what the route takes.  The routes and bodies are
the ones in doc/source/api/index.rst (the original's wrappers: ``{"nodes":
[...]}``, ``{"healthMonitoring": {...}}``, ``{"virtualIp": {...}}``, flat
load balancers, devices and stickies).
"""

from __future__ import annotations

import urllib.parse
from typing import Any

from balancer.client.http import Transport

Record = dict[str, Any]


def _q(value: str) -> str:
    return urllib.parse.quote(str(value), safe="")


class Resource:
    def __init__(self, transport: Transport):
        self.transport = transport


class Capabilities(Resource):
    """``/algorithms`` and ``/protocols``: what the registered devices serve."""

    def algorithms(self) -> list[str]:
        return self.transport.request("GET", "/algorithms")["algorithms"]

    def protocols(self) -> list[str]:
        return self.transport.request("GET", "/protocols")["protocols"]


class Devices(Resource):
    """``/devices`` (administrators)."""

    def list(self) -> list[Record]:
        return self.transport.request("GET", "/devices")["devices"]

    def get(self, device_id: str) -> Record:
        return self.transport.request("GET", "/devices/%s" % _q(device_id))["device"]

    def create(self, **fields: Any) -> Record:
        return self.transport.request("POST", "/devices", fields)["device"]

    def update(self, device_id: str, **fields: Any) -> Record:
        return self.transport.request("PUT", "/devices/%s" % _q(device_id), fields)["device"]

    def delete(self, device_id: str) -> None:
        self.transport.request("DELETE", "/devices/%s" % _q(device_id))

    def info(self, device_id: str) -> Record:
        return self.transport.request("GET", "/devices/%s/info" % _q(device_id))["info"]


class LoadBalancers(Resource):
    """``/{tenant_id}/loadbalancers``."""

    def _path(self, lb_id: str | None = None, *rest: str) -> str:
        parts = ["/loadbalancers"] + ([_q(lb_id)] if lb_id else []) + list(rest)
        return self.transport.tenant_path("/".join(parts))

    def list(self) -> list[Record]:
        return self.transport.request("GET", self._path())["loadbalancers"]

    def get(self, lb_id: str) -> Record:
        return self.transport.request("GET", self._path(lb_id))["loadbalancer"]

    def details(self, lb_id: str) -> Record:
        """The load balancer with its nodes, virtual IPs, monitors and persistence."""
        return self.transport.request("GET", self._path(lb_id, "details"))

    def find_for_vm(self, vm_id: str | int) -> list[Record]:
        path = self.transport.tenant_path("/loadbalancers/find_for_VM/%s" % _q(vm_id))
        return self.transport.request("GET", path)["loadbalancers"]

    def create(self, name: str, **fields: Any) -> Record:
        body = dict(fields, name=name)
        return self.transport.request("POST", self._path(), body)["loadbalancer"]

    def update(self, lb_id: str, **fields: Any) -> Record:
        return self.transport.request("PUT", self._path(lb_id), fields)["loadbalancer"]

    def delete(self, lb_id: str) -> None:
        self.transport.request("DELETE", self._path(lb_id))

    def stats(self, lb_id: str) -> Record:
        """Live figures from the device (``liveStatus`` says whether it answered)."""
        return self.transport.request("GET", self._path(lb_id, "stats"))["stats"]


class Limits(Resource):
    """``/{tenant_id}/limits``: read by the tenant, changed by an administrator."""

    def _path(self) -> str:
        return self.transport.tenant_path("/limits")

    def get(self) -> Record:
        return self.transport.request("GET", self._path())["limits"]

    def update(self, **values: int | None) -> Record:
        """``loadBalancers=5``; None gives a limit its default again."""
        return self.transport.request("PUT", self._path(), {"limits": values})["limits"]

    def reset(self) -> None:
        self.transport.request("DELETE", self._path())


class _Children(Resource):
    """What nodes, monitors, stickies and VIPs share: list, show, delete."""
    part = ""            # the route part under a load balancer
    list_key = ""
    item_key = ""

    def _path(self, lb_id: str, child_id: str | None = None) -> str:
        path = "/loadbalancers/%s/%s" % (_q(lb_id), self.part)
        if child_id:
            path += "/" + _q(child_id)
        return self.transport.tenant_path(path)

    def list(self, lb_id: str) -> list[Record]:
        return self.transport.request("GET", self._path(lb_id))[self.list_key]

    def get(self, lb_id: str, child_id: str) -> Record:
        return self.transport.request("GET", self._path(lb_id, child_id))[self.item_key]

    def delete(self, lb_id: str, child_id: str) -> None:
        self.transport.request("DELETE", self._path(lb_id, child_id))


class Nodes(_Children):
    part, list_key, item_key = "nodes", "nodes", "node"

    def create(self, lb_id: str, address: str, port: int | str, **fields: Any) -> Record:
        body = {"nodes": [dict(fields, address=address, port=port)]}
        return self.transport.request("POST", self._path(lb_id), body)["nodes"][0]

    def create_many(self, lb_id: str, nodes: list[Record]) -> list[Record]:
        return self.transport.request("POST", self._path(lb_id), {"nodes": nodes})["nodes"]

    def update(self, lb_id: str, node_id: str, **fields: Any) -> Record:
        return self.transport.request("PUT", self._path(lb_id, node_id), fields)["node"]

    def set_condition(self, lb_id: str, node_id: str, condition: str) -> Record:
        """``PUT …/nodes/{id}/{condition}``: ENABLED, DISABLED or DRAINING,
        applied live on the device."""
        path = self._path(lb_id, node_id) + "/" + _q(condition)
        return self.transport.request("PUT", path)["node"]


class Monitors(_Children):
    part, list_key, item_key = "healthMonitoring", "healthMonitoring", "healthMonitoring"

    def create(self, lb_id: str, type: str, **fields: Any) -> Record:
        body = {"healthMonitoring": dict(fields, type=type)}
        return self.transport.request("POST", self._path(lb_id), body)["healthMonitoring"]


class Persistence(_Children):
    """Session persistence ("stickies")."""
    part, list_key, item_key = "sessionPersistence", "sessionPersistence", "sessionPersistence"

    def create(self, lb_id: str, type: str, **fields: Any) -> Record:
        body = dict(fields, type=type)
        return self.transport.request("POST", self._path(lb_id), body)["sessionPersistence"]


class Vips(_Children):
    """Virtual IPs.  ``fields`` go into the body as given, the TLS ones of an
    HTTPS VIP included: ``certificate``, ``privateKey``, ``sniCertificates``
    (``[{"certificate", "privateKey"}]``), ``tlsMinVersion``, ``ciphers``,
    ``httpRedirectPort``, ``forwardedHeaders`` (doc/source/tls.rst)."""
    part, list_key, item_key = "virtualIps", "virtualIps", "virtualIp"

    def create(self, lb_id: str, address: str, port: int | str, **fields: Any) -> Record:
        body = {"virtualIp": dict(fields, address=address, port=port)}
        return self.transport.request("POST", self._path(lb_id), body)["virtualIp"]

    def update(self, lb_id: str, vip_id: str, **fields: Any) -> Record:
        return self.transport.request("PUT", self._path(lb_id, vip_id),
                                      {"virtualIp": fields})["virtualIp"]


class _LoadBalancerPart(Resource):
    """A sub-resource of one load balancer that is not a list of children
    like the ones above: the access list and the connection throttle
    (doc/source/tls.rst).  Each change redeploys the load balancer."""
    part = ""

    def _path(self, lb_id: str, *rest: str) -> str:
        path = "/loadbalancers/%s/%s" % (_q(lb_id), self.part)
        return self.transport.tenant_path("/".join([path] + [_q(r) for r in rest]))


class AccessLists(_LoadBalancerPart):
    """``…/accessList``: networks (CIDR) of type ALLOW or DENY."""
    part = "accessList"

    def list(self, lb_id: str) -> list[Record]:
        return self.transport.request("GET", self._path(lb_id))["accessList"]

    def add(self, lb_id: str, items: list[Record]) -> list[Record]:
        """Add ``[{"address": "10.0.0.0/8", "type": "DENY"}, ...]``; the
        service answers with the whole list."""
        body = {"accessList": list(items)}
        return self.transport.request("POST", self._path(lb_id), body)["accessList"]

    def delete(self, lb_id: str, item_id: str) -> None:
        self.transport.request("DELETE", self._path(lb_id, item_id))


class Throttles(_LoadBalancerPart):
    """``…/connectionThrottle``: per-source limits (``maxConnections``,
    ``minConnections``, ``maxConnectionRate``, ``rateInterval``)."""
    part = "connectionThrottle"

    def get(self, lb_id: str) -> Record:
        """The throttle, ``{}`` when the load balancer has none."""
        return self.transport.request("GET", self._path(lb_id))["connectionThrottle"]

    def set(self, lb_id: str, **limits: int) -> Record:
        """Replace the throttle with these limits."""
        body = {"connectionThrottle": limits}
        return self.transport.request("PUT", self._path(lb_id), body)["connectionThrottle"]

    def delete(self, lb_id: str) -> None:
        self.transport.request("DELETE", self._path(lb_id))
