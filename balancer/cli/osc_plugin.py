"""The OpenStackClient plugin: ``openstack balancer <command>``.

OpenStackClient finds this module through the ``openstack.cli.extension``
entry point and the commands through ``openstack.balancer.v1`` (setup.cfg,
from ``registry.COMMANDS``).  It logs in with its own ``--os-*`` options and
hands its keystoneauth1 session to ``balancer.client.Client``, which finds
the API in the catalog (service type ``balancer``).
"""

import os

from balancer.client import Client
from balancer.client.http import SERVICE_TYPE

API_NAME = "balancer"
API_VERSION_OPTION = "os_balancer_api_version"
DEFAULT_API_VERSION = "1"
API_VERSIONS = {"1": "balancer.client.Client"}


def make_client(instance):
    """The client OpenStackClient keeps as ``client_manager.balancer``."""
    return Client(session=instance.session,
                  service_type=os.environ.get("OS_BALANCER_SERVICE_TYPE", SERVICE_TYPE),
                  interface=instance.interface, region_name=instance.region_name,
                  endpoint=os.environ.get("OS_BALANCER_ENDPOINT") or None)


def build_option_parser(parser):
    parser.add_argument("--os-balancer-api-version", metavar="<balancer-api-version>",
                        default=os.environ.get("OS_BALANCER_API_VERSION",
                                               DEFAULT_API_VERSION),
                        help="balancer API version, default %s (env "
                             "OS_BALANCER_API_VERSION)" % DEFAULT_API_VERSION)
    return parser
