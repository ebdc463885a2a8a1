"""Options choosing which device drivers may be used."""

from oslo_config import cfg

OPTS = [
    cfg.ListOpt("enabled_drivers", default=["haproxy", "noop"],
                help="Device types (driver entry point names in the "
                     "balancer.drivers namespace) that devices may use."),
]


def register_opts(conf):
    conf.register_opts(OPTS)


def list_opts():
    return [("DEFAULT", OPTS)]
