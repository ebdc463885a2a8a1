"""Splits a live haproxy.cfg into the operator's text and balancer's sections.

The operator owns the device: every byte of their configuration (leading
comments, ``global``, ``defaults``, ``listen stats``, peers, resolvers, odd
blank lines, sections named like ours) must survive each deploy unchanged.
So we never parse *their* sections for meaning; we only cut the file into
chunks at section headers and lift out the chunks that carry our marker.

A chunk is ours only when BOTH hold, so nothing is recognised by substring:

* the line right before its header is exactly ``MARKER`` (at column 0), and
* the header is exactly ``frontend balancer-vip-<id>``,
  ``backend balancer-lb-<id>``, or (for a pair) ``peers balancer-pair`` or
  ``global`` (the pair's ``localpeer``; see ``balancer.drivers.haproxy.peers``).

The renderer emits each of our sections as ``"\\n" + MARKER + header + body``
and this module strips exactly that blank line and marker again, which keeps
``render(render(x)) == render(x)`` and leaves the operator's text untouched.
"""

import ipaddress
import re

MARKER = "# managed by balancer"
FRONTEND_PREFIX = "balancer-vip-"
BACKEND_PREFIX = "balancer-lb-"

#: Section keywords of HAProxy 2.6 (cfgparse registers exactly these).  HAProxy
#: itself ignores indentation for them, so we do too when cutting chunks.
SECTION_KEYWORDS = frozenset((
    "global", "defaults", "frontend", "backend", "listen", "userlist", "peers",
    "mailers", "resolvers", "program", "http-errors", "ring", "cache",
    "fcgi-app", "namespace_list",
))

_ID = r"[A-Za-z0-9][A-Za-z0-9_.:-]*"
#: the sections of an active/standby pair (``balancer.drivers.haproxy.peers``)
PEERS_NAME = "balancer-pair"
_OUR_HEADER = re.compile(r"^(?:(?:frontend %s|backend %s)%s|peers %s|global)\n?$"
                         % (re.escape(FRONTEND_PREFIX), re.escape(BACKEND_PREFIX), _ID,
                            re.escape(PEERS_NAME)))


def _name(header):
    """A section's name (``global`` has none: its keyword stands for it)."""
    words = header.split()
    return words[1] if len(words) > 1 else words[0]


def _is_header(line):
    words = line.split(None, 1)
    return bool(words) and words[0] in SECTION_KEYWORDS


def split_chunks(text):
    """Cut ``text`` into [preamble, section, section, ...], each a list of
    lines with their line endings, so that ``"".join`` restores the text."""
    chunks = [[]]
    for line in text.splitlines(keepends=True):
        if _is_header(line):
            chunks.append([])
        chunks[-1].append(line)
    return chunks


def _is_ours(chunk, previous):
    return (bool(chunk) and _OUR_HEADER.match(chunk[0]) is not None
            and bool(previous) and previous[-1].rstrip("\r\n") == MARKER)


def foreign_text(text):
    """The operator's part of ``text``: everything except our sections (and
    the blank line plus marker line we put in front of each)."""
    chunks = split_chunks(text)
    kept = []
    for index, chunk in enumerate(chunks):
        following = chunks[index + 1] if index + 1 < len(chunks) else None
        if index and _is_ours(chunk, chunks[index - 1]):
            continue
        chunk = list(chunk)
        if following is not None and _is_ours(following, chunk):
            chunk.pop()                                   # our marker line
            if chunk and chunk[-1] in ("\n", "\r\n"):
                chunk.pop()                               # our separator
        kept.append("".join(chunk))
    return "".join(kept)


def our_section_names(text):
    """Names of our sections present in ``text`` (e.g. the live config), in
    file order; used to tell which load balancers HAProxy complained about."""
    chunks = split_chunks(text)
    return [_name(chunk[0]) for index, chunk in enumerate(chunks)
            if index and _is_ours(chunk, chunks[index - 1])]


