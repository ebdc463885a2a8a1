"""A pretend HAProxy box behind ``FakeTransport``, for driver unit tests.

It recognises the driver's scripts by what they do (fetch, checksum, deploy,
rollback, stats socket, info) and answers the way the real scripts would,
keeping a config file text and, apart from it, the config the running
process loaded (``running``; None when no process runs).  Tests flip its
switches to play an operator edit (``config``), a rejected config
(``check_error``), a failed start (``reload_error``), a process that does
not come up (``stale_runtime``), a reload that swaps the file but reloads
nothing (``reload_noop``) or a killed HAProxy (``kill()``).
"""

import hashlib
import re

from balancer.drivers.haproxy import remote
from balancer.drivers.haproxy.fake_transport import FakeTransport
from balancer.drivers.haproxy.transport import CommandResult

TAG = remote.TAG


class FakeDevice:
    def __init__(self, config=""):
        self.config = config
        self.running = config
        self.pid = 100
        self.check_error = None
        self.reload_error = None
        self.stale_runtime = False
        self.reload_noop = False
        self.stat_csv = ""
        self.runtime_answer = None
        self.deploys = 0
        self.rollbacks = 0
        self.starts = 0
        self.transport = FakeTransport(self.respond)

    def kill(self):
        """SIGKILL: the process is gone, its socket file stays behind."""
        self.running = None

    def sha(self):
        return hashlib.sha256(self.config.encode()).hexdigest()

    def respond(self, command, stdin):
        if "$S tee" in command:
            return self._deploy(command, stdin)
        if "then readable \"$CFG\"; fi" in command:
            return _ok(self.config)
        if f"echo '{TAG} same'" in command:
            return self._same(command)
        if "show info;show backend" not in command and "[ -e \"$BAK\" ] || exit 1" in command:
            self.rollbacks += 1
            self.config = self.backup
            return _ok("")
        if "-v 2>&1" in command:
            return _ok(f"HAProxy version 2.6.12\n{TAG} runtime\n{self._info()}"
                       f"{TAG} end-runtime\n")
        if "socat" in command:
            return self._socket((stdin or b"").decode())
        raise AssertionError("unexpected command: " + command)

    # -- the running process ------------------------------------------------
    def _info(self):
        return f"Name: HAProxy\nVersion: 2.6.12\nPid: {self.pid}\n\n" if self.running is not None \
            else ""

    def _socket(self, asked):
        if self.running is None:
            return CommandResult(1, b"", b"2026/12/01 socat E connect(5): Connection refused")
        if asked.startswith("show stat") and "1 -1" not in asked:
            return _ok(self.stat_csv)
        if self.runtime_answer is not None and not asked.startswith("show info"):
            return _ok(self.runtime_answer)
        return _ok(self.answer([c.strip() for c in asked.strip().split(";")]))

    def answer(self, commands):
        text = self.running or ""
        backends = re.findall(r"^backend (\S+)$", text, re.M)
        parts = []
        for command in commands:
            words = command.split()
            if command == "show info":
                parts.append(self._info())
            elif command == "show backend":
                parts.append("# name\n" + "".join(b + "\n" for b in backends) + "\n")
            elif words[:3] == ["show", "servers", "state"]:
                rows = [row for row in _servers(text) if len(words) == 3 or row[0] == words[3]]
                parts.append("1\n# be_id be_name srv_id srv_name srv_addr\n" + "".join(
                    f"3 {b} 1 {s} {a} 2 0 1 1 0 1 0 2 0 0 0 0 - {p} - 0 0 - - 0\n"
                    for b, s, a, p in rows) + "\n")
            elif words[:2] == ["show", "stat"]:
                names = re.findall(r"^frontend (\S+)$", text, re.M)
                if words[2] != "-1":
                    names = [n for n in names if n == words[2]]
                parts.append("# pxname,svname,status\n" +
                             "".join(f"{n},FRONTEND,OPEN\n" for n in names) + "\n")
        return "".join(parts)

    # -- scripts ------------------------------------------------------------
    def _drift(self, command):
        want = re.search(r"^want=(\S*)$", command, re.M).group(1).strip("'")
        if want != self.sha():
            return CommandResult(remote.DRIFT, f"{TAG} drift\n{self.config}".encode(), b"")
        return None

    def _same(self, command):
        answering = self.pid if self.running is not None else ""
        return self._drift(command) or _ok(f"{TAG} same\n{TAG} answering {answering}\n")

    def _deploy(self, command, stdin):
        drift = self._drift(command)
        if drift:
            return drift
        new = stdin.decode()
        if self.check_error:
            return CommandResult(remote.CHECK_FAILED, f"{TAG} stage check\n{self.check_error}\n"
                                 .encode(), b"")
        added = "".join(f"{TAG} added {m}\n" for m in re.findall(r"ip addr add (\S+) dev", command))
        before = self.pid if self.running is not None else ""
        started = "" if before else f"{TAG} started\n"
        if self.reload_error:
            return CommandResult(remote.RELOAD_FAILED, f"{added}{TAG} before {before}\n{started}"
                                 f"{TAG} stage reload\n{self.reload_error}\n".encode(), b"")
        self.deploys += 1
        self.backup, old, self.config = self.config, self.pid, new
        self.starts += bool(started)
        if not self.stale_runtime and not self.reload_noop:
            self.pid += 1
            self.running = new
        newpid = old if self.reload_noop else old + 1
        query = re.search(r"(show info;show backend[^'\"]*)", command).group(1)
        return _ok(f"{added}{TAG} oldpid {old if before else ''}\n{TAG} before {before}\n"
                   f"{started}{TAG} newpid {newpid}\n{TAG} alive {newpid}\n"
                   f"{TAG} runtime\n{self.answer(query.split(';'))}{TAG} end-runtime\n"
                   f"{TAG} done\n")


def _servers(text):
    """(backend, server, address, port) of every server line in ``text``."""
    rows, backend = [], None
    for line in text.splitlines():
        words = line.split()
        if words[:1] == ["backend"]:
            backend = words[1]
        elif words[:1] == ["server"] and backend:
            host, _, port = words[2].rpartition(":")
            rows.append((backend, words[1], host.strip("[]"), port))
    return rows


def _ok(text):
    return CommandResult(0, text.encode(), b"")
