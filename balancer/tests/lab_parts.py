"""Building blocks of ``lab.HaproxyBox``: files, ports, processes, HTTP.

Separate from ``lab`` so that the box itself reads as a recipe; nothing
here keeps state.
"""

import http.client
import ipaddress
import os
import pwd
import signal
import socket
import subprocess
import sys
import textwrap
import time
import urllib.parse

BACKEND_SCRIPT = '''\
"""A lab backend: answers every GET with its name; /health with 200, or 503
while the file given as 4th argument exists (a test makes a check fail);
/slow/<seconds> after that long (at most 5 s: a request still in flight).
X-Forwarded-* headers it receives come back as X-Seen-Forwarded-*."""
import http.server, os, sys, time

host, port, name, health = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]

class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"
    def do_GET(self):
        failing = self.path.startswith("/health") and os.path.exists(health)
        if self.path.startswith("/slow/"):
            time.sleep(min(5.0, float(self.path[6:] or 0)))
        body = (name + "\\n").encode()
        self.send_response(503 if failing else 200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        # what the load balancer told us about the client, for tests to read
        for header in ("X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Port"):
            for value in self.headers.get_all(header) or ():
                self.send_header("X-Seen-" + header[2:], value)
        self.end_headers()
        self.wfile.write(body)
    do_HEAD = do_GET
    def log_message(self, *args):
        pass

http.server.ThreadingHTTPServer.allow_reuse_address = True
http.server.ThreadingHTTPServer((host, port), Handler).serve_forever()
'''

SUDO_COMMANDS = ("/usr/sbin/haproxy", "/usr/bin/tee", "/usr/bin/cat", "/usr/bin/cp",
                 "/usr/bin/mv", "/usr/bin/rm", "/usr/bin/ip", "/usr/sbin/ip", "/usr/bin/kill",
                 "/usr/bin/socat", "/usr/bin/sh", "/usr/bin/mkdir", "/usr/bin/awk",
                 # certificate files of HTTPS listeners (scripts/tls-files.sh)
                 "/usr/bin/chmod")


def python():
    return sys.executable


def haproxy_bin():
    return "/usr/sbin/haproxy" if os.path.exists("/usr/sbin/haproxy") else "haproxy"


def netns_works():
    """Namespaces need root and a kernel that allows them; try a throw-away one."""
    name = f"blab-probe-{os.getpid()}"
    done = subprocess.run(["ip", "netns", "add", name], capture_output=True, timeout=10,
                          check=False)
    if done.returncode != 0:
        return False
    subprocess.run(["ip", "netns", "del", name], capture_output=True, timeout=10, check=False)
    return True


def free_lab_subnet():
    """A 10.231.N prefix no interface on this host uses yet."""
    used = subprocess.run(["ip", "-o", "addr"], capture_output=True, text=True, timeout=10,
                          check=False).stdout
    for third in list(range(os.getpid() % 200 + 20, 254)) + list(range(20, 254)):
        prefix = f"10.231.{third}"
        if f" {prefix}." not in used:
            return prefix
    raise RuntimeError("no free 10.231.x.0/24 subnet")


def free_port(start):
    """The first port from ``start`` nobody listens on (loopback mode)."""
    for port in range(start, start + 2000):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port from {start}")


def wait_port(host, port, ns=None, timeout=10.0):
    """Bounded wait for something to listen on host:port (inside ``ns``)."""
    code = ("import socket,sys,time\nend=time.time()+%r\n"
            "while time.time()<end:\n"
            "    try:\n        socket.create_connection((%r,%d),0.5).close(); sys.exit(0)\n"
            "    except OSError: time.sleep(0.05)\nsys.exit(1)\n") % (timeout, host, port)
    argv = ([ "ip", "netns", "exec", ns] if ns else []) + [python(), "-c", code]
    if subprocess.run(argv, timeout=timeout + 10, check=False).returncode != 0:
        raise RuntimeError(f"nothing listens on {host}:{port} after {timeout}s")


def write_backend_script(root):
    path = os.path.join(root, "backend.py")
    with open(path, "w") as handle:
        handle.write(BACKEND_SCRIPT)
    return path


def make_client_key(root):
    """An ed25519 key pair: (private key PEM text, public key line)."""
    path = os.path.join(root, "client_ed25519")
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", path],
                   check=True, timeout=30)
    with open(path) as private, open(path + ".pub") as public:
        return private.read(), public.read().strip()


def authorize_key(user, public_key):
    entry = pwd.getpwnam(user)
    ssh_dir = os.path.join(entry.pw_dir, ".ssh")
    os.makedirs(ssh_dir, mode=0o700, exist_ok=True)
    keys = os.path.join(ssh_dir, "authorized_keys")
    with open(keys, "w") as handle:
        handle.write(public_key + "\n")
    os.chmod(keys, 0o600)
    for path in (ssh_dir, keys):
        os.chown(path, entry.pw_uid, entry.pw_gid)


