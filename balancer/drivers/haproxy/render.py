"""Pure rendering: (live haproxy.cfg text, desired load balancers) -> new text.

Pure so that it can be tested with golden files, run twice to prove it is
idempotent, and used by the driver to decide that nothing changed (no SSH
write, no reload).  The operator's text is kept byte for byte (see
``sections``); our sections are rebuilt from the records every time, so a
deploy also heals hand edits and drift.

Mapping rules that are choices rather than facts (also in the driver guide):

* one ``frontend balancer-vip-<vip id>`` per VIP and one
  ``backend balancer-lb-<lb id>`` per load balancer, ordered by LB id then VIP id;
* DRAINING renders as ``weight 0``: HAProxy 2.6 has no drain keyword for a
  server line, and weight 0 stops new sessions while persistent ones stay;
  the runtime API uses ``state drain`` for the same effect without a reload;
* DISABLED renders as ``disabled`` (maintenance);
* several monitors: the first HTTPS/HTTP one (by id) decides the check kind,
  otherwise a connect check; the tightest timing of all monitors applies
  (smallest delay, timeout and attempts).  ICMP is a connect check because
  HAProxy cannot ping;
* HTTP_COOKIE wins over APP_COOKIE when both exist; SOURCE_IP may be combined
  with either.  Cookie persistence needs an HTTP load balancer.
"""

from balancer.common import constants
from balancer.drivers.base import DriverError
from balancer.drivers.haproxy import maps, render_access, render_tls, sections, values

INDENT = "    "
_HTTP_CHECKS = ("HTTPS", "HTTP")


def render(current_text, lbs, state_dir=None, tls_dir=render_tls.DEFAULT_TLS_DIR):
    """The whole new config: operator text, then our sections.  Raises
    DriverError for values that cannot be rendered safely and for VIPs that
    would bind the same address and port twice.  ``state_dir``: where the
    device saves server state before a reload (``render_lb``); ``tls_dir``:
    where the device keeps certificate files (``render_tls``)."""
    foreign = sections.foreign_text(current_text or "")
    if foreign and not foreign.endswith("\n"):
        foreign += "\n"
    ordered = sorted(lbs, key=lambda lb: str(lb.id))
    _check_vip_conflicts(ordered)
    _check_operator_listeners(ordered, sections.operator_endpoints(foreign))
    parts = [foreign]
    for lb in ordered:
        parts.append(lb_text(lb, state_dir, tls_dir))
    return "".join(parts)


def lb_text(lb, state_dir=None, tls_dir=render_tls.DEFAULT_TLS_DIR):
    """What one load balancer adds to the file: its marked sections.  The
    file is the operator's text followed by these, so the driver can splice
    one load balancer's text without rendering the others again."""
    return "".join("\n%s\n%s" % (sections.MARKER, block)
                   for block in render_lb(lb, state_dir, tls_dir))


def render_lb(lb, state_dir=None, tls_dir=render_tls.DEFAULT_TLS_DIR):
    """The sections of one load balancer, each a text block ending in a
    newline.  With ``state_dir`` its backend loads the server state the
    device saved there before the reload (drain, maintenance, weights,
    health results survive it; see ``scripts/balancer.sh``, ``save_state``);
    ``tls_dir``: where the device keeps certificate files (``render_tls``)."""
    lb_id = values.ident(lb.id, "load balancer id", lb.id)
    mode = _mode(lb_id, lb.protocol)
    backend_name = sections.BACKEND_PREFIX + lb_id
    label = "%s# load balancer %s: %s\n" % (INDENT, lb_id, values.comment(lb.name))
    blocks = []
    connection_rules = render_access.frontend_lines(lb)
    for vip in sorted(lb.vips, key=lambda v: str(v.id)):
        vip_mode = _mode(lb_id, vip.protocol or lb.protocol)
        if vip_mode == "http" and mode == "tcp":
            values.refuse(lb_id, "virtual IP protocol", vip.protocol,
                          "is HTTP but the load balancer is TCP")
        host, version = values.address(lb_id, "virtual IP address", vip.address)
        port = values.integer(lb_id, "virtual IP port", vip.port, 1, 65535)
        blocks.append("".join([
            "frontend %s%s\n" % (sections.FRONTEND_PREFIX,
                                 values.ident(lb_id, "virtual IP id", vip.id)),
            label,
            "%smode %s\n" % (INDENT, vip_mode),
            "%sbind %s%s\n" % (INDENT, values.host_port(host, version, port),
                               render_tls.bind_words(lb_id, vip, tls_dir)),
            "".join(INDENT + line + "\n"
                    for line in connection_rules + render_tls.header_lines(vip)),
            "%sdefault_backend %s\n" % (INDENT, backend_name),
        ]))
        redirect = render_tls.redirect_block(lb_id, vip, label, connection_rules, INDENT)
        if redirect:
            blocks.append(redirect)
    blocks.append("backend %s\n%s%s" % (backend_name, label,
                                         "".join(INDENT + line + "\n"
                                                 for line in _backend_lines(lb, lb_id, mode,
                                                                            state_dir))))
    return blocks


