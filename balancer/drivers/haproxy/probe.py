"""The HAProxy box's health probe: one SSH exec of a shipped script.

``scripts/probe.sh`` (checked by shellcheck in
balancer/tests/unit/drivers/haproxy/test_probe_script.py) asks HAProxy's
stats socket for ``show info`` and reads the state word keepalived writes on
a paired box; ``probe`` runs it over the driver's warm connection and
``parse`` turns its answer into a ``base.Probe``.
"""

import functools
import importlib.resources
import shlex

from balancer.common import constants
from balancer.drivers import base
from balancer.drivers.haproxy import remote

#: the driver's state directory on the box (device extra ``state_dir``)
STATE_DIR = "/var/lib/balancer"
#: the file in it where keepalived's notify script writes MASTER, BACKUP or
#: FAULT on a paired box (balancer/drivers/haproxy/keepalived.py writes the
#: keepalived side of this contract)
KEEPALIVED_STATE_FILE = "keepalived.state"


@functools.cache
def script_text():
    """The probe script as shipped in the package."""
    return (importlib.resources.files("balancer.drivers.haproxy") / "scripts"
            / "probe.sh").read_text()


def state_file(extra):
    """Where keepalived's state word is on the box with these device keys."""
    directory = (extra or {}).get("state_dir") or STATE_DIR
    return directory.rstrip("/") + "/" + KEEPALIVED_STATE_FILE


def command(layout, extra, whole_script_sudo=False):
    """The one shell command that runs the probe on the box: the script as
    ``sh -c``'s text, its arguments after it.  ``whole_script_sudo``: the
    device's ``sudo_mode`` is ``script`` (one sudo for the whole script)."""
    sudo = "" if whole_script_sudo else layout.sudo.strip()
    runner = "sudo -n sh -c " if whole_script_sudo else "sh -c "
    return runner + " ".join(shlex.quote(word) for word in (
        script_text(), "balancer-probe", sudo, layout.socket, state_file(extra)))


def parse(output, socket):
    """The probe's answer (``@@balancer`` lines) as a ``base.Probe`` of a
    reachable box."""
    facts = remote.parse(output)[0]
    pid = (facts.get("haproxy") or [""])[0]
    role = ((facts.get("vrrp") or [""])[0] or constants.VRRP_UNKNOWN).upper()
    if role not in constants.VRRP_ROLES:
        role = constants.VRRP_UNKNOWN
    error = ""
    if not pid:
        why = (facts.get("haproxy-error") or [""])[0].strip()
        error = "HAProxy does not answer on its stats socket %s%s" % (
            socket, ": " + why if why else "")
    return base.Probe(reachable=True, haproxy_answering=bool(pid), vrrp_role=role,
                      error=error)
