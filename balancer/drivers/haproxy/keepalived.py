"""keepalived for an active/standby pair: the config (pure) and its install.

One ``vrrp_instance`` per pair holds every virtual IP address of the pair's
load balancers; both boxes start as BACKUP with ``nopreempt``, so a box
that returns never takes the VIPs back from a healthy peer.  A track script
(scripts/keepalived-track.sh) puts the instance in FAULT while the box's
HAProxy is dead or the box is marked stale; the notify script
(scripts/keepalived-notify.sh) writes the state word to
``KEEPALIVED_STATE_FILE`` and marks the box stale on FAULT, so a box that
was out keeps out until the service's next deploy of it has brought it up
to date (``apply_script`` removes the mark).  doc/source/ha.rst tells the
whole story; tests: balancer/tests/unit/drivers/haproxy/test_keepalived.py
(golden files) and balancer/tests/integration/test_pair_failover.py.

Every file lives in the driver's state directory on the box (device extra
``state_dir``, default ``STATE_DIR``), where the device health probe
(balancer/drivers/haproxy/probe.py, where present) reads the state word.
"""

import base64
import ipaddress
import os
import posixpath
import re
import shlex

from balancer.drivers.base import DriverError

#: the driver's state directory on the box, unless device extra ``state_dir`` says
STATE_DIR = "/var/lib/balancer"
#: file names in the box's state directory (``state_dir``)
KEEPALIVED_STATE_FILE = "keepalived.state"      # MASTER | BACKUP | FAULT, one line
STALE_MARK = "keepalived.stale"
CONF = "keepalived.conf"
NOTIFY = "balancer-keepalived-notify.sh"
TRACK = "balancer-keepalived-track.sh"
SCRIPTS = os.path.join(os.path.dirname(__file__), "scripts")

_WORD = re.compile(r"[A-Za-z0-9._@:/+=\-]+\Z")
TAG = "@@balancer"


def state_dir(extra):
    """The directory on the box where our files live (device ``extra``)."""
    return ((extra or {}).get("state_dir") or STATE_DIR).rstrip("/") or "/"


def state_file(extra):
    """Where the box's keepalived writes its VRRP state word (the device
    health probe reads it too)."""
    return posixpath.join(state_dir(extra), KEEPALIVED_STATE_FILE)


def _word(what, value):
    text = str(value)
    if not _WORD.match(text):
        raise DriverError("the pair's %s cannot be used in keepalived's configuration"
                          % what, operator_fault_string="invalid %s for keepalived: %r"
                                                        % (what, text), device_fault=True)
    return text


def vip_cidrs(lbs):
    """The host addresses (/32, /128) of the load balancers' VIPs, sorted."""
    found = set()
    for lb in lbs:
        for vip in lb.vips:
            try:
                address = ipaddress.ip_address(str(vip.address).strip("[]"))
            except ValueError:
                continue
            if not (address.is_unspecified or address.is_loopback):
                found.add((address.version, address.packed,
                           "%s/%d" % (address, 32 if address.version == 4 else 128)))
    return [cidr for _v, _p, cidr in sorted(found)]


def render(pair, lbs, layout, directory=STATE_DIR):
    """keepalived.conf for the local box of ``pair`` (a ``base.Pair``);
    keepalived needs at least one address (``apply_script`` stops it when
    the pair has none).  ``directory``: the state directory (``state_dir``)."""
    track = posixpath.join(directory, TRACK)
    notify = posixpath.join(directory, NOTIFY)
    stale = posixpath.join(directory, STALE_MARK)
    local, peer = pair.local, pair.peer
    router_id = int(pair.router_id)
    if not 1 <= router_id <= 255:
        raise DriverError("the pair's VRRP router id must be between 1 and 255",
                          device_fault=True)
    version = 3 if int(pair.vrrp_version) == 3 else 2
    advert = pair.advert_int if version == 3 else max(1, round(pair.advert_int))
    lines = [
        "# managed by balancer: keepalived of device %s, paired with device %s"
        % (_word("device id", local.id), _word("device id", peer.id)),
        "# (doc/source/ha.rst); every deploy rewrites this file.",
        "global_defs {",
        "    router_id balancer-%s" % local.id,
        "    script_user root",
        "    enable_script_security",
        "    vrrp_version %d" % version,
        "}",
        "",
        "vrrp_script balancer_haproxy {",
        '    script "%s %s %s"' % (_word("path", track), _word("path", layout.pid_file),
                                   _word("path", stale)),
        "    interval 1",
        "    timeout 1",
        "    fall 1",
        "    rise 1",
        "}",
        "",
        "vrrp_instance balancer_pair_%d {" % router_id,
        "    state BACKUP",
        "    nopreempt",
        "    interface %s" % _word("interface", local.interface),
        "    virtual_router_id %d" % router_id,
        "    priority %d" % max(1, min(254, int(local.priority))),
        "    advert_int %s" % ("%g" % advert),
    ]
    if int(pair.down_adverts) != 3:
        # keepalived 2.2 and later; VRRP's own rule (3 and a skew) needs no line
        lines += ["    down_timer_adverts %d" % max(2, min(100, int(pair.down_adverts)))]
    if pair.auth and version == 2:
        lines += ["    authentication {", "        auth_type PASS",
                  "        auth_pass %s" % _word("VRRP password", pair.auth), "    }"]
    lines += ["    virtual_ipaddress {"]
    lines += ["        %s dev %s" % (cidr, local.interface) for cidr in vip_cidrs(lbs)]
    lines += ["    }"]
    lines += [
        "    track_script {",
        "        balancer_haproxy",
        "    }",
        '    notify "%s %s %s"' % (_word("path", notify),
                                   _word("path", posixpath.join(directory,
                                                                KEEPALIVED_STATE_FILE)),
                                   _word("path", stale)),
        "}",
    ]
    return "\n".join(lines) + "\n"


def _shipped(name):
    with open(os.path.join(SCRIPTS, name), "rb") as handle:
        return handle.read()


def apply_script(layout, pair, lbs, keepalived_bin="keepalived", directory=STATE_DIR):
    """The command that installs the config fed on stdin (scripts/
    keepalived-apply.sh with its variables), wrapped in ``sudo -n sh -c``
    when the layout needs sudo (keepalived and its files are root's)."""
    q = shlex.quote
    prelude = "".join("%s=%s\n" % (name, q(value)) for name, value in (
        ("DIR", directory), ("KA", keepalived_bin),
        ("IFACE", pair.local.interface), ("VIPS", " ".join(vip_cidrs(lbs))),
        ("STOP", "" if vip_cidrs(lbs) else "1"),
        ("NOTIFY_B64", base64.b64encode(_shipped("keepalived-notify.sh")).decode()),
        ("TRACK_B64", base64.b64encode(_shipped("keepalived-track.sh")).decode())))
    script = prelude + _shipped("keepalived-apply.sh").decode()
    if layout.sudo:
        return "sudo -n sh -c " + q(script)
    return script
