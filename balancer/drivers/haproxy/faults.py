"""HAProxy's failures, told twice: whose fault, in the tenant's terms, and in full.

Blame.  HAProxy echoes user text in its messages (a node's address, a monitor
path), so a section name found *anywhere* in a message proves nothing: a
tenant could name a node ``balancer-lb-<someone else's id>`` and get that
load balancer rejected.  Only HAProxy's own structure is trusted:

* an ``[ALERT]`` whose location comes first (``parsing [<file>:<line>]``,
  ``[<file>:<line>]``, ``Binding [<file>:<line>] for …``), with ``<file>``
  one of the paths we fed it: the line is mapped to the section of the
  rendered text that holds it (``sections.our_section_at_line``), and
  nothing else in that alert is read;
* an alert without a location whose first word after the prefix is a proxy
  name HAProxy put there (``Proxy 'name'``, ``Starting frontend name:``).

Everything after those positions is ignored for blame.  A failure that
points at no section of ours names no load balancer, and the core isolates
the culprit itself (``balancer.core.isolation``).

Texts.  The tenant's text says which step failed and, when exactly one load
balancer is to blame, HAProxy's reason for *its* lines (the file path
replaced by the section name); the operator's text has the device, the
paths and HAProxy's whole message.  See ``DriverError``.
"""

import re

from balancer.drivers import base
from balancer.drivers.haproxy import remote, render_tls, sections

_PREFIX = re.compile(r"^\[ALERT\]\s*\(\d+\)\s*:\s*")
_LOCATED = re.compile(r"^(?:config\s*:\s*)?(?:parsing\s+|Binding\s+)?\[(?P<path>[^\[\]]+)"
                      r":(?P<line>\d+)\](?P<rest>.*)$")
_NAMED = re.compile(r"^(?:config\s*:\s*)?(?:Starting\s+)?(?:[Pp]roxy|frontend|backend|listen)"
                    r"\s+'?(?P<name>[^\s']+)'?(?P<rest>.*)$")
_SECTION_NAME = re.compile(r"balancer-(?:vip|lb)-[A-Za-z0-9][A-Za-z0-9_.:-]*")
_REASON_LENGTH = 300

#: each failing step of the deploy script, (tenant's words, operator's words)
STAGES = {
    remote.WRITE_FAILED: ("the device could not store the new configuration",
                          "writing the new config"),
    remote.CHECK_FAILED: ("HAProxy refused the configuration", "haproxy -c rejected the config"),
    remote.VIP_FAILED: ("the device could not add a virtual IP address to its interface",
                        "adding a virtual IP address"),
    remote.RELOAD_FAILED: ("HAProxy could not start with the new configuration; the previous "
                           "one is still serving", "reloading HAProxy (previous config restored)"),
    remote.LOCKED: ("the device is still busy with an earlier change; it will be retried",
                    "another deploy script still holds the lock on the box after %ss"
                    % remote.BOX_LOCK_WAIT),
}


def haproxy_message(text):
    """HAProxy's own explanation: its ALERT lines, or the tail of its output."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    alerts = [line for line in lines if "ALERT" in line]
    return " | ".join(alerts or lines[-5:]) or "no output"


def where(device):
    return f"device {device.name or device.id} ({device.ip}:{device.port or 22})"


def blamed_sections(output, new, paths):
    """[(our section name, HAProxy's reason or None)] that ``output`` points
    at, by location or by proxy name only, in order, without repeats."""
    ours = set(sections.our_section_names(new))
    found = {}
    for line in output.splitlines():
        prefix = _PREFIX.match(line.strip())
        if not prefix:
            continue
        body = line.strip()[prefix.end():]
        located = _LOCATED.match(body)
        if located:
            if located["path"] in paths:
                name = sections.our_section_at_line(new, int(located["line"]))
                if name:
                    found.setdefault(name, located["rest"].strip(" :"))
            continue
        named = _NAMED.match(body)
        if named:
            for name in (named["name"], named["name"].rstrip(":")):
                if name in ours:
                    found.setdefault(name, named["rest"].strip(" :"))
                    break
    return list(found.items())


def owners(section_names, lbs):
    """Ids of the load balancers owning these sections, in ``lbs`` order."""
    vip_owner = {sections.FRONTEND_PREFIX + str(vip.id) + suffix: lb.id for lb in lbs
                 for vip in lb.vips for suffix in ("", render_tls.REDIRECT_SUFFIX)}
    by_backend = {sections.BACKEND_PREFIX + str(lb.id): lb.id for lb in lbs}
    named = {vip_owner.get(n) or by_backend.get(n) for n in section_names}
    return tuple(lb.id for lb in lbs if lb.id in named)


def stage_failure(status, output, new, lbs, device, layout):
    """The DriverError for a deploy script that stopped at ``status``."""
    user, operator = STAGES.get(status, ("the device failed to apply the configuration",
                                         f"remote script exit {status}"))
    paths = {layout.config, layout.config + ".balancer-new"}
    blamed = blamed_sections(output, new, paths)
    lb_ids = owners([name for name, _reason in blamed], lbs)
    if len(lb_ids) == 1:
        others = _other_sections(new, lbs, lb_ids[0])
        reasons = [f"{name}: {_plain(_hide(reason, others))}" for name, reason in blamed
                   if reason]
        if reasons:
            user += " (" + "; ".join(reasons) + ")"
    return base.DriverError(user, lb_ids,
                            f"{where(device)}: {operator}: {haproxy_message(output)}")


def _other_sections(new, lbs, lb_id):
    """Our section names in ``new`` that are not ``lb_id``'s."""
    own = {sections.BACKEND_PREFIX + str(lb.id) for lb in lbs if lb.id == lb_id}
    own |= {sections.FRONTEND_PREFIX + str(v.id) + suffix for lb in lbs if lb.id == lb_id
            for v in lb.vips for suffix in ("", render_tls.REDIRECT_SUFFIX)}
    return set(sections.our_section_names(new)) - own


def _hide(reason, others):
    """Another load balancer's section name never reaches this tenant, even
    when this tenant typed it into a value."""
    found = {c for m in _SECTION_NAME.findall(reason) for c in (m, m.rstrip(".:-"))}
    for name in sorted(found & others, key=len, reverse=True):
        reason = reason.replace(name, "<another load balancer>")
    return reason


def _plain(text):
    """A reason fit for a tenant: printable, one line, bounded, and without
    ``$`` (HAProxy may have expanded a variable into it)."""
    clean = "".join(ch if 32 <= ord(ch) < 127 and ch != "$" else "?" for ch in text)
    return clean[:_REASON_LENGTH]


def unreachable(device, err):
    """The device could not be talked to (SSH, timeouts): its fault alone."""
    return base.DriverError("the device could not be reached; the operator has been told",
                            operator_fault_string=f"{where(device)}: {err}", device_fault=True)


def not_serving(device, problem, rollback, lb_ids=()):
    """The new process started but does not serve what was rendered."""
    return base.DriverError(
        "the device did not start serving the new configuration; the previous one is "
        "still serving", lb_ids,
        f"{where(device)}: new HAProxy process not serving ({problem}); previous config "
        f"restored ({rollback})")


def device_error(device, user, operator):
    """Any other failure of the device itself, said in both ways."""
    return base.DriverError(user, operator_fault_string=f"{where(device)}: {operator}",
                            device_fault=True)
