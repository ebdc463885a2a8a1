"""The scripts the driver runs on a device are shipped files that pass
shellcheck as POSIX sh (``./run_tests.sh -p`` runs the same check; the
deploy script with every note), and the driver only ever adds their
parameters in front.
"""

import shlex
import shutil
import subprocess

import pytest

from balancer.drivers.haproxy import remote
from balancer.tests.conftest import skip_outside_ci

SCRIPTS = sorted(remote.SCRIPT_PATH.parent.glob("*.sh"))


def _shellcheck():
    found = shutil.which("shellcheck")
    if found is None:
        skip_outside_ci("needs shellcheck (tools/install-system-packages)")
    return found


@pytest.mark.allow_subprocess
@pytest.mark.parametrize("path", SCRIPTS, ids=lambda p: p.name)
def test_shipped_scripts_pass_shellcheck(path):
    # the deploy script passes every note too; the others at least warnings
    level = "style" if path.name == remote.SCRIPT_NAME else "warning"
    done = subprocess.run([_shellcheck(), "-s", "sh", "-S", level, "-f", "gcc", str(path)],
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.allow_subprocess
def test_what_is_sent_is_the_script_behind_quoted_parameters():
    """The whole command, parameters included, is still clean shell: odd
    paths and an operator's reload command stay single words."""
    layout = remote.Layout(config="/etc/hap proxy/it's.cfg", socket="/run/a b.sock",
                           sudo="sudo -n ", reload_command="systemctl reload haproxy")
    command = remote.deploy_script(layout, "ab" * 32, True, ("10.231.0.5/32",),
                                   ("10.231.0.6/32",), ("show servers state balancer-lb-x",))
    argv = shlex.split(command)
    assert argv[:2] == ["sh", "-c"] and argv[-2:] == [remote.SCRIPT_NAME, "deploy"]
    assert argv[2].endswith(remote.script_text())
    subcommand, params = remote.parse_invocation(command)
    assert subcommand == "deploy" and params["BALANCER_CONFIG"] == "/etc/hap proxy/it's.cfg"
    assert params["BALANCER_RELOAD_COMMAND"] == "systemctl reload haproxy"
    done = subprocess.run([_shellcheck(), "-s", "sh", "-S", "warning", "-"], input=argv[2],
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stdout


def test_every_subcommand_the_driver_uses_exists_in_the_script():
    text = remote.script_text()
    for subcommand in ("fetch", "same", "deploy", "rollback", "servers", "info"):
        assert "\n  %s) " % subcommand in text
