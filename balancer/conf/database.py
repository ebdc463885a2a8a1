"""Options of the database layer."""

from oslo_config import cfg

OPTS = [
    cfg.StrOpt("connection", default="sqlite:///balancer.sqlite",
               deprecated_opts=[cfg.DeprecatedOpt("connection", group="sql")],
               secret=True,
               help="SQLAlchemy URL of the database (a relative sqlite path is "
                    "relative to the working directory, as in the original)."),
    cfg.IntOpt("idle_timeout", default=3600,
               deprecated_opts=[cfg.DeprecatedOpt("idle_timeout", group="sql")],
               help="Seconds before an idle pooled connection is recycled."),
]


def register_opts(conf):
    conf.register_opts(OPTS, group="database")


def list_opts():
    return [("database", OPTS)]
