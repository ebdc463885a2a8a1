"""Desired states with TLS termination, access lists and throttles, for the
golden files ``golden/tls_*.cfg``, ``golden/access_*.cfg`` and
``golden/throttle*.cfg`` (test_render_tenant_golden.py).

The certificates here are placeholders: the renderer never reads them, it
only names their files after a hash of their text, so the golden files stay
the same from run to run.  The ``haproxy -c`` check puts real certificates
(made by ``balancer.tests.tls_certs``) under those names.
"""

from balancer.drivers.base import AccessItem, Certificate, Throttle, Tls, Vip

from . import cases

TLS_DIR = "certs"       # relative: the haproxy -c check runs in a temp dir


def placeholder(name):
    return Certificate(certificate="-----BEGIN CERTIFICATE-----\n%s\n"
                                   "-----END CERTIFICATE-----\n" % name,
                       private_key="-----BEGIN PRIVATE KEY-----\n%s key\n"
                                   "-----END PRIVATE KEY-----\n" % name)


def https_lb(tls, lb_id="lb1", address="10.9.9.9", port=443, **fields):
    base = cases.lb(lb_id=lb_id, vip=None)
    vip = Vip(id="vip-" + lb_id, address=address, port=port, protocol="HTTPS", tls=tls)
    return base.__class__(**dict(base.__dict__, vips=(vip,), **fields))


def tls_single():
    return cases.BASE, [https_lb(Tls(certificates=(placeholder("www"),)))]


def tls_sni_redirect():
    """Three certificates chosen by SNI, TLS 1.3 only, a redirect from 80."""
    tls = Tls(certificates=(placeholder("default"), placeholder("api"), placeholder("shop")),
              min_version="TLSv1.3", redirect_port=80)
    return cases.BASE, [https_lb(tls)]


def tls_ciphers_odd_port_v6():
    tls = Tls(certificates=(placeholder("v6"),), ciphers="ECDHE-RSA-AES256-GCM-SHA384",
              redirect_port=8080)
    return cases.BASE, [https_lb(tls, address="2001:db8::443", port=8443)]


def tls_no_forwarded_headers():
    lb = cases.lb()
    vip = Vip(id="vip-lb1", address="10.9.9.9", port=80, protocol="HTTP",
              forwarded_headers=False)
    return cases.BASE, [lb.__class__(**dict(lb.__dict__, vips=(vip,)))]


def _with(lb, **fields):
    return lb.__class__(**dict(lb.__dict__, **fields))


def access_allow_deny():
    items = (AccessItem(id="a1", address="10.0.0.0/8", type="ALLOW"),
             AccessItem(id="a2", address="0.0.0.0/0", type="DENY"),
             AccessItem(id="a3", address="2001:db8::/32", type="ALLOW"),
             AccessItem(id="a4", address="::/0", type="DENY"))
    return cases.BASE, [_with(cases.lb(), access_list=items)]


def access_many_deny_tcp():
    """More networks than fit on one line; a TCP listener; DENY only."""
    items = tuple(AccessItem(id="d%d" % i, address="192.0.2.%d/32" % i, type="DENY")
                  for i in range(40))
    return cases.BASE, [_with(cases.lb(protocol="TCP", vip=("10.9.9.9", 5432)),
                              access_list=items)]


def access_allow_only():
    items = (AccessItem(id="a1", address="10.0.0.0/8", type="ALLOW"),)
    return cases.BASE, [_with(cases.lb(), access_list=items)]


def throttle():
    return cases.BASE, [_with(cases.lb(), throttle=Throttle(
        max_connections=20, max_connection_rate=50, rate_interval=10, min_connections=2))]


def throttle_tls_access():
    """Everything on one HTTPS VIP with a redirect: rules on both frontends."""
    lb = https_lb(Tls(certificates=(placeholder("all"),), redirect_port=80))
    return cases.BASE, [_with(lb, throttle=Throttle(max_connections=5),
                              access_list=(AccessItem(id="x", address="198.51.100.0/24",
                                                      type="DENY"),))]


CASES = {
    "tls_single": tls_single,
    "tls_sni_redirect": tls_sni_redirect,
    "tls_ciphers_odd_port_v6": tls_ciphers_odd_port_v6,
    "tls_no_forwarded_headers": tls_no_forwarded_headers,
    "access_allow_deny": access_allow_deny,
    "access_many_deny_tcp": access_many_deny_tcp,
    "access_allow_only": access_allow_only,
    "throttle": throttle,
    "throttle_tls_access": throttle_tls_access,
}
