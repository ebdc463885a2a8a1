"""Key rings: where the keys come from, and what each key can open."""

import os
import stat

import pytest
from cryptography.fernet import Fernet

from balancer.db import crypto


def key():
    return Fernet.generate_key().decode()


def test_the_first_key_encrypts_and_every_key_decrypts():
    old, new = key(), key()
    # long enough that base64 text cannot hold it by chance ("pw" could)
    secret = "correct horse battery staple"
    token = crypto.load([old], None, "sqlite://").encrypt(secret)
    assert token.startswith(crypto.PREFIX) and "horse" not in token
    both = crypto.load([new, old], None, "sqlite://")
    assert both.decrypt(token) == secret
    rotated = both.rotate(token)
    assert crypto.load([new], None, "sqlite://").decrypt(rotated) == secret
    with pytest.raises(crypto.CannotDecrypt, match="encryption_keys"):
        crypto.load([old], None, "sqlite://").decrypt(rotated)
    assert both.encrypt("") == "" and both.decrypt(None) is None


def test_a_sqlite_database_gets_an_owner_only_key_file_beside_it(tmp_path, caplog):
    url = "sqlite:///%s" % (tmp_path / "balancer.sqlite")
    token = crypto.load([], None, url).encrypt("pw")
    path = tmp_path / "balancer.sqlite.key"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert "generated a new encryption key" in caplog.text
    assert crypto.load([], None, url).decrypt(token) == "pw"      # the same key again
    assert [p.name for p in tmp_path.iterdir()] == ["balancer.sqlite.key"]


def test_a_named_key_file_is_used_for_any_database(tmp_path):
    path = tmp_path / "keys"
    first, second = key(), key()
    path.write_text("# comment\n%s\n%s\n" % (first, second))
    ring = crypto.load([], str(path), "postgresql://db.example/balancer")
    assert crypto.load([first], None, "sqlite://").decrypt(ring.encrypt("pw")) == "pw"


def test_a_shared_database_without_a_key_refuses_secrets(caplog):
    ring = crypto.load([], None, "mysql+pymysql://root@127.0.0.1/balancer")
    assert not ring.has_keys and "refused" in caplog.text
    with pytest.raises(crypto.NoKey, match="encryption_keys"):
        ring.encrypt("pw")
    assert ring.encrypt(None) is None


def test_a_bad_key_names_where_it_came_from(tmp_path):
    with pytest.raises(ValueError, match="encryption_keys"):
        crypto.load(["not-a-key"], None, "sqlite://")
    path = tmp_path / "keys"
    path.write_text("# nothing but a comment\n")
    with pytest.raises(ValueError, match="holds no key"):
        crypto.load([], str(path), "sqlite://")
