"""The OpenStack Octavia API as the peer of scenario 2.

Octavia lives in its own venv (it needs SQLAlchemy 2 and 130 packages),
built once from PyPI into the bench cache and reused.  It runs under gunicorn
with sync workers (one on SQLite in scenario 2; 1, 2, 4 on PostgreSQL in
scenario 6), noop drivers and no auth, which needs three
workarounds (see doc/source/performance.rst, and section 6 of the shared
real-components reference): its alembic migrations cannot run on SQLite, so
the schema is created from its models and the lookup tables are filled here;
oslo.config must not see gunicorn's argv; ``pool_timeout`` must be unset for
SQLite under SQLAlchemy 2 (harmless on PostgreSQL).
"""

import os
import subprocess
import textwrap
import time

from harness import CACHE, Client, free_port, stop_pid

VENV = os.path.join(CACHE, "octavia-venv")

# Runs inside Octavia's venv: schema from the ORM, then the rows its
# migrations would have inserted (lookup names read from octavia's constants).
SCHEMA_SCRIPT = textwrap.dedent('''\
    import sys
    from oslo_db.sqlalchemy import enginefacade
    from octavia.common import constants as c
    from octavia.db import base_models, models as m

    ctx = enginefacade.transaction_context()
    ctx.configure(connection=sys.argv[1], sqlite_fk=True)
    base_models.BASE.metadata.create_all(ctx.writer.get_engine())
    lookup = {
        m.ProvisioningStatus: c.SUPPORTED_PROVISIONING_STATUSES,
        m.OperatingStatus: c.SUPPORTED_OPERATING_STATUSES,
        m.Protocol: c.SUPPORTED_PROTOCOLS,
        m.Algorithm: c.SUPPORTED_LB_ALGORITHMS,
        m.HealthMonitorType: c.SUPPORTED_HEALTH_MONITOR_TYPES,
        m.SessionPersistenceType: c.SUPPORTED_SP_TYPES,
        m.AmphoraRoles: c.SUPPORTED_AMPHORA_ROLES,
        m.LBTopology: c.SUPPORTED_LB_TOPOLOGIES,
        m.VRRPAuthMethod: c.SUPPORTED_VRRP_AUTH,
        m.L7RuleType: c.SUPPORTED_L7RULE_TYPES,
        m.L7RuleCompareType: c.SUPPORTED_L7RULE_COMPARE_TYPES,
        m.L7PolicyAction: c.SUPPORTED_L7POLICY_ACTIONS,
        m.ClientAuthenticationMode: c.SUPPORTED_CLIENT_AUTH_MODES,
    }
    session = ctx.writer.get_sessionmaker()()
    with session.begin():
        for model, names in lookup.items():
            session.add_all([model(name=name) for name in names])
        session.add(m.AmphoraBuildSlots(id=1, slots_used=0))
        session.add(m.FlavorProfile(id=c.NIL_UUID, name="deleted", provider_name=c.DELETED,
                                    flavor_data="{}"))
        session.flush()
        session.add(m.Flavor(id=c.NIL_UUID, flavor_profile_id=c.NIL_UUID, name="deleted",
                             enabled=False))
        session.add(m.AvailabilityZoneProfile(id=c.NIL_UUID, name="deleted",
                                              provider_name=c.DELETED,
                                              availability_zone_data="{}"))
        session.flush()
        session.add(m.AvailabilityZone(availability_zone_profile_id=c.NIL_UUID,
                                       name=c.NIL_UUID, enabled=False))
    ''')

WSGI_SCRIPT = textwrap.dedent('''\
    import os, sys
    from oslo_config import cfg
    sys.argv = sys.argv[:1]
    from octavia.api import app
    conf_file = os.environ["BENCH_OCTAVIA_CONF"]
    application = app.setup_app(argv=["octavia-api", "--config-file", conf_file])
    cfg.CONF.set_override("pool_timeout", None, group="database")
    ''')

CREATE_BODY = ('{"loadbalancer": {"name": "bench-{n}", "project_id": "bench", '
               '"vip_subnet_id": "8c4e3d2a-1b5f-4e6a-9c7d-0f1e2d3c4b5a"}}')


# psycopg2 for the multi-worker runs on PostgreSQL (scenario 6)
PACKAGES = ("octavia", "gunicorn", "psycopg2-binary")


