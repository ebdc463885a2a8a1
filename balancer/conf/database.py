"""Options of the database layer: oslo.db's ``[database]`` options.

They are oslo.db's own (so an operator's ``[database]`` section reads as in any
OpenStack service), with balancer's default database and the names the 2012
original read (``[sql] connection``, ``idle_timeout``) still accepted.  The
options oslo.db defines for features balancer does not use (other back ends,
read replicas, asyncio) are left out, so that none in the sample config is
silently ignored.  ``balancer.db.session.Database`` reads them.
"""

import copy

from oslo_config import cfg
from oslo_db import options as oslo_db_options

DEFAULT_CONNECTION = "sqlite:///balancer.sqlite"

_UNUSED = {"backend", "slave_connection", "asyncio_connection",
           "asyncio_slave_connection", "synchronous_reader"}
_OLD_NAMES = {
    "connection": [cfg.DeprecatedOpt("connection", group="sql")],
    "connection_recycle_time": [cfg.DeprecatedOpt("idle_timeout", group="sql"),
                                cfg.DeprecatedOpt("idle_timeout", group="database")],
}
_HELP = {
    "connection": "SQLAlchemy URL of the database: sqlite:///balancer.sqlite (a "
                  "relative path is relative to the working directory, as in the "
                  "original), postgresql+psycopg2://user:password@host/balancer or "
                  "mysql+pymysql://user:password@host/balancer?charset=utf8mb4.",
    "db_max_retries": "Times a transaction is run again after the database "
                      "reported a deadlock (a Galera certification failure is "
                      "one) before the request fails; -1 retries forever.",
    "db_retry_interval": "Seconds before the first retry of a deadlocked "
                         "transaction.",
    "use_db_reconnect": "Also retry a transaction whose connection was lost "
                        "(the database restarted or failed over).",
}


def _balancer_variant(opt):
    opt = copy.deepcopy(opt)
    opt.deprecated_opts = opt.deprecated_opts + _OLD_NAMES.get(opt.dest, [])
    opt.help = _HELP.get(opt.dest, opt.help)
    if opt.dest == "connection":
        opt.default = DEFAULT_CONNECTION
    return opt


OPTS = [_balancer_variant(opt) for opt in oslo_db_options.database_opts
        if opt.dest not in _UNUSED]


def register_opts(conf):
    conf.register_opts(OPTS, group="database")


def list_opts():
    return [("database", OPTS)]
