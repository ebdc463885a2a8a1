"""Real clients for the TLS, access-list and throttle integration tests.

Each helper opens a real connection to a virtual IP of a ``lab.HaproxyBox``
(from a chosen source address where it matters) and says what happened:
the certificate a TLS handshake got, an HTTP answer, or that the load
balancer refused the connection.  Only lab addresses are ever dialled
(``lab_parts.is_lab_address``).
"""

import contextlib
import http.client
import ipaddress
import socket
import ssl
import subprocess

from cryptography import x509

from balancer.tests import lab_parts

REFUSED = "refused"
# IPv6 unique-local addresses of the box's namespace link (``ipv6_link``),
# never routed anywhere else
LAB_V6 = ipaddress.ip_network("fd31:231::/32")


def _checked(address):
    assert lab_parts.is_lab_address(address) or ipaddress.ip_address(address) in LAB_V6, \
        address
    return address


def connect(address, port, source=None, timeout=5.0):
    """A TCP connection to ``address:port``, from ``source`` when given."""
    return socket.create_connection((_checked(address), port), timeout=timeout,
                                    source_address=(source, 0) if source else None)


def _ip(box, *argv, ns=False):
    command = (["ip", "netns", "exec", box.ns] if ns else []) + list(argv)
    subprocess.run(command, check=True, capture_output=True, timeout=10)


@contextlib.contextmanager
def ipv6_link(box):
    """IPv6 on the box's namespace link for one test: (a free address of the
    box's network for a VIP, two source addresses of this host).  Duplicate
    address detection is off inside the namespace so that an address the
    driver adds can be bound at once."""
    third = int(box.subnet.rsplit(".", 1)[1])
    prefix = "fd31:231:%x::" % third
    host_if = "bl" + box.suffix + "h"
    for knob in ("all", "default", box.interface):
        _ip(box, "sysctl", "-qw", "net.ipv6.conf.%s.accept_dad=0" % knob, ns=True)
    _ip(box, "ip", "-6", "addr", "add", prefix + "2/64", "dev", box.interface, "nodad", ns=True)
    added = []
    try:
        for host in ("1", "3"):
            _ip(box, "ip", "-6", "addr", "add", prefix + host + "/64", "dev", host_if, "nodad")
            added.append(prefix + host)
        yield prefix + "10", added[0], added[1]
    finally:
        for address in added:
            subprocess.run(["ip", "-6", "addr", "del", address + "/64", "dev", host_if],
                           check=False, capture_output=True, timeout=10)


def handshake(address, port, server_name, ca_pem=None, maximum=None):
    """(leaf certificate, TLS version) a handshake asking for ``server_name``
    (SNI) gets; the chain is checked against ``ca_pem`` when given."""
    context = ssl.create_default_context(cadata=ca_pem) if ca_pem else \
        ssl._create_unverified_context()  # noqa: S323 - the tests compare the leaf themselves
    if maximum:
        context.maximum_version = maximum
    with connect(address, port) as raw, context.wrap_socket(
            raw, server_hostname=server_name) as tls:
        der = tls.getpeercert(binary_form=True)
        return x509.load_der_x509_certificate(der), tls.version()


def https_get(address, port, host, ca_pem, path="/"):
    """(status, body, headers) of one GET over TLS with SNI and Host ``host``."""
    context = ssl.create_default_context(cadata=ca_pem)
    with connect(address, port) as raw, context.wrap_socket(raw, server_hostname=host) as tls:
        tls.sendall(("GET %s HTTP/1.0\r\nHost: %s\r\n\r\n" % (path, host)).encode())
        response = http.client.HTTPResponse(tls)
        response.begin()
        body = response.read().decode()
        return response.status, body, {k.lower(): v for k, v in response.getheaders()}


def http_answer(address, port, source=None, host=None, path="/"):
    """(status, body, headers) of one plain GET, or REFUSED when the load
    balancer closed the connection without an answer."""
    try:
        with connect(address, port, source) as sock:
            sock.sendall(("GET %s HTTP/1.0\r\nHost: %s\r\n\r\n"
                          % (path, host or address)).encode())
            response = http.client.HTTPResponse(sock)
            response.begin()
            return response.status, response.read().decode(), {
                k.lower(): v for k, v in response.getheaders()}
    except (ConnectionResetError, http.client.RemoteDisconnected, BrokenPipeError):
        return REFUSED


def held_open(address, port, source=None, wait=0.5):
    """A connection that sends nothing yet; REFUSED when the load balancer
    closes it within ``wait`` seconds (a reject on accept).  Expecting a
    refusal, wait longer: a loaded box may take a while to close."""
    try:
        sock = connect(address, port, source)
    except ConnectionResetError:     # the reject won the race with connect()
        return REFUSED
    sock.settimeout(wait)
    try:
        if sock.recv(1) == b"":
            sock.close()
            return REFUSED
    except TimeoutError:
        return sock           # still open, nothing said: accepted
    except ConnectionResetError:
        sock.close()
        return REFUSED
    sock.close()
    raise AssertionError("the load balancer spoke first")


def request_on(sock, host):
    """One GET on a connection ``held_open`` returned: its status."""
    sock.settimeout(5)
    sock.sendall(("GET / HTTP/1.0\r\nHost: %s\r\n\r\n" % host).encode())
    response = http.client.HTTPResponse(sock)
    response.begin()
    response.read()
    return response.status


@contextlib.contextmanager
def two_sources(box):
    """Two source addresses this host may send from to the box: the host's
    side of the box's namespace link plus one more added there for the
    test (removed after), or two loopback addresses without a namespace."""
    if not box.ns:
        yield "127.0.0.1", "127.0.0.2"
        return
    host_if = "bl" + box.suffix + "h"
    extra = box.subnet + ".3"
    subprocess.run(["ip", "addr", "add", extra + "/24", "dev", host_if], check=True,
                   capture_output=True, timeout=10)
    try:
        yield box.subnet + ".1", extra
    finally:
        subprocess.run(["ip", "addr", "del", extra + "/24", "dev", host_if], check=False,
                       capture_output=True, timeout=10)