def available():
    return os.path.exists(os.path.join(VENV, "bin", "gunicorn"))


def ensure_venv(log):
    """Build the cached venv when missing (about 25-70 s from PyPI); add
    what an older cached venv lacks."""
    if available() and _has_postgresql_driver():
        return
    log("building the Octavia venv in %s (once)" % VENV)
    if not available():
        subprocess.run(["python3", "-m", "venv", VENV], check=True, timeout=120)
    subprocess.run([os.path.join(VENV, "bin", "pip"), "install", "-q",
                    "--disable-pip-version-check", *PACKAGES], check=True, timeout=900)


def _has_postgresql_driver():
    done = subprocess.run([os.path.join(VENV, "bin", "python"), "-c", "import psycopg2"],
                          capture_output=True, timeout=60, check=False)
    return done.returncode == 0


def version():
    done = subprocess.run([os.path.join(VENV, "bin", "python"), "-c",
                           "import importlib.metadata as m; print(m.version('octavia'))"],
                          capture_output=True, text=True, timeout=60)
    return done.stdout.strip() or None


class OctaviaApi:
    """Octavia's API under gunicorn with ``workers`` sync workers, on its
    own SQLite file unless ``connection`` names another database."""

    def __init__(self, workdir, workers=1, connection=None, name="octavia"):
        self.dir = os.path.join(workdir, name)
        os.makedirs(self.dir, exist_ok=True)
        self.port = free_port()
        self.workers = workers
        self.db = os.path.join(self.dir, "octavia.db")
        self.connection = connection or f"sqlite:///{self.db}"
        self.conf = os.path.join(self.dir, "octavia.conf")
        self.pid_file = os.path.join(self.dir, "gunicorn.pid")
        self.proc = None

    def start(self, timeout=120.0):
        with open(self.conf, "w") as handle:
            handle.write(textwrap.dedent(f"""\
                [DEFAULT]
                transport_url = fake:/
                debug = False
                log_file = {self.dir}/octavia-api.log
                [api_settings]
                bind_host = 127.0.0.1
                bind_port = {self.port}
                auth_strategy = noauth
                enabled_provider_drivers = noop_driver:noop
                default_provider_driver = noop_driver
                [database]
                connection = {self.connection}
                [controller_worker]
                amphora_driver = amphora_noop_driver
                compute_driver = compute_noop_driver
                network_driver = network_noop_driver
                image_driver = image_noop_driver
                volume_driver = volume_noop_driver
                [certificates]
                cert_manager = noop_cert_manager
                """))
        for name, text in (("bench_octavia_schema.py", SCHEMA_SCRIPT),
                           ("bench_octavia_wsgi.py", WSGI_SCRIPT)):
            with open(os.path.join(self.dir, name), "w") as handle:
                handle.write(text)
        python = os.path.join(VENV, "bin", "python")
        subprocess.run([python, os.path.join(self.dir, "bench_octavia_schema.py"),
                        self.connection], check=True, capture_output=True,
                       timeout=300, cwd=self.dir)
        env = dict(os.environ, BENCH_OCTAVIA_CONF=self.conf, PYTHONDONTWRITEBYTECODE="1")
        out = open(os.path.join(self.dir, "gunicorn.out"), "ab")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [os.path.join(VENV, "bin", "gunicorn"), "--pythonpath", self.dir,
             "--bind", f"127.0.0.1:{self.port}", "--workers", str(self.workers), "--timeout", "120",
             "--pid", self.pid_file, "bench_octavia_wsgi:application"],
            stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,
            cwd=self.dir)
        out.close()
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited {self.proc.returncode}; see {self.dir}")
            try:
                status, _doc, _ = Client("127.0.0.1", self.port, 5).request("GET", "/")
                if status == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.25)
        self.stop()
        raise RuntimeError(f"Octavia did not answer in {timeout}s; see {self.dir}")

    def worker_pid(self):
        """The first gunicorn worker (with one worker: the process that serves)."""
        done = subprocess.run(["ps", "-o", "pid=", "--ppid", str(self.proc.pid)],
                              capture_output=True, text=True, timeout=10)
        pids = [int(p) for p in done.stdout.split()]
        return pids[0] if pids else self.proc.pid

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            stop_pid(self.proc.pid, grace=30)
        self.proc = None
