"""Options of the deploy engine that pushes configuration to devices."""

from oslo_config import cfg

OPTS = [
    cfg.FloatOpt("wait_timeout", default=5.0, min=0,
                 help="Seconds a request waits for its change to be live on the "
                      "device before answering with the pending status."),
    cfg.FloatOpt("deploy_timeout", default=60.0, min=1,
                 help="Seconds after which a hanging deploy is given up and its "
                      "load balancers are marked ERROR."),
    cfg.FloatOpt("reconcile_interval", default=60.0, min=0,
                 help="Seconds between passes that redeploy pending load "
                      "balancers and heal drifted devices; 0 disables the "
                      "periodic pass (the start-up pass always runs)."),
    cfg.StrOpt("lock_path", default="/tmp/balancer-locks",
               help="Directory of the per-device lock files that keep forked "
                    "workers (workers > 0) from deploying to one device at once."),
    cfg.IntOpt("isolation_max_deploys", default=16, min=2,
               help="When a deploy fails, the most deploys spent finding the load "
                    "balancers that caused it (each a real deploy to the device: "
                    "the whole state, the state without any change, then groups "
                    "of changes); no attempt starts after deploy_timeout "
                    "seconds.  Changes not tried within either stay ERROR and "
                    "are tried again with the next deploy."),
    cfg.FloatOpt("ssh_connect_timeout", default=10.0, min=0.1,
                 help="Seconds to wait for an SSH connection to a device."),
    cfg.FloatOpt("ssh_command_timeout", default=30.0, min=0.1,
                 help="Seconds to wait for one remote command on a device."),
]


def register_opts(conf):
    conf.register_opts(OPTS, group="deploy")


def list_opts():
    return [("deploy", OPTS)]
