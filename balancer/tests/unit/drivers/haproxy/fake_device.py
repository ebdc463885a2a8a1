"""A pretend HAProxy box behind ``FakeTransport``, for driver unit tests.

It recognises the driver's scripts by what they do (fetch, checksum, deploy,
rollback, stats socket, info) and answers the way the real scripts would,
keeping a config text and a pid.  Tests flip its switches to play an operator
edit (``config``), a rejected config (``check_error``), a failed start
(``reload_error``) or a process that does not come up (``stale_runtime``).
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
        self.pid = 100
        self.check_error = None
        self.reload_error = None
        self.stale_runtime = False
        self.stat_csv = ""
        self.runtime_answer = ""
        self.deploys = 0
        self.rollbacks = 0
        self.transport = FakeTransport(self.respond)

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
            return _ok("")
        if "-v 2>&1" in command:
            return _ok(f"HAProxy version 2.6.12\n{TAG} runtime\nVersion: 2.6.12\nPid: {self.pid}\n"
                       f"{TAG} end-runtime\n")
        if "socat" in command:
            asked = (stdin or b"").decode()
            return _ok(self.stat_csv if "show stat" in asked else self.runtime_answer)
        raise AssertionError("unexpected command: " + command)

    def _drift(self, command):
        want = re.search(r"^want=(\S*)$", command, re.M).group(1).strip("'")
        if want != self.sha():
            return CommandResult(remote.DRIFT, f"{TAG} drift\n{self.config}".encode(), b"")
        return None

    def _same(self, command):
        return self._drift(command) or _ok(f"{TAG} same\n")

    def _deploy(self, command, stdin):
        drift = self._drift(command)
        if drift:
            return drift
        new = stdin.decode()
        if self.check_error:
            return CommandResult(remote.CHECK_FAILED, f"{TAG} stage check\n{self.check_error}\n"
                                 .encode(), b"")
        added = "".join(f"{TAG} added {m}\n" for m in re.findall(r"ip addr add (\S+) dev", command))
        if self.reload_error:
            return CommandResult(remote.RELOAD_FAILED, f"{added}{TAG} stage reload\n"
                                 f"{self.reload_error}\n".encode(), b"")
        self.deploys += 1
        old, self.config = self.pid, new
        if not self.stale_runtime:
            self.pid += 1
        backends = "\n".join(re.findall(r"^backend (\S+)$", new, re.M))
        return _ok(f"{added}{TAG} oldpid {old}\n{TAG} newpid {old + 1}\n{TAG} alive {old + 1}\n"
                   f"{TAG} runtime\nName: HAProxy\nPid: {self.pid}\n\n# name\n{backends}\n"
                   f"{TAG} end-runtime\n{TAG} done\n")


def _ok(text):
    return CommandResult(0, text.encode(), b"")
