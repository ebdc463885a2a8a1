"""An active/standby pair on this machine: two HAProxy boxes on one bridge.

``PairLab`` builds, with addresses 10.231.N.x/24 only:

* a bridge in the host's namespace (``.1``), through which the service
  reaches both boxes' sshd, as over a management network;
* two ``PairBox`` es (``.2``, ``.3``): ``lab.HaproxyBox`` namespaces whose
  interface is a port of the bridge, with ``net.ipv4.ip_nonlocal_bind`` on
  (HAProxy binds the pair's VIPs on the box that does not hold them);
* a backends namespace (``.5``) with HTTP backends answering their name;
* a client namespace (``.4``) that sends requests through the VIP (``.10``)
  in a bounded loop (``ClientLoop``).

Used by balancer/tests/integration/test_pair_failover.py, ``tools/devbox up
--ha`` and tools/bench/scenario_failover.py.  ``stop()`` removes everything.
"""

import json
import os
import secrets
import shutil
import signal
import subprocess
import tempfile
import time

from balancer.tests import lab_parts as parts
from balancer.tests.lab import HaproxyBox, LabError

CLIENT_SCRIPT = '''\
"""A lab client: GET the URL every INTERVAL s until DEADLINE or STOP exists;
one JSON line per request: [monotonic time, status or 0, body or error]."""
import http.client, json, os, sys, time
url_host, port, interval, deadline, stop, out, timeout = sys.argv[1], int(sys.argv[2]), \\
    float(sys.argv[3]), float(sys.argv[4]), sys.argv[5], sys.argv[6], float(sys.argv[7])
with open(out, "a", buffering=1) as log:
    while time.time() < deadline and not os.path.exists(stop):
        began = time.monotonic()
        try:
            c = http.client.HTTPConnection(url_host, port, timeout=timeout)
            c.request("GET", "/", headers={"Connection": "close"})
            r = c.getresponse()
            row = [began, r.status, r.read().decode().strip()]
            c.close()
        except Exception as err:
            row = [began, 0, type(err).__name__]
        log.write(json.dumps(row) + "\\n")
        time.sleep(max(0.0, interval - (time.monotonic() - began)))
'''


class PairBox(HaproxyBox):
    """A lab box whose interface is a port of the pair's bridge."""

    def __init__(self, bridge, address):
        super().__init__(backends=0, namespace=True)
        self.bridge, self.address = bridge, address

    def _make_namespace(self):
        self.ns = "blab-" + self.suffix
        self.host_if, box_if = "bl" + self.suffix + "h", "bl" + self.suffix + "b"
        self._sh("ip", "netns", "add", self.ns)
        self._made.append(lambda: self._sh("ip", "netns", "del", self.ns, check=False))
        self._sh("ip", "link", "add", self.host_if, "type", "veth", "peer", "name", box_if)
        self._made.append(lambda: self._sh("ip", "link", "del", self.host_if, check=False))
        self._sh("ip", "link", "set", box_if, "netns", self.ns)
        self._sh("ip", "link", "set", self.host_if, "master", self.bridge)
        self._sh("ip", "link", "set", self.host_if, "up")
        self._sh("ip", "addr", "add", f"{self.address}/24", "dev", box_if, ns=True)
        self._sh("ip", "link", "set", box_if, "up", ns=True)
        self._sh("ip", "link", "set", "lo", "up", ns=True)
        self._sh("sysctl", "-qw", "net.ipv4.ip_nonlocal_bind=1", ns=True)
        self.ip, self.interface = self.address, box_if
        self.subnet = self.address.rsplit(".", 1)[0]

    def device_extra(self, **more):
        # the driver's files on the box (keepalived's among them) stay in our temp dir
        return super().device_extra(state_dir=os.path.dirname(self.config_path), **more)

    def set_link(self, up):
        """The box's own link up or down (keepalived sees it go: FAULT)."""
        self._sh("ip", "link", "set", self.interface, "up" if up else "down", ns=True)

    def kill_haproxy(self):
        """SIGKILL every HAProxy process of the box's pid file."""
        for pid in self.haproxy_pids():
            if "haproxy" in _comm(pid):
                os.kill(pid, signal.SIGKILL)

    def kill_keepalived(self):
        """SIGKILL the box's keepalived: it sends no last advert and leaves
        its addresses behind.  The main process is stopped first, then its
        VRRP child killed, then the main process: killed the other way round,
        the child may notice its parent's death and leave cleanly (releasing
        the VIP), and a running parent would start a new child."""
        here = os.path.dirname(self.config_path)
        main = self._keepalived_pid(os.path.join(here, "keepalived.pid"))
        child = self._keepalived_pid(os.path.join(here, "keepalived-vrrp.pid"))
        if main:
            os.kill(main, signal.SIGSTOP)
        if child:
            os.kill(child, signal.SIGKILL)
        if main:
            os.kill(main, signal.SIGKILL)

    @staticmethod
    def _keepalived_pid(path):
        """The pid in a keepalived pid file, if it is still a keepalived of
        ours (pids are reused)."""
        if not os.path.exists(path):
            return None
        with open(path) as handle:
            pid = int(handle.read().split()[0])
        return pid if "keepalived" in _comm(pid) else None

    def holds(self, address):
        return f" {address}/" in self.interface_addresses()

    def state_word(self):
        path = os.path.join(os.path.dirname(self.config_path), "keepalived.state")
        try:
            with open(path) as handle:
                return handle.read().strip()
        except OSError:
            return ""


