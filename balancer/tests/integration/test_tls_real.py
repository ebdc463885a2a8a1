"""HTTPS termination through the REST API on a real HAProxy box.

Certificates are made for the test (``tls_certs``), sent in the VIP body,
and every assertion is about real TLS handshakes, real requests through the
VIP and what a real backend received: the certificate chosen for each SNI
name, the default one for any other name, the TLS version floor, the
redirect from plain HTTP, the X-Forwarded-* headers, and the certificate
files on the box (owner-only, removed with their VIP).
"""

import os
import stat

import pytest

from balancer.tests import tls_certs
from balancer.tests.integration import tenant_traffic as traffic


@pytest.fixture
def device(real_api, api_box):
    return real_api.post_json("/devices", api_box.api_device_body()).json["device"]


@pytest.fixture(scope="module")
def ca():
    return tls_certs.Authority()


def _ports(box):
    if box.ns:
        return 443, 80
    return box.free_vip_port(), traffic.lab_parts.free_port(19080)


def _create(api, box, device, vip, name="tls"):
    nodes = [{"address": a, "port": p} for a, p, _n in box.backend_nodes()]
    body = {"name": name, "protocol": "HTTP", "device_id": device["id"],
            "virtualIps": [dict(vip, address=box.ip)], "nodes": nodes}
    return api.post_json("/foo/loadbalancers", body, status=202).json["loadbalancer"]


def _names(cert):
    return cert.subject.rfc4514_string()


def test_sni_chooses_the_certificate_and_the_redirect_and_headers_work(
        real_api, api_box, device, ca):
    www, api_cert = ca.issue("www.example.test"), ca.issue("api.example.test", rsa_key=True)
    shop = ca.issue("shop.example.test", "*.shop.example.test")
    port, redirect = _ports(api_box)
    lb = _create(real_api, api_box, device, dict(
        www.body(), port=port, protocol="HTTPS", httpRedirectPort=redirect,
        sniCertificates=[api_cert.body(), shop.body()]))
    assert lb["status"] == "ACTIVE", lb
    try:
        for name, issued in (("www.example.test", www), ("api.example.test", api_cert),
                             ("shop.example.test", shop), ("a.shop.example.test", shop)):
            cert, version = traffic.handshake(api_box.ip, port, name, ca.pem)
            assert cert == issued.cert, (name, _names(cert))
            assert version in ("TLSv1.2", "TLSv1.3")
        # a name no certificate has gets the VIP's own (default) certificate
        cert, _version = traffic.handshake(api_box.ip, port, "nobody.example.test")
        assert cert == www.cert
        # TLS 1.2 is the floor by default: a TLS 1.2 client gets in
        _cert, version = traffic.handshake(api_box.ip, port, "www.example.test", ca.pem,
                                           maximum=traffic.ssl.TLSVersion.TLSv1_2)
        assert version == "TLSv1.2"
        # a request through the terminated listener reaches a backend, which
        # sees who asked, over what and on which port
        status, body, headers = traffic.https_get(api_box.ip, port, "api.example.test",
                                                  ca.pem)
        assert status == 200 and body.strip().startswith("backend"), body
        assert headers["x-seen-forwarded-proto"] == "https"
        assert headers["x-seen-forwarded-port"] == str(port)
        assert headers["x-seen-forwarded-for"] in ("127.0.0.1", api_box.ip.rsplit(".", 1)[0]
                                                   + ".1")
        # plain HTTP on the redirect port: a 301 to the same host and path on HTTPS
        answer = traffic.http_answer(api_box.ip, redirect, host="www.example.test:%d" % redirect,
                                     path="/cart?id=7")
        assert answer != traffic.REFUSED
        status, _body, headers = answer
        suffix = "" if port == 443 else ":%d" % port
        assert status == 301
        assert headers["location"] == "https://www.example.test%s/cart?id=7" % suffix
        _check_files(api_box, www, api_cert, shop)
    finally:
        real_api.delete("/foo/loadbalancers/%s" % lb["id"], status=204)
    assert _certificate_files(api_box) == []


def test_tls_13_floor_and_a_new_certificate_through_a_new_vip(real_api, api_box, device, ca):
    port, _redirect = _ports(api_box)
    lb = _create(real_api, api_box, device, dict(
        ca.issue("strict.example.test").body(), port=port, protocol="HTTPS",
        tlsMinVersion="TLSv1.3"))
    assert lb["status"] == "ACTIVE", lb
    try:
        _cert, version = traffic.handshake(api_box.ip, port, "strict.example.test", ca.pem)
        assert version == "TLSv1.3"
        with pytest.raises(traffic.ssl.SSLError):
            traffic.handshake(api_box.ip, port, "strict.example.test", ca.pem,
                              maximum=traffic.ssl.TLSVersion.TLSv1_2)
        # HTTP VIPs insert the forwarded headers too
        plain_port = traffic.lab_parts.free_port(19180) if not api_box.ns else 8080
        added = real_api.post_json("/foo/loadbalancers/%s/virtualIps" % lb["id"], {
            "virtualIp": {"address": api_box.ip, "port": plain_port}}).json["virtualIp"]
        assert added["protocol"] == "HTTP"
        status, _body, headers = traffic.http_answer(api_box.ip, plain_port)
        assert status == 200 and headers["x-seen-forwarded-proto"] == "http"
        assert headers["x-seen-forwarded-port"] == str(plain_port)
    finally:
        real_api.delete("/foo/loadbalancers/%s" % lb["id"], status=204)


def _certificate_files(box):
    directory = os.path.join(os.path.dirname(box.config_path), "balancer-certs")
    return sorted(os.listdir(directory)) if os.path.isdir(directory) else []


def _check_files(box, *issued):
    """One owner-only file per certificate, holding its chain and key, in an
    owner-only directory that the box's SSH user cannot read."""
    directory = os.path.join(os.path.dirname(box.config_path), "balancer-certs")
    assert stat.S_IMODE(os.stat(directory).st_mode) == 0o700
    names = _certificate_files(box)
    assert len(names) == len(issued)
    texts = []
    for name in names:
        path = os.path.join(directory, name)
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600, name
        with open(path) as handle:
            texts.append(handle.read())
    for cert in issued:
        assert any(cert.leaf in text and "PRIVATE KEY" in text for text in texts)
    assert box.user not in {_owner(directory)} | {_owner(os.path.join(directory, n))
                                                   for n in names}


def _owner(path):
    import pwd
    return pwd.getpwuid(os.stat(path).st_uid).pw_name
