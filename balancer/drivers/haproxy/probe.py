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

# where the box's keepalived writes its VRRP state word: one contract, kept
# in keepalived.py (its notify script writes the file this probe reads)
from balancer.drivers.haproxy.keepalived import KEEPALIVED_STATE_FILE, STATE_DIR, state_file  # noqa: F401


@functools.cache
def script_text():
    """The probe script as shipped in the package."""
    return (importlib.resources.files("balancer.drivers.haproxy") / "scripts"
            / "probe.sh").read_text()


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
    error = (facts.get("vrrp-error") or [""])[0].strip()
    if not pid:
        why = (facts.get("haproxy-error") or [""])[0].strip()
        error = "HAProxy does not answer on its stats socket %s%s" % (
            socket, ": " + why if why else "")
    return base.Probe(reachable=True, haproxy_answering=bool(pid), vrrp_role=role,
                      error=error)
