"""Fixtures shared by every test: a config, a database, the real WSGI app."""

import atexit
import json
import os
import shutil
import tempfile

import pytest
import webtest

from balancer import conf as balancer_conf
from balancer.api import app as api_app
from balancer.db import migration

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
EXAMPLES = os.path.join(TOP, "etc", "examples")


def must_run_in_ci():
    """True where the real-component tests must run, never be skipped
    (``.ci/run`` sets BALANCER_REQUIRE_REAL_COMPONENTS)."""
    return bool(os.environ.get("CI") or os.environ.get("BALANCER_REQUIRE_REAL_COMPONENTS"))


def skip_outside_ci(reason):
    """Skip on a developer's machine that lacks ``reason``; fail in CI."""
    if must_run_in_ci():
        pytest.fail("must run in CI, but: %s" % reason)
    pytest.skip(reason)


def make_conf(tmp_path, **overrides):
    """A fresh ConfigOpts on a new SQLite file, every option at its default
    except ``overrides`` (``group__name=value`` for grouped options)."""
    conf = balancer_conf.make_conf()
    conf([], project="balancer", default_config_files=[])
    conf.set_override("connection", "sqlite:///%s" % (tmp_path / "balancer.sqlite"),
                      group="database")
    conf.set_override("reconcile_interval", 0, group="deploy")
    for key, value in overrides.items():
        group, _, name = key.rpartition("__")
        conf.set_override(name, value, group=group or None)
    return conf


def seed_json(name, **replace):
    """One of the seed's JSON bodies from etc/examples, with keys replaced."""
    with open(os.path.join(EXAMPLES, name)) as f:
        body = json.load(f)
    body.update(replace)
    return body


_TEMPLATE = {}   # a migrated empty database, copied for each test (faster)


def fresh_database(url):
    """Create the schema at ``url`` (an sqlite file) as ``--dbsync`` would."""
    path = url[len("sqlite:///"):] if url.startswith("sqlite:///") else None
    if path is None or os.path.exists(path):
        migration.sync(url)
        return
    if "path" not in _TEMPLATE:
        template = tempfile.mkdtemp(prefix="balancer-template-")
        atexit.register(shutil.rmtree, template, True)
        _TEMPLATE["path"] = os.path.join(template, "template.sqlite")
        migration.sync("sqlite:///" + _TEMPLATE["path"])
    shutil.copyfile(_TEMPLATE["path"], path)


class Api:
    """The real paste pipeline under webtest, plus a handle on its Service."""

    def __init__(self, conf):
        fresh_database(conf.database.connection)
        self.wsgi = api_app.load_app(conf)
        self.service = api_app.find_service(self.wsgi)
        self.app = webtest.TestApp(self.wsgi)

    def __getattr__(self, name):
        return getattr(self.app, name)

    def driver(self, device_id):
        """The (noop) driver instance serving a device."""
        with self.service.session() as session:
            from balancer.db import api as db
            return self.service.drivers.peek(db.device_get(session, device_id))

    def add_device(self, **values):
        body = dict({"name": "dev", "type": "noop", "ip": "127.0.0.1"}, **values)
        return self.app.post_json("/devices", body).json["device"]

    def add_seed_lb(self, tenant="foo", **replace):
        body = seed_json("createLBcommandHAProxy", **replace)
        if "device_id" not in replace:
            body.pop("device_id")
        return self.app.post_json("/%s/loadbalancers" % tenant, body, status=202).json[
            "loadbalancer"]


@pytest.fixture
def conf(tmp_path):
    return make_conf(tmp_path)


@pytest.fixture
def api(conf):
    client = Api(conf)
    yield client
    client.service.close()
