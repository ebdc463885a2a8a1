"""A virtual IP's TLS fields: the schema, and the checks ``cryptography`` does.

An HTTPS virtual IP carries its certificate chain (``certificate``, PEM,
the leaf first) and the leaf's key (``privateKey``, PEM, unencrypted) in
the VIP body, optionally more pairs in ``sniCertificates`` (chosen by the
name a client asks for), ``tlsMinVersion``, ``ciphers`` and
``httpRedirectPort``.  Each pair must parse, the key must be the leaf's,
every certificate must be valid now, and each one of the chain must be
issued by the next; anything else is a 400 that names the field and never
repeats a key.  Certificates are stored as re-encoded PEM (text around
them dropped), keys as PKCS#8 PEM, and what the certificate says is shown
as ``certificateInfo`` (names, expiry, fingerprint).  The core encrypts the
keys before they are stored (``balancer.core.vip_tls``).  doc/source/tls.rst
describes the fields for tenants.
"""

import datetime

from cryptography import exceptions as crypto_errors
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from balancer.api.schemas import flag, integer, whole, write_only
from balancer.common import constants
from balancer.core import exceptions
from balancer.core.vip_tls import require

MAX_SNI_CERTIFICATES = 100
CERTIFICATE = {"type": "string", "minLength": 1, "maxLength": 65536}
PRIVATE_KEY = write_only({"type": "string", "minLength": 1, "maxLength": 16384})
PAIR = {"type": "object", "required": ["certificate", "privateKey"],
        "additionalProperties": False,
        "properties": {"certificate": CERTIFICATE, "privateKey": PRIVATE_KEY}}
FIELDS = {
    "certificate": CERTIFICATE, "privateKey": PRIVATE_KEY,
    "sniCertificates": {"type": "array", "maxItems": MAX_SNI_CERTIFICATES, "items": PAIR},
    "tlsMinVersion": {"enum": list(constants.TLS_VERSIONS)},
    # an OpenSSL cipher list for TLS 1.2 (TLS 1.3 suites are OpenSSL's own)
    "ciphers": {"type": "string", "maxLength": 1024,
                "pattern": whole(r"[A-Za-z0-9_+!:@=.\-]+")},
    "httpRedirectPort": integer(1, 65535),
    "forwardedHeaders": flag(),
}
__all__ = ["FIELDS", "check", "pair", "require"]
#: filled in by the service, never taken from a request
DERIVED = ("certificateInfo",)
RSA_MIN_BITS = 2048


def _now():
    return datetime.datetime.now(datetime.UTC)


def _chain(text, field):
    try:
        chain = x509.load_pem_x509_certificates(text.encode())
    except ValueError:
        raise exceptions.Invalid("invalid %s: not a PEM certificate chain" % field,
                                 field=field) from None
    now = _now()
    for index, cert in enumerate(chain):
        which = "the certificate" if index == 0 else "certificate %d of the chain" % (index + 1)
        if cert.not_valid_after_utc <= now:
            raise exceptions.Invalid("invalid %s: %s expired on %s"
                                     % (field, which, cert.not_valid_after_utc.isoformat()),
                                     field=field)
        if cert.not_valid_before_utc > now:
            raise exceptions.Invalid("invalid %s: %s is not valid before %s"
                                     % (field, which, cert.not_valid_before_utc.isoformat()),
                                     field=field)
    for index in range(len(chain) - 1):
        try:
            chain[index].verify_directly_issued_by(chain[index + 1])
        except (ValueError, TypeError, crypto_errors.InvalidSignature):
            raise exceptions.Invalid(
                "invalid %s: certificate %d of the chain is not issued by certificate %d "
                "(send the leaf first, then each issuer)" % (field, index + 1, index + 2),
                field=field) from None
    return chain


def _key(text, field):
    """The private key; errors never quote it."""
    try:
        key = serialization.load_pem_private_key(text.encode(), password=None)
    except (ValueError, TypeError, crypto_errors.UnsupportedAlgorithm):
        raise exceptions.Invalid("invalid %s: not an unencrypted PEM private key" % field,
                                 field=field) from None
    if isinstance(key, rsa.RSAPrivateKey):
        if key.key_size < RSA_MIN_BITS:
            raise exceptions.Invalid("invalid %s: an RSA key needs at least %d bits"
                                     % (field, RSA_MIN_BITS), field=field)
    elif not isinstance(key, ec.EllipticCurvePrivateKey):
        raise exceptions.Invalid("invalid %s: only RSA and EC keys are served" % field,
                                 field=field)
    return key


def _spki(public_key):
    return public_key.public_bytes(serialization.Encoding.DER,
                                   serialization.PublicFormat.SubjectPublicKeyInfo)


def names_of(cert):
    """The names a client may ask for: DNS names and IPs of the subject
    alternative names, or the common name when there are none."""
    try:
        alt = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        names = alt.get_values_for_type(x509.DNSName) + [
            str(ip) for ip in alt.get_values_for_type(x509.IPAddress)]
    except x509.ExtensionNotFound:
        names = []
    if not names:
        names = [a.value for a in cert.subject.get_attributes_for_oid(
            x509.NameOID.COMMON_NAME)]
    return [str(n) for n in names]


def pair(certificate, private_key, where=""):
    """(canonical chain PEM, canonical key PEM, info) of one pair, checked."""
    chain = _chain(certificate, where + "certificate")
    key = _key(private_key, where + "privateKey")
    if _spki(key.public_key()) != _spki(chain[0].public_key()):
        raise exceptions.Invalid("invalid %sprivateKey: it is not the key of the "
                                 "certificate" % where, field=where + "privateKey")
    pem = "".join(c.public_bytes(serialization.Encoding.PEM).decode() for c in chain)
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    info = {"hostnames": names_of(chain[0]),
            "notAfter": chain[0].not_valid_after_utc.isoformat(),
            "sha256Fingerprint": chain[0].fingerprint(hashes.SHA256()).hex()}
    return pem, key_pem, info


def check(data, protocol=None, complete=True):
    """Check and canonicalise the TLS fields of validated VIP ``data``.

    ``protocol`` is the VIP's protocol when the body does not say it (the
    load balancer's, known to the core); None: only what the body says is
    checked, and the core calls ``require`` once the protocol is known.
    ``complete=False`` for an update (``PUT …/virtualIps/{id}``): the stored
    fields count too, so only ``balancer.core.vip_tls.prepare`` (given the
    stored ones as ``current``) can tell whether the VIP is whole."""
    for key in DERIVED:
        data.pop(key, None)
    if "forwardedHeaders" in data:
        data["forwardedHeaders"] = str(data["forwardedHeaders"]).lower() in ("1", "true")
    if ("certificate" in data) != ("privateKey" in data):
        missing = "privateKey" if "certificate" in data else "certificate"
        raise exceptions.Invalid("invalid %s: certificate and privateKey are sent together"
                                 % missing, field=missing)
    if "certificate" in data:
        data["certificate"], data["privateKey"], data["certificateInfo"] = pair(
            data["certificate"], data["privateKey"])
    if "sniCertificates" in data:
        checked = []
        for index, item in enumerate(data["sniCertificates"]):
            pem, key_pem, info = pair(item["certificate"], item["privateKey"],
                                      "sniCertificates.%d." % index)
            checked.append({"certificate": pem, "privateKey": key_pem,
                            "certificateInfo": info})
        data["sniCertificates"] = checked
    effective = str(data.get("protocol") or protocol or "").upper()
    if effective and complete:
        require(data, effective)
    return data
