"""``balancer-api``: serve the REST API, or ``--dbsync`` the database.

The seed's commands work as written:
``balancer-api --dbsync`` and
``balancer-api --config-file etc/balancer-api-paste.ini --debug``.
"""

import eventlet

eventlet.monkey_patch()

import logging  # noqa: E402
import os  # noqa: E402
import signal  # noqa: E402
import socket  # noqa: E402
import sys  # noqa: E402

import eventlet.wsgi  # noqa: E402
from oslo_config import cfg  # noqa: E402
from oslo_log import log  # noqa: E402

from balancer import conf as balancer_conf  # noqa: E402
from balancer import version  # noqa: E402
from balancer.api import app as api_app  # noqa: E402
from balancer.db import migration  # noqa: E402

LOG = logging.getLogger("balancer.api")

CLI_OPTS = [
    cfg.BoolOpt("dbsync", default=False,
                help="Create or upgrade the database schema, then exit."),
    cfg.BoolOpt("verbose", short="v", default=False,
                help="Log at INFO level (the default; kept for the original's "
                     "command lines)."),
]


def parse_args(argv):
    conf = balancer_conf.make_conf()
    conf.register_cli_opts(CLI_OPTS)
    log.register_options(conf)
    conf(argv, project="balancer", prog="balancer-api",
         version=version.VERSION, default_config_files=_default_config_files())
    return conf


def _default_config_files():
    """The usual search path, plus etc/balancer-api.conf of a checkout."""
    found = cfg.find_config_files(project="balancer", prog="balancer-api")
    here = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    local = os.path.join(here, "etc", "balancer-api.conf")
    if not found and os.path.exists(local):
        found = [local]
    return found


def serve(conf):
    app = api_app.load_app(conf)
    service = api_app.find_service(app)
    sock = eventlet.listen((conf.bind_host, conf.bind_port), backlog=conf.backlog)
    # eventlet writes headers and body separately: without TCP_NODELAY (which
    # accepted sockets inherit) Nagle and delayed ACKs stall every keep-alive
    # response by ~40 ms
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    LOG.info("balancer-api %s listening on %s:%s", version.VERSION,
             conf.bind_host, conf.bind_port)
    children = _fork_workers(conf.workers)
    if children is not None:            # the parent only watches its children
        return _supervise(children)
    # a forked worker must not share the parent's database connections
    service.engine.dispose(close=False)
    service.reconciler.start()
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    try:
        eventlet.wsgi.server(sock, app, log=logging.getLogger("balancer.wsgi"),
                             custom_pool=eventlet.GreenPool(conf.wsgi_pool_size),
                             debug=False)
    except SystemExit:
        pass
    finally:
        LOG.info("balancer-api stopping")
        service.close()
    return 0


def _stop(signum, frame):
    raise SystemExit(0)


def _fork_workers(count):
    """Fork ``count`` workers; returns their pids in the parent, None in a child."""
    if not count:
        return None
    pids = []
    for _ in range(count):
        pid = os.fork()
        if pid == 0:
            return None
        pids.append(pid)
    return pids


def _supervise(pids):
    def forward(signum, frame):
        for pid in pids:
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    for pid in pids:
        try:
            os.waitpid(pid, 0)
        except ChildProcessError:
            pass
    return 0


def main(argv=None):
    conf = parse_args(sys.argv[1:] if argv is None else argv)
    log.setup(conf, "balancer")
    if conf.dbsync:
        revision = migration.sync(conf.database.connection)
        print("database %s is at revision %s" % (conf.database.connection, revision))
        return 0
    return serve(conf)


if __name__ == "__main__":
    sys.exit(main())
