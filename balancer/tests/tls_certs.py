"""Test certificates made with ``cryptography`` when a test runs.

``Authority`` is a throw-away CA; ``issue`` gives a leaf for some DNS names
(and IP addresses), with the chain and key as PEM text, so tests can send a
real certificate through the API, have HAProxy serve it and check the
handshake against the CA.  Nothing here is ever written to the repository.
"""

import dataclasses
import datetime
import ipaddress

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID


def _now():
    return datetime.datetime.now(datetime.UTC)


def key_pem(key):
    return key.private_bytes(serialization.Encoding.PEM,
                             serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


def cert_pem(cert):
    return cert.public_bytes(serialization.Encoding.PEM).decode()


@dataclasses.dataclass
class Issued:
    """A leaf: ``certificate`` is the chain (leaf, then the CA) as a tenant
    sends it, ``leaf`` the leaf alone, ``private_key`` its key."""
    certificate: str
    leaf: str
    private_key: str
    cert: x509.Certificate

    def body(self):
        return {"certificate": self.certificate, "privateKey": self.private_key}


class Authority:
    def __init__(self, name="balancer test CA"):
        self.key = ec.generate_private_key(ec.SECP256R1())
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
        self.cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
                     .public_key(self.key.public_key())
                     .serial_number(x509.random_serial_number())
                     .not_valid_before(_now() - datetime.timedelta(days=1))
                     .not_valid_after(_now() + datetime.timedelta(days=30))
                     .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
                     .sign(self.key, hashes.SHA256()))
        self.pem = cert_pem(self.cert)

    def issue(self, *names, ips=(), days=30, expired=False, rsa_key=False):
        key = (rsa.generate_private_key(public_exponent=65537, key_size=2048) if rsa_key
               else ec.generate_private_key(ec.SECP256R1()))
        start = _now() - datetime.timedelta(days=days + 2 if expired else 1)
        end = _now() - datetime.timedelta(days=1) if expired else \
            _now() + datetime.timedelta(days=days)
        alt = [x509.DNSName(n) for n in names] + [x509.IPAddress(ipaddress.ip_address(i))
                                                  for i in ips]
        builder = (x509.CertificateBuilder()
                   .subject_name(x509.Name([x509.NameAttribute(
                       NameOID.COMMON_NAME, names[0] if names else str(ips[0]))]))
                   .issuer_name(self.cert.subject).public_key(key.public_key())
                   .serial_number(x509.random_serial_number())
                   .not_valid_before(start).not_valid_after(end))
        if alt:
            builder = builder.add_extension(x509.SubjectAlternativeName(alt), False)
        cert = builder.sign(self.key, hashes.SHA256())
        leaf = cert_pem(cert)
        return Issued(certificate=leaf + self.pem, leaf=leaf, private_key=key_pem(key),
                      cert=cert)


def other_key():
    """A private key that belongs to no certificate made here."""
    return key_pem(ec.generate_private_key(ec.SECP256R1()))
