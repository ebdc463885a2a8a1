"""Configuration: one module per option group, registered on demand.

``make_conf()`` builds a fresh ``ConfigOpts`` with every option registered, so
tests and tools can hold their own instance instead of sharing a global one.
"""

from oslo_config import cfg

from balancer.conf import (
    api,
    coordination,
    database,
    deploy,
    drivers,
    health,
    healthcheck,
    limits,
    secrets,
)


def register_opts(conf):
    """Register every balancer option group on ``conf``."""
    for module in (api, coordination, database, deploy, drivers, health, healthcheck,
                   limits, secrets):
        module.register_opts(conf)
    return conf


def make_conf():
    """A new ConfigOpts holding all of balancer's options."""
    return register_opts(cfg.ConfigOpts())
