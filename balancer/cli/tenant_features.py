"""The ``access-*`` and ``throttle-*`` commands, and the TLS options of
``vip-create`` and ``vip-update`` (doc/source/tls.rst says what each does on
the device).

Certificates and keys are read from PEM files named on the command line,
never taken as text, so a key stays out of the shell's history and the
process list.  The service never sends a key back, and ``base.as_columns``
drops one anyway, so no command prints a key it sent.
"""

import argparse

from balancer.cli import base

#: (option, body key, help) of ``throttle-set``
THROTTLE_OPTIONS = (
    ("max-connections", "maxConnections", "Connections one source may hold open at once"),
    ("min-connections", "minConnections", "A source holding no more connections than "
                                          "this is never held to the rate"),
    ("max-connection-rate", "maxConnectionRate", "New connections one source may open "
                                                 "per --rate-interval"),
    ("rate-interval", "rateInterval", "Seconds the rate is counted over (default 60)"),
)

#: (option, metavar, body key, help) of the VIP's TLS fields given as they are
TLS_VALUE_OPTIONS = (
    ("tls-min-version", "<version>", "tlsMinVersion",
     "Oldest TLS version a client may use: TLSv1.2 (default) or TLSv1.3"),
    ("ciphers", "<cipher-list>", "ciphers", "OpenSSL cipher list for TLS 1.2"),
    ("http-redirect-port", "<port>", "httpRedirectPort",
     "Also listen for plain HTTP on this port, answering with a 301 to HTTPS"),
)


class _OnOneLoadBalancer:
    """A command whose first argument is the load balancer; ``--wait`` when it
    changes something (every change redeploys the load balancer)."""
    changes = False

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("lb_id", metavar="<lb-id>", help="LoadBalancer ID")
        if self.changes:
            base.add_wait(parser)
        return parser


def _access_item(kind):
    def item(address):
        return {"address": address, "type": kind}
    return item


class ListAccess(_OnOneLoadBalancer, base.List):
    """List the networks a load balancer allows or denies"""
    columns = ("id", "address", "type")

    def take_action(self, parsed_args):
        return self.rows(self.client.access_lists.list(parsed_args.lb_id))


class AddAccess(ListAccess):
    """Allow or deny networks on every listener of a load balancer; prints the whole list"""
    changes = True

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        # one list for both options, so the items keep the order they were given in
        for option, kind in (("--allow", "ALLOW"), ("--deny", "DENY")):
            parser.add_argument(option, dest="items", action="append",
                                type=_access_item(kind), metavar="<cidr>",
                                help="%s connections from this network (IPv4 or IPv6 "
                                     "CIDR, or one address; repeatable)" % kind.capitalize())
        return parser

    def take_action(self, parsed_args):
        if not parsed_args.items:
            raise base.errors.ClientError("Access list not changed, give --allow or --deny.")
        listed = self.client.access_lists.add(parsed_args.lb_id, parsed_args.items)
        self.wait(parsed_args, parsed_args.lb_id)
        return self.rows(listed)


class DeleteAccess(_OnOneLoadBalancer, base.Action):
    """Remove one network from a load balancer's access list"""
    changes = True

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("id", metavar="<item-id>", help="Access list item ID")
        return parser

    def take_action(self, parsed_args):
        self.client.access_lists.delete(parsed_args.lb_id, parsed_args.id)
        self.wait(parsed_args, parsed_args.lb_id)


class ShowThrottle(_OnOneLoadBalancer, base.Show):
    """Show a load balancer's connection throttle (nothing when it has none)"""

    def take_action(self, parsed_args):
        return base.as_columns(self.client.throttles.get(parsed_args.lb_id))