def _mode(lb_id, protocol):
    name = str(protocol or "HTTP").upper()
    if name not in maps.MODE_OF_PROTOCOL:
        values.refuse(lb_id, "protocol", protocol, "is not one of %s" % ", ".join(maps.PROTOCOLS))
    return maps.MODE_OF_PROTOCOL[name]


def _backend_lines(lb, lb_id, mode, state_dir=None):
    algorithm = constants.canonical_algorithm(lb.algorithm or "ROUND_ROBIN")
    if algorithm not in maps.ALGORITHM_KEYWORDS:
        values.refuse(lb_id, "algorithm", lb.algorithm, "is not supported by HAProxy")
    lines = ["mode %s" % mode, "balance %s" % maps.ALGORITHM_KEYWORDS[algorithm]]
    if algorithm in maps.CONSISTENT_HASH:
        lines.append("hash-type consistent")    # lets servers be added at runtime
    if state_dir:
        lines.append("load-server-state-from-file local")
        lines.append("server-state-file-name %s/%s%s" % (
            state_dir.rstrip("/"), sections.BACKEND_PREFIX, lb_id))
    check = _check(lb, lb_id, mode)
    lines += check["lines"]
    cookie, stick_lines = _persistence(lb, lb_id, mode)
    lines += stick_lines
    for node in lb.nodes:   # the order the user gave: round robin follows it
        lines.append(_server_line(lb_id, node, check["server"], cookie))
    return lines


def _check(lb, lb_id, mode):
    """Backend lines and per-server words for the health check."""
    monitors = sorted(lb.monitors, key=lambda m: str(m.id))
    if not monitors:
        return {"lines": [], "server": ""}
    for monitor in monitors:
        if str(monitor.type or "").upper() not in constants.MONITOR_TYPES:
            values.refuse(lb_id, "monitor type", monitor.type)
    http = [m for kind in _HTTP_CHECKS for m in monitors if m.type.upper() == kind]
    lines, server = [], " check"
    if http:
        chosen = http[0]
        lines.append("option httpchk %s %s" % (values.method(lb_id, chosen.method),
                                               values.path(lb_id, chosen.path)))
        codes = values.expected_codes(lb_id, chosen.expected)
        if codes:
            lines.append("http-check expect status %s" % codes)
        if chosen.type.upper() == "HTTPS":
            server += " check-ssl verify none"
    timing = {}
    for field, low, high in (("delay", 1, 86400), ("timeout", 1, 86400), ("attempts", 1, 100)):
        numbers = [values.integer(lb_id, "monitor " + field, getattr(m, field), low, high)
                   for m in monitors]
        numbers = [n for n in numbers if n is not None]
        if numbers:
            timing[field] = min(numbers)
    if "timeout" in timing:
        lines.append("timeout check %ds" % timing["timeout"])
    # on each server line, not a default-server line: a server added at
    # runtime takes nothing from default-server (HAProxy's "add server")
    if "delay" in timing:
        server += " inter %ds" % timing["delay"]
    if "attempts" in timing:
        server += " fall %d" % timing["attempts"]
    return {"lines": lines, "server": server}


def _persistence(lb, lb_id, mode):
    """(whether servers need a ``cookie`` word, backend lines)."""
    kinds = {}
    for sticky in sorted(lb.stickies, key=lambda s: str(s.id)):
        kind = str(sticky.type or "").upper()
        if kind not in constants.STICKY_TYPES:
            values.refuse(lb_id, "session persistence type", sticky.type)
        kinds.setdefault(kind, sticky)
    lines, cookie = [], False
    for kind in ("HTTP_COOKIE", "APP_COOKIE"):
        if kind in kinds:
            if mode != "http":
                values.refuse(lb_id, "session persistence", kind, "needs protocol HTTP")
            name = kinds[kind].cookie_name
            if kind == "HTTP_COOKIE":
                lines.append("cookie %s insert indirect nocache"
                             % values.cookie_name(lb_id, name or "SRVID"))
            else:
                if not name:
                    values.refuse(lb_id, "session persistence", kind, "needs a cookie name")
                lines.append("cookie %s prefix" % values.cookie_name(lb_id, name))
            cookie = True
            break
    if "SOURCE_IP" in kinds:
        v6 = any(":" in str(vip.address) for vip in lb.vips)
        lines.append("stick-table type %s size 200k expire 30m" % ("ipv6" if v6 else "ip"))
        lines.append("stick on src")
    return cookie, lines


