"""The package as an operator gets it: built, installed, run without a checkout.

``python -m build`` makes the sdist and then builds the wheel *from the sdist*
(build's default), so a file the sdist forgets fails here.  The wheel goes into
a fresh virtualenv (no system site-packages; pip resolves every dependency),
and everything runs from a temporary working directory far from the checkout:
``--dbsync`` (the installed migrations), the server on a free loopback port
(the installed paste ini) answering real HTTP, ``balancer.api.wsgi``, and a
load balancer made from the installed copy of the seed's example body.  Where
the installed files are looked for is balancer/conf/paths.py (and
doc/source/install.rst).  About 30-40 s with a warm pip cache.
"""

import ast
import json
import os
import shutil
import signal
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.error
import urllib.request
import zipfile

import pytest

from balancer.tests import lab_parts
from balancer.tests.conftest import TOP, skip_outside_ci

# what a wheel built from the sdist needs, and what the code reads at run time
SDIST_MUST_CARRY = ["requirements.txt", "LICENSE", "setup.cfg", "setup.py", "pyproject.toml",
                    "etc/balancer-api-paste.ini", "etc/balancer-api.conf",
                    "balancer/db/migrations/script.py.mako"]
INSTALLED_DATA = ["balancer-api-paste.ini", "balancer-api.conf", "balancer-api.conf.sample",
                  "policy.yaml.sample", "examples/createDeviceHAProxy",
                  "examples/createLBcommandHAProxy"]


def run(args, timeout, **kwargs):
    done = subprocess.run(args, capture_output=True, text=True, timeout=timeout, **kwargs)
    assert done.returncode == 0, "%s failed:\n%s\n%s" % (args, done.stdout[-3000:],
                                                         done.stderr[-3000:])
    return done.stdout


def copy_source(dest):
    """The checkout's files as git sees them (tracked and new), without .venv,
    build output or anyone's sqlite file: the build must not write into TOP."""
    listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=TOP,
                            capture_output=True, text=True, timeout=60)
    if listed.returncode != 0:           # not a git checkout: copy, minus the junk
        shutil.copytree(TOP, dest, ignore=shutil.ignore_patterns(
            ".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", "*.sqlite"))
        return
    for name in filter(None, listed.stdout.split("\0")):
        source = os.path.join(TOP, name)
        if os.path.isfile(source):
            os.makedirs(os.path.join(dest, os.path.dirname(name)), exist_ok=True)
            shutil.copy2(source, os.path.join(dest, name))


