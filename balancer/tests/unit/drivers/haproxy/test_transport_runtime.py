"""Transport pieces that need no network (keys, pinning) and runtime parsing."""

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from balancer.drivers.haproxy import runtime, transport


def _pem(private_key):
    return private_key.private_bytes(serialization.Encoding.PEM,
                                     serialization.PrivateFormat.OpenSSH,
                                     serialization.NoEncryption()).decode()


@pytest.mark.parametrize("make", [
    ed25519.Ed25519PrivateKey.generate,
    lambda: ec.generate_private_key(ec.SECP256R1()),
    lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048),
])
def test_private_keys_of_every_common_type_load(make):
    key = transport.load_private_key(_pem(make()))
    assert key.get_name().startswith(("ssh-ed25519", "ecdsa-sha2", "ssh-rsa"))


def test_garbage_private_key_is_a_clear_error():
    with pytest.raises(transport.TransportError, match="private key not usable"):
        transport.load_private_key("not a key")


class _Key:
    def __init__(self, name, b64):
        self.name, self.b64 = name, b64

    def get_name(self):
        return self.name

    def get_base64(self):
        return self.b64


def test_first_key_is_learned_then_a_different_one_refused():
    first = transport.SshTransport("192.0.2.1")
    first._check_host_key(_Key("ssh-ed25519", "AAAA1"), "192.0.2.1:22")
    assert first.learned_host_key == "ssh-ed25519 AAAA1"
    pinned = transport.SshTransport("192.0.2.1", host_key="ssh-ed25519 AAAA1 comment")
    pinned._check_host_key(_Key("ssh-ed25519", "AAAA1"), "192.0.2.1:22")
    assert pinned.learned_host_key is None
    with pytest.raises(transport.HostKeyMismatch, match="host key of 192.0.2.1:22 changed"):
        pinned._check_host_key(_Key("ssh-ed25519", "BBBB2"), "192.0.2.1:22")


def test_insecure_accepts_any_key_and_learns_nothing():
    lab = transport.SshTransport("192.0.2.1", host_key="ssh-rsa AAAA", insecure=True)
    lab._check_host_key(_Key("ssh-ed25519", "ZZZZ"), "192.0.2.1:22")
    assert lab.learned_host_key is None


def test_show_stat_status_words():
    csv_text = ("# pxname,svname,status,weight\nb,a,UP 1/3,1\nb,c,DOWN 1/2,1\nb,d,no check,0\n"
                "b,e,MAINT (via b/x),1\nb,f,DRAIN,1\nb,g,no check,2\n\n")
    rows = runtime.parse_stat(csv_text)
    words = {row["svname"]: runtime.node_status_word(row["status"], row["weight"]) for row in rows}
    assert words == {"a": "UP", "c": "DOWN", "d": "DRAIN", "e": "MAINT", "f": "DRAIN", "g": "UP"}


def test_condition_commands():
    assert runtime.condition_commands("be", "s", "DISABLED", 3) == [
        "set weight be/s 3", "set server be/s state maint"]
    assert runtime.condition_commands("be", "s", "ENABLED", 3) == [
        "set weight be/s 3", "set server be/s state ready"]
    assert runtime.condition_commands("be", "s", "DRAINING", 3) == [
        "set weight be/s 0", "set server be/s state drain"]
