"""A real ``balancer-api`` process for the client tests, and the real
``balancer`` console script run against it.

``ApiServer`` is one process of ``cluster.Cluster`` (sqlite, noop and
haproxy drivers, a short ``[deploy] wait_timeout`` so that a slow device's
change comes back pending and ``--wait`` has something to wait for).
``balancer()`` runs the installed console script as a user would and
returns (exit code, stdout, stderr).  tools/gen_cli_session.py records the
doc's session with the same two.
"""

import json
import os
import shutil
import subprocess
import sys
import time

from balancer.tests.conftest import TOP
from balancer.tests.integration import cluster

#: seconds a request waits for its deploy before answering with the pending status
WAIT_TIMEOUT = 1.0


def console_script(name):
    beside = os.path.join(os.path.dirname(sys.executable), name)
    return beside if os.path.exists(beside) else shutil.which(name)


class ApiServer:
    """One real API process on a free loopback port, on its own database."""

    def __init__(self, workdir, **groups):
        groups.setdefault("deploy", {}).update(
            {"reconcile_interval": 0, "wait_timeout": WAIT_TIMEOUT,
             "lock_path": os.path.join(workdir, "locks")})
        self.cluster = cluster.Cluster(workdir, "sqlite:///%s/balancer.sqlite" % workdir,
                                       "", count=1, **groups)
        self.process = self.cluster[0]

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.process.port

    def __enter__(self):
        self.cluster.dbsync()
        self.process.launch()
        # /healthcheck answers before authentication, also in the keystone flavor
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if not self.process.running():
                raise RuntimeError("balancer-api exited: %s" % self.process.tail())
            try:
                if cluster.call(self.process.port, "GET", "/healthcheck", timeout=2)[0] == 200:
                    return self
            except (OSError, ValueError):
                pass
            time.sleep(0.1)
        self.cluster.stop()
        raise RuntimeError("balancer-api did not answer: %s" % self.process.tail())

    def __exit__(self, *exc):
        self.cluster.stop()


def clean_env(**more):
    """The environment without any OS_*/SERVICE_* of the caller's own, and
    with this checkout first on the path: the console script then runs the
    code under test, also where the venv's editable install is of another
    checkout (a git worktree sharing the venv)."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("OS_", "SERVICE_", "BALANCER_ENDPOINT"))}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [TOP, env.get("PYTHONPATH")]))
    env.update(more)
    return env


def balancer(*args, env=None, timeout=120, program="balancer"):
    """(exit code, stdout, stderr) of one run of the console script."""
    done = subprocess.run([console_script(program)] + [str(a) for a in args],
                          capture_output=True, text=True, timeout=timeout,
                          env=env or clean_env(), stdin=subprocess.DEVNULL)
    return done.returncode, done.stdout, done.stderr


class Cli:
    """``balancer --endpoint URL`` runs; ``json()`` parses ``-f json`` output
    and fails the test with stderr when the command failed."""

    def __init__(self, endpoint, *options, env=None):
        self.endpoint, self.options, self.env = endpoint, list(options), env
        self.used = set()          # subcommands run, for the every-command check
        self.printed = []          # stdout and stderr of every run, for the no-key check

    def run(self, *args):
        self.used.add(args[0])
        code, out, err = balancer("--endpoint", self.endpoint, *self.options, *args,
                                  env=self.env)
        self.printed += [out, err]
        return code, out, err

    def json(self, *args):
        code, out, err = self.run(*args, "-f", "json")
        assert code == 0, "balancer %s -> %d\n%s%s" % (" ".join(map(str, args)), code,
                                                       out, err)
        return json.loads(out)

    def ok(self, *args):
        code, out, err = self.run(*args)
        assert code == 0, "balancer %s -> %d\n%s%s" % (" ".join(map(str, args)), code,
                                                       out, err)
        return out, err

    def fails(self, *args):
        code, out, err = self.run(*args)
        assert code != 0, "balancer %s succeeded:\n%s" % (" ".join(map(str, args)), out)
        return err
