"""The tenant features of the ``balancer`` command line, step by step, for
``every_subcommand`` in test_client_cli.py: an HTTPS virtual IP made from
PEM files, the access list and the connection throttle.

On a noop device the steps check what the service answered; with
``BoxEffects`` (a real ``lab.HaproxyBox``) each step is also checked by real
traffic: TLS handshakes get the certificate of each name, a denied source is
refused while another is served, a throttled source cannot open a second
connection.  The clients are the ones of test_tls_real.py and
test_access_throttle_real.py (``tenant_traffic``).
"""

import json
import os

from balancer.tests import tls_certs
from balancer.tests.integration import tenant_traffic as traffic

NAMES = ("www.example.test", "api.example.test")
#: TLS 1.2 suites for the test's EC keys (tls_certs.Authority.issue)
CIPHERS = "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES128-GCM-SHA256"


def write_pems(workdir, ca):
    """{name: (certificate file, key file, Issued)} for each of NAMES."""
    made = {}
    for name in NAMES:
        issued = ca.issue(name)
        paths = [os.path.join(str(workdir), "%s.%s.pem" % (name, part))
                 for part in ("cert", "key")]
        for path, text in zip(paths, (issued.certificate, issued.private_key), strict=True):
            with open(path, "w") as handle:
                handle.write(text)
        made[name] = (paths[0], paths[1], issued)
    return made


def _base64_lines(pem):
    return [line for line in pem.splitlines() if line and "-----" not in line]


def assert_no_key_printed(cli, pems, certificates_shown=True):
    """No line of any key in anything ``cli`` printed.  With
    ``certificates_shown``, the certificates sent with the keys are there
    (so the search looks at the outputs that had them)."""
    printed = "\n".join(cli.printed)
    keys = [line for _c, _k, issued in pems.values()
            for line in _base64_lines(issued.private_key)]
    assert keys and [line for line in keys if line in printed] == []
    assert "PRIVATE KEY" not in printed
    if certificates_shown:
        assert all(_base64_lines(issued.leaf)[0] in printed
                   for _c, _k, issued in pems.values())


class BoxEffects:
    """The traffic checks of the steps, through a real box's virtual IPs."""

    def __init__(self, box, plain_port):
        self.box, self.plain_port = box, plain_port

    def https_port(self):
        return self.box.free_vip_port(443)

    def redirect_port(self):
        # 80 is free again in the namespace: the plain VIP moved to 8080
        return 80 if self.box.ns else traffic.lab_parts.free_port(19080)

    def redirects(self, port, https_port):
        answer = traffic.http_answer(self.box.ip, port, host="%s:%d" % (NAMES[0], port),
                                     path="/cart?id=7")
        assert answer != traffic.REFUSED
        suffix = "" if https_port == 443 else ":%d" % https_port
        assert (answer[0], answer[2]["location"]) == (
            301, "https://%s%s/cart?id=7" % (NAMES[0], suffix)), answer

    def serves_certificates(self, port, pems, ca, tls_min):
        for name, (_c, _k, issued) in pems.items():
            cert, version = traffic.handshake(self.box.ip, port, name, ca.pem)
            assert cert == issued.cert, name
            assert version == "TLSv1.3" or tls_min == "TLSv1.2", (name, version)
        status, _body, _headers = traffic.https_get(self.box.ip, port, NAMES[0], ca.pem)
        assert status == 200
        if tls_min == "TLSv1.3":
            try:
                traffic.handshake(self.box.ip, port, NAMES[0], ca.pem,
                                  maximum=traffic.ssl.TLSVersion.TLSv1_2)
            except traffic.ssl.SSLError:
                return
            raise AssertionError("a TLS 1.2 client got in past --tls-min-version TLSv1.3")

    def sources(self):
        return traffic.two_sources(self.box)

    def status(self, source):
        answer = traffic.http_answer(self.box.ip, self.plain_port, source)
        return answer if answer == traffic.REFUSED else answer[0]

    def held(self, source, wait=0.5):
        return traffic.held_open(self.box.ip, self.plain_port, source, wait=wait)

    def config(self):
        return self.box.read_config()


def https_vip(cli, lb_id, address, workdir, effects=None):
    """vip-create and vip-update of an HTTPS VIP from PEM files; deleted after.
    Returns the PEM files and what they hold."""
    ca = tls_certs.Authority()
    pems = write_pems(workdir, ca)
    www, api = pems[NAMES[0]], pems[NAMES[1]]
    port, redirect = (effects.https_port(), effects.redirect_port()) if effects else (443, 81)
    vip = cli.json("vip-create", "--name", "secure", "--address", address, "--port",
                   str(port), "--protocol", "HTTPS", "--certificate-file", www[0],
                   "--private-key-file", www[1], "--sni-certificate", "%s:%s" % api[:2],
                   "--http-redirect-port", str(redirect), "--ciphers", CIPHERS,
                   "--no-forwarded-headers", "--wait", lb_id)
    assert (vip["protocol"], vip["deployed"], vip["forwardedHeaders"], vip["ciphers"],
            vip["httpRedirectPort"]) == ("HTTPS", "True", False, CIPHERS, redirect)
    assert NAMES[0] in json.dumps(vip["certificateInfo"])
    assert [NAMES[1] in json.dumps(s) for s in vip["sniCertificates"]] == [True]
    if effects:
        effects.serves_certificates(port, pems, ca, "TLSv1.2")
        effects.redirects(redirect, port)
    updated = cli.json("vip-update", lb_id, vip["id"], "--tls-min-version", "TLSv1.3",
                       "--wait")
    assert (updated["tlsMinVersion"], updated["deployed"]) == ("TLSv1.3", "True")
    if effects:
        effects.serves_certificates(port, pems, ca, "TLSv1.3")
    cli.ok("vip-delete", lb_id, vip["id"], "--wait")
    return pems


