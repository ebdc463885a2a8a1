"""Server changes HAProxy applies at runtime, planned from two sets of records.

HAProxy's runtime API adds and deletes servers (``add server``, ``del
server``) and changes their weight, state, address and maxconn without a
reload.  ``plan`` compares what the device serves (the records verified last
time) with what it should serve; when every difference is one of those, it
returns the stats socket commands, the same change as edits of the config
file (so a later reload agrees) and what ``show servers state`` must say
afterwards.  Anything else (a new load balancer, a VIP, a monitor, a cookie
backend that gains a server, a ``STATIC_RR`` backend) returns the reason a
reload is needed, and the driver deploys the whole file as before.

``agreement`` compares ``show servers state`` with records: it is how the
driver checks its own change, and how balancer/tests/integration/
test_runtime_changes.py checks that runtime and file never disagree.
"""

import dataclasses
import ipaddress

from balancer.common import constants
from balancer.drivers.haproxy import maps, render, sections

#: The first HAProxy release whose dynamic servers take every keyword our
#: server lines use, health checks included (measured on 2.6.12).
MIN_VERSION = (2, 6)
#: Past this many changed servers a reload is cheaper than the commands.
MAX_COMMANDS = 400
NOTHING = "nothing changed"
ADMIN_FORCED_MAINT, CHECK_ENABLED = 0x01, 0x04


@dataclasses.dataclass
class Plan:
    commands: list          # stats socket commands, in order
    edits: list             # (first line, last line, new lines) of the live file
    text: str               # the live file after the edits
    expected: dict          # backend -> {server: (address, port, weight, maint, check)}
    deletes: list = dataclasses.field(default_factory=list)
    # ^ "backend/server" to delete once their connections are gone: the
    #   commands put them in maintenance (balancer.sh, ``delete_drained``)


def version_of(text):
    """(major, minor) of a ``show info`` Version such as ``2.6.12-1+deb12u4``."""
    try:
        major, minor = str(text).split(".")[:2]
        return int(major), int(minor.split("-")[0])
    except ValueError:
        return None


def plan(live, previous, lbs, state_dir=None, tls_dir=render.render_tls.DEFAULT_TLS_DIR):
    """A ``Plan``, or the reason (text) why the change needs a reload;
    ``NOTHING`` when no record changed.  ``state_dir`` and ``tls_dir`` are
    the device's, as the file was rendered with them (``render.lb_text``)."""
    if set(previous) != {lb.id for lb in lbs}:
        return "load balancers were added or removed"
    changed = [lb for lb in lbs if previous[lb.id] is not lb and previous[lb.id] != lb]
    if not changed:
        return NOTHING
    commands, deletes, expected, spliced = [], [], {}, []
    for lb in changed:
        old = previous[lb.id]
        why = _not_runtime(old, lb)
        if why:
            return why
        backend = sections.BACKEND_PREFIX + str(lb.id)
        more, gone = _commands(backend, old, lb)
        commands += more
        deletes += gone
        expected[backend] = _expected(lb)
        spliced.append((old, lb))
    if len(commands) + len(deletes) > MAX_COMMANDS:
        return "too many server changes at once (%d commands)" % (len(commands) + len(deletes))
    found = _edits(live, spliced, state_dir, tls_dir)
    if isinstance(found, str):
        return found
    edits, text = found
    return Plan(commands, edits, text, expected, deletes)


