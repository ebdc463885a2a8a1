"""SSH to a device: the only module that imports paramiko.

One authenticated connection per device is kept warm (keepalives) and reused
across deploys, because connecting costs about three times a remote command;
a broken connection is rebuilt on the next call.  Host keys are pinned: the
first key seen is reported through ``learned_host_key`` for the core to store,
and once a key is stored any other key is refused.  ``insecure`` skips the
check and exists for throw-away labs only.

Everything is exposed as ``run(command, stdin=...)``: the driver sends the new
config on the exec channel's stdin, so an upload costs no extra round trip.
"""

import dataclasses
import io
import socket
import threading
import time

import paramiko

DEFAULT_CONNECT_TIMEOUT = 10.0
DEFAULT_COMMAND_TIMEOUT = 60.0
DEFAULT_KEEPALIVE = 15


class TransportError(Exception):
    """The device could not be reached, authenticated or did not answer in time."""


class HostKeyMismatch(TransportError):
    """The device presented a key other than the pinned one."""


@dataclasses.dataclass
class CommandResult:
    status: int
    stdout: bytes
    stderr: bytes


def format_host_key(key):
    """``"ssh-ed25519 AAAA..."``: the form stored in ``device.host_key``."""
    return f"{key.get_name()} {key.get_base64()}"


def _normalise_pin(pinned):
    words = (pinned or "").split()
    return " ".join(words[:2]) if len(words) >= 2 else None


def load_private_key(pem_text):
    """A PEM/OpenSSH private key of any type paramiko knows (ed25519, ECDSA, RSA)."""
    errors = []
    for cls in (paramiko.Ed25519Key, paramiko.ECDSAKey, paramiko.RSAKey):
        try:
            return cls.from_private_key(io.StringIO(pem_text))
        except (paramiko.SSHException, ValueError, TypeError) as err:
            errors.append(f"{cls.__name__}: {err}")
    raise TransportError("private key not usable (" + "; ".join(errors) + ")")


class SshTransport:
    """A reusable SSH connection to one device.  Thread-safe enough for the
    core's one-deploy-at-a-time use plus concurrent status reads."""

    def __init__(self, host, port=22, username="root", password=None, private_key=None,
                 host_key=None, insecure=False, connect_timeout=DEFAULT_CONNECT_TIMEOUT,
                 command_timeout=DEFAULT_COMMAND_TIMEOUT, keepalive=DEFAULT_KEEPALIVE):
        self.host, self.port, self.username = host, int(port or 22), username or "root"
        self._password, self._private_key = password, private_key
        self.pinned = _normalise_pin(host_key)
        self.insecure = bool(insecure)
        self.connect_timeout = float(connect_timeout or DEFAULT_CONNECT_TIMEOUT)
        self.command_timeout = float(command_timeout or DEFAULT_COMMAND_TIMEOUT)
        self.keepalive = int(keepalive or 0)
        self.learned_host_key = None
        self.connects = 0
        self._transport = None
        self._lock = threading.Lock()

    # -- connection ---------------------------------------------------------
    def _connect(self):
        where = f"{self.host}:{self.port}"
        try:
            sock = socket.create_connection((self.host, self.port), timeout=self.connect_timeout)
        except OSError as err:
            raise TransportError(f"cannot connect to {where}: {err}") from err
        # Small SSH packets otherwise wait for delayed ACKs: ~40 ms per command.
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        transport = paramiko.Transport(sock)
        transport.banner_timeout = transport.handshake_timeout = self.connect_timeout
        transport.auth_timeout = self.connect_timeout
        if self.pinned:
            self._prefer_key_type(transport, self.pinned.split()[0])
        try:
            transport.start_client(timeout=self.connect_timeout)
            self._check_host_key(transport.get_remote_server_key(), where)
            self._authenticate(transport, where)
        except TransportError:
            transport.close()
            raise
        except (paramiko.SSHException, OSError, EOFError) as err:
            transport.close()
            raise TransportError(f"SSH handshake with {where} failed: {err}") from err
        if self.keepalive:
            transport.set_keepalive(self.keepalive)
        self.connects += 1
        return transport

    @staticmethod
    def _prefer_key_type(transport, key_type):
        """Ask for the pinned key's type first, so that a server with several
        host keys shows the one we pinned rather than a different, valid one."""
        options = transport.get_security_options()
        wanted = [key_type] + (["rsa-sha2-512", "rsa-sha2-256"] if key_type == "ssh-rsa" else [])
        available = list(options.key_types)
        options.key_types = [k for k in wanted if k in available] + [
            k for k in available if k not in wanted]

    def _check_host_key(self, key, where):
        seen = format_host_key(key)
        if self.insecure:
            return
        if self.pinned is None:
            self.learned_host_key = seen          # trust on first use; the core stores it
        elif seen != self.pinned:
            raise HostKeyMismatch(
                f"host key of {where} changed: pinned {self.pinned.split()[0]} key does not match "
                f"the {key.get_name()} key presented (possible man-in-the-middle); only if the "
                "device was really re-installed, set its new host_key with PUT /devices/{id}")

    def _authenticate(self, transport, where):
        try:
            if self._private_key:
                transport.auth_publickey(self.username, load_private_key(self._private_key))
            elif self._password is not None:
                transport.auth_password(self.username, self._password)
            else:
                raise TransportError(f"no password or private key for {self.username}@{where}")
        except paramiko.AuthenticationException as err:
            raise TransportError(
                f"authentication as {self.username}@{where} failed: {err}") from err

    def _live_transport(self):
        with self._lock:
            if self._transport is None or not self._transport.is_active():
                self._drop()
                self._transport = self._connect()
            return self._transport

    def _drop(self):
        if self._transport is not None:
            self._transport.close()
            self._transport = None

    def close(self):
        with self._lock:
            self._drop()

    # -- commands -----------------------------------------------------------
    def run(self, command, stdin=None, timeout=None):
        """Run ``command`` through the remote shell, feeding ``stdin`` (bytes),
        and return its status and output.  A warm connection found dead is
        replaced once; a command that overruns ``timeout`` raises."""
        timeout = float(timeout or self.command_timeout)
        for attempt in (1, 2):
            transport = self._live_transport()
            try:
                channel = transport.open_session(timeout=self.connect_timeout)
                break
            except (paramiko.SSHException, OSError, EOFError) as err:
                self.close()
                if attempt == 2:
                    raise TransportError(f"cannot open a channel to {self.host}: {err}") from err
        try:
            return self._exchange(channel, command, stdin, timeout)
        except (paramiko.SSHException, OSError, EOFError) as err:
            self.close()
            raise TransportError(f"command on {self.host} failed: {err}") from err
        finally:
            channel.close()

    def _exchange(self, channel, command, stdin, timeout):
        deadline = time.monotonic() + timeout
        channel.settimeout(timeout)
        channel.exec_command(command)
        if stdin:
            channel.sendall(stdin)
        channel.shutdown_write()
        stdout = self._drain(channel.recv, deadline, command)
        stderr = self._drain(channel.recv_stderr, deadline, command)
        if not channel.status_event.wait(max(0.0, deadline - time.monotonic())):
            raise TransportError(f"command on {self.host} timed out after {timeout:g}s")
        return CommandResult(channel.recv_exit_status(), stdout, stderr)

    def _drain(self, receive, deadline, command):
        chunks = []
        while True:
            try:
                chunk = receive(65536)
            except TimeoutError as err:
                self.close()
                raise TransportError(f"command on {self.host} timed out") from err
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)
            if time.monotonic() > deadline:
                self.close()
                raise TransportError(f"command on {self.host} timed out")
