"""oslo.middleware's ``[healthcheck]`` options, with the database checked
by default (balancer/api/middleware/healthcheck.py)."""

from oslo_middleware.healthcheck import opts as healthcheck_opts


def register_opts(conf):
    conf.register_opts(healthcheck_opts.HEALTHCHECK_OPTS, group="healthcheck")
    conf.set_default("backends", ["database"], group="healthcheck")


def list_opts():
    return [("healthcheck", healthcheck_opts.HEALTHCHECK_OPTS)]