def _server_line(lb_id, node, check_words, cookie):
    node_id = values.ident(lb_id, "node id", node.id)
    host, version = values.address(lb_id, "node address", node.address)
    port = values.integer(lb_id, "node port", node.port, 1, 65535)
    weight = values.integer(lb_id, "node weight", node.weight, 0, 256, default=1)
    condition = str(node.condition or constants.ENABLED).upper()
    if condition not in constants.CONDITIONS:
        values.refuse(lb_id, "node condition", node.condition)
    words = ["server %s %s%s" % (node_id, values.host_port(host, version, port), check_words)]
    words.append("weight %d" % (0 if condition == constants.DRAINING else weight))
    max_con = values.integer(lb_id, "node maxCon", node.max_con, 0, 1000000)
    min_con = values.integer(lb_id, "node minCon", node.min_con, 0, 1000000)
    if max_con:
        words.append("maxconn %d" % max_con)
    if min_con:
        words.append("minconn %d" % min_con)
    if cookie:
        words.append("cookie %s" % node_id)
    if condition == "DISABLED":
        words.append("disabled")
    return " ".join(words)


def _check_operator_listeners(lbs, reserved):
    """A virtual IP on one of the operator's own listeners (``listen stats``)
    would share its socket and take some of its connections: refused, naming
    only the load balancer that asked for it."""
    if not reserved:
        return
    for lb in lbs:
        listeners = [(vip.address, vip.port) for vip in lb.vips]
        for vip_address, vip_port in listeners + render_tls.redirect_endpoints(lb):
            host, version = values.address(lb.id, "virtual IP address", vip_address)
            port = values.integer(lb.id, "virtual IP port", vip_port, 1, 65535)
            for address, first, last in reserved:
                wildcard = {"0.0.0.0", "::"} & {address, host}
                if first <= port <= last and (wildcard or address == host):
                    raise DriverError(
                        "virtual IP %s of load balancer %s is a listener the device "
                        "reserves for itself" % (values.host_port(host, version, port), lb.id),
                        (lb.id,))


def _check_vip_conflicts(lbs):
    """Two frontends on one address and port would make HAProxy balance
    between them at random; refuse, naming both load balancers.

    VIPs are indexed by (IP version, port), so the check costs O(VIPs), not
    O(VIPs^2): with 5000 load balancers on a device the pairwise scan took
    longer than rendering itself.  The earliest earlier VIP that conflicts is
    the one reported, as before."""
    buckets = {}                    # (version, port) -> {host: (order, lb id)}
    pairs = [(owner_lb, (vip.address, vip.port)) for owner_lb in lbs for vip in owner_lb.vips]
    pairs += [(owner_lb, endpoint) for owner_lb in lbs
              for endpoint in render_tls.redirect_endpoints(owner_lb)]
    for order, (lb, (vip_address, vip_port)) in enumerate(pairs):
        host, version = values.address(lb.id, "virtual IP address", vip_address)
        port = values.integer(lb.id, "virtual IP port", vip_port, 1, 65535)
        bucket = buckets.setdefault((version, port), {})
        if host in _WILDCARDS:
            clash = min(bucket.items(), key=lambda item: item[1][0], default=None)
        else:
            found = [(h, bucket[h]) for h in (host, *_WILDCARDS) if h in bucket]
            clash = min(found, key=lambda item: item[1][0], default=None)
        if clash is not None:
            other_host, (_order, owner) = clash
            # the tenant is told the clash, never the other load balancer
            raise DriverError(
                "virtual IP %s conflicts with a virtual IP of another load balancer on "
                "the same device" % values.host_port(host, version, port),
                tuple(sorted({lb.id, owner}, key=str)),
                "virtual IP %s of load balancer %s conflicts with %s of load balancer %s"
                % (values.host_port(host, version, port), lb.id,
                   values.host_port(other_host, version, port), owner))
        bucket[host] = (order, lb.id)


_WILDCARDS = ("0.0.0.0", "::")
