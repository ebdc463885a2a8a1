"""Options of the device health prober (balancer/core/prober.py)."""

from oslo_config import cfg

OPTS = [
    cfg.FloatOpt("probe_interval", default=10.0, min=0,
                 help="Seconds between two health probes of every device (SSH "
                      "reachable, HAProxy answering its stats socket, the "
                      "keepalived role of a paired device).  One API process of "
                      "the deployment probes at a time; 0 disables probing, and "
                      "every device's health then reads UNKNOWN."),
    cfg.FloatOpt("probe_timeout", default=5.0, min=0.1,
                 help="Seconds one probe of one device may take, connecting "
                      "included; a device that gives no answer within it is "
                      "OFFLINE.  A probe result is trusted for two intervals "
                      "plus this timeout."),
    cfg.IntOpt("probe_workers", default=16, min=1,
               help="Devices probed at the same time."),
]


def register_opts(conf):
    conf.register_opts(OPTS, group="health")


def list_opts():
    return [("health", OPTS)]
