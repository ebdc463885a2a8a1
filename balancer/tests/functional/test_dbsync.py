"""``balancer-api --dbsync``: the real command adopts the original's database.

Runs the installed console script (and bin/balancer-api from a checkout) as a
subprocess, exactly as an operator would, on a database built the way the
2012 original's sqlalchemy-migrate version 1 made it.  The original only ever
wrote SQLite files, so this module is about SQLite alone; --dbsync on
PostgreSQL and MariaDB is in test_migrations_sync.py.
"""

import os
import shutil
import sqlite3
import subprocess
import sys

import alembic.config
import alembic.script
import pytest

from balancer.db import crypto, migration
from balancer.tests.conftest import TOP
from balancer.tests.functional import helpers, original_db
from balancer.tests.functional.conftest import running_api

pytestmark = pytest.mark.sqlite_only

CONSOLE_SCRIPT = os.path.join(os.path.dirname(sys.executable), "balancer-api")


def dbsync(*args, cwd=None):
    result = subprocess.run(list(args) + ["--dbsync"], cwd=cwd, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]     # "database ... is at revision N"


def head_revision():
    scripts = os.path.join(os.path.dirname(migration.__file__), "migrations")
    config = alembic.config.Config()
    config.set_main_option("script_location", scripts)
    return alembic.script.ScriptDirectory.from_config(config).get_current_head()


def decrypted(path):
    """``original_db.dump`` with the device passwords decrypted by the key
    that ``--dbsync`` made beside the database (the rows are otherwise
    unchanged)."""
    keyring = crypto.load((), None, "sqlite:///%s" % path)
    dump = original_db.dump(path)
    password = original_db.COLUMNS["device"].split(", ").index("password")
    stored = [row[password] for row in dump["device"]]
    assert all(value.startswith(crypto.PREFIX) for value in stored)
    dump["device"] = [row[:password] + (keyring.decrypt(row[password]),) + row[password + 1:]
                      for row in dump["device"]]
    return dump


def tables(path):
    with sqlite3.connect(path) as conn:
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master "
                                            "WHERE type = 'table'")}
        version = conn.execute("SELECT version_num FROM alembic_version").fetchall()
    conn.close()
    return names, version


@pytest.fixture
def old_db(tmp_path):
    """The original's database and a config file whose [database] points at it."""
    path = tmp_path / "balancer.sqlite"
    original_db.build(path)
    conf_file = tmp_path / "balancer-api.conf"
    conf_file.write_text("[database]\nconnection = sqlite:///%s\n" % path)
    return path, conf_file


def test_dbsync_adopts_the_original_database_keeping_every_row(old_db, tmp_path):
    path, conf_file = old_db
    before = original_db.dump(path)
    assert all(before[t] for t in original_db.COLUMNS)
    out = dbsync(CONSOLE_SCRIPT, "--config-file", str(conf_file))
    assert out.endswith("is at revision %s" % head_revision())
    assert decrypted(path) == before
    names, version = tables(path)
    assert set(helpers.TABLES) <= names and len(version) == 1
    # the original's bookkeeping is left where it was
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT repository_id, version FROM migrate_version"
                            ).fetchall() == [("balancer", 1)]
    conn.close()

    with sqlite3.connect(path) as conn:      # stamped as SQLAlchemy writes datetimes
        stamps = conn.execute("SELECT created_at FROM server").fetchall()
    conn.close()
    assert all(len(stamp) == len(original_db.STAMP) for (stamp,) in stamps), stamps

    again = dbsync(CONSOLE_SCRIPT, "--config-file", str(conf_file))
    assert again == out
    assert decrypted(path) == before and tables(path) == (names, version)


@pytest.fixture(scope="module")
def adopted_db(tmp_path_factory):
    """The original's database after one real ``balancer-api --dbsync``."""
    directory = tmp_path_factory.mktemp("adopted")
    original_db.build(directory / "balancer.sqlite")
    conf_file = directory / "balancer-api.conf"
    conf_file.write_text("[database]\nconnection = sqlite:///%s\n"
                         % (directory / "balancer.sqlite"))
    dbsync(CONSOLE_SCRIPT, "--config-file", str(conf_file))
    return directory / "balancer.sqlite"