class SetThrottle(ShowThrottle):
    """Set a load balancer's per-source connection limits (replacing the ones it had)"""
    changes = True

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        for option, _key, text in THROTTLE_OPTIONS:
            parser.add_argument("--" + option, dest=option.replace("-", "_"), type=int,
                                metavar="<count>" if option != "rate-interval"
                                else "<seconds>", help=text)
        return parser

    def take_action(self, parsed_args):
        limits = {key: getattr(parsed_args, option.replace("-", "_"))
                  for option, key, _text in THROTTLE_OPTIONS
                  if getattr(parsed_args, option.replace("-", "_")) is not None}
        if not limits:
            raise base.errors.ClientError("Throttle not changed, no arguments present.")
        throttle = self.client.throttles.set(parsed_args.lb_id, **limits)
        self.wait(parsed_args, parsed_args.lb_id)
        return base.as_columns(throttle)


class DeleteThrottle(_OnOneLoadBalancer, base.Action):
    """Remove a load balancer's connection throttle"""
    changes = True

    def take_action(self, parsed_args):
        self.client.throttles.delete(parsed_args.lb_id)
        self.wait(parsed_args, parsed_args.lb_id)


def certificate_pair(text):
    """``CERTFILE:KEYFILE`` of ``--sni-certificate``, split at the last colon."""
    cert, sep, key = text.rpartition(":")
    if not sep or not cert or not key:
        raise argparse.ArgumentTypeError("expected CERTFILE:KEYFILE, got %r" % text)
    return cert, key


def read_pem(path, option):
    """The text of a PEM file; a ClientError naming the option and the path
    (never the content) when it cannot be read or holds no PEM block."""
    try:
        with open(path, encoding="ascii") as handle:
            text = handle.read()
    except OSError as err:
        raise base.errors.ClientError("%s %s: cannot read it: %s"
                                      % (option, path, err.strerror or err)) from None
    except UnicodeDecodeError:
        raise base.errors.ClientError("%s %s: not a PEM file (binary content; DER is "
                                      "not accepted)" % (option, path)) from None
    if "-----BEGIN " not in text:
        raise base.errors.ClientError("%s %s: not a PEM file (no -----BEGIN line)"
                                      % (option, path))
    return text


def add_tls_options(parser):
    """The options of an HTTPS virtual IP, on ``vip-create`` and ``vip-update``."""
    parser.add_argument("--certificate-file", metavar="<pem-file>",
                        help="HTTPS: the certificate chain, PEM, the server's first")
    parser.add_argument("--private-key-file", metavar="<pem-file>",
                        help="HTTPS: the server certificate's key, PEM, unencrypted")
    parser.add_argument("--sni-certificate", dest="sni_certificates", action="append",
                        type=certificate_pair, metavar="<cert-file>:<key-file>",
                        help="HTTPS: one more certificate, served to clients asking "
                             "for one of its names (repeatable; on vip-update the "
                             "whole set is replaced)")
    for option, metavar, _key, text in TLS_VALUE_OPTIONS:
        parser.add_argument("--" + option, dest=option.replace("-", "_"), metavar=metavar,
                            help=text)
    parser.add_argument("--forwarded-headers", action=argparse.BooleanOptionalAction,
                        default=None, help="Add X-Forwarded-For/-Proto/-Port on the "
                                           "requests passed to the nodes (default: yes)")


def tls_fields(parsed_args):
    """The TLS fields of the VIP body, the PEM files read."""
    body = {}
    if parsed_args.certificate_file:
        body["certificate"] = read_pem(parsed_args.certificate_file, "--certificate-file")
    if parsed_args.private_key_file:
        body["privateKey"] = read_pem(parsed_args.private_key_file, "--private-key-file")
    if parsed_args.sni_certificates:
        body["sniCertificates"] = [
            {"certificate": read_pem(cert, "--sni-certificate"),
             "privateKey": read_pem(key, "--sni-certificate")}
            for cert, key in parsed_args.sni_certificates]
    for option, _metavar, key, _text in TLS_VALUE_OPTIONS:
        value = getattr(parsed_args, option.replace("-", "_"))
        if value is not None:
            body[key] = value
    if parsed_args.forwarded_headers is not None:
        body["forwardedHeaders"] = parsed_args.forwarded_headers
    return body
