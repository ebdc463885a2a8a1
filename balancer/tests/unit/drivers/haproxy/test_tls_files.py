"""The certificate files a deploy puts on a device (tls_files, scripts/tls-files.sh).

The driver's commands are run here by a real ``sh`` in a temporary
directory (what an SSH exec would run on the box), so the modes, the names
and what is removed are the script's real behaviour; shellcheck checks the
script itself.
"""

import os
import shutil
import stat
import subprocess

import pytest

from balancer.drivers import base
from balancer.drivers.haproxy import render, render_tls, tls_files
from balancer.tests.conftest import skip_outside_ci

from . import cases_tenant

DEVICE = base.Device(id="dev", name="d", type="haproxy", ip="127.0.0.1", port=22, user="root")


class LocalShell:
    """Runs the driver's commands with /bin/sh here; records them."""

    def __init__(self):
        self.calls = []

    def __call__(self, command, stdin):
        self.calls.append((command, stdin))
        done = subprocess.run(["sh", "-c", command], input=stdin, capture_output=True,
                              timeout=30, check=False)
        return done.returncode, done.stdout.decode(), done.stderr.decode()


def _lbs(*names):
    tls = base.Tls(certificates=tuple(cases_tenant.placeholder(n) for n in names))
    return [cases_tenant.https_lb(tls)]


@pytest.mark.allow_subprocess
def test_files_are_written_owner_only_and_only_once(tmp_path):
    files = tls_files.TlsFiles(str(tmp_path / "haproxy.cfg"))
    shell = LocalShell()
    lbs = _lbs("default", "sni")
    files.write_missing(shell, lbs, DEVICE)
    directory = tmp_path / "balancer-certs"
    assert files.dir == str(directory)
    assert stat.S_IMODE(os.stat(directory).st_mode) == 0o700
    wanted = render_tls.files_of(lbs)
    assert sorted(os.listdir(directory)) == sorted(wanted)
    for name, text in wanted.items():
        assert (directory / name).read_text() == text
        assert stat.S_IMODE(os.stat(directory / name).st_mode) == 0o600
    # the keys travel only on stdin, never in the command line
    command, stdin = shell.calls[0]
    assert "PRIVATE KEY" not in command and b"PRIVATE KEY" not in stdin  # base64 only
    files.write_missing(shell, lbs, DEVICE)
    assert len(shell.calls) == 1            # nothing new: no round trip


@pytest.mark.allow_subprocess
def test_files_of_the_replaced_config_only_are_removed(tmp_path):
    files = tls_files.TlsFiles(str(tmp_path / "haproxy.cfg"))
    shell = LocalShell()
    old_lbs, new_lbs = _lbs("old", "kept"), _lbs("new", "kept")
    files.write_missing(shell, old_lbs, DEVICE)
    files.write_missing(shell, new_lbs, DEVICE)
    old_text = render.render(cases_tenant.cases.BASE, old_lbs, tls_dir=files.dir)
    new_text = render.render(cases_tenant.cases.BASE, new_lbs, tls_dir=files.dir)
    (tmp_path / "balancer-certs" / "stranger.pem").write_text("not ours to remove")
    files.remove_unused(shell, old_text, new_text)
    left = sorted(os.listdir(tmp_path / "balancer-certs"))
    assert left == sorted(list(render_tls.files_of(new_lbs)) + ["stranger.pem"])
    # removed files are written again when a config needs them once more
    files.write_missing(shell, old_lbs, DEVICE)
    assert set(render_tls.files_of(old_lbs)) <= set(os.listdir(tmp_path / "balancer-certs"))


@pytest.mark.allow_subprocess
def test_a_failed_write_names_the_load_balancer_and_never_the_key(tmp_path):
    blocker = tmp_path / "balancer-certs"
    blocker.write_text("a file where the directory should be")
    files = tls_files.TlsFiles(str(tmp_path / "haproxy.cfg"))
    lbs = _lbs("default")
    with pytest.raises(base.DriverError) as caught:
        files.write_missing(LocalShell(), lbs, DEVICE)
    err = caught.value
    assert err.lb_ids == ("lb1",)
    assert "certificate" in err.user_fault_string and str(tmp_path) not in str(err)
    assert str(blocker) in err.operator_fault_string
    for text in (err.user_fault_string, err.operator_fault_string):
        assert "PRIVATE KEY" not in text and "default key" not in text


@pytest.mark.allow_subprocess
def test_the_script_refuses_names_that_are_not_plain(tmp_path):
    files = tls_files.TlsFiles(str(tmp_path / "haproxy.cfg"))
    status, out, _err = LocalShell()(files.command("write"), b"../escape.pem aGk=\n")
    assert status == 4 and "tlsname" in out
    assert not (tmp_path / "escape.pem").exists()


@pytest.mark.allow_subprocess
def test_the_script_passes_shellcheck():
    shellcheck = shutil.which("shellcheck")
    if shellcheck is None:
        skip_outside_ci("needs shellcheck (tools/install-system-packages)")
    done = subprocess.run([shellcheck, "-s", "sh", "-S", "warning", "-f", "gcc",
                           str(tls_files.SCRIPT_PATH)], capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 0, done.stdout
