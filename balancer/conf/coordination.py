"""Options of cross-process coordination (tooz): who may write a device."""

from oslo_config import cfg

OPTS = [
    cfg.StrOpt("backend_url", default="", secret=True,
               help="tooz coordination backend shared by every API process of "
                    "one deployment, e.g. postgresql://user@db/balancer, "
                    "mysql://user@db/balancer, redis://host:6379, "
                    "file:///var/lib/balancer/locks. Empty: one API process on "
                    "one host (forked workers then share file locks under "
                    "[deploy] lock_path)."),
    cfg.FloatOpt("lease_seconds", default=10.0, min=1,
                 help="How long a lock of a process that stopped answering is "
                      "kept before another process may take over its devices "
                      "(tooz backends with leases: redis, memcached)."),
    cfg.FloatOpt("pending_check_interval", default=2.0, min=0,
                 help="Seconds between looks for load balancers left pending by "
                      "a process that died; 0 disables them (the reconcile "
                      "pass still finds them)."),
]


def register_opts(conf):
    conf.register_opts(OPTS, group="coordination")


def list_opts():
    return [("coordination", OPTS)]
