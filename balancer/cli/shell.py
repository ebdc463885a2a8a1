"""``balancer``: the standalone shell (cliff), with the original's options.

``--endpoint``/``--token`` (``SERVICE_ENDPOINT``/``SERVICE_TOKEN``) talk to
the URL given, as the original client did; ``--os-auth-url`` and the other
``--os-*`` options (``OS_*``) log in to Keystone and find the API in the
catalog.  The original's underscore spellings (``--os_username``) work too.
"""

import os
import sys

from cliff import app, commandmanager

from balancer.cli import registry
from balancer.client import Client, errors
from balancer.client.http import SERVICE_TYPE

VERSION = "1.0"


def env(*names, default=None):
    for name in names:
        if os.environ.get(name):
            return os.environ[name]
    return default


class ClientManager:
    """Builds the ``balancer.client.Client`` from the options on first use,
    where OpenStackClient's client manager would."""

    def __init__(self, options):
        self.options = options
        self._client = None

    @property
    def balancer(self):
        if self._client is None:
            self._client = make_client(self.options)
        return self._client


def make_client(o):
    verify = False if o.insecure else (o.os_cacert or True)
    common = {"tenant_id": o.os_project_id, "service_type": o.os_service_type,
              "interface": o.os_interface, "region_name": o.os_region_name,
              "verify": verify, "timeout": o.timeout}
    if o.os_auth_url:
        scope = {"project_name": o.os_project_name, "project_id": o.os_project_id,
                 "project_domain_name": o.os_project_domain_name}
        if o.os_token:
            return Client.with_token(o.os_auth_url, o.os_token, endpoint=o.endpoint,
                                     **scope, **common)
        if not (o.os_username and o.os_password):
            raise errors.ClientError("Keystone needs --os-username and --os-password "
                                     "(or --os-token)")
        return Client.with_password(o.os_auth_url, o.os_username, o.os_password,
                                    user_domain_name=o.os_user_domain_name,
                                    endpoint=o.endpoint, **scope, **common)
    if not o.endpoint:
        raise errors.ClientError("give --endpoint (SERVICE_ENDPOINT), or --os-auth-url "
                                 "and credentials (OS_AUTH_URL...)")
    return Client(endpoint=o.endpoint, token=o.token or o.os_token,
                  tenant_id=o.os_project_id, verify=verify, timeout=o.timeout)


#: (option spellings, environment variables, default, help)
OPTIONS = (
    (("--endpoint",), ("SERVICE_ENDPOINT", "BALANCER_ENDPOINT"), None,
     "API URL; for tenant commands it may end with the tenant id "
     "(http://host:8181/<tenant>) as the original client's did"),
    (("--token",), ("SERVICE_TOKEN",), None, "Token sent as X-Auth-Token with --endpoint"),
    (("--os-auth-url", "--os_auth_url"), ("OS_AUTH_URL",), None, "Keystone URL"),
    (("--os-username", "--os_username"), ("OS_USERNAME",), None, "Keystone user name"),
    (("--os-password", "--os_password"), ("OS_PASSWORD",), None, "Keystone password"),
    (("--os-project-name", "--os-tenant-name", "--os_tenant_name"),
     ("OS_PROJECT_NAME", "OS_TENANT_NAME"), None, "Project (tenant) to scope to"),
    (("--os-project-id", "--os-tenant-id", "--os_tenant_id", "--tenant-id"),
     ("OS_PROJECT_ID", "OS_TENANT_ID"), None,
     "Project (tenant) id; with --endpoint, the tenant in the URLs"),
    (("--os-user-domain-name",), ("OS_USER_DOMAIN_NAME",), "Default", "User's domain"),
    (("--os-project-domain-name",), ("OS_PROJECT_DOMAIN_NAME",), "Default",
     "Project's domain"),
    (("--os-token",), ("OS_TOKEN",), None, "A Keystone token instead of a password"),
    (("--os-region-name", "--os_region_name"), ("OS_REGION_NAME",), None, "Region"),
    (("--os-interface", "--endpoint-type", "--endpoint_type"),
     ("OS_INTERFACE", "OS_BALANCER_ENDPOINT_TYPE"), "public",
     "Catalog interface: public, internal or admin"),
    (("--os-service-type",), ("OS_BALANCER_SERVICE_TYPE",), SERVICE_TYPE,
     "Service type of the API in the catalog"),
    (("--os-cacert",), ("OS_CACERT",), None, "CA bundle to verify TLS with"),
)


def global_options_only(parse_known_args):
    """Global options are read only before the command's name: the original
    client's ``device-create --version 1`` is the device's version, not the
    shell's ``--version``."""
    names = set(registry.COMMANDS) | {"help", "complete"}

    def parse(args=None, namespace=None):
        args = list(sys.argv[1:] if args is None else args)
        for i, arg in enumerate(args):
            if arg in names:
                options, rest = parse_known_args(args[:i], namespace)
                return options, rest + args[i:]
        return parse_known_args(args, namespace)
    return parse


class BalancerShell(app.App):
    def __init__(self):
        manager = commandmanager.CommandManager("balancer.cli.none")
        for name, target in registry.COMMANDS.items():
            manager.add_command(name, registry.load(target))
        super().__init__(description="Command-line interface to the balancer API.",
                         version=VERSION, command_manager=manager,
                         deferred_help=True)
        self.client_manager = None

    def build_option_parser(self, description, version, argparse_kwargs=None):
        parser = super().build_option_parser(description, version, argparse_kwargs)
        for spellings, names, default, text in OPTIONS:
            dest = spellings[0].lstrip("-").replace("-", "_")
            shown = env(*names, default=default)
            parser.add_argument(*spellings, dest=dest, default=shown,
                                metavar="<%s>" % dest.replace("os_", "").replace("_", "-"),
                                help="%s (env %s)" % (text, " or ".join(names)))
        parser.add_argument("--insecure", action="store_true",
                            help="Do not verify the server's TLS certificate")
        parser.add_argument("--timeout", type=float, default=60.0, metavar="<seconds>",
                            help="Seconds one API call may take (default 60)")
        parser.parse_known_args = global_options_only(parser.parse_known_args)
        return parser

    def initialize_app(self, argv):
        self.client_manager = ClientManager(self.options)


def main(argv=None):
    return BalancerShell().run(sys.argv[1:] if argv is None else argv)


if __name__ == "__main__":
    sys.exit(main())