def _not_runtime(old, new):
    if dataclasses.replace(old, nodes=()) != dataclasses.replace(new, nodes=()):
        return "load balancer %s changed beyond its nodes" % new.id
    if constants.canonical_algorithm(new.algorithm or "ROUND_ROBIN") in maps.STATIC_ALGORITHMS:
        return "load balancer %s uses STATIC_RR, which cannot change servers at runtime" % new.id
    old_ids, new_ids = [n.id for n in old.nodes], [n.id for n in new.nodes]
    kept = [i for i in new_ids if i in set(old_ids)]
    if kept != [i for i in old_ids if i in set(new_ids)] or new_ids[:len(kept)] != kept:
        return "the order of the nodes of load balancer %s changed" % new.id
    if len(new_ids) > len(kept) and any(
            str(s.type).upper() in ("HTTP_COOKIE", "APP_COOKIE") for s in new.stickies):
        return ("load balancer %s has cookie persistence: HAProxy cannot add such a "
                "server at runtime" % new.id)
    before = {n.id: n for n in old.nodes}
    for node in new.nodes:
        if node.id in before and (before[node.id].min_con or 0) != (node.min_con or 0):
            return "node %s changed minCon, which HAProxy sets only at a reload" % node.id
    return None


def _condition(target, node):
    condition = str(node.condition or constants.ENABLED).upper()
    weight = 0 if condition == constants.DRAINING else int(node.weight or 0)
    commands = ["set weight %s %d" % (target, weight)]
    if condition == constants.DISABLED:
        return commands + ["set server %s state maint" % target]
    if condition == constants.DRAINING:
        return commands + ["set server %s state drain" % target]
    return commands + ["set server %s state ready" % target]


def _commands(backend, old, new):
    """(runtime commands, servers to delete once drained) for one backend."""
    lines = {n.id: line for n, line in zip(new.nodes, _server_lines(new), strict=True)}
    before = {n.id: n for n in old.nodes}
    after = {n.id for n in new.nodes}
    commands, deletes = [], []
    for node in old.nodes:
        if node.id not in after:
            # no new request goes to it; the requests it serves finish
            # before it is deleted (Plan.deletes), none is cut off
            commands.append("set server %s/%s state maint" % (backend, node.id))
            deletes.append("%s/%s" % (backend, node.id))
    for node in new.nodes:
        target = "%s/%s" % (backend, node.id)
        was = before.get(node.id)
        if was is None:
            words = lines[node.id].split()          # server <name> <address:port> ...
            commands.append("add server %s %s" % (target, " ".join(words[2:])))
            if "check" in words:
                commands.append("enable health %s" % target)
            commands += _condition(target, node)
            continue
        if (str(was.address), int(was.port)) != (str(node.address), int(node.port)):
            commands.append("set server %s addr %s port %d"
                            % (target, lines[node.id].split()[2].rsplit(":", 1)[0].strip("[]"),
                               int(node.port)))
        if (was.weight, was.condition) != (node.weight, node.condition):
            commands += _condition(target, node)
        if (was.max_con or 0) != (node.max_con or 0):
            commands.append("set maxconn server %s %d" % (target, int(node.max_con or 0)))
    return commands, deletes


def _server_lines(lb):
    backend = render.render_lb(lb)[-1]
    return [line.strip() for line in backend.splitlines() if line.strip().startswith("server ")]


def _expected(lb):
    servers = {}
    for node, line in zip(lb.nodes, _server_lines(lb), strict=True):
        condition = str(node.condition or constants.ENABLED).upper()
        weight = 0 if condition == constants.DRAINING else int(node.weight or 0)
        servers[str(node.id)] = (_canonical(node.address), int(node.port), weight,
                                 condition == constants.DISABLED, "check" in line.split())
    return servers


def _canonical(address):
    try:
        return str(ipaddress.ip_address(str(address).strip("[]")))
    except ValueError:
        return str(address)


