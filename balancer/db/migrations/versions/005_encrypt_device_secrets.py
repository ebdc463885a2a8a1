"""Device passwords and private keys encrypted at rest.

``password`` becomes TEXT (a Fernet token is longer than the 255 characters
a password may have), then every secret stored in the clear is encrypted
with the first configured key (balancer.db.crypto).  The keys come from
``balancer-api --dbsync`` ([secrets] options); run by other means, the
default key file beside a SQLite database is used.  A database whose devices
hold secrets, with no key configured, is not upgraded: the error says what
to set.

Revision ID: 005
Revises: 004
"""
import sqlalchemy as sa
from alembic import context, op

from balancer.db import crypto

revision = "005"
down_revision = "004"


def upgrade():
    with op.batch_alter_table("device") as batch:
        batch.alter_column("password", type_=sa.Text, existing_type=sa.String(255))
    bind = op.get_bind()
    device = sa.table("device", *(sa.column(c) for c in crypto.SECRET_COLUMNS))
    stored = sa.select(sa.func.count()).select_from(device).where(sa.or_(
        *(sa.and_(device.c[c].is_not(None), device.c[c] != "") for c in crypto.SECRET_COLUMNS)))
    if not bind.execute(stored).scalar():
        return                 # nothing to encrypt: no key needed (a new database)
    keyring = context.config.attributes.get("keyring")
    if keyring is None:
        keyring = crypto.load((), None, bind.engine.url.render_as_string(hide_password=False))
    if not keyring.has_keys:
        raise crypto.NoKey("device rows hold passwords or private keys to encrypt, and "
                           "%s: set [secrets] encryption_keys (or key_file), then run "
                           "--dbsync again" % keyring.source)
    crypto.encrypt_rows(bind, keyring)
