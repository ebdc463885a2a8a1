"""Entry point for oslo-config-generator (namespace ``balancer``)."""

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


def list_opts():
    """Every option group with its options, for the sample config file."""
    groups = {}
    for module in (api, coordination, database, deploy, drivers, health, healthcheck,
                   limits, secrets):
        for group, opts in module.list_opts():
            groups.setdefault(group, []).extend(opts)
    return sorted(groups.items())
