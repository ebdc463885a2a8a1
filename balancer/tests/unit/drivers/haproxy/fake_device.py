"""A pretend HAProxy box behind ``FakeTransport``, for driver unit tests.

It plays ``scripts/balancer.sh`` by its subcommand and its ``BALANCER_*``
parameters (``remote.parse_invocation``), never by the script's text, and
answers the way the real script would.  It keeps a config file text and,
apart from it, what the running process serves: the config it loaded
(``running``; None when no process runs) and its servers, which the runtime
API changes (``servers``).  Tests flip its switches to play an operator edit
(``config``), a rejected config (``check_error``), a failed start
(``reload_error``), a process that does not come up (``stale_runtime``), a
reload that swaps the file but reloads nothing (``reload_noop``), an old
HAProxy (``version``), a runtime command HAProxy refuses (``refuse``) or a
killed HAProxy (``kill()``).
"""

import hashlib

from balancer.drivers.haproxy import remote, tls_files
from balancer.drivers.haproxy.fake_transport import FakeTransport
from balancer.drivers.haproxy.transport import CommandResult

from .fake_runtime import FakeProcess

TAG = remote.TAG


class FakeDevice:
    def __init__(self, config=""):
        self.config = config
        self.process = FakeProcess(config)
        self.pid = 100
        self.version = "2.6.12"
        self.check_error = None
        self.reload_error = None
        self.stale_runtime = False
        self.reload_noop = False
        self.stat_csv = ""
        self.tls_files = set()      # certificate file names written (tls_files.py)
        self.runtime_answer = None
        self.deploys = self.rollbacks = self.starts = self.runtime_changes = 0
        self.invocations = []          # (subcommand, parameters) of every script run
        self.transport = FakeTransport(self.respond)

    @property
    def running(self):
        return self.process.text

    @running.setter
    def running(self, text):
        """A process that loaded ``text`` (started or reloaded by someone else)."""
        self.process.load(text)

    @property
    def refuse(self):
        return self.process.refuse

    @refuse.setter
    def refuse(self, words):
        self.process.refuse = words

    def kill(self):
        """SIGKILL: the process is gone, its socket file stays behind."""
        self.process.load(None)

    def sha(self):
        return hashlib.sha256(self.config.encode()).hexdigest()

    def respond(self, command, stdin):
        words = command.split()
        if words[:1] == ["socat"] or words[:3] == ["sudo", "-n", "socat"]:
            return self._socket((stdin or b"").decode())
        if command.endswith((" %s write" % tls_files.SCRIPT_NAME,
                             " %s remove" % tls_files.SCRIPT_NAME)):
            # certificate files: kept by name, as tls-files.sh would write them
            self.tls_files.update(line.split(" ", 1)[0]
                                  for line in (stdin or b"").decode().splitlines())
            return _ok("")
        subcommand, params = remote.parse_invocation(command)
        self.invocations.append((subcommand, params))
        handler = getattr(self, "_do_" + subcommand, None)
        if handler is None:
            raise AssertionError("unexpected subcommand: " + subcommand)
        return handler(params, (stdin or b"").decode())

    # -- the running process ------------------------------------------------
    def _info(self):
        if self.running is None:
            return ""
        return f"Name: HAProxy\nVersion: {self.version}\nPid: {self.pid}\n\n"

    def _socket(self, asked):
        if self.running is None:
            return CommandResult(1, b"", b"2026/12/01 socat E connect(5): Connection refused")
        if asked.startswith("show stat") and "1 -1" not in asked:
            return _ok(self.stat_csv)
        if self.runtime_answer is not None and not asked.startswith("show info"):
            return _ok(self.runtime_answer)
        return _ok(self.answer(asked))

    def answer(self, asked):
        """The stats socket's answer to ``asked`` (commands joined by ";",
        or a list of them)."""
        commands = asked if isinstance(asked, list) else asked.strip().split(";")
        parts = []
        for command in (c.strip() for c in commands):
            parts.append(self._info() if command == "show info" else self.process.run(command))
        return "".join(parts)

    # -- the script's subcommands -------------------------------------------
    def _drift(self, params):
        want = params.get("BALANCER_WANT_SHA")
        if want is not None and want != self.sha():
            return CommandResult(remote.DRIFT, f"{TAG} drift\n{self.config}".encode(), b"")
        return None

    def _do_fetch(self, params, stdin):
        return _ok(self.config)

    def _do_same(self, params, stdin):
        answering = self.pid if self.running is not None else ""
        return self._drift(params) or _ok(f"{TAG} same\n{TAG} answering {answering}\n")

    def _do_info(self, params, stdin):
        return _ok(f"HAProxy version {self.version}\n{TAG} runtime\n{self._info()}"
                   f"{TAG} end-runtime\n")

    def _do_rollback(self, params, stdin):
        self.rollbacks += 1
        self.config = self.backup
        return _ok("")

    def _do_deploy(self, params, stdin):
        drift = self._drift(params)
        if drift:
            return drift
        if self.check_error:
            return CommandResult(remote.CHECK_FAILED, f"{TAG} stage check\n{self.check_error}\n"
                                 .encode(), b"")
        added = "".join(f"{TAG} added {cidr}\n"
                        for cidr in params.get("BALANCER_ADD_VIPS", "").split())
        before = self.pid if self.running is not None else ""
        started = "" if before else f"{TAG} started\n"
        if self.reload_error:
            return CommandResult(remote.RELOAD_FAILED, f"{added}{TAG} before {before}\n{started}"
                                 f"{TAG} stage reload\n{self.reload_error}\n".encode(), b"")
        self.deploys += 1
        self.backup, old, self.config = self.config, self.pid, stdin
        self.starts += bool(started)
        if not self.stale_runtime and not self.reload_noop:
            self.pid += 1
            self.process.load(stdin)
        newpid = old if self.reload_noop else old + 1
        verify = params.get("BALANCER_VERIFY", "")
        query = "show info;show backend" + (";" + verify if verify else "")
        return _ok(f"{added}{TAG} oldpid {old if before else ''}\n{TAG} before {before}\n"
                   f"{started}{TAG} newpid {newpid}\n{TAG} alive {newpid}\n"
                   f"{TAG} runtime\n{self.answer(query)}{TAG} end-runtime\n{TAG} done\n")

    def _do_servers(self, params, stdin):
        drift = self._drift(params)
        if drift:
            return drift
        self.runtime_changes += 1
        answer = ""
        if self.running is not None:
            # as balancer.sh: the changes, the drained deletes (one try: a
            # refusal here is one that lasted), then what the driver reads
            answer = self.answer(params["BALANCER_RUNTIME"])
            for target in filter(None, params.get("BALANCER_DELETE", "").split(";")):
                said = self.process.run("del server " + target)
                answer += "" if "Server deleted" in said else said
            answer += self.answer(params.get("BALANCER_REPORT", "show info"))
        head = f"{TAG} runtime\n{answer}{TAG} end-runtime\n"
        edited = apply_edits(self.config, stdin)
        if edited is None or hashlib.sha256(edited.encode()).hexdigest() != \
                params["BALANCER_NEW_SHA"]:
            return CommandResult(remote.EDIT_FAILED, f"{head}{TAG} stage edit\n".encode(), b"")
        self.config = edited
        return _ok(f"{head}{TAG} written\n{TAG} done\n")



def apply_edits(text, edits):
    """The edit format of ``balancer.sh servers``, applied independently of
    ``dynamic._apply`` so a wrong edit list shows as a wrong checksum."""
    lines, out, pos = text.split("\n"), [], 1
    stream = edits.split("\n")
    index = 0
    while index < len(stream) and stream[index]:
        mark, first, last, count = stream[index].split()
        if mark != "@@":
            return None
        first, last, count = int(first), int(last), int(count)
        out += lines[pos - 1:first - 1]
        out += stream[index + 1:index + 1 + count]
        index += 1 + count
        pos = last + 1
    return "\n".join(out + lines[pos - 1:])


def _ok(text):
    return CommandResult(0, text.encode(), b"")
