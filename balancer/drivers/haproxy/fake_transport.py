"""A transport that records commands instead of using SSH, for unit tests.

It has the same surface as ``SshTransport`` (``run``, ``close``,
``learned_host_key``, ``connects``).  What it answers is decided by a
``responder(command, stdin) -> CommandResult`` the test supplies, usually a
small fake device; with none it answers every command with success and no
output.  ``fail_with`` makes every call raise, to play an unreachable device.
"""

from balancer.drivers.haproxy.transport import CommandResult, TransportError


class FakeTransport:
    def __init__(self, responder=None, learned_host_key=None):
        self.responder = responder
        self.learned_host_key = learned_host_key
        self.calls = []            # (command, stdin bytes or None)
        self.connects = 1
        self.closed = 0
        self.fail_with = None

    def run(self, command, stdin=None, timeout=None):
        self.calls.append((command, stdin))
        if self.fail_with:
            raise TransportError(self.fail_with)
        if self.responder is None:
            return CommandResult(0, b"", b"")
        return self.responder(command, stdin)

    def close(self):
        self.closed += 1

    @property
    def commands(self):
        return [command for command, _ in self.calls]