class _CopiesOf:
    """Hands out copies of one SQLite file, as running_api expects."""

    def __init__(self, path):
        self.path = path

    def lease(self, conf):
        shutil.copyfile(self.path, conf.database.connection[len("sqlite:///"):])
        return conf.database.connection

    def release(self, url):
        pass


@pytest.fixture
def adopted_api(adopted_db, conf):
    """The API over a copy of the adopted database."""
    with running_api(conf, _CopiesOf(adopted_db)) as api:
        yield api


def test_the_api_reads_an_adopted_load_balancer(adopted_api):
    api = adopted_api
    details = api.get(helpers.lb_url("foo", original_db.LB, "details")).json
    assert details["name"] == "testLB001" and details["transport"] == "TCP"
    assert details["created_at"] == "2012-09-28T14:03:07.123456"
    assert [(n["port"], n["condition"], n["vm_id"]) for n in details["nodes"]] == [
        (8001, "ENABLED", 42), (8002, "DISABLED", None)]
    assert details["nodes"][0]["minCon"] == "100"
    vip = details["virtualIps"][0]
    assert (vip["address"], vip["port"], vip["ipVersion"]) == ("10.9.9.9", 80, "IPv4")
    assert [m["type"] for m in details["healthMonitor"]] == ["ICMP", "HTTP"]
    assert details["healthMonitor"][1]["expected"] == "200-204"
    assert details["sessionPersistence"][0]["cookieName"] == "SID"
    found = api.get(helpers.lb_url("foo") + "/find_for_VM/42").json["loadbalancers"]
    assert [lb["id"] for lb in found] == [original_db.LB]
    device = api.get("/devices/%s" % original_db.DEVICE).json["device"]
    assert device["port"] == 22 and "password" not in device
    listed = api.get(helpers.lb_url("foo")).json["loadbalancers"]
    assert sorted(lb["id"] for lb in listed) == sorted([original_db.LB, original_db.ORPHAN])


def test_an_adopted_orphan_lb_can_be_deleted(adopted_api):
    adopted_api.delete(helpers.lb_url("foo", original_db.ORPHAN), status=204)
    assert helpers.sql(adopted_api, "SELECT id FROM serverfarm WHERE lb_id = :id",
                       id=original_db.ORPHAN) == []


def test_an_adopted_orphan_lb_is_placed_by_an_update(adopted_api):
    api = adopted_api
    url = helpers.lb_url("foo", original_db.ORPHAN)
    helpers.error_of(api.put_json(url, {"name": "rescued"}, status=409), 409)  # "Foo"
    before = helpers.table_dump(api)
    helpers.error_of(api.post_json(url + "/nodes", {"nodes": [helpers.node_body()]},
                                   status=409), 409)
    assert helpers.table_dump(api) == before
    assert api.get(url).json["loadbalancer"]["name"] == "failed"
    device = api.add_device()
    lb = api.put_json(url, {"algorithm": "ROUND_ROBIN"}, status=202).json["loadbalancer"]
    assert (lb["device_id"], lb["status"]) == (device["id"], "ACTIVE")
    assert original_db.ORPHAN in api.driver(device["id"]).live


def test_dbsync_on_a_new_database_then_again_is_idempotent(tmp_path):
    conf_file = tmp_path / "new.conf"
    path = tmp_path / "new.sqlite"
    conf_file.write_text("[database]\nconnection = sqlite:///%s\n" % path)
    first = dbsync(CONSOLE_SCRIPT, "--config-file", str(conf_file))
    assert dbsync(CONSOLE_SCRIPT, "--config-file", str(conf_file)) == first
    names, version = tables(path)
    assert set(helpers.TABLES) <= names and "migrate_version" not in names
    assert len(version) == 1


def test_seed_command_in_a_fresh_directory_creates_balancer_sqlite(tmp_path):
    dbsync(os.path.join(TOP, "bin", "balancer-api"), cwd=tmp_path)
    names, _version = tables(tmp_path / "balancer.sqlite")
    assert set(helpers.TABLES) <= names
