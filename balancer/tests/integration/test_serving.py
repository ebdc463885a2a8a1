"""Every way of serving gets the same service (balancer/api/bootstrap.py):
gunicorn with several processes and threads, and ``balancer-api`` with
``workers = N`` whose parent replaces a worker that dies."""

import concurrent.futures
import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from balancer.tests import lab_parts as parts
from tools.bench import harness

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))
BIN = os.path.dirname(sys.executable)


def write_conf(directory, port, workers=0):
    path = os.path.join(directory, "balancer-api.conf")
    with open(path, "w") as handle:
        handle.write(textwrap.dedent(f"""\
            [DEFAULT]
            bind_host = 127.0.0.1
            bind_port = {port}
            workers = {workers}
            log_file = {directory}/api.log
            [database]
            connection = sqlite:///{directory}/balancer.sqlite
            [deploy]
            lock_path = {directory}/locks
            reconcile_interval = 0
            [paste_deploy]
            config_file = {REPO}/etc/balancer-api-paste.ini
            """))
    subprocess.run([sys.executable, os.path.join(REPO, "bin", "balancer-api"),
                    "--config-file", path, "--dbsync"], check=True, capture_output=True,
                   timeout=120, cwd=directory)
    return path


def children_of(pid):
    """Pids whose parent is ``pid`` (read from /proc, no signals sent)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as handle:
                    fields = handle.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid and fields[0] != "Z":
                found.append(int(entry))
    return sorted(found)


def wait_until(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"{what} not within {timeout}s")


def create_lbs(port, device_id, count):
    def one(i):
        client = harness.Client("127.0.0.1", port)
        try:
            body = {"name": f"lb{i}", "algorithm": "ROUND_ROBIN", "protocol": "HTTP",
                    "device_id": device_id,
                    "virtualIps": [{"address": "10.0.0.1", "port": 20000 + i}],
                    "nodes": [{"address": "10.0.1.1", "port": 8080}]}
            return client.request("POST", "/t1/loadbalancers", body)
        finally:
            client.close()
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        return list(pool.map(one, range(count)))


def assert_long_url_is_json_414(port):
    """The server in front lets a long URL through to the API's JSON 414."""
    import http.client
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", "/t1/loadbalancers/" + "a" * 9000)
        response = conn.getresponse()
        body = json.loads(response.read())
    finally:
        conn.close()
    assert response.status == 414 and body["error"]["code"] == 414


@pytest.fixture
def started():
    """Processes this test started; each is stopped by its own pid."""
    procs = []
    yield procs
    for proc in procs:
        if proc.poll() is None:
            parts.end_process(proc.pid, grace=10)


