"""Does the running HAProxy serve what was rendered?  Asked, not assumed.

A config file on disk proves nothing about the process: a reload can hang,
fail half-way or be cut off with the SSH session after the swap, and a
``reload_command`` may not reload at all.  So after every deploy (and when a
driver meets a device it has not verified yet) the driver asks the stats
socket what the process serves and compares it with the records it rendered:

* every backend of ours is there, and no backend of ours that was not rendered;
* in each backend looked at, every rendered server with its address and port
  (``show servers state``), and no server that was not rendered;
* every frontend (virtual IP) looked at is there.

Only the load balancers that changed since the last verified deploy are
looked at server by server: the process that answers was started from the
new file (its pid is checked first), so what did not change cannot differ.
When the driver knows nothing (a fresh driver, or a pid it did not start)
everything is looked at.
"""

import dataclasses
import ipaddress

from balancer.drivers.haproxy import runtime, sections

#: Past this many changed load balancers one ``show servers state`` of the
#: whole process is cheaper than one command per backend.
PER_BACKEND_LIMIT = 200


@dataclasses.dataclass(frozen=True)
class Question:
    """What to ask the stats socket: ``commands`` (besides ``show info`` and
    ``show backend``), about the load balancers ``lb_ids`` (None: all)."""
    commands: tuple
    lb_ids: frozenset | None


def question(lbs, changed_ids=None):
    """The runtime commands that verify ``lbs``; ``changed_ids`` None means
    "verify every load balancer"."""
    if changed_ids is None or len(changed_ids) > PER_BACKEND_LIMIT:
        return Question(("show servers state", "show stat -1 1 -1"), None)
    commands = []
    for lb in lbs:
        if lb.id in changed_ids:
            commands.append("show servers state " + sections.BACKEND_PREFIX + str(lb.id))
            commands += ["show stat %s%s 1 -1" % (sections.FRONTEND_PREFIX, vip.id)
                         for vip in lb.vips]
    return Question(tuple(commands), frozenset(changed_ids))


def changed_since(previous, lbs):
    """Ids of the load balancers in ``lbs`` whose record differs from the one
    verified last time (``previous``: id -> record), or None if unknown."""
    if previous is None:
        return None
    return {lb.id for lb in lbs if previous.get(lb.id) != lb}


def after_reload(facts, answer, lbs, asked, operator_names=()):
    """(None, ()) when the process answering after a reload is a new one and
    serves ``lbs`` as rendered; else (what is wrong, ids of the LBs it
    concerns).  ``facts`` are the deploy script's tagged lines."""
    info = runtime.parse_info(answer)
    new_pids = (facts.get("newpid") or [""])[0].split()
    old_pids = (facts.get("oldpid") or [""])[0].split()
    before = (facts.get("before") or [""])[0]
    pid = info.get("Pid")
    if not pid:
        return "no HAProxy process answers on the stats socket", ()
    if pid in old_pids and pid not in new_pids:
        return f"stats socket still answered by the old process {pid}", ()
    stale, why = problems(lbs, asked, answer, operator_names)
    if why:
        return why, stale
    if before and pid == before:
        # e.g. a reload_command that reloads nothing: even a change the
        # servers do not show (a weight) is not served.
        return (f"the process {before} that served before the reload still answers",
                tuple(sorted(asked.lb_ids or (), key=str)))
    return None, ()


def _canonical(host):
    try:
        return str(ipaddress.ip_address(host.strip("[]")))
    except ValueError:
        return None               # a DNS name: the process shows what it resolved


def problems(lbs, asked, answer, operator_names=()):
    """(lb ids, text) of what the process behind ``answer`` serves differently
    from ``lbs``; ((), "") when it serves them exactly.  ``operator_names``
    are the operator's own sections, left alone even when named like ours."""
    seen = runtime.parse_serving(answer)
    ours = {name for name in seen.backends if name.startswith(sections.BACKEND_PREFIX)
            and name not in operator_names}
    wanted = {sections.BACKEND_PREFIX + str(lb.id): lb for lb in lbs}
    stale, notes = set(), []
    for name in sorted(ours - set(wanted)):
        notes.append("%s is served but was not rendered" % name)
    for name, lb in wanted.items():
        if name not in ours:
            stale.add(lb.id)
            notes.append("%s is not served" % name)
            continue
        if asked.lb_ids is not None and lb.id not in asked.lb_ids:
            continue
        notes += _server_problems(lb, name, seen, stale)
        missing = [vip.id for vip in lb.vips
                   if sections.FRONTEND_PREFIX + str(vip.id) not in seen.frontends]
        if missing:
            stale.add(lb.id)
            notes.append("virtual IP %s of %s is not served" % (", ".join(map(str, missing)),
                                                                name))
    return tuple(sorted(stale, key=str)), "; ".join(notes)


def _server_problems(lb, name, seen, stale):
    running = seen.servers.get(name, {})
    notes = []
    rendered = {str(node.id): node for node in lb.nodes}
    for server_name, node in rendered.items():
        where = running.get(server_name)
        host = _canonical(str(node.address))
        if where is None:
            notes.append("server %s/%s is not served" % (name, server_name))
        elif int(where[1]) != int(node.port) or (host is not None and where[0] != host):
            notes.append("server %s/%s serves %s:%s, not %s:%s" % (
                name, server_name, where[0], where[1], node.address, node.port))
        else:
            continue
        stale.add(lb.id)
    extra = sorted(set(running) - set(rendered))
    if extra:
        stale.add(lb.id)
        notes.append("%s serves servers that were not rendered: %s" % (name, ", ".join(extra)))
    return notes
