"""A real Keystone for the authtoken pipeline's tests, in its own venv.

Keystone needs its own virtual environment (its oslo.db pins SQLAlchemy
versions that need not match ours), so it runs as a subprocess: sqlite,
fernet tokens, gunicorn on a free loopback port.  The venv is built once
per Keystone version and reused between runs (``cache_root()``); a server
costs about 10 s from an empty directory.  Environment:
``BALANCER_TEST_KEYSTONE_VERSION`` (default below), ``BALANCER_TEST_CACHE``
(default ``cache_root()``).  ``stop()`` ends only the
gunicorn master it started (by the PID it wrote) and removes its temporary
directory, even after a failed ``start()``.

The Keystone REST calls use the standard library only, so this module adds
nothing to the project's own test requirements.
"""

import contextlib
import fcntl
import grp
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

import pytest

from balancer.tests.conftest import skip_outside_ci
from balancer.tests.lab_parts import Started

VERSION = os.environ.get("BALANCER_TEST_KEYSTONE_VERSION", "30.0.0")
ADMIN_PASSWORD = "adminpass"

WSGI_WRAPPER = (
    "import sys\n"
    "sys.argv = sys.argv[:1]   # keystone parses argv with oslo.config\n"
    "from keystone.wsgi.api import application  # noqa: E402,F401\n")


class KeystoneUnavailable(RuntimeError):
    """The venv could not be built or the server did not come up."""


def cache_root():
    """Where built venvs live between runs: /var/cache as root (CI), else ~/.cache."""
    default = "/var/cache/balancer-tests" if os.geteuid() == 0 else \
        os.path.join(os.path.expanduser("~"), ".cache", "balancer-tests")
    return os.environ.get("BALANCER_TEST_CACHE") or default


def keystone_venv(log=sys.stderr):
    """The cached venv holding keystone==VERSION and gunicorn, built if missing.

    Built under a file lock and marked complete only at the end, so an
    interrupted or concurrent build never leaves a half-made venv that a
    later run would trust.
    """
    root = cache_root()
    os.makedirs(root, exist_ok=True)
    venv = os.path.join(root, "keystone-%s-py%d.%d" % ((VERSION,) + sys.version_info[:2]))
    ready = os.path.join(venv, ".complete")
    with open(os.path.join(root, ".keystone.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if os.path.exists(ready):
            return venv
        shutil.rmtree(venv, ignore_errors=True)
        started = time.monotonic()
        print("building the Keystone %s venv in %s" % (VERSION, venv), file=log)
        try:
            _run([getattr(sys, "_base_executable", sys.executable), "-m", "venv", venv])
            _run([os.path.join(venv, "bin", "python"), "-m", "pip", "install", "-q",
                  "--disable-pip-version-check", "keystone==%s" % VERSION, "gunicorn"])
        except KeystoneUnavailable:
            shutil.rmtree(venv, ignore_errors=True)
            raise
        open(ready, "w").close()
        print("Keystone venv built in %.0f s" % (time.monotonic() - started), file=log)
        return venv


def _run(cmd, timeout=600, **kwargs):
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                              **kwargs)
    except (OSError, subprocess.TimeoutExpired) as err:
        raise KeystoneUnavailable("%s: %s" % (cmd[0], err)) from err
    if done.returncode != 0:
        raise KeystoneUnavailable("%s failed (%d):\n%s" % (
            " ".join(cmd[:3]), done.returncode, (done.stderr or done.stdout)[-3000:]))
    return done.stdout


def free_port():
    with contextlib.closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def http(method, url, body=None, token=None, timeout=30):
    """(status, json body or None, headers) of one call to Keystone."""
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method)
    req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("X-Auth-Token", token)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            raw, status, headers = resp.read(), resp.status, resp.headers
    except urllib.error.HTTPError as err:
        raw, status, headers = err.read(), err.code, err.headers
    return status, (json.loads(raw) if raw.strip() else None), headers


