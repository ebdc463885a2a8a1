"""Device passwords and private keys, encrypted at rest with Fernet.

The core encrypts a secret before it is stored (``balancer.core.devices``)
and decrypts it only to hand a driver its plain record
(``balancer.core.driver_pool``); the database and its backups hold tokens
``fernet:<token>`` made with the first of the configured keys.  Any of the
keys decrypts, which is what makes rotation work (see
doc/source/operations.rst, "Device secrets at rest").
"""

import logging
import os

import sqlalchemy as sa
from cryptography import fernet

from balancer.common import files
from balancer.db import vip_secrets  # HTTPS virtual IPs' keys, rotated the same way

LOG = logging.getLogger(__name__)

PREFIX = "fernet:"
SECRET_COLUMNS = ("password", "private_key")
#: every secret column of the current schema (``vrrp_auth`` came with migration 007;
#: migration 005 encrypts only the columns it knew)
ALL_SECRET_COLUMNS = SECRET_COLUMNS + ("vrrp_auth",)


class NoKey(Exception):
    """No encryption key is configured, so no secret can be stored."""


class CannotDecrypt(Exception):
    """None of the configured keys decrypts a stored secret."""


class KeyRing:
    """The configured Fernet keys: the first encrypts, all of them decrypt."""

    def __init__(self, keys, source):
        self.source = source          # where the keys came from, for messages
        try:
            self._fernet = fernet.MultiFernet([fernet.Fernet(k) for k in keys]) \
                if keys else None
        except (ValueError, TypeError) as err:
            raise ValueError("%s holds a key that is not a Fernet key (32 bytes, "
                             "urlsafe base64): %s" % (source, err)) from None

    @property
    def has_keys(self):
        return self._fernet is not None

    def encrypt(self, value):
        """The stored form of a secret; None and "" stay as they are."""
        if not value:
            return value
        if self._fernet is None:
            raise NoKey("device passwords and private keys are stored encrypted, "
                        "and %s" % self.source)
        return PREFIX + self._fernet.encrypt(value.encode()).decode()

    def decrypt(self, value):
        """The plain secret.  A value without the prefix was stored before
        encryption existed (it is re-encrypted by ``reencrypt``) and is
        returned as it is."""
        if not value:
            return value
        if not value.startswith(PREFIX):
            LOG.warning("a device secret is stored in the clear; "
                        "'balancer-api --reencrypt-secrets' encrypts it")
            return value
        if self._fernet is None:
            raise CannotDecrypt("a stored device secret is encrypted, and %s" % self.source)
        try:
            return self._fernet.decrypt(value[len(PREFIX):].encode()).decode()
        except fernet.InvalidToken:
            raise CannotDecrypt("no key in %s decrypts a stored device secret"
                                % self.source) from None

    def rotate(self, value):
        """``value`` encrypted with the first key (plain values too)."""
        if not value:
            return value
        if not value.startswith(PREFIX):
            return self.encrypt(value)
        if self._fernet is None:
            raise NoKey("cannot re-encrypt: %s" % self.source)
        try:
            token = self._fernet.rotate(value[len(PREFIX):].encode())
        except fernet.InvalidToken:
            raise CannotDecrypt("no key in %s decrypts a stored device secret"
                                % self.source) from None
        return PREFIX + token.decode()


def load(keys, key_file, database_url):
    """The KeyRing for these options (``[secrets] encryption_keys``,
    ``[secrets] key_file``) and database.

    Without keys the key file is used, by default ``<database>.key`` beside
    a SQLite database, created owner-only with a new key if missing.  An
    in-memory SQLite gets a key that lives as long as the process (so does
    its data).  Any other database without a key gets an empty ring:
    storing a secret is refused, with a warning logged now."""
    keys = [k.strip() for k in keys or () if k.strip()]
    if keys:
        return KeyRing(keys, "[secrets] encryption_keys")
    path = key_file
    if not path:
        database = files.sqlite_file(database_url)
        if database is None and sa.engine.make_url(database_url).get_backend_name() == "sqlite":
            return KeyRing([fernet.Fernet.generate_key()], "this process's own key")
        path = database + ".key" if database else None
    if path is None:
        LOG.warning("no [secrets] encryption_keys or key_file for a %s database: "
                    "devices with a password or private key are refused until one "
                    "is configured", sa.engine.make_url(database_url).get_backend_name())
        return KeyRing([], "no key is configured ([secrets] encryption_keys)")
    return KeyRing(read_key_file(path), "key file %s" % path)


def read_key_file(path):
    """The keys in ``path`` (one per line, ``#`` comments), creating it
    owner-only with one new key if it does not exist."""
    if not os.path.exists(path):
        _create_key_file(path)
    files.warn_if_shared(path)
    with open(path) as f:
        keys = [line.strip() for line in f if line.strip() and not line.startswith("#")]
    if not keys:
        raise ValueError("key file %s holds no key" % path)
    return keys


def _create_key_file(path):
    """Write a new key to a private temporary file, then link it into place:
    a process starting at the same moment reads either no file or the whole
    key, and only one key is ever made."""
    temporary = "%s.%d.new" % (path, os.getpid())
    files.create_private(temporary)
    try:
        with open(temporary, "w") as f:
            f.write("# Fernet keys of balancer's device secrets; the first encrypts\n")
            f.write(fernet.Fernet.generate_key().decode() + "\n")
        try:
            os.link(temporary, path)
        except FileExistsError:
            return
        LOG.warning("generated a new encryption key for device secrets in %s: back it "
                    "up with the database (without it the stored passwords and keys "
                    "are lost), or set [secrets] encryption_keys", path)
    finally:
        os.unlink(temporary)


def encrypt_rows(connection, keyring, plain_only=True, columns=SECRET_COLUMNS):
    """Encrypt every device secret stored in the clear (``plain_only``) or
    re-encrypt every secret with the first key; returns how many values
    changed.  Works on a bare connection, for migrations and tools alike."""
    device = sa.table("device", sa.column("id"), *(sa.column(c) for c in columns))
    changed = 0
    for row in connection.execute(sa.select(device)).mappings().all():
        values = {}
        for column in columns:
            value = row[column]
            if not value or (plain_only and value.startswith(PREFIX)):
                continue
            values[column] = keyring.rotate(value)
        if values:
            connection.execute(device.update().where(device.c.id == row["id"])
                               .values(**values))
            changed += len(values)
    return changed


def reencrypt(database_url, keyring):
    """Re-encrypt every device secret and every HTTPS virtual IP's private
    key at ``database_url`` with the first key of ``keyring`` (the middle
    step of a key rotation); returns the count."""
    engine = sa.create_engine(database_url)
    try:
        with engine.begin() as connection:
            return (encrypt_rows(connection, keyring, plain_only=False,
                                 columns=ALL_SECRET_COLUMNS)
                    + vip_secrets.rotate_rows(connection, keyring))
    finally:
        engine.dispose()
