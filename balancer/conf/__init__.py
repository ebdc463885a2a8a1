"""Configuration: one module per option group, registered on demand.

``make_conf()`` builds a fresh ``ConfigOpts`` with every option registered, so
tests and tools can hold their own instance instead of sharing a global one.
"""

from oslo_config import cfg

from balancer.conf import (
    api,
    coordination,
    dashboard,
    database,
    deploy,
    drivers,
    health,
    healthcheck,
    limits,
    secrets,
)

# every option module, each with register_opts(conf) and list_opts()
# (balancer/conf/opts.py feeds the latter to oslo-config-generator)
OPTION_MODULES = (api, coordination, dashboard, database, deploy, drivers, health, healthcheck,
                  limits, secrets)


def register_opts(conf):
    """Register every balancer option group on ``conf``."""
    for module in OPTION_MODULES:
        module.register_opts(conf)
    return conf


def make_conf():
    """A new ConfigOpts holding all of balancer's options."""
    return register_opts(cfg.ConfigOpts())
