"""Options of the API server: where it listens and which pipeline it serves."""

from oslo_config import cfg

OPTS = [
    cfg.HostAddressOpt("bind_host", default="0.0.0.0",
                       help="Address the API server listens on."),
    cfg.PortOpt("bind_port", default=8181,
                help="Port the API server listens on."),
    cfg.IntOpt("backlog", default=4096, min=1,
               help="Listen backlog of the API socket."),
    cfg.IntOpt("workers", default=0, min=0,
               help="0 serves from one process with green threads; N>0 forks N "
                    "worker processes sharing the socket."),
    cfg.IntOpt("max_request_body_size", default=1024 * 1024, min=1024,
               help="Largest request body accepted, in bytes; larger is a 413."),
    cfg.IntOpt("wsgi_pool_size", default=1000, min=1,
               help="Green threads serving requests in each process."),
]

PASTE_OPTS = [
    cfg.StrOpt("config_file",
               help="The paste pipeline file. Default: a --config-file ending "
                    "in -paste.ini, else balancer-api-paste.ini beside the last "
                    "--config-file, else the checkout's etc/ or the installed "
                    "<prefix>/etc/balancer/ (see doc/source/install.rst)."),
    cfg.StrOpt("flavor",
               help="Pipeline flavor: the pipeline used is balancer-api-<flavor> "
                    "(e.g. 'keystone'); empty uses balancer-api (no auth)."),
]


def register_opts(conf):
    conf.register_opts(OPTS)
    conf.register_opts(PASTE_OPTS, group="paste_deploy")


def list_opts():
    return [("DEFAULT", OPTS), ("paste_deploy", PASTE_OPTS)]