def _edits(live, pairs, state_dir, tls_dir):
    """(line edits, the text after them) that turn ``live`` into the render
    of the new records: each load balancer's text is found as it was
    rendered and replaced.  The text is spliced, not rebuilt from lines: on
    a device with 5000 load balancers splitting and joining its 4 MB took
    18 ms a change; the fake device (balancer/tests/unit/drivers/haproxy/
    fake_device.py, ``apply_edits``) applies the line edits on their own,
    and a different result shows as a wrong checksum."""
    edits, splices = [], []
    for old, new in pairs:
        old_text = render.lb_text(old, state_dir, tls_dir)
        new_text = render.lb_text(new, state_dir, tls_dir)
        at = live.find(old_text)
        if at < 0 or live.find(old_text, at + 1) >= 0:
            return "the device's file does not hold load balancer %s as last rendered" % new.id
        splices.append((at, at + len(old_text), new_text))
        first_line = live.count("\n", 0, at + 1) + 1          # old_text starts with "\n"
        old_lines, new_lines = old_text[1:-1].split("\n"), new_text[1:-1].split("\n")
        head = 0
        while head < min(len(old_lines), len(new_lines)) and old_lines[head] == new_lines[head]:
            head += 1
        tail = 0
        while (tail < min(len(old_lines), len(new_lines)) - head
               and old_lines[-1 - tail] == new_lines[-1 - tail]):
            tail += 1
        edits.append((first_line + head, first_line + len(old_lines) - tail - 1,
                      new_lines[head:len(new_lines) - tail]))
    parts, done = [], 0
    for start, end, new_text in sorted(splices):
        if start < done:
            return "the texts of two changed load balancers overlap in the device's file"
        parts += [live[done:start], new_text]
        done = end
    return sorted(edits), "".join(parts + [live[done:]])


def parse_servers_state(answer):
    """backend -> {server: (address, port, uweight, admin, check state)}."""
    found = {}
    for line in answer.splitlines():
        words = line.split()
        if len(words) > 18 and words[0].isdigit():
            found.setdefault(words[1], {})[words[3]] = (
                words[4], int(words[18]), int(words[7]), int(words[6]), int(words[13]))
    return found


def agreement(expected, state):
    """Differences between what the records say (``Plan.expected`` or
    ``expected_servers``) and ``parse_servers_state``; [] when they agree."""
    problems = []
    for backend, servers in sorted(expected.items()):
        running = state.get(backend, {})
        for name in sorted(set(running) - set(servers)):
            problems.append("%s/%s runs but is not in the file" % (backend, name))
        for name, (address, port, weight, maint, check) in sorted(servers.items()):
            seen = running.get(name)
            if seen is None:
                problems.append("%s/%s is in the file but does not run" % (backend, name))
                continue
            got = (_canonical(seen[0]), seen[1], seen[2], bool(seen[3] & ADMIN_FORCED_MAINT))
            if got != (address, port, weight, maint):
                problems.append("%s/%s runs as %s:%s weight %s%s, the file says %s:%s weight "
                                "%s%s" % (backend, name, got[0], got[1], got[2],
                                          " maint" * got[3], address, port, weight,
                                          " maint" * maint))
            if check and not seen[4] & CHECK_ENABLED:
                problems.append("%s/%s runs without its health check" % (backend, name))
    return problems


def corrections(lbs, state):
    """Commands that give the running servers of ``lbs`` the weight and
    state their file says, where ``state`` (``parse_servers_state``) differs.

    Needed after a reload: HAProxy restores a server's *forced* maintenance
    or drain from the saved state even when the new file no longer asks for
    it (a node set DISABLED at runtime, then ENABLED by a change that needed
    a reload).  Only servers that run where the file says are corrected; the
    reload check reports the others."""
    commands = []
    for lb in lbs:
        backend = sections.BACKEND_PREFIX + str(lb.id)
        running = state.get(backend)
        if running is None:
            continue
        wanted = _expected(lb)
        for node in lb.nodes:
            name = str(node.id)
            seen, (address, port, weight, maint, _check) = running.get(name), wanted[name]
            if seen is None or (_canonical(seen[0]), seen[1]) != (address, port):
                continue
            if (seen[2], bool(seen[3] & ADMIN_FORCED_MAINT)) != (weight, maint):
                commands += _condition("%s/%s" % (backend, name), node)
    return commands


def expected_servers(lbs):
    """``Plan.expected`` for whole load balancers."""
    return {sections.BACKEND_PREFIX + str(lb.id): _expected(lb) for lb in lbs}