def our_sections_text(text):
    """The text of our sections only (without markers), for reading back
    what a previous deploy bound."""
    chunks = split_chunks(text)
    return "".join("".join(chunk) for index, chunk in enumerate(chunks)
                   if index and _is_ours(chunk, chunks[index - 1]))


def section_at_line(text, line_number):
    """Name of the section holding 1-based ``line_number`` of ``text`` (None
    in the preamble); maps an HAProxy ``[file:LINE]`` alert to a section."""
    current = None
    for number, line in enumerate(text.splitlines(), start=1):
        if _is_header(line):
            words = line.split()
            current = words[1] if len(words) > 1 else words[0]
        if number == line_number:
            return current
    return None


def our_section_at_line(text, line_number):
    """Name of *our* section (marker and name both present) holding 1-based
    ``line_number`` of ``text``; None for the operator's text.  Maps an
    HAProxy ``[file:LINE]`` location to the load balancer it belongs to."""
    chunks = split_chunks(text)
    first = 1
    for index, chunk in enumerate(chunks):
        if first <= line_number < first + len(chunk):
            ours = index and _is_ours(chunk, chunks[index - 1])
            return _name(chunk[0]) if ours else None
        first += len(chunk)
    return None


def stats_socket_exposes_listeners(text, socket_path):
    """True when the operator's ``global`` declares ``stats socket
    <socket_path> ... expose-fd listeners``, the precondition for a seamless
    ``-x`` reload.  Read from the config we already hold: no round trip."""
    section = None
    for line in text.splitlines():
        words = line.split()
        if not words or words[0].startswith("#"):
            continue
        if words[0] in SECTION_KEYWORDS:
            section = words[0]
            continue
        if (section == "global" and words[:2] == ["stats", "socket"]
                and len(words) > 2 and words[2] == socket_path):
            joined = " ".join(words[3:])
            if "expose-fd listeners" in joined:
                return True
    return False


def foreign_binds(text):
    """Addresses bound by the operator's own sections, so that a VIP address
    the operator also uses is never removed from the interface."""
    addresses = set()
    for line in foreign_text(text).splitlines():
        words = line.split()
        if len(words) > 1 and words[0] == "bind":
            host = words[1].rsplit(":", 1)[0].strip("[]")
            for prefix in ("ipv4@", "ipv6@"):
                host = host.removeprefix(prefix)
            addresses.add(host)
    return addresses


def _bind_endpoint(word):
    """(canonical address, first port, last port) of one ``bind`` address
    word such as ``10.0.0.1:80``, ``*:8404``, ``:::443``, ``ipv4@:80-89``;
    None for UNIX sockets, file descriptors and names."""
    for prefix in ("ipv4@", "ipv6@", "tcp@", "tcp4@", "tcp6@"):
        word = word.removeprefix(prefix)
    host, sep, ports = word.rpartition(":")
    if not sep or "@" in word or word.startswith("/"):
        return None
    first, _, last = ports.partition("-")
    if not first.isdigit() or not (last or first).isdigit():
        return None
    host = host.strip("[]")
    if host in ("", "*"):
        host = "0.0.0.0"
    try:
        host = str(ipaddress.ip_address(host))
    except ValueError:
        return None
    return host, int(first), int(last or first)


def operator_endpoints(foreign):
    """(address, first port, last port) of every listener the operator's own
    sections (``foreign_text``) bind, ``listen stats`` included: a virtual IP
    there would share its socket (SO_REUSEPORT) and steal its connections."""
    found = []
    for line in foreign.splitlines():
        words = line.split()
        if len(words) > 1 and words[0] == "bind" and not line.lstrip().startswith("#"):
            for word in words[1].split(","):
                endpoint = _bind_endpoint(word)
                if endpoint:
                    found.append(endpoint)
    return tuple(dict.fromkeys(found))


def proxy_names(foreign):
    """Names of the frontends, backends and listens of the operator's text:
    they are theirs even when named like ours."""
    names = set()
    for line in foreign.splitlines():
        words = line.split()
        if len(words) > 1 and words[0] in ("frontend", "backend", "listen"):
            names.add(words[1])
    return names
