"""Every script the driver runs on a device passes shellcheck as POSIX sh.

The scripts are built from parts (``remote``), so each is checked as it is
really sent: with and without sudo, with the built-in reload and with an
operator's reload/start commands.  Warnings fail; shellcheck's "info" notes
about word splitting are left out because ``$S`` (the sudo prefix), ``$X``
and ``$OLD`` are split on purpose, and SC2034 because the shared prelude
names paths not every script uses.
"""

import shutil
import subprocess

import pytest

from balancer.drivers.haproxy import remote
from balancer.tests.conftest import skip_outside_ci

LAYOUTS = {
    "root": remote.Layout(),
    "sudo-commands": remote.Layout(sudo="sudo -n ", reload_command="systemctl reload haproxy",
                                   start_command="systemctl start haproxy"),
    "odd-paths": remote.Layout(config="/etc/hap proxy/it's.cfg", socket="/run/a b.sock"),
}


def scripts(layout):
    return {
        "fetch": remote.fetch_script(layout),
        "same": remote.same_script(layout, "ab" * 32),
        "deploy": remote.deploy_script(layout, "ab" * 32, True, ("10.231.0.5/32",),
                                       ("10.231.0.6/32",),
                                       ("show servers state balancer-lb-x",)),
        "first-deploy": remote.deploy_script(layout, None, False),
        "rollback": remote.rollback_script(layout, True),
        "info": remote.info_script(layout),
    }


def _shellcheck():
    found = shutil.which("shellcheck")
    if found is None:
        skip_outside_ci("needs shellcheck (tools/install-system-packages)")
    return found


@pytest.mark.allow_subprocess
@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_device_scripts_pass_shellcheck(layout):
    shellcheck = _shellcheck()
    for name, text in scripts(LAYOUTS[layout]).items():
        done = subprocess.run([shellcheck, "-s", "sh", "-S", "warning", "-e", "SC2034",
                               "-f", "gcc", "-"], input=text, capture_output=True, text=True,
                              timeout=60, check=False)
        assert done.returncode == 0, f"{name} ({layout}):\n{done.stdout}\n{text}"
