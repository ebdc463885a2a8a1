"""What an HTTP or HTTPS virtual IP's frontend says beyond its bind address.

* HTTPS terminates TLS on the bind line: ``ssl crt <file> crt <file> ...``,
  the first file the default certificate, every other one chosen by the
  names in it when a client asks for one of them (SNI; HAProxy reads the
  certificate's subject alternative names and common name itself).  Each
  file holds a chain and its private key and is named after the VIP and a
  hash of its content, so a changed certificate is a new file and the old
  one stays for a rollback until the next deploy (``tls_files``).
* ``ssl-min-ver`` and ``ciphers`` hold a listener to TLS 1.2 or newer with
  forward-secret AEAD ciphers unless the tenant names stricter ones.
* ``X-Forwarded-For``, ``X-Forwarded-Proto`` and ``X-Forwarded-Port`` are
  inserted on HTTP listeners (plain and terminated) unless the VIP says
  ``"forwardedHeaders": false``; Proto and Port replace what a client sent.
* an HTTPS VIP with ``httpRedirectPort`` gets a second frontend on that port
  answering every request with a 301 to the same host and path on HTTPS.

doc/source/tls.rst describes these for tenants;
balancer/tests/unit/drivers/haproxy/golden/tls_*.cfg show them whole.
"""

import hashlib
import posixpath
import re

from balancer.drivers.haproxy import maps, sections, values

DEFAULT_TLS_DIR = "/etc/haproxy/balancer-certs"
REDIRECT_SUFFIX = "-redirect"
# Mozilla's "intermediate" list without the DHE suites (those need DH
# parameters of the operator's choosing): ECDHE key exchange, AEAD only
DEFAULT_CIPHERS = ":".join((
    "ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256",
    "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-RSA-AES256-GCM-SHA384",
    "ECDHE-ECDSA-CHACHA20-POLY1305", "ECDHE-RSA-CHACHA20-POLY1305"))
_CIPHERS = re.compile(r"^[A-Za-z0-9_+!:@=.-]{1,1024}\Z")
_FILE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,200}\.pem\Z")


def tls_dir_of(config_path, override=None):
    """Where a device keeps our certificate files: beside its haproxy.cfg
    unless the device names a directory (``tls_dir``)."""
    if override:
        return override
    return posixpath.join(posixpath.dirname(config_path) or "/", "balancer-certs")


def pem_file(certificate):
    """The text of one ``crt`` file: the chain, then its key."""
    chain = certificate.certificate.strip() + "\n"
    return chain + certificate.private_key.strip() + "\n"


def file_name(vip_id, certificate):
    """``<vip id>-<hash of the file's text>.pem``: a new name for new content."""
    digest = hashlib.sha256(pem_file(certificate).encode()).hexdigest()[:24]
    return "%s-%s.pem" % (vip_id, digest)


def files_of(lbs):
    """{file name: text} of every certificate file ``lbs`` need."""
    wanted = {}
    for lb in lbs:
        for vip in lb.vips:
            if vip.tls is None:
                continue
            for certificate in vip.tls.certificates:
                wanted[file_name(vip.id, certificate)] = pem_file(certificate)
    return wanted


def referenced_files(text, tls_dir):
    """Names of the files in ``tls_dir`` that our sections of ``text`` use."""
    prefix = tls_dir.rstrip("/") + "/"
    names = set()
    for line in sections.our_sections_text(text or "").splitlines():
        words = line.split()
        for index, word in enumerate(words[:-1]):
            if word == "crt" and words[index + 1].startswith(prefix):
                names.add(words[index + 1][len(prefix):])
    return names


def bind_words(lb_id, vip, tls_dir):
    """What follows ``bind <address>`` for this VIP ("" unless HTTPS)."""
    if str(vip.protocol).upper() != "HTTPS":
        return ""
    tls = vip.tls
    if tls is None or not tls.certificates:
        values.refuse(lb_id, "virtual IP", vip.id, "is HTTPS without a certificate")
    words = ["ssl"]
    for certificate in tls.certificates:
        name = file_name(values.ident(lb_id, "virtual IP id", vip.id), certificate)
        if not _FILE_NAME.match(name):
            values.refuse(lb_id, "certificate file", name, "is not a plain file name")
        words += ["crt", posixpath.join(tls_dir, name)]
    version = maps.TLS_VERSION_KEYWORDS.get(str(tls.min_version or "TLSv1.2"))
    if version is None:
        values.refuse(lb_id, "TLS version", tls.min_version, "is not TLSv1.2 or TLSv1.3")
    words += ["ssl-min-ver", version]
    ciphers = tls.ciphers or DEFAULT_CIPHERS
    if not _CIPHERS.match(ciphers):
        values.refuse(lb_id, "TLS ciphers", ciphers, "is not an OpenSSL cipher list")
    words += ["ciphers", ciphers]
    return " " + " ".join(words)


def header_lines(vip):
    """The X-Forwarded-* lines of an HTTP-mode frontend (none for TCP)."""
    protocol = str(vip.protocol).upper()
    if maps.MODE_OF_PROTOCOL.get(protocol) != "http" or not vip.forwarded_headers:
        return []
    return ["option forwardfor",
            "http-request set-header X-Forwarded-Proto %s" % protocol.lower(),
            "http-request set-header X-Forwarded-Port %[dst_port]"]


def redirect_block(lb_id, vip, label, extra_lines, indent):
    """The HTTP-to-HTTPS redirect frontend of an HTTPS VIP, or None."""
    if vip.tls is None or not vip.tls.redirect_port:
        return None
    host, version = values.address(lb_id, "virtual IP address", vip.address)
    port = values.integer(lb_id, "redirect port", vip.tls.redirect_port, 1, 65535)
    https_port = values.integer(lb_id, "virtual IP port", vip.port, 1, 65535)
    if port == https_port:
        values.refuse(lb_id, "redirect port", port, "is the HTTPS port itself")
    # the client's Host without its port, then the HTTPS port unless 443
    target = "https://%%[req.hdr(host),regsub(:[0-9]+$,)]%s%%[pathq]" % (
        "" if https_port == 443 else ":%d" % https_port)
    lines = ["mode http", "bind %s" % values.host_port(host, version, port)]
    lines += extra_lines
    lines.append("http-request redirect location %s code 301" % target)
    return "frontend %s%s%s\n%s%s" % (
        sections.FRONTEND_PREFIX, values.ident(lb_id, "virtual IP id", vip.id),
        REDIRECT_SUFFIX, label, "".join(indent + line + "\n" for line in lines))


def redirect_endpoints(lb):
    """(address, port) of the redirect listeners of ``lb``, for the
    renderer's check that no two listeners share an address and port."""
    # one on the VIP's own port is refused by ``redirect_block`` in its own words
    return [(vip.address, vip.tls.redirect_port) for vip in lb.vips
            if vip.tls is not None and vip.tls.redirect_port
            and str(vip.tls.redirect_port) != str(vip.port)]
