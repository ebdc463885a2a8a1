"""Shared pieces of the benchmark: the balancer API as a real process, an
HTTP/JSON client, statistics, and a watcher that counts HAProxy reloads.

Everything started here is remembered by PID and stopped by PID; every loop
has a deadline.  Only 127.0.0.1 and addresses inside the lab box's own
namespace are ever contacted.
"""

import http.client
import json
import math
import os
import socket
import subprocess
import sys
import textwrap
import threading
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PROJECT_PYTHON = os.path.join(REPO, ".venv", "bin", "python")
CACHE = os.environ.get("BALANCER_BENCH_CACHE",
                       os.path.join(os.path.expanduser("~"), ".cache", "balancer-bench"))


def python():
    """The project's interpreter (the one with balancer installed)."""
    return PROJECT_PYTHON if os.path.exists(PROJECT_PYTHON) else sys.executable


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# -- statistics ---------------------------------------------------------------

def percentile(values, q):
    """Nearest-rank percentile of ``values`` (None when empty)."""
    ordered = sorted(values)
    if not ordered:
        return None
    rank = max(0, min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1))
    return ordered[rank]


def summary_ms(seconds):
    """p50/p95/min/max/mean in milliseconds of a list of durations in seconds."""
    if not seconds:
        return {"n": 0}
    ms = lambda v: round(v * 1000.0, 2)  # noqa: E731
    return {"n": len(seconds), "p50_ms": ms(percentile(seconds, 0.5)),
            "p95_ms": ms(percentile(seconds, 0.95)), "min_ms": ms(min(seconds)),
            "max_ms": ms(max(seconds)), "mean_ms": ms(sum(seconds) / len(seconds))}


def cpu_calibration():
    """Seconds for a fixed pure-Python loop (best of 3): how fast this
    shared VM is right now, recorded beside every run."""
    def once():
        began, total = time.perf_counter(), 0
        for i in range(1_000_000):
            total += i * i
        return time.perf_counter() - began
    return round(min(once() for _ in range(3)), 4)


def rss_mb(pid):
    try:
        with open(f"/proc/{pid}/status") as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    return round(int(line.split()[1]) / 1024.0, 1)
    except OSError:
        return None
    return None


# -- HTTP ---------------------------------------------------------------------

class Client:
    """A keep-alive JSON client for one server; reconnects when the server
    closed the connection.  Not thread-safe: one per thread."""

    def __init__(self, host, port, timeout=120.0):
        self.host, self.port, self.timeout = host, port, timeout
        self._conn = None

    def request(self, method, path, body=None, headers=None):
        """(status, decoded JSON or None, seconds)."""
        data = None if body is None else json.dumps(body).encode()
        sent = {"Accept": "application/json"}
        if data is not None:
            sent["Content-Type"] = "application/json"
        sent.update(headers or {})
        for attempt in (1, 2):
            if self._conn is None:
                self._conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            began = time.perf_counter()
            try:
                self._conn.request(method, path, body=data, headers=sent)
                response = self._conn.getresponse()
                raw = response.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError,
                    http.client.CannotSendRequest):
                self.close()
                if attempt == 2:
                    raise
                continue
            elapsed = time.perf_counter() - began
            if response.getheader("Connection", "").lower() == "close":
                self.close()
            try:
                decoded = json.loads(raw) if raw else None
            except ValueError:
                decoded = {"raw": raw[:500].decode("utf-8", "replace")}
            return response.status, decoded, elapsed
        raise AssertionError("unreachable")

    def json(self, method, path, body=None, expect=(200, 201, 202, 204)):
        status, doc, _elapsed = self.request(method, path, body)
        if status not in expect:
            raise RuntimeError(f"{method} {path} -> HTTP {status}: {doc}")
        return doc

    def close(self):
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def get_once(url_host, port, path="/", timeout=1.0):
    """One GET on a new connection (``Connection: close``): status or an
    exception's name.  What a client of the VIP sees."""
    conn = http.client.HTTPConnection(url_host, port, timeout=timeout)
    try:
        conn.request("GET", path, headers={"Connection": "close"})
        response = conn.getresponse()
        response.read()
        return response.status
    except (OSError, http.client.HTTPException) as err:
        return type(err).__name__
    finally:
        conn.close()


def wait_for_200(host, port, deadline_s=10.0, path="/"):
    """Seconds until the first 200 through ``host:port`` (polling every 2 ms),
    or None when it never came within ``deadline_s``."""
    began = time.perf_counter()
    end = began + deadline_s
    while time.perf_counter() < end:
        if get_once(host, port, path, timeout=1.0) == 200:
            return time.perf_counter() - began
        time.sleep(0.002)
    return None


