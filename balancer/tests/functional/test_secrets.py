"""Device secrets at rest: encrypted, rotatable, never echoed; private files.

See doc/source/operations.rst, "Device secrets at rest".
"""

import os
import stat
import subprocess
import sys

import pytest
import sqlalchemy as sa
from alembic import command
from cryptography.fernet import Fernet

from balancer.core.service import Service
from balancer.db import crypto, migration
from balancer.tests import databases
from balancer.tests.conftest import Api, make_conf
from balancer.tests.functional import helpers

CONSOLE_SCRIPT = os.path.join(os.path.dirname(sys.executable), "balancer-api")
PASSWORD = "swordfish"


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def stored_secrets(api):
    return helpers.sql(api, "SELECT password, private_key FROM device")


def test_secrets_are_encrypted_at_rest_and_plain_for_the_driver(api):
    device = api.add_device(password=PASSWORD, private_key=helpers.PRIVATE_KEY)
    [(password, private_key)] = stored_secrets(api)
    assert password.startswith("fernet:") and private_key.startswith("fernet:")
    assert PASSWORD not in password and "s3cr3t" not in private_key
    # nowhere in the database's files either (the WAL holds fresh pages)
    path = api.service.conf.database.connection[len("sqlite:///"):]
    for name in (path, path + "-wal"):
        if os.path.exists(name):
            with open(name, "rb") as f:
                raw = f.read()
            assert PASSWORD.encode() not in raw and b"s3cr3t" not in raw
    driver = api.driver(device["id"])
    assert (driver.device.password, driver.device.private_key) == (PASSWORD,
                                                                   helpers.PRIVATE_KEY)


def test_an_unchanged_secret_sent_again_keeps_the_warm_driver(api):
    device = api.add_device(password=PASSWORD)
    warm = api.driver(device["id"])
    api.put_json("/devices/%s" % device["id"], {"password": PASSWORD})
    assert api.driver(device["id"]) is warm
    api.put_json("/devices/%s" % device["id"], {"password": "new-one"})
    assert api.driver(device["id"]).device.password == "new-one"


@pytest.mark.parametrize("bad", [
    {"password": "hunter2" * 40}, {"password": 4242424242}, {"password": ["hunter2"]},
    {"password": {"hunter2": "hunter2"}}, {"private_key": "hunter2" * 3000},
    {"private_key": 4242424242}, {"password": "hunter2\ud800"},
])
def test_a_rejected_secret_is_never_echoed(api, bad):
    device = api.add_device()
    body = dict({"name": "d", "type": "noop", "ip": "127.0.0.1"}, **bad)
    for resp in (api.post_json("/devices", body, status=400),
                 api.put_json("/devices/%s" % device["id"], bad, status=400)):
        error = helpers.error_of(resp, 400, field=list(bad)[0])
        assert "hunter2" not in resp.text and "4242424242" not in resp.text, error


def conf_file(tmp_path, url, keys):
    path = tmp_path / ("balancer-%d.conf" % len(list(tmp_path.iterdir())))
    path.write_text("[database]\nconnection = %s\n[secrets]\nencryption_keys = %s\n"
                    % (url, ",".join(keys)))
    return str(path)


