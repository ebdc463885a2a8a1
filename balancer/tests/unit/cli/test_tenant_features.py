"""The pure parts of the tenant-feature options (balancer/cli/tenant_features.py):
how ``--sni-certificate`` splits, how PEM files are read and refused, the
VIP body the TLS options make, and that no printed record keeps a key.
The commands themselves run against a real server and box in
balancer/tests/integration/test_client_cli.py."""

import argparse

import pytest

from balancer.cli import base, tenant_features
from balancer.client import errors

PEM = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"


def parser():
    made = argparse.ArgumentParser()
    tenant_features.add_tls_options(made)
    return made


def test_sni_pair_splits_at_the_last_colon():
    assert tenant_features.certificate_pair("/a:b/c.pem:k.pem") == ("/a:b/c.pem", "k.pem")
    for wrong in ("c.pem", ":k.pem", "c.pem:"):
        with pytest.raises(argparse.ArgumentTypeError, match="CERTFILE:KEYFILE"):
            tenant_features.certificate_pair(wrong)


@pytest.mark.parametrize("content, message", [
    (None, "cannot read it: No such file"),
    (b"\x30\x82\x01\xff binary DER", "binary content"),
    (b"just some text\n", "no -----BEGIN line"),
])
def test_unreadable_or_non_pem_files_are_refused_by_option_and_path(tmp_path, content,
                                                                     message):
    path = tmp_path / "x.pem"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(errors.ClientError) as err:
        tenant_features.read_pem(str(path), "--private-key-file")
    assert str(err.value).startswith("--private-key-file %s: " % path)
    assert message in str(err.value)
    if content:
        assert content.decode(errors="replace")[5:] not in str(err.value)


def test_tls_options_make_the_vip_body(tmp_path):
    files = {}
    for name in ("c", "k", "sc", "sk"):
        files[name] = tmp_path / (name + ".pem")
        files[name].write_text(PEM.replace("MIIB", "MIIB" + name))
    args = parser().parse_args([
        "--certificate-file", str(files["c"]), "--private-key-file", str(files["k"]),
        "--sni-certificate", "%s:%s" % (files["sc"], files["sk"]),
        "--tls-min-version", "TLSv1.3", "--ciphers", "ECDHE-ECDSA-AES128-GCM-SHA256",
        "--http-redirect-port", "80", "--no-forwarded-headers"])
    assert tenant_features.tls_fields(args) == {
        "certificate": files["c"].read_text(), "privateKey": files["k"].read_text(),
        "sniCertificates": [{"certificate": files["sc"].read_text(),
                             "privateKey": files["sk"].read_text()}],
        "tlsMinVersion": "TLSv1.3", "ciphers": "ECDHE-ECDSA-AES128-GCM-SHA256",
        "httpRedirectPort": "80", "forwardedHeaders": False}
    # nothing given, nothing sent: an update changes only what it names
    assert tenant_features.tls_fields(parser().parse_args([])) == {}
    assert tenant_features.tls_fields(parser().parse_args(["--forwarded-headers"])) == {
        "forwardedHeaders": True}


def test_printed_records_never_keep_a_private_key():
    record = {"id": "v1", "privateKey": "secret-1", "certificate": PEM,
              "sniCertificates": [{"certificate": PEM, "privateKey": "secret-2"}],
              "virtualIps": [{"sniCertificates": [{"privateKey": "secret-3"}]}]}
    columns, values = base.as_columns(record)
    assert "privateKey" not in columns
    assert not [v for v in values if "secret" in str(v)]
    assert PEM.splitlines()[1] in str(values)