class Keystone(Started):
    """One Keystone server with two projects (A, B), a member in each, an
    admin and a ``balancer`` service user for keystonemiddleware."""

    def __init__(self, venv):
        self.venv = venv
        self.workdir = None
        self.port = None
        self.url = None
        self.pid = None
        self.projects = {}          # "A", "B", "service" -> project id
        self._passwords = {"admin": ADMIN_PASSWORD}
        self._scopes = {"admin": "admin"}
        self._tokens = {}

    # -- life cycle (start() from lab_parts.Started) --------------------------
    def _start(self):
        self.workdir = tempfile.mkdtemp(prefix="balancer-keystone-")
        self.port = free_port()
        self.url = "http://127.0.0.1:%d/v3" % self.port
        conf = self._write_files()
        manage = [os.path.join(self.venv, "bin", "keystone-manage"), "--config-file", conf]
        owner = ["--keystone-user", pwd.getpwuid(os.getuid()).pw_name,
                 "--keystone-group", grp.getgrgid(os.getgid()).gr_name]
        # independent steps: run them side by side (each is mostly imports)
        steps = [manage + ["db_sync"], manage + ["fernet_setup"] + owner,
                 manage + ["credential_setup"] + owner]
        running = [subprocess.Popen(s, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                    cwd=self.workdir, text=True) for s in steps]
        outputs = [proc.communicate(timeout=300)[0] for proc in running]
        for step, proc, out in zip(steps, running, outputs, strict=True):
            if proc.returncode:
                raise KeystoneUnavailable("%s failed:\n%s" % (step[3], out[-3000:]))
        _run(manage + ["bootstrap", "--bootstrap-password", ADMIN_PASSWORD,
                       "--bootstrap-region-id", "RegionOne",
                       "--bootstrap-admin-url", self.url + "/",
                       "--bootstrap-public-url", self.url + "/",
                       "--bootstrap-internal-url", self.url + "/"], cwd=self.workdir)
        self._serve()
        self._populate()

    def _write_files(self):
        path = os.path.join(self.workdir, "keystone.conf")
        with open(path, "w") as f:
            f.write("[DEFAULT]\nuse_stderr = true\n"
                    "[database]\nconnection = sqlite:///%(d)s/keystone.db\n"
                    "[token]\nprovider = fernet\n"
                    "[fernet_tokens]\nkey_repository = %(d)s/fernet-keys\n"
                    "[fernet_receipts]\nkey_repository = %(d)s/fernet-receipts\n"
                    "[credential]\nkey_repository = %(d)s/credential-keys\n"
                    % {"d": self.workdir})
        with open(os.path.join(self.workdir, "ks_wsgi.py"), "w") as f:
            f.write(WSGI_WRAPPER)
        return path

    def _serve(self):
        env = dict(os.environ, OS_KEYSTONE_CONFIG_DIR=self.workdir,
                   OS_KEYSTONE_CONFIG_FILES="keystone.conf", PYTHONPATH=self.workdir)
        log = open(os.path.join(self.workdir, "gunicorn.log"), "w")
        with log:
            proc = subprocess.Popen(
                [os.path.join(self.venv, "bin", "gunicorn"), "--pid",
                 os.path.join(self.workdir, "gunicorn.pid"), "-b", "127.0.0.1:%d" % self.port,
                 "-w", "2", "--graceful-timeout", "5", "ks_wsgi:application"],
                cwd=self.workdir, env=env, stdout=log, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, start_new_session=True)
        self.pid = proc.pid
        self._proc = proc
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise KeystoneUnavailable("gunicorn exited:\n" + self.log_tail())
            try:
                if http("GET", self.url, timeout=2)[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise KeystoneUnavailable("Keystone did not answer within 60 s:\n" + self.log_tail())

    def log_tail(self, size=3000):
        try:
            with open(os.path.join(self.workdir, "gunicorn.log")) as f:
                return f.read()[-size:]
        except OSError:
            return ""

    def stop(self):
        """End the gunicorn master we started (by its PID) and remove our files."""
        if self.pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGINT)        # gunicorn: quick shutdown
            try:
                self._proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(self.pid, signal.SIGKILL)
                self._proc.wait(timeout=5)
            self.pid = None
        if self.workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)
            self.workdir = None

    # -- identities ---------------------------------------------------------
    def _populate(self):
        admin = self.token("admin")
        roles = {r["name"]: r["id"] for r in self._call("GET", "/roles", None, admin)["roles"]}
        for name in ("member", "service"):
            if name not in roles:
                roles[name] = self._call("POST", "/roles", {"role": {"name": name}},
                                         admin)["role"]["id"]
        for key, name, user, role in (("A", "balancer-a", "member-a", "member"),
                                      ("B", "balancer-b", "member-b", "member"),
                                      ("service", "service", "balancer", "service")):
            project = self._call("POST", "/projects", {"project": {
                "name": name, "domain_id": "default"}}, admin)["project"]["id"]
            self.projects[key] = project
            self._passwords[user] = user + "-secret"
            self._scopes[user] = name
            user_id = self._call("POST", "/users", {"user": {
                "name": user, "password": self._passwords[user], "domain_id": "default",
                "default_project_id": project}}, admin)["user"]["id"]
            self._call("PUT", "/projects/%s/users/%s/roles/%s" % (project, user_id, roles[role]),
                       None, admin)
        # a user of project A with only Keystone's read-only role
        self._add_user("reader-a", "balancer-a", self.projects["A"],
                       self._role_id(roles, "reader", admin), admin)

    def _role_id(self, roles, name, admin):
        if name not in roles:
            roles[name] = self._call("POST", "/roles", {"role": {"name": name}},
                                     admin)["role"]["id"]
        return roles[name]

    def _add_user(self, user, project_name, project, role_id, admin):
        self._passwords[user] = user + "-secret"
        self._scopes[user] = project_name
        user_id = self._call("POST", "/users", {"user": {
            "name": user, "password": self._passwords[user], "domain_id": "default",
            "default_project_id": project}}, admin)["user"]["id"]
        self._call("PUT", "/projects/%s/users/%s/roles/%s" % (project, user_id, role_id),
                   None, admin)

    def _call(self, method, path, body, token):
        status, data, _ = http(method, self.url + path, body, token)
        if status >= 300:
            raise KeystoneUnavailable("%s %s: %s %s" % (method, path, status, data))
        return data

    def token(self, user):
        """A token for ``user`` scoped to its project (admin: project admin)."""
        if user not in self._tokens:
            status, data, headers = http("POST", self.url + "/auth/tokens", {"auth": {
                "identity": {"methods": ["password"], "password": {"user": {
                    "name": user, "domain": {"id": "default"},
                    "password": self._passwords[user]}}},
                "scope": {"project": {"name": self._scopes[user],
                                      "domain": {"id": "default"}}}}})
            if status != 201:
                raise KeystoneUnavailable("token for %s: %s %s" % (user, status, data))
            self._tokens[user] = headers["X-Subject-Token"]
        return self._tokens[user]

    def authtoken_options(self):
        """balancer-api.conf's ``[keystone_authtoken]`` for this server."""
        return {"www_authenticate_uri": self.url, "auth_url": self.url,
                "auth_type": "password", "username": "balancer",
                "password": self._passwords["balancer"], "project_name": "service",
                "user_domain_name": "Default", "project_domain_name": "Default"}

    def authtoken_section(self):
        return "[keystone_authtoken]\n" + "".join(
            "%s = %s\n" % kv for kv in self.authtoken_options().items())


@pytest.fixture(scope="session")
def keystone():
    """One real Keystone for the whole run (``Keystone``), stopped at the end.

    Fails, never skips, where real components are required (CI); elsewhere
    it skips only when the venv cannot be built (e.g. PyPI unreachable).
    """
    try:
        server = Keystone(keystone_venv()).start()
    except KeystoneUnavailable as err:
        skip_outside_ci("cannot run a real Keystone here: %s" % err)
    try:
        yield server
    finally:
        server.stop()
