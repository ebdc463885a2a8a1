"""Re-encrypting the private keys of HTTPS virtual IPs (``balancer-api
--reencrypt-secrets``), the middle step of a key rotation like the devices'
secrets (``balancer.db.crypto.reencrypt``; doc/source/operations.rst).

The keys are Fernet tokens inside ``virtualserver.extra`` (JSON text):
``privateKey`` and each ``sniCertificates[].privateKey``
(``balancer.core.vip_tls``).
"""

import json

import sqlalchemy as sa

KEY = "privateKey"


def _rotated(keyring, extra):
    """(new extra, how many keys changed) with every key re-encrypted."""
    changed = 0
    if extra.get(KEY):
        extra[KEY] = keyring.rotate(extra[KEY])
        changed += 1
    for item in extra.get("sniCertificates") or []:
        if isinstance(item, dict) and item.get(KEY):
            item[KEY] = keyring.rotate(item[KEY])
            changed += 1
    return extra, changed


def rotate_rows(connection, keyring):
    """Re-encrypt every VIP private key with the first key of ``keyring``;
    returns how many keys were re-encrypted."""
    vip = sa.table("virtualserver", sa.column("id"), sa.column("extra"))
    total = 0
    stmt = sa.select(vip.c.id, vip.c.extra).where(vip.c.extra.like('%"privateKey"%'))
    for row in connection.execute(stmt).all():
        extra, changed = _rotated(keyring, json.loads(row.extra))
        if changed:
            connection.execute(vip.update().where(vip.c.id == row.id)
                               .values(extra=json.dumps(extra)))
            total += changed
    return total