def write_sudoers(path, user):
    """NOPASSWD for exactly the commands the driver's scripts run with sudo."""
    text = f"{user} ALL=(root) NOPASSWD: {', '.join(SUDO_COMMANDS)}\n"
    with open(path + ".tmp", "w") as handle:
        handle.write(text)
    os.chmod(path + ".tmp", 0o440)
    subprocess.run(["visudo", "-cqf", path + ".tmp"], check=True, timeout=30)
    os.replace(path + ".tmp", path)


def operator_config(socket_path, ip, stats_port):
    """The operator's own config: the driver must keep it byte for byte."""
    return textwrap.dedent(f"""\
        # Operator config of a balancer lab box.
        global
            maxconn 4096
            stats socket {socket_path} mode 600 level admin expose-fd listeners
            stats timeout 30s
            hard-stop-after 10s

        defaults
            mode http
            timeout connect 2s
            timeout client 30s
            timeout server 30s
            timeout check 2s

        listen stats
            bind {ip}:{stats_port}
            stats enable
            stats uri /stats
        """)


def sshd_config(directory, ip, port, user):
    """Host keys plus a config; returns (config path, "type base64" of the
    ed25519 host key the driver should see)."""
    for kind in ("ed25519", "rsa"):
        subprocess.run(["ssh-keygen", "-q", "-t", kind, "-N", "", "-f",
                        os.path.join(directory, f"host_{kind}")], check=True, timeout=60)
    path = os.path.join(directory, "sshd_config")
    with open(path, "w") as handle:
        handle.write(textwrap.dedent(f"""\
            Port {port}
            ListenAddress {ip}
            HostKey {directory}/host_ed25519
            HostKey {directory}/host_rsa
            PidFile {directory}/sshd.pid
            PasswordAuthentication yes
            KbdInteractiveAuthentication no
            PubkeyAuthentication yes
            PermitRootLogin no
            AllowUsers {user}
            UsePAM yes
            MaxStartups 100:30:200
            MaxSessions 50
            """))
    with open(os.path.join(directory, "host_ed25519.pub")) as handle:
        key_type, key_b64 = handle.read().split()[:2]
    return path, f"{key_type} {key_b64}"


def http_get(url, headers=None, timeout=5.0):
    parsed = urllib.parse.urlsplit(url)
    host = parsed.hostname
    connection = http.client.HTTPConnection(host, parsed.port or 80, timeout=timeout)
    try:
        sent = {"Connection": "close"}
        sent.update(headers or {})
        connection.request("GET", parsed.path or "/", headers=sent)
        response = connection.getresponse()
        body = response.read().decode("utf-8", "replace")
        return response.status, body, {k.lower(): v for k, v in response.getheaders()}
    finally:
        connection.close()


def alive(pid):
    """A process that is not ours to reap counts as gone once it is a zombie."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def end_process(pid, grace=3.0):
    """SIGTERM then SIGKILL one process by id; gone already is fine."""
    try:
        os.kill(pid, signal.SIGTERM)
    except (ProcessLookupError, PermissionError):
        return
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        try:
            done, _status = os.waitpid(pid, os.WNOHANG)
            if done:
                return
        except ChildProcessError:
            if not alive(pid):
                return
        time.sleep(0.02)
    try:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    except (ProcessLookupError, ChildProcessError):
        pass


def pids_in_namespace(ns):
    done = subprocess.run(["ip", "netns", "pids", ns], capture_output=True, text=True,
                          timeout=10, check=False)
    return [int(p) for p in done.stdout.split() if p.isdigit()]


def pids_of_user(user):
    try:
        uid = pwd.getpwnam(user).pw_uid
    except KeyError:
        return []
    return [pid for pid in _all_pids() if _owner(pid) == uid]


def pids_mentioning(path):
    """Processes whose command line names ``path`` (our unique temp dir)."""
    found = []
    for pid in _all_pids():
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as handle:
                if path.encode() in handle.read():
                    found.append(pid)
        except OSError:
            continue
    return found


def _all_pids():
    return [int(name) for name in os.listdir("/proc") if name.isdigit()]


def _owner(pid):
    try:
        return os.stat(f"/proc/{pid}").st_uid
    except OSError:
        return None


def is_lab_address(address):
    """Integration tests may only send traffic to loopback or our 10.231/16."""
    parsed = ipaddress.ip_address(address)
    return parsed.is_loopback or parsed in ipaddress.ip_network("10.231.0.0/16")


class Started:
    """``start()`` that undoes what it did when it fails half-way, and a
    context manager; subclasses write ``_start()`` and an idempotent ``stop()``."""

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def start(self):
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self
