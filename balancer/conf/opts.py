"""Entry point for oslo-config-generator (namespace ``balancer``)."""

from balancer.conf import OPTION_MODULES


def list_opts():
    """Every option group with its options, for the sample config file."""
    groups = {}
    for module in OPTION_MODULES:
        for group, opts in module.list_opts():
            groups.setdefault(group, []).extend(opts)
    return sorted(groups.items())
