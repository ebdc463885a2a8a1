"""Changing a virtual IP in place (``PUT …/virtualIps/{id}``).

The same checks as adding one (``Members.add``): the device's listener lock
or row lock around check-then-write, no address:port another load balancer on
the device or the device itself holds, none of this load balancer's other
VIPs, an HTTP listener only on an HTTP load balancer, an HTTPS one only with
its certificate (balancer.core.vip_tls).  Then it redeploys like
every change.  Tested in balancer/tests/functional/test_compat_2012.py.
"""

from balancer.core import exceptions, quotas, vip_tls
from balancer.core.load_balancers import (
    check_protocol,
    check_vip_conflicts,
    mark_changed,
    reserved_endpoints,
)
from balancer.db import api as db

WILDCARDS = {"0.0.0.0", "::"}


def ip_version(address, asked=None):
    """The address's IP version; a contradicting ``asked`` one is a 400."""
    version = "IPv6" if ":" in address else "IPv4"
    if asked and asked.lower() != version.lower():
        raise exceptions.Invalid("invalid virtualIp.ipVersion: address %s is %s"
                                 % (address, version), field="virtualIp.ipVersion")
    return version


def _check_siblings(lb, row, address, port):
    for other in lb.farm.vips:
        if other.id == row.id or str(other.port) != str(port):
            continue
        if other.address == address or WILDCARDS & {other.address, address}:
            raise exceptions.Conflict("%s:%s is already a virtual IP of load balancer %s"
                                      % (address, port, lb.id), field="virtualIp")


def update_vip(members, ctx, tenant_id, lb_id, vip_id, values):
    """Merge ``values`` (checked by ``resources.vip_update``) into the VIP,
    redeploy, and return the VIP as stored."""
    service = members.service
    with service.session() as session:
        device_id = members.lb_of(session, tenant_id, lb_id).device_id
    with service.load_balancers.placing_session(device_id) as session:
        lb = members.lb_of(session, tenant_id, lb_id)
        if lb.device_id != device_id:
            raise exceptions.Conflict("load balancer %s moved to another device while "
                                      "this request ran; try again" % lb_id)
        row = members.child_of(lb, "vip", vip_id)
        values = dict(values)
        address = values.get("address", row.address)
        port = values.get("port", row.port)
        if "address" in values or "ipVersion" in values:
            values["ipVersion"] = ip_version(address, values.get("ipVersion"))
        protocol = values.get("protocol") or (row.extra or {}).get("protocol")
        check_protocol(lb.protocol, [{"protocol": protocol}], where=("virtualIp.", ""))
        mark_changed(lb)
        if address != row.address or str(port) != str(row.port):
            check_vip_conflicts(session, lb.device_id, [{"address": address, "port": port}],
                                own_lb_id=lb.id,
                                reserved=reserved_endpoints(service.drivers, lb.device))
            _check_siblings(lb, row, address, port)
        # TLS fields checked against what the VIP will be, keys sealed (core.vip_tls)
        values = vip_tls.prepare(values, lb.protocol, service.secrets,
                                 current=dict(row.extra or {}, port=port))
        if "certificate" in values or "sniCertificates" in values:
            vip_tls.check_limit(quotas.effective(service.conf, session, lb.tenant_id,
                                                 quotas.CERTIFICATES)[0],
                                [v.extra or {} for v in lb.farm.vips if v.id != row.id],
                                [dict(row.extra or {}, **values)])
        db.merge_into(row, values)
        session.flush()
    service.deploy_and_wait(device_id)
    return members.get(ctx, tenant_id, lb_id, "vip", vip_id)
