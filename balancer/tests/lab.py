"""A real "HAProxy box" on this machine, for integration tests, DevBox and benchmarks.

``HaproxyBox`` builds what an operator's load-balancer device looks like:
an sshd with a dedicated user (password and key, sudo for the HAProxy steps),
HAProxy running as root from an operator config (``global`` with an admin
stats socket that exposes listeners, ``defaults``, ``listen stats``), and N
HTTP backends that answer with their own name.  It lives in a network
namespace it creates (addresses 10.231.x.0/24 only) when the machine allows,
else on loopback with free ports.  ``stop()`` removes everything it made, even
after a failed ``start()``, and only ends processes that belong to it.

Use::

    with HaproxyBox(backends=3) as box:
        device = box.device()                   # balancer.drivers.base.Device
        body = box.api_device_body()            # JSON for POST /devices
        box.get(box.vip_url(80))                # (status, body, headers)

Backends answer ``GET /health`` with 200, or 503 after ``box.fail_health(i)``.
Root is required (namespaces, users, sudoers); ``HaproxyBox.available()``
says whether this machine can build one.  ``BALANCER_LAB_NAMESPACE=0`` (or
``namespace=False``) forces the loopback layout, ``=1`` insists on a namespace.
"""

import os
import secrets
import shutil
import subprocess
import tempfile
import time

from balancer.tests import lab_parts as parts


class LabError(RuntimeError):
    """The box could not be built."""


