"""What a node or virtual IP address may be: an IP literal, nothing else.

``ipaddress.ip_address`` alone is too lenient for text that ends up in
haproxy.cfg: it accepts IPv6 scope ids of any characters (``fe80::1%x``,
``fe80::1%${HOME}``, which HAProxy expands as an environment variable, or
text naming another tenant's section).  A scope id only means something on
one host's interfaces, so neither kind of address may carry one.

A virtual IP is an address the device binds and announces for clients; the
ones below can never be that, and a device asked to add one fails its whole
deploy, so they are refused here:

- multicast (``224.0.0.0/4``, ``ff00::/8``) and the IPv4 broadcast address;
- link-local (``169.254.0.0/16``, ``fe80::/10``): needs a scope id;
- reserved (``240.0.0.0/4``; IPv6 blocks the IETF has not assigned, and the
  IPv4-mapped ``::ffff:0:0/96``, which is an IPv4 VIP spelled twice);
  loopback stays allowed, for a DevBox.

The unspecified address (``0.0.0.0``, ``::``) stays allowed: it is a
wildcard bind the renderer knows about (a VIP on it conflicts with every
other VIP of its port), and etc/examples/createLBcommandHAProxy uses it.
"""

import ipaddress


def _vip_problem(parsed):
    if parsed.is_multicast:
        return "is a multicast address"
    if parsed.is_link_local:
        return "is a link-local address"
    if parsed.version == 4 and parsed == ipaddress.IPv4Address("255.255.255.255"):
        return "is the broadcast address"
    if parsed.is_reserved and not (parsed.is_loopback or parsed.is_unspecified):
        return "is a reserved address"
    return None


def problem(text, role):
    """Why ``text`` cannot be the address of a ``role``, or None."""
    if "%" in text:
        return "%r has a scope id (%%...), which is not allowed" % (text,)
    try:
        parsed = ipaddress.ip_address(text)
    except ValueError:
        return "%r is not an IPv4 or IPv6 address" % (text,)
    if role == "vip":
        why = _vip_problem(parsed)
        if why:
            return "%s %s and cannot be a virtual IP" % (parsed, why)
    return None
