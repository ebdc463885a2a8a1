"""The core's side of HTTPS virtual IPs (``balancer.core.vip_tls``): what
``prepare`` lets through for a create and for an update, sealing, limits,
records, and opening keys for one deploy."""

import pytest
from cryptography.fernet import Fernet

from balancer.api.schemas import tls as tls_schema
from balancer.core import exceptions, vip_tls
from balancer.db import crypto
from balancer.drivers import base
from balancer.tests import tls_certs


@pytest.fixture(scope="module")
def issued():
    return tls_certs.Authority().issue("core.example.test")


@pytest.fixture
def keyring():
    return crypto.KeyRing([Fernet.generate_key()], "test key")


def _checked(issued, **more):
    return tls_schema.check(dict(issued.body(), address="10.0.0.1", port=443, **more))


def test_prepare_seals_every_key_and_keeps_the_rest(issued, keyring):
    vip = _checked(issued, protocol="HTTPS", sniCertificates=[issued.body()])
    stored = vip_tls.prepare(vip, "HTTP", keyring)
    assert stored["privateKey"].startswith(crypto.PREFIX)
    assert stored["sniCertificates"][0]["privateKey"].startswith(crypto.PREFIX)
    assert keyring.decrypt(stored["privateKey"]) == vip["privateKey"]
    assert stored["certificate"] == vip["certificate"]
    assert vip_tls.prepare(stored, "HTTP", keyring)["privateKey"] == stored["privateKey"]


def test_an_inherited_https_protocol_needs_a_certificate(keyring):
    with pytest.raises(exceptions.Invalid, match="needs its certificate"):
        vip_tls.prepare({"address": "10.0.0.1", "port": 443}, "HTTPS", keyring)


def test_an_update_counts_what_is_stored(issued, keyring):
    """``PUT …/virtualIps/{id}`` with only a protocol: the stored certificate
    makes it whole; TLS fields on a VIP becoming TCP do not."""
    stored = vip_tls.prepare(_checked(issued, protocol="HTTPS"), "HTTP", keyring)
    update = tls_schema.check({"protocol": "HTTPS"}, complete=False)
    assert vip_tls.prepare(update, "HTTP", keyring, current=stored) == {"protocol": "HTTPS"}
    with pytest.raises(exceptions.Invalid, match="only an HTTPS virtual IP"):
        vip_tls.prepare({"protocol": "TCP"}, "HTTP", keyring, current=stored)
    with pytest.raises(exceptions.Invalid, match="sent together"):
        tls_schema.check({"certificate": issued.certificate}, complete=False)


def test_no_key_configured_is_a_503_that_names_the_option(issued):
    with pytest.raises(exceptions.Unavailable, match=r"\[secrets\] encryption_keys"):
        vip_tls.prepare(_checked(issued, protocol="HTTPS"), "HTTP",
                        crypto.KeyRing([], "no key"))


def test_certificates_are_counted_per_load_balancer(issued):
    one = {"certificate": "c", "sniCertificates": [{}, {}]}
    vip_tls.check_limit(3, [], [one])
    with pytest.raises(exceptions.OverLimit, match="at most 3"):
        vip_tls.check_limit(3, [{"certificate": "c"}], [one])
    vip_tls.check_limit(0, [one], [{"address": "10.0.0.1"}])   # adds none: never refused


def test_records_carry_sealed_keys_until_a_deploy_opens_them(issued, keyring):
    stored = vip_tls.prepare(_checked(issued, protocol="HTTPS", httpRedirectPort="80"),
                             "HTTP", keyring)
    tls = vip_tls.tls_record(stored, "HTTPS")
    assert tls.redirect_port == 80 and tls.min_version == "TLSv1.2"
    assert tls.certificates[0].private_key.startswith(crypto.PREFIX)
    assert vip_tls.tls_record(stored, "TCP") is None
    lb = base.LoadBalancer(id="lb", name="", algorithm="ROUND_ROBIN", protocol="HTTP",
                           vips=(base.Vip(id="v", address="10.0.0.1", port=443,
                                          protocol="HTTPS", tls=tls),))
    [opened] = vip_tls.opened([lb], keyring)
    assert opened.vips[0].tls.certificates[0].private_key == issued.private_key
    assert "PRIVATE KEY" not in repr(opened)
    with pytest.raises(base.DriverError) as caught:
        vip_tls.opened([lb], crypto.KeyRing([Fernet.generate_key()], "another key"))
    assert caught.value.lb_ids == ("lb",)
