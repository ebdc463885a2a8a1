"""balancer.db.copy: one balancer.sqlite moved to PostgreSQL and MariaDB.

The source is filled through the API (every table gets rows, with secrets,
unknown keys, four-byte characters and timestamps with microseconds); after
the copy every value of every row is equal, and the API on the target shows
the same load balancers.
"""

import pytest
import sqlalchemy as sa

from balancer.db import copy, migration
from balancer.tests import databases
from balancer.tests.conftest import Api, make_conf
from balancer.tests.database.conftest import require_server
from balancer.tests.functional import helpers

TARGETS = ("postgresql", "mysql")


@pytest.fixture(params=TARGETS)
def target_url(request, tmp_path):
    require_server(request.param)
    with databases.scratch_database(request.param, str(tmp_path)) as url:
        yield url


@pytest.fixture
def source(tmp_path):
    """An SQLite database filled through the API; (url, details of every LB)."""
    conf = make_conf(tmp_path)
    api = Api(conf)
    try:
        dev = api.add_device(name="box", password="swordfish", private_key=helpers.PRIVATE_KEY)
        api.add_device(name="spare")
        lbs = [helpers.create_lb(api, name="\U0001F600 web", note="caf\u00e9", big="x" * 70000,
                                 nodes=[helpers.node_body(port=p, weight=w, vm_id=7)
                                        for p, w in ((8001, 3), (8002, 1))],
                                 healthMonitor=[helpers.monitor_body()],
                                 sessionPersistence=[{"type": "HTTP_COOKIE"}],
                                 virtualIps=[helpers.vip_body(), helpers.vip_body()]),
               helpers.create_lb(api, tenant="other", name="tcp", protocol="TCP",
                                 virtualIps=[helpers.vip_body(protocol="TCP")])]
        api.put_json("/devices/%s" % dev["id"], {"host_key": "ssh-ed25519 AAAAkey"})
        api.post_json(helpers.lb_url("t1", lbs[0]["id"], "accessList"), {"accessList": [
            {"address": "10.0.0.0/8", "type": "ALLOW"}, {"address": "::/0", "type": "DENY"}]})
        api.put_json(helpers.lb_url("other", lbs[1]["id"], "connectionThrottle"),
                     {"connectionThrottle": {"maxConnections": 3}})
        api.service.prober.run_once()          # device_health rows too
        api.put_json("/other/limits", {"limits": {"loadBalancers": 3}})
        details = {(lb["tenant_id"], lb["id"]): stored(api.get(helpers.lb_url(
            lb["tenant_id"], lb["id"], "details")).json) for lb in lbs}
        yield conf.database.connection, details
    finally:
        api.service.close()


# what a process observed on the device itself, not what the database holds
OBSERVED = ("operatingStatus", "liveStatus")


def stored(view):
    """An API view without what a process observed on the device."""
    if isinstance(view, dict):
        return {k: stored(v) for k, v in view.items() if k not in OBSERVED}
    if isinstance(view, list):
        return [stored(v) for v in view]
    return view


def dump(url):
    """Every row of every table, every value as SQLAlchemy reads it."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return {t.name: [dict(r) for r in conn.execute(
                sa.select(t).order_by(copy.key_of(t))).mappings()] for t in copy._tables()}
    finally:
        engine.dispose()


def test_every_row_of_every_table_is_copied_equal(source, target_url, tmp_path):
    source_url, details = source
    before = dump(source_url)
    assert all(before.values()), {t: len(r) for t, r in before.items()}
    copied = copy.copy_rows(source_url, target_url)
    assert copied == {t: len(rows) for t, rows in before.items()}
    after = dump(target_url)
    assert after == before
    assert dump(source_url) == before                     # the source is only read
    stamps = [r["created_at"] for r in after["server"]]
    assert any(s.microsecond for s in stamps), stamps
    # the API on the copy serves what it served before
    # the secrets are copied as stored, encrypted: the same key reads them
    key_file = source_url[len("sqlite:///"):] + ".key"
    api = Api(make_conf(tmp_path / "target", database__connection=target_url,
                        secrets__key_file=key_file))
    try:
        for (tenant, lb_id), shown in details.items():
            assert stored(api.get(helpers.lb_url(tenant, lb_id, "details")).json) == shown
    finally:
        api.service.close()


def test_a_target_with_rows_is_refused_and_left_alone(source, target_url):
    source_url, _details = source
    copy.copy_rows(source_url, target_url)
    before = dump(target_url)
    with pytest.raises(copy.CopyError, match="already holds rows"):
        copy.copy_rows(source_url, target_url)
    assert dump(target_url) == before


def test_a_value_too_long_for_the_target_copies_nothing(source, target_url):
    source_url, _details = source
    engine = sa.create_engine(source_url)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE server SET address = :long WHERE port = '8002'"),
                     {"long": "a" * 300})
    engine.dispose()
    with pytest.raises(copy.CopyError, match=r"server\.address of row \w+ is 300"):
        copy.copy_rows(source_url, target_url)
    assert not any(dump(target_url).values())


def test_a_source_at_an_older_schema_is_refused(tmp_path, target_url):
    old = "sqlite:///%s" % (tmp_path / "old.sqlite")
    migration.sync(old, revision="003")
    with pytest.raises(copy.CopyError, match="revision 003.*--dbsync"):
        copy.copy_rows(old, target_url)
    assert not any(dump(target_url).values())


def test_the_command_line_copies_and_refuses_a_second_time(source, target_url, tmp_path):
    """``balancer-api --dbcopy-from`` as doc/source/databases.rst shows it."""
    import subprocess
    import sys

    from balancer.tests.conftest import TOP
    source_url, _views = source
    conf = tmp_path / "target.conf"
    conf.write_text("[database]\nconnection = %s\n" % target_url)
    argv = [sys.executable, "%s/bin/balancer-api" % TOP, "--config-file", str(conf),
            "--dbcopy-from", source_url]
    first = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    assert first.returncode == 0, first.stderr[-2000:]
    assert "loadbalancer: " in first.stdout
    engine = sa.create_engine(target_url)
    try:
        with engine.connect() as connection:
            copied = connection.execute(sa.text("SELECT count(*) FROM loadbalancer")).scalar()
    finally:
        engine.dispose()
    assert "loadbalancer: %d rows" % copied in first.stdout and copied > 0
    again = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    assert again.returncode == 1 and "already holds rows" in again.stderr
