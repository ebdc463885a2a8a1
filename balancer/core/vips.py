"""Two listeners on one device cannot share an address:port.

Checked before a load balancer's VIPs are stored (a create, a VIP added, a
move to another device), against the VIPs already stored on the device and
the device's own listeners.  The check and the insert after it must be one
at a time per device (``balancer.core.placing``).  No message names another
load balancer or the device: they may be another tenant's.
"""

import ipaddress
import logging

from balancer.core import exceptions
from balancer.core import status as st
from balancer.db import api as db

LOG = logging.getLogger(__name__)
#: what a stored VIP in the way is called in a conflict message
STORED = "another load balancer on the same device"


def check_reserved_endpoints(reserved, vips):
    """A VIP may not share a listener the device keeps for itself (the
    operator's ``listen stats`` and other binds of their own sections): it
    would take some of that listener's connections.  The message names the
    address only, nothing of the device or of anyone else."""
    for vip in vips:
        address = _canonical(vip["address"])
        for endpoint in reserved:
            if endpoint.covers(address, int(vip["port"])):
                raise exceptions.Conflict(
                    "%s:%s is reserved by the device for its own use; choose another "
                    "address or port" % (vip["address"], vip["port"]), field="virtualIps")


def _canonical(address):
    try:
        return str(ipaddress.ip_address(str(address).strip("[]")))
    except ValueError:
        return str(address)


def reserved_endpoints(drivers, device_row):
    """The device's own listeners as its driver last saw them; () when the
    driver cannot say (the deploy then refuses such a VIP by itself)."""
    try:
        return tuple(drivers.peek(device_row).reserved_endpoints())
    except Exception:  # a device that cannot answer must not break the request
        LOG.warning("reserved endpoints of device %s unknown", device_row.id, exc_info=True)
        return ()


def check_vip_conflicts(session, device_id, vips, own_lb_id=None, reserved=()):
    """Two listeners on one device cannot share an address:port: not two
    load balancers, not two VIPs of one request, and not a VIP and one of
    the device's own listeners (``reserved``, from ``reserved_endpoints``)."""
    check_free(taken_on_device(session, device_id, {v["port"] for v in vips}, own_lb_id),
               vips, reserved)


def taken_on_device(session, device_id, ports, own_lb_id=None):
    """{(address, port): who holds it} for the device's stored VIPs on
    ``ports`` (one query however many requests are checked against it)."""
    taken = {}
    for lb_id, address, port in db.vip_endpoints_on_device(session, device_id, ports,
                                                           (st.PENDING_DELETE,)):
        if lb_id != own_lb_id:
            # never the other load balancer's id nor the device's: it may be
            # another tenant's, and its placement is none of this one's business
            taken[(address, str(port))] = STORED
    return taken


def check_free(taken, vips, reserved=()):
    """Conflict unless every one of ``vips`` is free of ``taken`` (which is
    not changed), of each other and of ``reserved``."""
    check_reserved_endpoints(reserved, vips)
    taken = dict(taken)
    for vip in vips:
        for (address, port), owner in taken.items():
            wildcard = {"0.0.0.0", "::"} & {address, vip["address"]}
            if port == str(vip["port"]) and (address == vip["address"] or wildcard):
                raise exceptions.Conflict(
                    "%s:%s is already used by %s" % (vip["address"], vip["port"], owner),
                    field="virtualIps")
        taken[(vip["address"], str(vip["port"]))] = "another virtual IP of this request"