def test_gunicorn_with_processes_and_threads(tmp_path, started):
    port = harness.free_port()
    conf = write_conf(str(tmp_path), port)
    env = dict(os.environ, BALANCER_CONFIG_FILES=conf)
    gunicorn = subprocess.Popen(
        [os.path.join(BIN, "gunicorn"), "--workers", "2", "--threads", "4",
         "--limit-request-line", "0",
         "--bind", f"127.0.0.1:{port}", "--pid", str(tmp_path / "gunicorn.pid"),
         "balancer.api.wsgi:application"],
        env=env, cwd=str(tmp_path), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    started.append(gunicorn)
    wait_until(lambda: harness.get_once("127.0.0.1", port, "/healthcheck") == 200, 30,
               "gunicorn answering /healthcheck")
    assert len(children_of(gunicorn.pid)) == 2
    assert_long_url_is_json_414(port)
    client = harness.Client("127.0.0.1", port)
    device = client.json("POST", "/devices", {"name": "dev", "type": "noop",
                                              "ip": "127.0.0.1", "noop_delay": "0.05"})
    results = create_lbs(port, device["device"]["id"], 16)
    assert [status for status, _doc, _ in results] == [202] * 16
    assert {doc["loadbalancer"]["status"] for _s, doc, _ in results} == {"ACTIVE"}
    listed = client.json("GET", "/t1/loadbalancers")["loadbalancers"]
    assert len(listed) == 16 and {lb["status"] for lb in listed} == {"ACTIVE"}
    client.close()
    # oslo.log is set up in each worker; without a coordination backend the
    # workers share file locks
    log = (tmp_path / "api.log").read_text()
    assert "coordination file://%s/locks" % tmp_path in log


def test_a_killed_worker_is_replaced(tmp_path, started):
    port = harness.free_port()
    conf = write_conf(str(tmp_path), port, workers=2)
    parent = subprocess.Popen([sys.executable, os.path.join(REPO, "bin", "balancer-api"),
                               "--config-file", conf], cwd=str(tmp_path),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    started.append(parent)
    wait_until(lambda: harness.get_once("127.0.0.1", port, "/healthcheck") == 200, 30,
               "balancer-api answering")
    workers = wait_until(lambda: len(children_of(parent.pid)) == 2 and children_of(parent.pid),
                         10, "two workers")
    assert_long_url_is_json_414(port)
    victim = workers[0]
    os.kill(victim, signal.SIGKILL)      # a child of the parent we started
    replaced = wait_until(
        lambda: (lambda now: len(now) == 2 and victim not in now and now)(
            children_of(parent.pid)), 15, "a new worker")
    assert workers[1] in replaced
    for _ in range(10):
        assert harness.get_once("127.0.0.1", port, "/algorithms") == 200
    parent.send_signal(signal.SIGTERM)
    assert parent.wait(20) == 0
    assert children_of(parent.pid) == []
    assert "starting another" in (tmp_path / "api.log").read_text()


def test_the_wsgi_module_starts_the_service_at_its_first_request(tmp_path, monkeypatch):
    port = harness.free_port()
    conf = write_conf(str(tmp_path), port)
    code = textwrap.dedent("""\
        import json, sys
        from balancer.api import wsgi
        app = wsgi.application
        before = app.service.reconciler.passes
        status = []
        body = b"".join(app({"REQUEST_METHOD": "GET", "PATH_INFO": "/algorithms",
                             "SERVER_NAME": "x", "SERVER_PORT": "80",
                             "wsgi.url_scheme": "http", "wsgi.input": sys.stdin.buffer},
                            lambda s, h, e=None: status.append(s)))
        print(json.dumps([before, app.service.reconciler.passes, status[0]]))
        app.close()
        """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=dict(os.environ, BALANCER_CONFIG_FILES=conf), timeout=60,
                          cwd=str(tmp_path), stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr[-2000:]
    before, after, status = json.loads(done.stdout.strip().splitlines()[-1])
    assert (before, after, status) == (0, 1, "200 OK")


def test_sigterm_stops_the_server_whichever_green_thread_it_lands_in():
    """Signal handlers run in the green thread that was running: a SIGTERM
    that lands in a deploy's thread still stops the server (a SystemExit
    raised there ended only that thread, silently, and the server served on)."""
    code = textwrap.dedent("""\
        import os, signal, threading, time
        from balancer.cmd import api        # monkey-patches, as balancer-api does
        import eventlet
        api.stop_on_signals()
        def busy():     # a deploy's thread, running Python code as the signal comes
            os.kill(os.getpid(), signal.SIGTERM)
            started = time.monotonic()
            while time.monotonic() - started < 0.5:
                pass
            print("the busy thread finished")
        threading.Thread(target=busy).start()
        try:
            eventlet.sleep(10)
            print("still serving")
        except SystemExit:
            print("stopped")
        """)
    done = subprocess.run([sys.executable, "-W", "ignore", "-c", code], capture_output=True,
                          text=True, timeout=60, cwd=REPO, stdin=subprocess.DEVNULL,
                          env=dict(os.environ, PYTHONPATH=REPO))
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.splitlines() == ["the busy thread finished", "stopped"], done.stdout