def clean_env(home):
    """No checkout on the path, no outer virtualenv, a HOME of our own (so
    ~/.balancer/ of whoever runs the tests is not read).  Bytecode may be
    written: the wheel is installed with --no-compile, and without .pyc files
    every process would compile its imports again (seconds each)."""
    env = {key: value for key, value in os.environ.items()
           if key not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME", "PYTHONDONTWRITEBYTECODE")}
    env["HOME"] = home
    return env


@pytest.fixture(scope="module")
def installed():
    top = tempfile.mkdtemp(prefix="balancer-packaging-")
    try:
        source, dist, venv = (os.path.join(top, name) for name in ("src", "dist", "venv"))
        copy_source(source)
        run([sys.executable, "-m", "build", "--outdir", dist, source], timeout=600)
        wheels = [name for name in os.listdir(dist) if name.endswith(".whl")]
        sdists = [name for name in os.listdir(dist) if name.endswith(".tar.gz")]
        assert len(wheels) == 1 and len(sdists) == 1, os.listdir(dist)
        # a clean venv; the project's own pip installs into it (no ensurepip: faster)
        run([sys.executable, "-m", "venv", "--without-pip", venv], timeout=120)
        python = os.path.join(venv, "bin", "python")
        run([sys.executable, "-m", "pip", "--python", python, "install", "-q",
             "--no-compile", os.path.join(dist, wheels[0])], timeout=900)
        work = os.path.join(top, "work")
        os.makedirs(work)
        yield {"top": top, "venv": venv, "python": python, "work": work,
               "wheel": os.path.join(dist, wheels[0]), "sdist": os.path.join(dist, sdists[0]),
               "env": clean_env(work)}
    finally:
        shutil.rmtree(top, ignore_errors=True)


def venv_python(installed, code):
    return run([installed["python"], "-c", code], timeout=120, cwd=installed["work"],
               env=installed["env"])


def write_conf(path, port, database):
    with open(path, "w") as conf:
        conf.write("[DEFAULT]\nbind_host = 127.0.0.1\nbind_port = %d\n"
                   "enabled_drivers = noop\n[database]\nconnection = sqlite:///%s\n"
                   "[deploy]\nwait_timeout = 10\n" % (port, database))


def http(method, url, body=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_sdist_and_wheel_carry_the_run_time_files(installed):
    with tarfile.open(installed["sdist"]) as sdist:
        names = {name.split("/", 1)[1] for name in sdist.getnames() if "/" in name}
    assert sorted(set(SDIST_MUST_CARRY) - names) == []
    with zipfile.ZipFile(installed["wheel"]) as wheel:
        names = set(wheel.namelist())
    data = {name.split("/data/etc/balancer/", 1)[1] for name in names
            if "/data/etc/balancer/" in name}
    assert sorted(set(INSTALLED_DATA) - data) == []
    assert any(name.endswith("dist-info/licenses/LICENSE") for name in names), names
    # the shell scripts the driver ships to paired boxes (keepalived.py reads them)
    for script in ("keepalived-apply.sh", "keepalived-notify.sh", "keepalived-track.sh"):
        assert "balancer/drivers/haproxy/scripts/" + script in names
    metadata = next(name for name in names if name.endswith("dist-info/METADATA"))
    with zipfile.ZipFile(installed["wheel"]) as wheel:
        text = wheel.read(metadata).decode()
    assert "Requires-Python: >=3.11" in text
    assert "Requires-Dist: oslo.config" in text


def test_installed_package_finds_its_files_outside_any_checkout(installed):
    found = installed_paths(installed)
    venv = os.path.realpath(installed["venv"])
    assert os.path.realpath(found["package"]).startswith(venv + os.sep)
    assert found["checkout"] is None
    assert os.path.realpath(found["installed"]) == os.path.join(venv, "etc", "balancer")
    for name in ("paste", "example"):
        assert os.path.realpath(found[name]).startswith(found["installed"]), found


def test_installed_package_reads_the_scripts_it_runs_on_devices(installed):
    """Shell a device runs ships as a file in the package (the health probe)."""
    length = venv_python(installed, "from balancer.drivers.haproxy import probe\n"
                                    "print(len(probe.script_text()))")
    assert int(length) > 0


def installed_paths(installed):
    """What balancer.conf.paths answers inside the venv, asked once."""
    if "paths" not in installed:
        installed["paths"] = json.loads(venv_python(installed, (
            "import json, balancer; from balancer.conf import paths\n"
            "print(json.dumps({'package': balancer.__file__, 'checkout': paths.checkout_etc(),"
            " 'installed': paths.installed_etc(),"
            " 'paste': paths.data_file('balancer-api-paste.ini'),"
            " 'example': paths.data_file('examples/createLBcommandHAProxy')}))")))
    return installed["paths"]


def test_console_script_and_wsgi_module_serve_from_the_installed_wheel(installed):
    work, env = installed["work"], installed["env"]
    port = lab_parts.free_port(19400)
    conf = os.path.join(work, "serve.conf")     # no paste ini beside it: the installed one
    write_conf(conf, port, os.path.join(work, "serve.sqlite"))
    script = os.path.join(installed["venv"], "bin", "balancer-api")
    out = run([script, "--config-file", conf, "--dbsync"], timeout=120, cwd=work, env=env)
    assert "is at revision" in out
    log_path = os.path.join(work, "serve.log")
    with open(log_path, "w") as log:
        server = subprocess.Popen([script, "--config-file", conf], cwd=work, env=env,
                                  stdout=log, stderr=subprocess.STDOUT)
    try:
        device_id = use_the_server("http://127.0.0.1:%d" % port, server, log_path,
                                   installed_paths(installed)["example"])
        # the wheel's own command-line client (balancer.cli) against it
        listed = run([os.path.join(installed["venv"], "bin", "balancer"), "--endpoint",
                      "http://127.0.0.1:%d" % port, "device-list", "-f", "json"],
                     timeout=120, cwd=work, env=env)
        assert device_id in [d["id"] for d in json.loads(listed)], listed
    finally:
        if server.poll() is None:           # still ours: stop it by its PID
            os.kill(server.pid, signal.SIGTERM)
        try:
            code = server.wait(20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(10)
            code = "killed"
    assert code == 0, open(log_path).read()[-3000:]
    # the WSGI module, on the same config: sees what the console script stored
    out = run([installed["python"], "-c", (
        "import json, wsgiref.util\n"
        "from balancer.api import wsgi\n"
        "environ = {'PATH_INFO': '/devices', 'REQUEST_METHOD': 'GET'}\n"
        "wsgiref.util.setup_testing_defaults(environ)\n"
        "seen = []\n"
        "body = b''.join(wsgi.application(environ, lambda s, h, e=None: seen.append(s)))\n"
        "print(json.dumps([seen[0], json.loads(body)]))\n")],
        timeout=120, cwd=work, env=dict(env, BALANCER_CONFIG_FILES=conf))
    status, body = json.loads(out.strip().splitlines()[-1])
    assert status == "200 OK" and [d["id"] for d in body["devices"]] == [device_id], body


def use_the_server(url, server, log_path, example):
    """GET /algorithms, a noop device, the seed's load balancer on it;
    returns the device's id."""
    deadline = time.monotonic() + 30
    while True:
        try:
            status, body = http("GET", url + "/algorithms")
            break
        except OSError:
            assert server.poll() is None, open(log_path).read()[-3000:]
            assert time.monotonic() < deadline, open(log_path).read()[-3000:]
            time.sleep(0.2)
    assert (status, body) == (200, {"algorithms": []})   # no device yet
    status, body = http("POST", url + "/devices",
                        {"name": "noop-1", "type": "noop", "ip": "127.0.0.1"})
    assert status == 200, body
    device_id = body["device"]["id"]
    assert http("GET", url + "/devices/" + device_id)[1]["device"]["name"] == "noop-1"
    status, body = http("GET", url + "/algorithms")
    assert status == 200 and "ROUND_ROBIN" in body["algorithms"], body
    with open(example) as f:           # the installed copy of the seed's body
        lb_body = dict(json.load(f), device_id=device_id)
    status, body = http("POST", url + "/tenant1/loadbalancers", lb_body)
    assert status == 202 and body["loadbalancer"]["status"] == "ACTIVE", body
    status, body = http("GET", url + "/tenant1/loadbalancers/" + body["loadbalancer"]["id"])
    assert status == 200 and body["loadbalancer"]["name"] == "testLB001", body
    return device_id


def test_without_any_config_file_the_installed_config_is_used(installed):
    """oslo.config's search path (~/.balancer/, ~/, /etc/balancer/, /etc/)
    has nothing here, so ``--dbsync`` reads the installed balancer-api.conf
    (``sqlite:///balancer.sqlite`` in the working directory), and so would
    balancer.api.wsgi."""
    in_etc = [path for path in ("/etc/balancer.conf", "/etc/balancer-api.conf",
                                "/etc/balancer/balancer.conf",
                                "/etc/balancer/balancer-api.conf") if os.path.exists(path)]
    if in_etc:
        skip_outside_ci("this machine has its own config: %s" % in_etc)
    work = os.path.join(installed["work"], "bare")
    os.makedirs(work)
    env = dict(installed["env"], HOME=work)
    out = run([os.path.join(installed["venv"], "bin", "balancer-api"), "--dbsync"],
              timeout=120, cwd=work, env=env)
    assert "sqlite:///balancer.sqlite is at revision" in out
    assert os.path.getsize(os.path.join(work, "balancer.sqlite")) > 0
    # balancer.api.wsgi without BALANCER_CONFIG_FILES takes the same path
    out = run([installed["python"], "-c", "from balancer.api import bootstrap\n"
               "print(bootstrap.default_config_files())"], timeout=120, cwd=work, env=env)
    installed_conf = os.path.join(os.path.realpath(installed["venv"]), "etc", "balancer",
                                  "balancer-api.conf")
    assert [os.path.realpath(p) for p in ast.literal_eval(out.strip())] == [installed_conf]
