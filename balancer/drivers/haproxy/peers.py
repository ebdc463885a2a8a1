"""HAProxy ``peers`` for an active/standby pair: stick tables in sync.

Source-IP persistence (``stick on src``, see ``render``) keeps its table in
process memory; with a ``peers`` section each box pushes its entries to the
other, so after a failover the survivor sends a client to the server it had
before.  ``with_peers`` is pure and runs after ``render.render``:

* it adds ``peers balancer-pair`` to the stick tables of our backends, so
  both boxes still get the same load-balancer sections;
* it appends our ``global`` with ``localpeer <this device>`` (the only line
  that differs between the two boxes: HAProxy finds its own peer entry by
  that name) and the ``peers balancer-pair`` section naming both boxes.

Both sections carry the marker (``sections``), so the next render drops and
rebuilds them.  Tests: balancer/tests/unit/drivers/haproxy/test_keepalived.py.
"""

from balancer.drivers.haproxy import sections

INDENT = "    "
_STICK = "\n" + INDENT + "stick-table "


def peer_name(device_id):
    return "balancer-" + str(device_id)


def _stick_with_peers(text):
    """Our sections' stick tables, told to sync with the pair's peers."""
    out = []
    for line in text.splitlines(keepends=True):
        if line.startswith(INDENT + "stick-table ") and " peers " not in line:
            line = line.rstrip("\n") + " peers %s\n" % sections.PEERS_NAME
        out.append(line)
    return "".join(out)


def with_peers(rendered, pair):
    """``rendered`` (render.render's text) for the local box of ``pair``."""
    foreign = sections.foreign_text(rendered)
    if not rendered.startswith(foreign):       # render puts ours after theirs
        raise ValueError("rendered text does not start with the operator's part")
    ours = _stick_with_peers(rendered[len(foreign):])
    members = sorted((pair.local, pair.peer), key=lambda m: str(m.id))
    peers = "".join("%speer %s %s:%d\n" % (INDENT, peer_name(m.id), _host(m.ip),
                                           int(pair.peers_port)) for m in members)
    return "".join([
        foreign, ours,
        "\n%s\nglobal\n%slocalpeer %s\n" % (sections.MARKER, INDENT, peer_name(pair.local.id)),
        "\n%s\npeers %s\n%s" % (sections.MARKER, sections.PEERS_NAME, peers)])


def _host(ip):
    return "[%s]" % ip if ":" in str(ip) else str(ip)
