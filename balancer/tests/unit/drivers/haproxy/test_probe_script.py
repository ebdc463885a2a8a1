"""The HAProxy box's health probe: the shipped script passes shellcheck, runs
as one command, and its answer becomes a ``base.Probe``
(balancer/drivers/haproxy/probe.py).  The real box is probed in
balancer/tests/integration/test_device_health_real.py."""

import os
import shutil
import socket
import subprocess
import threading

import pytest

from balancer.common import constants as c
from balancer.drivers.haproxy import probe, remote
from balancer.tests.conftest import skip_outside_ci


def _shellcheck():
    found = shutil.which("shellcheck")
    if found is None:
        skip_outside_ci("needs shellcheck (tools/install-system-packages)")
    return found


@pytest.mark.allow_subprocess
def test_probe_script_passes_shellcheck():
    done = subprocess.run([_shellcheck(), "-s", "sh", "-S", "warning", "-f", "gcc", "-"],
                          input=probe.script_text(), capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 0, done.stdout


def test_parse_an_answering_box_with_its_role():
    out = "@@balancer haproxy 4242\n@@balancer vrrp BACKUP\n"
    assert probe.parse(out, "/run/h.sock") == probe.base.Probe(
        reachable=True, haproxy_answering=True, vrrp_role=c.VRRP_BACKUP, error="")


def test_parse_a_box_whose_haproxy_is_dead_names_the_socket_and_why():
    out = ("@@balancer haproxy\n@@balancer haproxy-error 2026/01/01 socat[9] E connect(5, "
           "AF=1 \"/run/h.sock\", 13): Connection refused\n@@balancer vrrp\n")
    found = probe.parse(out, "/run/h.sock")
    assert (found.reachable, found.haproxy_answering, found.vrrp_role) == (
        True, False, c.VRRP_UNKNOWN)
    assert found.error.startswith("HAProxy does not answer on its stats socket /run/h.sock")
    assert "Connection refused" in found.error


def test_an_unknown_role_word_is_unknown():
    assert probe.parse("@@balancer haproxy 1\n@@balancer vrrp STOP\n", "s").vrrp_role == \
        c.VRRP_UNKNOWN


def test_state_file_in_the_state_directory():
    assert probe.state_file({}) == "/var/lib/balancer/keepalived.state"
    assert probe.state_file({"state_dir": "/srv/b/"}) == "/srv/b/keepalived.state"


class _FakeStatsSocket:
    """A unix socket answering ``show info`` as HAProxy's does."""

    def __init__(self, path):
        self.path = path
        self.server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.server.bind(path)
        self.server.listen(4)
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            with conn:
                conn.recv(4096)
                conn.sendall(b"Name: HAProxy\nVersion: 2.6\nPid: 777\n\n")

    def close(self):
        self.server.close()


@pytest.mark.allow_subprocess
@pytest.mark.parametrize("answering, keepalived_runs", [(True, True), (False, True),
                                                        (True, False)])
def test_the_command_runs_in_sh_and_reads_socket_and_state(tmp_path, answering,
                                                           keepalived_runs):
    """The exact command the driver sends, run by a local sh (socat needed).
    A keepalived killed with SIGKILL leaves MASTER in its state file: the
    probe believes the word only while the pid file names a live keepalived."""
    if shutil.which("socat") is None:
        skip_outside_ci("needs socat (tools/install-system-packages)")
    sock = str(tmp_path / "admin.sock")
    server = _FakeStatsSocket(sock) if answering else None
    (tmp_path / probe.KEEPALIVED_STATE_FILE).write_text("MASTER\n")
    stand_in = None
    if keepalived_runs:
        # a process whose name is keepalived (sleep under that name)
        shutil.copy(shutil.which("sleep"), tmp_path / "keepalived")
        stand_in = subprocess.Popen([str(tmp_path / "keepalived"), "60"])
        (tmp_path / "keepalived.pid").write_text("%d\n" % stand_in.pid)
    layout = remote.Layout(socket=sock)
    try:
        done = subprocess.run(["sh", "-c", probe.command(layout, {"state_dir": str(tmp_path)})],
                              capture_output=True, text=True, timeout=30, check=False,
                              env=dict(os.environ, LC_ALL="C"))
    finally:
        if server:
            server.close()
        if stand_in:
            stand_in.kill()
            stand_in.wait()
    found = probe.parse(done.stdout, sock)
    assert found.haproxy_answering is answering
    if keepalived_runs:
        assert found.vrrp_role == c.VRRP_MASTER
        assert (found.error == "") is answering
    else:
        assert found.vrrp_role == c.VRRP_FAULT
        assert found.error == "keepalived is not running (it last reported MASTER)"


def _driver(transport, user="root", **extra):
    from balancer.drivers.base import Device
    from balancer.drivers.haproxy.driver import HaproxyDriver
    record = Device(id="d1", name="dev1", type="haproxy", ip="192.0.2.9", port=22, user=user,
                    password="pw", extra=dict({"socket": "/run/h.sock"}, **extra))
    return HaproxyDriver(record, {}, transport_factory=lambda: transport)


def test_the_driver_probes_in_one_command_over_its_connection():
    from balancer.drivers.haproxy.fake_transport import FakeTransport
    from balancer.drivers.haproxy.transport import CommandResult
    answer = CommandResult(0, b"@@balancer haproxy 31\n@@balancer vrrp MASTER\n", b"")
    transport = FakeTransport(lambda command, stdin: answer)
    driver = _driver(transport, user="lb", state_dir="/srv/st")
    for _ in range(3):
        assert driver.probe() == probe.base.Probe(True, True, c.VRRP_MASTER, "")
    assert len(transport.calls) == 3, "one round trip per probe"
    command = transport.commands[0]
    assert command.startswith("sh -c ")
    assert "'sudo -n' /run/h.sock /srv/st/keepalived.state" in command


def test_whole_script_sudo_runs_the_probe_under_one_sudo():
    from balancer.drivers.haproxy.fake_transport import FakeTransport
    transport = FakeTransport()
    _driver(transport, user="lb", sudo_mode="script").probe()
    assert transport.commands[0].startswith("sudo -n sh -c ")
    assert "balancer-probe '' /run/h.sock" in transport.commands[0]


def test_an_unreachable_box_is_a_probe_with_the_ssh_error():
    from balancer.drivers.haproxy.fake_transport import FakeTransport
    transport = FakeTransport()
    transport.fail_with = "cannot connect to 192.0.2.9:22: [Errno 111] Connection refused"
    found = _driver(transport).probe()
    assert not found.reachable and found.haproxy_answering is None
    assert "192.0.2.9:22" in found.error and "Connection refused" in found.error
