"""HTTPS virtual IPs through the API: validation, storage, what is shown.

Certificates are made by ``balancer.tests.tls_certs`` for each test.  Every
response is watched for private keys (``conftest.SecretWatch`` fails a test
whose responses carry ``PRIVATE KEY-----``); here the database and the log
are searched for them as well, and the noop driver shows what a deploy got.
"""

import logging

import pytest

from balancer.tests import tls_certs
from balancer.tests.functional import helpers


@pytest.fixture(scope="module")
def ca():
    return tls_certs.Authority()


def https_vip(issued, **values):
    return helpers.vip_body(protocol="HTTPS", **dict(issued.body(), **values))


def _db_text(api):
    """Every stored value in full (a Row's repr shortens long values)."""
    return repr({table: [tuple(row) for row in rows]
                 for table, rows in helpers.table_dump(api).items()})


def test_https_vip_is_stored_sealed_and_deployed_open(api, device, lb, ca, caplog):
    caplog.set_level(logging.DEBUG)
    www, shop = ca.issue("www.example.test"), ca.issue("shop.example.test", rsa_key=True)
    body = https_vip(www, sniCertificates=[shop.body()], httpRedirectPort=8080,
                     tlsMinVersion="TLSv1.3")
    vip = api.post_json(helpers.lb_url("t1", lb["id"], "virtualIps"),
                        {"virtualIp": body}).json["virtualIp"]
    assert vip["protocol"] == "HTTPS" and "privateKey" not in vip
    assert vip["certificate"].startswith("-----BEGIN CERTIFICATE-----")
    assert vip["certificateInfo"]["hostnames"] == ["www.example.test"]
    assert [s["certificateInfo"]["hostnames"] for s in vip["sniCertificates"]] == [
        ["shop.example.test"]]
    assert all("privateKey" not in s for s in vip["sniCertificates"])
    # the database holds only sealed keys
    dump = _db_text(api)
    assert "PRIVATE KEY" not in dump and "fernet:" in dump
    for key in (www.private_key, shop.private_key):
        assert key.splitlines()[1] not in dump and key.splitlines()[1] not in caplog.text
    # the deploy got the keys open, in the driver's records only
    record = helpers.last_deploy(api, device["id"], lb["id"])
    tls = [v for v in record.vips if v.id == vip["id"]][0].tls
    assert [c.private_key.splitlines()[0] for c in tls.certificates] == [
        "-----BEGIN PRIVATE KEY-----"] * 2
    assert tls.min_version == "TLSv1.3" and tls.redirect_port == 8080
    assert "PRIVATE KEY" not in repr(record)
    # every way of reading the VIP shows it without a key
    for url in (helpers.lb_url("t1", lb["id"], "virtualIps"),
                helpers.lb_url("t1", lb["id"], "virtualIps", vip["id"]),
                helpers.lb_url("t1", lb["id"], "details")):
        text = api.get(url).text
        assert vip["id"] in text and "PRIVATE KEY" not in text and "privateKey" not in text
    assert api.get(helpers.lb_url("t1", lb["id"])).json["loadbalancer"]["status"] == "ACTIVE"


def test_https_vip_in_a_new_load_balancer(api, device, ca):
    issued = ca.issue("new.example.test")
    lb = helpers.create_lb(api, protocol="HTTPS", virtualIps=[
        helpers.vip_body(**issued.body())])
    assert lb["status"] == "ACTIVE" and lb["protocol"] == "HTTPS"
    record = helpers.last_deploy(api, device["id"], lb["id"])
    assert record.vips[0].protocol == "HTTPS" and record.vips[0].tls is not None
    assert record.vips[0].forwarded_headers is True