def access_list(cli, lb_id, effects=None):
    """access-add, -list and -delete: a DENY refuses its source, not others."""
    with (effects.sources() if effects else _no_sources()) as (first, second):
        before = [effects.status(s) for s in (first, second)] if effects else None
        assert before in (None, [200, 200]), before
        listed = cli.json("access-add", lb_id, "--deny", first + "/32", "--allow",
                          "10.9.9.0/24", "--deny", "2001:db8::1", "--wait")
        assert [(i["address"], i["type"]) for i in listed] == [
            (first + "/32", "DENY"), ("10.9.9.0/24", "ALLOW"), ("2001:db8::1/128", "DENY")]
        assert cli.json("access-list", lb_id) == listed
        if effects:
            assert [effects.status(s) for s in (first, second)] == [traffic.REFUSED, 200]
            assert first + "/32" in effects.config()
        for item in listed:
            cli.ok("access-delete", lb_id, item["id"], "--wait")
        assert cli.json("access-list", lb_id) == []
        if effects:
            assert [effects.status(s) for s in (first, second)] == [200, 200]


def throttle(cli, lb_id, effects=None):
    """throttle-set, -show and -delete: one connection at once per source."""
    assert cli.json("throttle-show", lb_id) == {}
    shown = cli.json("throttle-set", lb_id, "--max-connections", "1", "--wait")
    assert shown["maxConnections"] == 1
    assert cli.json("throttle-show", lb_id) == shown
    if effects:
        with effects.sources() as (first, second):
            held = effects.held(first)
            assert held != traffic.REFUSED
            try:
                assert effects.held(first, wait=5) == traffic.REFUSED
                other = effects.held(second)
                assert other != traffic.REFUSED
                other.close()
                assert traffic.request_on(held, effects.box.ip) == 200
            finally:
                held.close()
    cli.ok("throttle-delete", lb_id, "--wait")
    assert cli.json("throttle-show", lb_id) == {}
    if effects:
        with effects.sources() as (first, _second):
            held = [effects.held(first) for _ in range(2)]
            try:
                assert traffic.REFUSED not in held
            finally:
                for sock in held:
                    if sock != traffic.REFUSED:
                        sock.close()
            assert effects.box.wait_for(lambda: effects.status(first) == 200, timeout=5)


class _no_sources:
    """Without a box: two addresses that only appear in the records."""

    def __enter__(self):
        return "192.0.2.1", "192.0.2.2"

    def __exit__(self, *exc):
        return False


def refuse_bad_input(cli, lb_id, workdir):
    """Wrong files, options and values: a clear error, a non-zero exit, no
    change, and no key in what was printed."""
    pems = write_pems(workdir, tls_certs.Authority())
    www, api = pems[NAMES[0]], pems[NAMES[1]]
    vip = ("vip-create", lb_id, "--address", "10.0.7.7", "--port", "443", "--protocol",
           "HTTPS", "--certificate-file", www[0])
    # another certificate's key: the service names the field
    err = cli.fails(*vip, "--private-key-file", api[1])
    assert "400" in err and "virtualIp.privateKey" in err, err
    assert "no -----BEGIN line" in cli.fails(*vip, "--private-key-file", os.devnull)
    missing = os.path.join(str(workdir), "missing.pem")
    assert "--private-key-file %s: cannot read it: No such file" % missing in cli.fails(
        *vip, "--private-key-file", missing)
    assert "CERTFILE:KEYFILE" in cli.fails(*vip, "--private-key-file", www[1],
                                           "--sni-certificate", www[0])
    assert "HTTPS" in cli.fails("vip-create", lb_id, "--address", "10.0.7.7", "--port",
                                "443", "--protocol", "HTTPS")
    assert "give --allow or --deny" in cli.fails("access-add", lb_id)
    err = cli.fails("access-add", lb_id, "--allow", "10.0.0.0/8", "--deny", "10.300.0.0/16")
    assert "400" in err and "accessList.1.address" in err, err
    assert "no arguments" in cli.fails("throttle-set", lb_id)
    assert "invalid int value" in cli.fails("throttle-set", lb_id, "--max-connections", "x")
    err = cli.fails("throttle-set", lb_id, "--max-connections", "0")
    assert "400" in err and "maxConnections" in err, err
    assert "404" in cli.fails("throttle-delete", lb_id)
    assert "404" in cli.fails("access-delete", lb_id, "0" * 32)
    cli.ok("limits-set", "--access-list-items", "1")
    try:
        err = cli.fails("access-add", lb_id, "--deny", "10.1.0.0/16", "--deny", "10.2.0.0/16")
        assert "413" in err and "accessListItemsPerLoadBalancer" in err, err
    finally:
        cli.ok("limits-reset")
    # nothing of it was stored
    assert (cli.json("vip-list", lb_id), cli.json("access-list", lb_id),
            cli.json("throttle-show", lb_id)) == ([], [], {})
    assert_no_key_printed(cli, pems, certificates_shown=False)


def run_all(cli, lb_id, address, workdir, effects=None):
    """Every tenant-feature command once; no key it sent is ever printed."""
    pems = https_vip(cli, lb_id, address, workdir, effects)
    access_list(cli, lb_id, effects)
    throttle(cli, lb_id, effects)
    assert_no_key_printed(cli, pems)