def _comm(pid):
    try:
        with open(f"/proc/{pid}/comm") as handle:
            return handle.read()
    except OSError:
        return ""


class PairLab(parts.Started):
    def __init__(self, backends=3):
        self.count = backends
        self.suffix = secrets.token_hex(3)
        self.boxes = []
        self.names = [f"backend{i + 1}" for i in range(backends)]
        self.backend_ports = []
        self._procs = []
        self._made = []
        self.root = None

    def _sh(self, *argv, ns=None, check=True):
        command = (["ip", "netns", "exec", ns] if ns else []) + list(argv)
        done = subprocess.run(command, capture_output=True, text=True, timeout=30, check=False)
        if check and done.returncode != 0:
            raise LabError(f"{' '.join(command)}: {done.stderr.strip() or done.stdout.strip()}")
        return done.stdout

    def _start(self):
        if not (HaproxyBox.available() and shutil.which("keepalived")
                or os.path.exists("/usr/sbin/keepalived")):
            raise LabError("a pair lab needs root, haproxy, sshd, socat, sudo and keepalived")
        self.root = tempfile.mkdtemp(prefix=f"balancer-pair-{self.suffix}-")
        os.chmod(self.root, 0o755)
        self._made.append(lambda: shutil.rmtree(self.root, ignore_errors=True))
        net = parts.free_lab_subnet()
        self.subnet, self.vip = net, f"{net}.10"
        self.bridge = "bp" + self.suffix
        self._sh("ip", "link", "add", self.bridge, "type", "bridge")
        self._made.append(lambda: self._sh("ip", "link", "del", self.bridge, check=False))
        self._sh("ip", "addr", "add", f"{net}.1/24", "dev", self.bridge)
        self._sh("ip", "link", "set", self.bridge, "up")
        self.client_ns = self._leaf("c", f"{net}.4")
        self.backend_ns = self._leaf("k", f"{net}.5")
        self._start_backends(f"{net}.5")
        for address in (f"{net}.2", f"{net}.3"):
            box = PairBox(self.bridge, address)
            self.boxes.append(box)
            box.start()

    def _leaf(self, kind, address):
        """A namespace with one interface on the bridge."""
        ns = f"bpl{kind}-{self.suffix}"
        host_if, inner = f"bp{kind}{self.suffix}h", f"bp{kind}{self.suffix}i"
        self._sh("ip", "netns", "add", ns)
        self._made.append(lambda: self._sh("ip", "netns", "del", ns, check=False))
        self._sh("ip", "link", "add", host_if, "type", "veth", "peer", "name", inner)
        self._made.append(lambda: self._sh("ip", "link", "del", host_if, check=False))
        self._sh("ip", "link", "set", inner, "netns", ns)
        self._sh("ip", "link", "set", host_if, "master", self.bridge)
        self._sh("ip", "link", "set", host_if, "up")
        self._sh("ip", "addr", "add", f"{address}/24", "dev", inner, ns=ns)
        self._sh("ip", "link", "set", inner, "up", ns=ns)
        self._sh("ip", "link", "set", "lo", "up", ns=ns)
        return ns

    def _spawn(self, argv, ns):
        log = open(os.path.join(self.root, f"proc-{len(self._procs)}.log"), "wb")  # noqa: SIM115
        proc = subprocess.Popen(["ip", "netns", "exec", ns] + argv, stdout=log,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        log.close()
        self._procs.append(proc)
        return proc

    def _start_backends(self, host):
        script = parts.write_backend_script(self.root)
        for index, name in enumerate(self.names):
            port = 8001 + index
            self._spawn([parts.python(), script, host, str(port), name,
                         os.path.join(self.root, f"health-{index}")], self.backend_ns)
            self.backend_ports.append(port)
        for port in self.backend_ports:
            parts.wait_port(host, port, ns=self.backend_ns)

    def stop(self):
        for proc in reversed(self._procs):
            parts.end_process(proc.pid)
        self._procs.clear()
        for box in reversed(self.boxes):
            box.stop()
        for ns in (getattr(self, "client_ns", None), getattr(self, "backend_ns", None)):
            for pid in parts.pids_in_namespace(ns) if ns else ():
                parts.end_process(pid)
        while self._made:
            undo = self._made.pop()
            try:
                undo()
            except Exception:       # noqa: BLE001 - cleanup goes on whatever fails
                pass

    # -- what tests use -------------------------------------------------------
    def backend_nodes(self):
        return [(f"{self.subnet}.5", port, name)
                for port, name in zip(self.backend_ports, self.names, strict=True)]

    def device_body(self, box, **values):
        body = box.api_device_body()
        body.update(values)
        return body

    def holder(self):
        """The box holding the VIP now, or None."""
        held = [box for box in self.boxes if box.holds(self.vip)]
        return held[0] if len(held) == 1 else None

    def get(self, port, timeout=2.0):
        """One request from the client namespace: (status, body) or (0, error)."""
        code = ("import http.client,sys\ntry:\n"
                f"    c=http.client.HTTPConnection({self.vip!r},{port},timeout={timeout})\n"
                "    c.request('GET','/',headers={'Connection':'close'})\n"
                "    r=c.getresponse(); print(r.status, r.read().decode().strip())\n"
                "except Exception as e: print(0, type(e).__name__)\n")
        out = self._sh(parts.python(), "-c", code, ns=self.client_ns).split(None, 1)
        return int(out[0]), (out[1].strip() if len(out) > 1 else "")

    def client_loop(self, port, seconds, interval=0.05, timeout=0.5):
        return ClientLoop(self, port, seconds, interval, timeout)


class ClientLoop:
    """Requests through the VIP from the client namespace, in the background,
    for at most ``seconds``; ``rows()`` reads what happened so far."""

    def __init__(self, lab, port, seconds, interval, timeout):
        self.timeout = timeout
        self.lab = lab
        self.out = os.path.join(lab.root, f"client-{time.monotonic_ns()}.jsonl")
        self.stop_file = self.out + ".stop"
        script = os.path.join(lab.root, "client.py")
        with open(script, "w") as handle:
            handle.write(CLIENT_SCRIPT)
        self.proc = lab._spawn([parts.python(), script, lab.vip, str(port), str(interval),
                                str(time.time() + seconds), self.stop_file, self.out,
                                str(timeout)],
                               lab.client_ns)

    def rows(self):
        try:
            with open(self.out) as handle:
                return [json.loads(line) for line in handle if line.endswith("\n")]
        except OSError:
            return []

    def stop(self):
        open(self.stop_file, "w").close()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            parts.end_process(self.proc.pid)
        return self.rows()