@pytest.mark.parametrize("case, field, words", [
    ("garbage", "certificate", "not a PEM certificate chain"),
    ("other_key", "privateKey", "not the key of the certificate"),
    ("expired", "certificate", "expired"),
    ("broken_chain", "certificate", "not issued by"),
    ("no_key", "privateKey", "sent together"),
    ("no_certificate", "certificate", "needs its certificate"),
    ("encrypted_key", "privateKey", "not an unencrypted PEM private key"),
    ("tls_on_http", "certificate", "only an HTTPS virtual IP"),
    ("redirect_to_itself", "httpRedirectPort", "own port"),
    ("old_tls", "tlsMinVersion", "not one of the accepted values"),
    ("bad_ciphers", "ciphers", "not allowed"),
])
def test_bad_tls_is_a_400_that_stores_nothing(api, device, lb, ca, case, field, words):
    from cryptography.hazmat.primitives import serialization
    good = ca.issue("www.example.test")
    stranger = tls_certs.Authority("another CA").issue("x.example.test")
    key = serialization.load_pem_private_key(good.private_key.encode(), None)
    locked = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                               serialization.BestAvailableEncryption(b"pass")).decode()
    bodies = {
        "garbage": https_vip(good, certificate="not a certificate"),
        "other_key": https_vip(good, privateKey=tls_certs.other_key()),
        "expired": https_vip(ca.issue("old.example.test", expired=True)),
        "broken_chain": https_vip(good, certificate=good.leaf + stranger.leaf),
        "no_key": {k: v for k, v in https_vip(good).items() if k != "privateKey"},
        "no_certificate": helpers.vip_body(protocol="HTTPS"),
        "encrypted_key": https_vip(good, privateKey=locked),
        "tls_on_http": dict(https_vip(good), protocol="HTTP"),
        "redirect_to_itself": https_vip(good, port=9443, httpRedirectPort=9443),
        "old_tls": https_vip(good, tlsMinVersion="TLSv1.0"),
        "bad_ciphers": https_vip(good, ciphers="HIGH; reboot"),
    }
    before = helpers.table_dump(api)
    resp = api.post_json(helpers.lb_url("t1", lb["id"], "virtualIps"),
                         {"virtualIp": bodies[case]}, expect_errors=True)
    error = helpers.error_of(resp, 400, "virtualIp." + field)
    assert words in error["message"], error
    assert "PRIVATE KEY" not in resp.text and good.private_key.splitlines()[1] not in resp.text
    assert helpers.table_dump(api) == before


def test_an_https_load_balancer_needs_certificates_on_its_vips(api, device):
    before = helpers.row_counts(api)
    resp = api.post_json(helpers.lb_url("t1"), helpers.lb_body(protocol="HTTPS"),
                         expect_errors=True)
    helpers.error_of(resp, 400)
    assert "certificate" in resp.json["error"]["message"]
    assert helpers.row_counts(api) == before


def test_certificates_per_load_balancer_are_limited(tmp_path, migrated_db, ca):
    from balancer.tests.conftest import make_conf
    from balancer.tests.functional.conftest import running_api
    conf = make_conf(tmp_path, limits__max_certificates_per_lb=2)
    with running_api(conf, migrated_db) as api:
        api.add_device()
        lb = helpers.create_lb(api)
        url = helpers.lb_url("t1", lb["id"], "virtualIps")
        api.post_json(url, {"virtualIp": https_vip(ca.issue("a.test"))})
        before = helpers.table_dump(api)
        resp = api.post_json(url, {"virtualIp": https_vip(
            ca.issue("b.test"), sniCertificates=[ca.issue("c.test").body()])},
            expect_errors=True)
        assert "max_certificates_per_lb" in helpers.error_of(resp, 413)["message"]
        assert helpers.table_dump(api) == before