# -- processes ----------------------------------------------------------------

def stop_pid(pid, grace=10.0):
    """SIGTERM then SIGKILL one process we started (the lab's own routine)."""
    from balancer.tests.lab_parts import end_process
    end_process(pid, grace)


class ApiServer:
    """``bin/balancer-api`` in its own process: own config, own SQLite file,
    one process (workers = 0), no authentication, on a free loopback port."""

    def __init__(self, workdir, name, wait_timeout=60.0, deploy_timeout=120.0):
        self.dir = os.path.join(workdir, name)
        os.makedirs(self.dir, exist_ok=True)
        self.port = free_port()
        self.db_path = os.path.join(self.dir, "balancer.sqlite")
        self.url = f"sqlite:///{self.db_path}"
        self.conf = os.path.join(self.dir, "balancer-api.conf")
        with open(self.conf, "w") as handle:
            handle.write(textwrap.dedent(f"""\
                [DEFAULT]
                bind_host = 127.0.0.1
                bind_port = {self.port}
                workers = 0
                enabled_drivers = haproxy,noop
                log_file = {self.dir}/api.log

                [database]
                connection = {self.url}

                [deploy]
                wait_timeout = {wait_timeout}
                deploy_timeout = {deploy_timeout}
                reconcile_interval = 0

                # the scenarios store thousands of load balancers in one tenant
                [limits]
                max_lbs_per_tenant = 100000

                [paste_deploy]
                config_file = {REPO}/etc/balancer-api-paste.ini
                flavor =
                """))
        self.proc = None

    def dbsync(self):
        subprocess.run([python(), os.path.join(REPO, "bin", "balancer-api"),
                        "--config-file", self.conf, "--dbsync"],
                       check=True, capture_output=True, timeout=120, cwd=self.dir)

    def start(self, timeout=60.0):
        if not os.path.exists(self.db_path):
            self.dbsync()
        out = open(os.path.join(self.dir, "stdout.log"), "ab")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [python(), os.path.join(REPO, "bin", "balancer-api"), "--config-file", self.conf],
            stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=self.dir)
        out.close()
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.proc.poll() is not None:
                raise RuntimeError(f"balancer-api exited {self.proc.returncode}; see {self.dir}")
            try:
                status, _doc, _ = Client("127.0.0.1", self.port, 2).request("GET", "/algorithms")
                if status == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"balancer-api did not answer in {timeout}s; see {self.dir}")

    @property
    def pid(self):
        return self.proc.pid if self.proc else None

    def client(self):
        return Client("127.0.0.1", self.port)

    def rss_mb(self):
        return rss_mb(self.pid)

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            stop_pid(self.proc.pid)
        self.proc = None


# -- HAProxy reload counting --------------------------------------------------

class SwapCounter:
    """Counts config swaps on a lab box while running: every deploy that
    changes the config renames a new file over the live one (new inode and
    mtime) and then reloads, so swaps == reloads.  The pid file is watched
    as well, as a cross-check.  Polls every 2 ms (a deploy takes > 50 ms)."""

    def __init__(self, config_path, pid_file):
        self.config_path, self.pid_file = config_path, pid_file
        self.swaps = 0
        self.pid_changes = 0
        self._stop = threading.Event()
        self._thread = None

    def _identity(self):
        try:
            st = os.stat(self.config_path)
            return (st.st_ino, st.st_mtime_ns)
        except OSError:
            return None

    def _pids(self):
        try:
            with open(self.pid_file) as handle:
                return handle.read()
        except OSError:
            return None

    def _watch(self):
        last, last_pids = self._identity(), self._pids()
        while not self._stop.is_set():
            now, pids = self._identity(), self._pids()
            if now is not None and now != last:
                self.swaps += 1
                last = now
            if pids and pids != last_pids:
                self.pid_changes += 1
                last_pids = pids
            time.sleep(0.002)

    def __enter__(self):
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        time.sleep(0.05)
        self._stop.set()
        self._thread.join(5)


#: How the benchmarks register the lab box: one ``sudo -n sh`` per script
#: rather than one sudo per step (doc/source/drivers.rst, ``sudo_mode``).
DEVICE_KEYS = {"sudo_mode": "script"}


def api_on_box(ctx, name, wait_timeout):
    """(box, api server, client, device): a fresh API process with the lab
    box registered as its HAProxy device, as every real-parts scenario starts."""
    box = ctx.box()
    api = ApiServer(ctx.workdir, name, wait_timeout=wait_timeout).start()
    ctx.servers.append(api)
    client = api.client()
    device = client.json("POST", "/devices", box.api_device_body(**DEVICE_KEYS))["device"]
    return box, api, client, device