def run(*args):
    result = subprocess.run([CONSOLE_SCRIPT] + list(args), capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_key_rotation_as_documented(tmp_path):
    """Add a key in front, re-encrypt, drop the old key: the secrets survive,
    and the old key alone no longer opens them."""
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    url = "sqlite:///%s" % (tmp_path / "balancer.sqlite")
    run("--config-file", conf_file(tmp_path, url, [old]), "--dbsync")

    def api_with(keys):
        return Api(make_conf(tmp_path, database__connection=url,
                             secrets__encryption_keys=keys))
    first = api_with([old])
    device = first.add_device(password=PASSWORD)
    first.service.close()
    both = api_with([new, old])                      # 1. the new key first
    assert both.driver(device["id"]).device.password == PASSWORD
    both.service.close()
    out = run("--config-file", conf_file(tmp_path, url, [new, old]), "--reencrypt-secrets")
    assert "re-encrypted 1 device secrets" in out    # 2. re-encrypt
    only_new = api_with([new])                       # 3. the old key dropped
    assert only_new.driver(device["id"]).device.password == PASSWORD
    only_new.service.close()
    only_old = api_with([old])
    with pytest.raises(Exception, match="credentials cannot be used") as caught:
        only_old.driver(device["id"])
    assert "cannot be decrypted" in caught.value.operator_fault_string
    only_old.service.close()


def upgrade_to(url, revision):
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        command.upgrade(migration._alembic_config(connection), revision)
        connection.commit()
    engine.dispose()


def plant_device(url, password, private_key=None):
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(sa.text(
            "INSERT INTO device (id, name, type, ip, port, password, private_key) "
            "VALUES ('d1', 'old', 'noop', '127.0.0.1', 22, :password, :key)"),
            {"password": password, "key": private_key})
    engine.dispose()


def read_device(url):
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        row = connection.execute(sa.text("SELECT password, private_key FROM device")).one()
        revision = migration.current_revision(connection)
    engine.dispose()
    return tuple(row), revision


@pytest.mark.parametrize("backend", databases.BACKENDS)
def test_the_migration_encrypts_existing_rows(backend, tmp_path):
    if not databases.server_answers(backend):
        pytest.fail("%s must answer on this machine" % backend)
    keyring = crypto.KeyRing([Fernet.generate_key()], "a test key")
    with databases.scratch_database(backend, str(tmp_path)) as url:
        upgrade_to(url, "003")
        plant_device(url, "p" * 255, helpers.PRIVATE_KEY)
        head = migration.sync(url, keyring=keyring)
        (password, private_key), revision = read_device(url)
        assert revision == head
        assert keyring.decrypt(password) == "p" * 255      # a long one fits now
        assert keyring.decrypt(private_key) == helpers.PRIVATE_KEY
        assert "p" * 20 not in password and "s3cr3t" not in private_key
        assert migration.sync(url, keyring=keyring) == head     # again: not encrypted twice
        assert keyring.decrypt(read_device(url)[0][0]) == "p" * 255


@pytest.mark.parametrize("backend", [b for b in databases.BACKENDS if b != "sqlite"])
def test_without_a_key_a_shared_database_refuses_secrets(backend, tmp_path):
    """No key file can be guessed for a database many hosts share: the
    upgrade stops before encrypting, and the API refuses new secrets."""
    if not databases.server_answers(backend):
        pytest.fail("%s must answer on this machine" % backend)
    with databases.scratch_database(backend) as url:
        upgrade_to(url, "003")
        plant_device(url, PASSWORD)
        with pytest.raises(crypto.NoKey, match="encryption_keys"):
            migration.sync(url)
        # left as it was; MySQL commits each schema change, so 004 (which
        # runs before 005) stays applied there
        assert read_device(url) == ((PASSWORD, None),
                                    "004" if backend == "mysql" else "003")
        helpers_conf = make_conf(tmp_path, database__connection=url)
        engine = sa.create_engine(url)
        with engine.begin() as connection:
            connection.execute(sa.text("DELETE FROM device"))
        engine.dispose()
        migration.sync(url)
        api = Api(helpers_conf)
        try:
            resp = api.post_json("/devices", {"name": "d", "type": "noop", "ip": "127.0.0.1",
                                              "password": PASSWORD}, status=503)
            assert "encryption_keys" in helpers.error_of(resp, 503)["message"]
            assert PASSWORD not in resp.text
            assert helpers.row_counts(api)["device"] == 0
            api.add_device()                                # no secret: fine
        finally:
            api.service.close()


def test_database_key_and_log_files_are_owner_only(tmp_path):
    path = tmp_path / "balancer.sqlite"
    log_file = tmp_path / "balancer.log"
    conf = tmp_path / "balancer-api.conf"
    conf.write_text("[database]\nconnection = sqlite:///%s\n" % path)
    run("--config-file", str(conf), "--log-file", str(log_file), "--dbsync")
    service = Service(make_conf(tmp_path, database__connection="sqlite:///%s" % path))
    try:                                # a write opens the -wal and -shm files
        service.devices.create(None, {"name": "d", "type": "noop", "ip": "127.0.0.1",
                                      "password": PASSWORD})
        modes = {name: mode(str(path) + name) for name in ("", "-wal", "-shm")}
    finally:
        service.close()
    # a service started before any --dbsync makes its database owner-only too
    fresh = tmp_path / "fresh.sqlite"
    Service(make_conf(tmp_path, database__connection="sqlite:///%s" % fresh)).close()
    assert mode(fresh) == 0o600
    keyring = crypto.load((), None, "sqlite:///%s" % path)
    assert modes == {"": 0o600, "-wal": 0o600, "-shm": 0o600}
    assert mode(str(path) + ".key") == 0o600 and keyring.has_keys
    assert mode(log_file) == 0o600 and log_file.stat().st_size > 0
    # a log_dir alone: oslo.log names the file after the program
    log_dir = tmp_path / "logs"
    log_dir.mkdir()
    run("--config-file", str(conf), "--log-dir", str(log_dir), "--dbsync")
    assert {p.name: mode(p) for p in log_dir.iterdir()} == {"balancer-api.log": 0o600}


def test_a_secret_left_in_the_clear_still_works_and_is_reported(api, caplog):
    """A row an older process wrote during an upgrade: read, with a warning,
    and encrypted by --reencrypt-secrets."""
    device = api.add_device()
    helpers.sql(api, "UPDATE device SET password = :p", p=PASSWORD)
    assert api.driver(device["id"]).device.password == PASSWORD
    assert "stored in the clear" in caplog.text
    url = api.service.conf.database.connection
    assert crypto.reencrypt(url, api.service.secrets) == 1
    [(stored, _key)] = stored_secrets(api)
    assert stored.startswith(crypto.PREFIX) and api.service.secrets.decrypt(stored) == PASSWORD
