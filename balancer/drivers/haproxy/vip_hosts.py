"""The addresses a device must hold on its interface for our listeners
(device key ``requires_vip_ip``): read from our sections of a config or
from the records, and as the ``/32`` or ``/128`` the deploy script adds."""

import ipaddress

from balancer.drivers.haproxy import sections


def bound_hosts(text):
    """Addresses our sections of ``text`` bind that must exist on the interface."""
    binds = (line.split() for line in sections.our_sections_text(text or "").splitlines())
    return interface_hosts(words[1].rsplit(":", 1)[0] for words in binds
                            if len(words) == 2 and words[0] == "bind")


def record_hosts(lbs):
    """The same set from the records (what ``render`` will bind)."""
    return interface_hosts(vip.address for lb in lbs for vip in lb.vips)


def interface_hosts(addresses):
    """The real (not wildcard, not loopback) IP addresses among ``addresses``."""
    hosts = set()
    for text in addresses:
        try:
            address = ipaddress.ip_address(str(text).strip("[]"))
        except ValueError:
            continue
        if not (address.is_unspecified or address.is_loopback):
            hosts.add(str(address))
    return hosts


def cidr(host):
    return f"{host}/{128 if ':' in host else 32}"