def test_vip_keys_follow_a_key_rotation(tmp_path, ca):
    """New key first, ``--reencrypt-secrets``, old key dropped: the VIP's
    keys still open for a deploy, and the old key alone opens none."""
    from cryptography.fernet import Fernet

    from balancer.core import records, vip_tls
    from balancer.db import api as db
    from balancer.db import crypto
    from balancer.drivers import base
    from balancer.tests.conftest import Api, make_conf
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()

    def api_with(keys):
        return Api(make_conf(tmp_path, secrets__encryption_keys=keys))

    def opened(api, lb_id):
        with api.service.session() as session:
            record = records.lb_record(db.lb_get(session, None, lb_id, children=True))
        return vip_tls.opened([record], api.service.secrets)[0]
    issued = ca.issue("rotate.example.test")
    first = api_with([old])
    first.add_device()
    lb = helpers.create_lb(first, virtualIps=[https_vip(issued, sniCertificates=[
        ca.issue("sni.example.test").body()])])
    url = first.service.conf.database.connection
    first.service.close()
    keyring = crypto.KeyRing([new, old], "test keys")
    assert crypto.reencrypt(url, keyring) == 2
    only_new = api_with([new])
    tls = opened(only_new, lb["id"]).vips[0].tls
    assert tls.certificates[0].private_key == issued.private_key
    only_new.service.close()
    only_old = api_with([old])
    with pytest.raises(base.DriverError) as caught:
        opened(only_old, lb["id"])
    assert caught.value.lb_ids == (lb["id"],) and "PRIVATE KEY" not in str(caught.value)
    only_old.service.close()


def test_a_protocol_change_that_breaks_a_vip_is_a_409(api, device, ca):
    lb = helpers.create_lb(api)
    url = helpers.lb_url("t1", lb["id"])
    before = helpers.table_dump(api)
    resp = api.put_json(url, {"protocol": "HTTPS"}, expect_errors=True)
    assert "certificate" in helpers.error_of(resp, 409, "protocol")["message"]
    assert helpers.table_dump(api) == before
    https = helpers.create_lb(api, protocol="HTTPS", virtualIps=[
        helpers.vip_body(**ca.issue("p.example.test").body())])
    resp = api.put_json(helpers.lb_url("t1", https["id"]), {"protocol": "HTTP"},
                        expect_errors=True)
    assert "only an HTTPS virtual IP" in helpers.error_of(resp, 409, "protocol")["message"]


def test_a_plain_private_key_never_reaches_the_database():
    """Whatever route forgets to seal a key, the model refuses to store it."""
    from balancer.db import models
    with pytest.raises(ValueError, match="sealed"):
        models.VirtualServer(extra={"privateKey": "-----BEGIN PRIVATE KEY-----\nx"})
    with pytest.raises(ValueError, match="sealed"):
        models.VirtualServer(extra={"sniCertificates": [{"privateKey": "plain"}]})
    assert models.VirtualServer(extra={"privateKey": "fernet:token"}).extra


def test_an_update_adds_replaces_and_keeps_certificates(api, device, lb, ca):
    """``PUT …/virtualIps/{id}``: an HTTP VIP becomes HTTPS with its
    certificate, gets a new one later, keeps it through other changes, and
    a bad one changes nothing."""
    url = helpers.lb_url("t1", lb["id"], "virtualIps")
    vip = api.post_json(url, {"virtualIp": helpers.vip_body()}).json["virtualIp"]
    one = url + "/" + vip["id"]
    resp = api.put_json(one, {"virtualIp": {"protocol": "HTTPS"}}, expect_errors=True)
    helpers.error_of(resp, 400, "certificate")
    first, second = ca.issue("first.example.test"), ca.issue("second.example.test")
    shown = api.put_json(one, {"virtualIp": dict(first.body(), protocol="HTTPS")}).json[
        "virtualIp"]
    assert shown["certificateInfo"]["hostnames"] == ["first.example.test"]
    assert "privateKey" not in shown and "PRIVATE KEY" not in _db_text(api)
    renamed = api.put_json(one, {"virtualIp": {"name": "web"}}).json["virtualIp"]
    assert renamed["certificate"] == shown["certificate"] and renamed["name"] == "web"
    before = helpers.table_dump(api)
    resp = api.put_json(one, {"virtualIp": dict(second.body(), privateKey=first.private_key)},
                        expect_errors=True)
    helpers.error_of(resp, 400, "virtualIp.privateKey")
    assert helpers.table_dump(api) == before
    api.put_json(one, {"virtualIp": second.body()})
    tls = [v for v in helpers.last_deploy(api, device["id"], lb["id"]).vips
           if v.id == vip["id"]][0].tls
    assert tls.certificates[0].private_key == second.private_key
