"""Several real ``balancer-api`` processes sharing one database and one
coordination backend, as doc/source/deployment.rst deploys them.

``Cluster`` writes one shared config file (database, ``[coordination]
backend_url``, deploy options) plus a small file per process with its own
port and log, runs ``balancer-api --dbsync`` once, starts the processes
(the project venv's console script) and waits until each answers.  Every
process is stopped by the PID of the child it started, and only while that
child is still running (an unreaped child keeps its PID, so it cannot be
someone else's).
"""

import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time

import sqlalchemy as sa
from cryptography.fernet import Fernet

from balancer.tests import lab_parts
from balancer.tests.conftest import TOP


def console_script():
    """``balancer-api`` of the venv running the tests (the installed entry point)."""
    beside = os.path.join(os.path.dirname(sys.executable), "balancer-api")
    return beside if os.path.exists(beside) else shutil.which("balancer-api")


def tooz_url(database_url):
    """The tooz URL of the database server behind a SQLAlchemy URL: tooz
    names the backend by scheme (``postgresql://``, ``mysql://``) and
    takes the database, user and host from the rest."""
    url = sa.engine.make_url(database_url)
    scheme = url.get_backend_name()
    return url.set(drivername=scheme, query={}).render_as_string(hide_password=False)


def free_port():
    """A loopback port nobody listens on, from the kernel's ephemeral range:
    distinct for each process even before the first one binds its port
    (eventlet listens with SO_REUSEPORT, so a shared port would not fail)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def call(port, method, path, body=None, timeout=60.0):
    """One JSON request to 127.0.0.1:port on a new connection: (status, doc)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        headers = {"Accept": "application/json", "Connection": "close"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        conn.request(method, path, body=data, headers=headers)
        response = conn.getresponse()
        raw = response.read()
        return response.status, (json.loads(raw) if raw else None)
    finally:
        conn.close()


class ApiProcess:
    """One ``balancer-api`` process: the shared config plus its own port."""

    def __init__(self, workdir, name, shared_conf):
        self.name = name
        self.dir = os.path.join(workdir, name)
        os.makedirs(self.dir, exist_ok=True)
        self.port = free_port()
        self.shared_conf = shared_conf
        self.own_conf = os.path.join(self.dir, "node.conf")
        self.log_path = os.path.join(self.dir, "api.log")
        with open(self.own_conf, "w") as handle:
            handle.write("[DEFAULT]\nbind_host = 127.0.0.1\nbind_port = %d\nlog_file = %s\n"
                         % (self.port, self.log_path))
        self.proc = None

    def argv(self):
        # the per-process file comes last, so its bind_port wins
        return [console_script(), "--config-file", self.shared_conf,
                "--config-file", self.own_conf]

    @property
    def pid(self):
        return self.proc.pid if self.proc else None

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def start(self, timeout=30.0):
        return self.launch().wait_ready(timeout)

    def launch(self):
        out = open(os.path.join(self.dir, "stdout.log"), "ab")  # noqa: SIM115
        self.proc = subprocess.Popen(self.argv(), stdout=out, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, cwd=self.dir)
        out.close()
        return self

    def wait_ready(self, timeout=30.0):
        """Bounded wait until this process answers on its own port."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.running():
                raise RuntimeError("%s exited with %s; log: %s" % (
                    self.name, self.proc.returncode, self.tail()))
            try:
                if call(self.port, "GET", "/algorithms", timeout=2)[0] == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError("%s did not answer in %ss; log: %s" % (self.name, timeout,
                                                                  self.tail()))

    def kill(self):
        """SIGKILL, no goodbye: what a crashed host looks like to the others."""
        if self.running():
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def terminate(self):
        if self.running():
            self.proc.send_signal(signal.SIGTERM)

    def stop(self):
        if self.running():
            lab_parts.end_process(self.proc.pid, grace=10)
            if self.proc.poll() is None:
                self.proc.wait(10)

    def tail(self, size=3000):
        text = ""
        for path in (self.log_path, os.path.join(self.dir, "stdout.log")):
            if os.path.exists(path):
                with open(path, errors="replace") as handle:
                    text += handle.read()[-size:]
        return text

    # -- the REST API, through this process ----------------------------------
    def request(self, method, path, body=None, expect=(200, 202, 204), timeout=60.0):
        status, doc = call(self.port, method, path, body, timeout)
        if status not in expect:
            raise AssertionError("%s %s via %s -> %s %s" % (method, path, self.name,
                                                           status, doc))
        return doc


def write_shared_conf(path, database_url, backend_url, **groups):
    """The config every process of the cluster reads; ``groups`` maps a
    group name to {option: value} added to (or overriding) the defaults."""
    sections = {
        "DEFAULT": {"enabled_drivers": "haproxy,noop", "workers": 0},
        "database": {"connection": database_url},
        "coordination": {"backend_url": backend_url},
        # one key for every process: each must read what another stored
        "secrets": {"encryption_keys": Fernet.generate_key().decode()},
        # the benchmarks store thousands of load balancers in one tenant
        "limits": {"max_lbs_per_tenant": 100000},
        "paste_deploy": {"config_file": os.path.join(TOP, "etc", "balancer-api-paste.ini"),
                         "flavor": ""},
    }
    for group, values in groups.items():
        sections.setdefault(group, {}).update(values)
    with open(path, "w") as handle:
        for group, values in sections.items():
            handle.write("[%s]\n" % group)
            handle.writelines("%s = %s\n" % kv for kv in values.items())
            handle.write("\n")
    return path


class Cluster:
    """N processes of one deployment; ``cluster[0]``, ``cluster[1]``..."""

    def __init__(self, workdir, database_url, backend_url, count=2, **groups):
        self.workdir = workdir
        os.makedirs(workdir, exist_ok=True)
        self.conf = write_shared_conf(os.path.join(workdir, "balancer-api.conf"),
                                      database_url, backend_url, **groups)
        self.nodes = [ApiProcess(workdir, "api-%d" % i, self.conf) for i in range(count)]

    def __getitem__(self, index):
        return self.nodes[index]

    def dbsync(self):
        done = subprocess.run([console_script(), "--config-file", self.conf, "--dbsync"],
                              capture_output=True, text=True, timeout=120, cwd=self.workdir)
        if done.returncode != 0:
            raise RuntimeError("balancer-api --dbsync failed: %s%s" % (done.stdout,
                                                                       done.stderr))
        return done.stdout

    def start(self, timeout=30.0):
        self.dbsync()
        for node in self.nodes:        # they start side by side, as on N hosts
            node.launch()
        for node in self.nodes:
            node.wait_ready(timeout)
        return self

    def by_pid(self, pid):
        return next((node for node in self.nodes if node.pid == pid), None)

    def stop(self):
        for node in self.nodes:        # all told at once: they shut down side by side
            node.terminate()
        for node in self.nodes:
            node.stop()