class HaproxyBox(parts.Started):
    def __init__(self, backends=3, namespace=None, backend_names=None, master_worker=False):
        """``master_worker``: run HAProxy as ``-W`` with a master CLI socket
        (``master_socket``), as systemd units of HAProxy do (``-Ws``)."""
        self.count = backends
        self.master_worker = master_worker
        self.master_socket = None
        self.want_namespace = namespace      # None: namespace when possible
        self.names = backend_names or [f"backend{i + 1}" for i in range(backends)]
        self.suffix = secrets.token_hex(3)
        self.user = "blab" + self.suffix
        self.password = secrets.token_urlsafe(12)
        self.private_key = None
        self.host_key = None
        self.root = None
        self.ns = None
        self.ip = "127.0.0.1"
        self.ssh_port = None
        self.interface = "lo"
        self.backend_ports = []
        self._procs = []                      # Popen objects we started
        self._made = []                       # undo callables, run in reverse

    @staticmethod
    def available():
        tools = ("haproxy", "sshd", "socat", "sudo", "useradd")
        found = all(shutil.which(t) or os.path.exists(f"/usr/sbin/{t}") for t in tools)
        return os.geteuid() == 0 and found

    # -- life cycle (start, __enter__, __exit__ from parts.Started) ----------
    def _start(self):
        if not self.available():
            raise LabError("HaproxyBox needs root plus haproxy, sshd, socat, sudo")
        self.root = tempfile.mkdtemp(prefix=f"balancer-lab-{self.suffix}-")
        os.chmod(self.root, 0o755)           # the SSH user must reach config, pid, socket
        self._made.append(lambda: shutil.rmtree(self.root, ignore_errors=True))
        use_ns = self.want_namespace
        if use_ns is None and os.environ.get("BALANCER_LAB_NAMESPACE", "") in ("0", "1"):
            use_ns = os.environ["BALANCER_LAB_NAMESPACE"] == "1"
        if use_ns is None:
            use_ns = parts.netns_works()
        if use_ns:
            self._make_namespace()
        self._make_user()
        self._start_backends()
        self._start_haproxy()
        self._start_sshd()

    def stop(self):
        """Undo everything, newest first; never raises, so it is safe in finally."""
        for proc in reversed(self._procs):
            parts.end_process(proc.pid)
        self._procs.clear()
        for pid in self._our_pids():
            parts.end_process(pid)
        while self._made:
            undo = self._made.pop()
            try:
                undo()
            except Exception:       # noqa: BLE001 - cleanup goes on whatever fails
                pass

    def _our_pids(self):
        """Processes that are ours beyond doubt: inside our namespace, running
        as our user, or started with a path under our unique temp dir."""
        pids = set(parts.pids_in_namespace(self.ns)) if self.ns else set()
        pids |= set(parts.pids_of_user(self.user))
        if self.root:
            pids |= set(parts.pids_mentioning(self.root))
        pids.discard(os.getpid())
        return sorted(pids)

    # -- pieces -------------------------------------------------------------
    def _sh(self, *argv, ns=False, check=True):
        command = (["ip", "netns", "exec", self.ns] if ns and self.ns else []) + list(argv)
        done = subprocess.run(command, capture_output=True, text=True, timeout=30, check=False)
        if check and done.returncode != 0:
            raise LabError(f"{' '.join(command)}: {done.stderr.strip() or done.stdout.strip()}")
        return done.stdout

    def _make_namespace(self):
        self.ns = "blab-" + self.suffix
        host_if, box_if = "bl" + self.suffix + "h", "bl" + self.suffix + "b"
        net = parts.free_lab_subnet()
        self._sh("ip", "netns", "add", self.ns)
        self._made.append(lambda: self._sh("ip", "netns", "del", self.ns, check=False))
        self._sh("ip", "link", "add", host_if, "type", "veth", "peer", "name", box_if)
        self._made.append(lambda: self._sh("ip", "link", "del", host_if, check=False))
        self._sh("ip", "link", "set", box_if, "netns", self.ns)
        self._sh("ip", "addr", "add", f"{net}.1/24", "dev", host_if)
        self._sh("ip", "link", "set", host_if, "up")
        self._sh("ip", "addr", "add", f"{net}.2/24", "dev", box_if, ns=True)
        self._sh("ip", "link", "set", box_if, "up", ns=True)
        self._sh("ip", "link", "set", "lo", "up", ns=True)
        self.ip, self.interface, self.subnet = f"{net}.2", box_if, net

    def _make_user(self):
        self._sh("useradd", "-m", "-s", "/bin/sh", self.user)
        self._made.append(lambda: self._sh("userdel", "-r", "-f", self.user, check=False))
        subprocess.run(["chpasswd"], input=f"{self.user}:{self.password}\n", text=True,
                       check=True, timeout=30)
        self.private_key, public = parts.make_client_key(self.root)
        parts.authorize_key(self.user, public)
        sudoers = f"/etc/sudoers.d/balancer-lab-{self.suffix}"
        parts.write_sudoers(sudoers, self.user)
        self._made.append(lambda: os.path.exists(sudoers) and os.unlink(sudoers))

    def _start_backends(self):
        script = parts.write_backend_script(self.root)
        host = "127.0.0.1"
        start = 8001
        for index, name in enumerate(self.names):
            port = start + index if self.ns else parts.free_port(start + index)
            health = os.path.join(self.root, f"health-{index}")
            argv = [parts.python(), script, host, str(port), name, health]
            self._spawn(argv)
            self.backend_ports.append(port)
        for port in self.backend_ports:
            parts.wait_port(host, port, ns=self.ns)

    def _spawn(self, argv, **kwargs):
        if self.ns:
            argv = ["ip", "netns", "exec", self.ns] + argv
        log = open(os.path.join(self.root, f"proc-{len(self._procs)}.log"), "wb")  # noqa: SIM115
        proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, **kwargs)
        log.close()
        self._procs.append(proc)
        return proc

    def _start_haproxy(self):
        hap = os.path.join(self.root, "haproxy")
        os.makedirs(hap, mode=0o755)
        self.config_path = os.path.join(hap, "haproxy.cfg")
        self.pid_file = os.path.join(hap, "haproxy.pid")
        self.socket = os.path.join(hap, "admin.sock")
        self.stats_port = 8404 if self.ns else parts.free_port(18404)
        self.operator_config = parts.operator_config(self.socket, self.ip, self.stats_port)
        with open(self.config_path, "w") as handle:
            handle.write(self.operator_config)
        self._sh(parts.haproxy_bin(), "-c", "-q", "-f", self.config_path)
        mode = []
        if self.master_worker:
            self.master_socket = os.path.join(hap, "master.sock")
            mode = ["-W", "-S", self.master_socket + ",level,admin"]
        self._sh(parts.haproxy_bin(), *mode, "-D", "-f", self.config_path, "-p", self.pid_file,
                 ns=True)
        parts.wait_port(self.ip, self.stats_port, ns=self.ns)

    def _start_sshd(self):
        sshd_dir = os.path.join(self.root, "sshd")
        os.makedirs(sshd_dir, mode=0o700)
        os.makedirs("/run/sshd", mode=0o755, exist_ok=True)
        self.ssh_port = 22 if self.ns else parts.free_port(2222)
        config, self.host_key = parts.sshd_config(sshd_dir, self.ip, self.ssh_port, self.user)
        self._sh("/usr/sbin/sshd", "-t", "-f", config)
        self._spawn(["/usr/sbin/sshd", "-D", "-f", config, "-E", os.path.join(sshd_dir, "log")])
        parts.wait_port(self.ip, self.ssh_port)

    # -- what tests and scripts use ----------------------------------------
    def device_extra(self, **more):
        extra = {"remote_config_path": self.config_path, "pid_file": self.pid_file,
                 "socket": self.socket, "haproxy_bin": parts.haproxy_bin(),
                 "interface": self.interface, "requires_vip_ip": "1" if self.ns else "0"}
        if self.master_worker:
            extra.update(master_worker="1", master_socket=self.master_socket)
        extra.update(more)
        return extra

    def device(self, auth="password", host_key=None, device_id="lab", **extra):
        """A driver-level Device record for this box."""
        from balancer.drivers.base import Device
        return Device(id=device_id, name=f"lab-{self.suffix}", type="haproxy", ip=self.ip,
                      port=self.ssh_port, user=self.user,
                      password=self.password if auth == "password" else None,
                      private_key=self.private_key if auth == "key" else None,
                      host_key=host_key, extra=self.device_extra(**extra))

    def api_device_body(self, auth="password", **extra):
        """The JSON body for ``POST /devices`` (unknown keys land in extra)."""
        body = {"name": f"lab-{self.suffix}", "type": "HAPROXY", "version": "2.6",
                "ip": self.ip, "port": str(self.ssh_port), "user": self.user}
        body["password" if auth == "password" else "private_key"] = (
            self.password if auth == "password" else self.private_key)
        body.update(self.device_extra(**extra))
        return body

    def backend_nodes(self):
        """(address, port, name) of each backend, as a node sees it from HAProxy."""
        return [("127.0.0.1", port, name)
                for port, name in zip(self.backend_ports, self.names, strict=True)]

    def free_vip_port(self, preferred=80):
        return preferred if self.ns else parts.free_port(18080)

    def vip_url(self, port, path="/", address=None):
        return f"http://{address or self.ip}:{port}{path}"

    def get(self, url, headers=None, timeout=5.0):
        """One HTTP request with ``Connection: close``: (status, body, headers
        with lower-case names)."""
        return parts.http_get(url, headers, timeout)

    def fail_health(self, index, failing=True):
        """Make backend ``index`` answer /health with 503 (or 200 again)."""
        path = os.path.join(self.root, f"health-{index}")
        if failing:
            open(path, "w").close()
        elif os.path.exists(path):
            os.unlink(path)

    def haproxy_pids(self):
        with open(self.pid_file) as handle:
            return [int(p) for p in handle.read().split()]

    def read_config(self):
        with open(self.config_path) as handle:
            return handle.read()

    def interface_addresses(self):
        """``ip -o addr`` of the box's interface, inside its namespace."""
        return self._sh("ip", "-o", "addr", "show", "dev", self.interface, ns=True)

    def wait_for(self, predicate, timeout=10.0, interval=0.1):
        """Poll ``predicate`` until it is truthy (returned) or time runs out (None)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = predicate()
            if value:
                return value
            time.sleep(interval)
        return None
