"""Encryption at rest of device passwords and private keys.

See doc/source/operations.rst, "Device secrets at rest", for what happens
without a key and how keys are rotated.
"""

from oslo_config import cfg

OPTS = [
    cfg.ListOpt("encryption_keys", default=[], secret=True,
                help="Fernet keys (urlsafe base64 of 32 bytes, as made by "
                     "cryptography's Fernet.generate_key()) that encrypt "
                     "device passwords and private keys in the database. The "
                     "first key encrypts; every key decrypts, so a new key "
                     "is put first and the old one kept until "
                     "'balancer-api --reencrypt-secrets' has run. Every API "
                     "process sharing a database needs the same keys. Empty: "
                     "the keys are read from key_file."),
    cfg.StrOpt("key_file",
               help="A file of Fernet keys, one per line, first one "
                    "encrypting, used when encryption_keys is empty. If it "
                    "does not exist it is created owner-only with a new key "
                    "(a warning is logged: back it up with the database). "
                    "Default: '<database file>.key' beside a SQLite "
                    "database; no default for other databases, where "
                    "secrets are refused until a key is configured."),
]


def register_opts(conf):
    conf.register_opts(OPTS, group="secrets")


def list_opts():
    return [("secrets", OPTS)]
