"""TLS termination in the core: keys sealed before they are stored, opened
only for the deploy that needs them.

An HTTPS virtual IP's fields (checked by ``balancer.api.schemas.tls``) are
kept in its row's ``extra`` like every other VIP field, but ``privateKey``
(of the VIP and of each of its ``sniCertificates``) is first encrypted with
the service's keys (``[secrets]``, ``balancer.db.crypto``, the ones that
encrypt device secrets) and never shown (``models.VirtualServer.as_dict``).
Records carry the sealed token; ``opened`` decrypts the keys of the records
of one deploy, right before the driver gets them, so the desired-state cache
(``core.desired_state``) never holds a plain key.

Create, add and update all go through ``prepare``: the protocol a VIP ends
up with is known there (its own or its load balancer's), so an HTTPS VIP
without a certificate is refused whatever route it came by.
"""

import dataclasses

from balancer.common import constants
from balancer.core import exceptions
from balancer.db import crypto
from balancer.drivers import base

KEY = "privateKey"
#: what only an HTTPS virtual IP may have
TLS_ONLY = ("certificate", KEY, "sniCertificates", "tlsMinVersion", "ciphers",
            "httpRedirectPort")


def _seal(secrets, value):
    if not value or str(value).startswith(crypto.PREFIX):
        return value
    try:
        return secrets.encrypt(value)
    except crypto.NoKey:
        raise exceptions.Unavailable(
            "private keys of HTTPS virtual IPs are stored encrypted and no encryption "
            "key is configured ([secrets] encryption_keys); nothing was stored",
            field=KEY) from None


def prepare(vip, lb_protocol, secrets, current=None):
    """The VIP values to store: checked against the protocol the VIP will
    have, with every private key sealed.  ``current``: the stored ``extra``
    of a VIP being updated (its TLS fields count unless replaced)."""
    merged = dict(current or {}, **vip)
    protocol = str(merged.get("protocol") or lb_protocol or "HTTP").upper()
    require(merged, protocol)
    values = dict(vip)
    if values.get(KEY):
        values[KEY] = _seal(secrets, values[KEY])
    if "sniCertificates" in values:
        values["sniCertificates"] = [dict(item, **{KEY: _seal(secrets, item.get(KEY))})
                                     for item in values["sniCertificates"]]
    return values


def require(data, protocol):
    """An HTTPS VIP has its certificate; no other VIP has TLS fields."""
    if protocol == "HTTPS":
        if not data.get("certificate"):
            raise exceptions.Invalid("invalid certificate: an HTTPS virtual IP needs its "
                                     "certificate and privateKey", field="certificate")
        redirect = data.get("httpRedirectPort")
        if redirect and int(redirect) == int(data.get("port") or 0):
            raise exceptions.Invalid("invalid httpRedirectPort: it is the virtual IP's own "
                                     "port", field="httpRedirectPort")
        return
    for key in TLS_ONLY:
        if data.get(key) not in (None, []):
            raise exceptions.Invalid("invalid %s: only an HTTPS virtual IP has it" % key,
                                     field=key)


def check_protocol_change(vip_row, protocol):
    """A 409 when a load balancer's new protocol would leave ``vip_row``
    HTTPS without a certificate, or not HTTPS with one."""
    extra = dict(vip_row.extra or {}, port=vip_row.port)
    try:
        require(extra, str(protocol).upper())
    except exceptions.Invalid as err:
        raise exceptions.Conflict("protocol %s: virtual IP %s would not fit it (%s)"
                                  % (protocol, vip_row.id, err.message),
                                  field="protocol") from err


def certificate_count(vips):
    """How many certificates ``vips`` (stored dicts or rows' extra) hold."""
    count = 0
    for vip in vips:
        if vip.get("certificate"):
            count += 1 + len(vip.get("sniCertificates") or [])
    return count


def check_limit(limit, stored, adding):
    """OverLimit unless the certificates of ``stored`` VIPs (their extra)
    and of the ``adding`` ones fit ``limit``: the tenant's
    ``certificatesPerLoadBalancer`` (``quotas.effective``)."""
    total = certificate_count(stored) + certificate_count(adding)
    if certificate_count(adding) and total > limit:
        raise exceptions.OverLimit(
            "a load balancer's virtual IPs may hold at most %d certificates ([limits] "
            "max_certificates_per_lb); this request would give them %d" % (limit, total),
            field="sniCertificates", limit=limit)


def tls_record(extra, protocol):
    """The ``base.Tls`` of a stored VIP (keys still sealed), None unless HTTPS."""
    if protocol != "HTTPS" or not extra.get("certificate"):
        return None
    pairs = [(extra.get("certificate"), extra.get(KEY))]
    pairs += [(item.get("certificate"), item.get(KEY))
              for item in extra.get("sniCertificates") or [] if isinstance(item, dict)]
    redirect = extra.get("httpRedirectPort")
    return base.Tls(
        certificates=tuple(base.Certificate(certificate=c or "", private_key=k or "")
                           for c, k in pairs),
        min_version=extra.get("tlsMinVersion") or constants.DEFAULT_TLS_VERSION,
        ciphers=extra.get("ciphers") or None,
        redirect_port=int(redirect) if redirect not in (None, "") else None)


def forwarded_headers(extra):
    value = extra.get("forwardedHeaders", True)
    return str(value).lower() not in ("0", "false")


def opened(lbs, secrets):
    """``lbs`` with the private keys of their HTTPS VIPs decrypted, for one
    deploy.  A key no configured key opens fails only its load balancer."""
    out = []
    for lb in lbs:
        if not any(vip.tls for vip in lb.vips):
            out.append(lb)
            continue
        vips = []
        for vip in lb.vips:
            if vip.tls is None:
                vips.append(vip)
                continue
            try:
                certificates = tuple(
                    dataclasses.replace(c, private_key=secrets.decrypt(c.private_key))
                    for c in vip.tls.certificates)
            except crypto.CannotDecrypt as err:
                raise base.DriverError(
                    "the private key of virtual IP %s cannot be used; the operator has "
                    "been told" % vip.id, (lb.id,),
                    "load balancer %s, virtual IP %s: %s (see [secrets])"
                    % (lb.id, vip.id, err)) from None
            vips.append(dataclasses.replace(
                vip, tls=dataclasses.replace(vip.tls, certificates=certificates)))
        out.append(dataclasses.replace(lb, vips=tuple(vips)))
    return out
