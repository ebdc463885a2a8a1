"""Finds driver classes by device type through stevedore entry points.

Drivers are published under the ``balancer.drivers`` namespace (see setup.cfg),
so a third-party package can add a device type without touching this code.
"""

import logging

from stevedore import driver as stevedore_driver
from stevedore import extension

NAMESPACE = "balancer.drivers"
LOG = logging.getLogger(__name__)


class UnknownDriver(LookupError):
    """No driver is installed for a device type."""


def available_types():
    """Names of every installed driver, lower case, sorted."""
    mgr = extension.ExtensionManager(NAMESPACE, invoke_on_load=False)
    return sorted(name.lower() for name in mgr.names())


def driver_class(device_type):
    """The driver class for ``device_type`` (matched without regard to case)."""
    name = (device_type or "").strip().lower()
    try:
        mgr = stevedore_driver.DriverManager(NAMESPACE, name, invoke_on_load=False)
    except Exception as err:  # stevedore raises NoMatches / RuntimeError
        raise UnknownDriver("no driver for device type %r (installed: %s)"
                            % (device_type, ", ".join(available_types()))) from err
    return mgr.driver
