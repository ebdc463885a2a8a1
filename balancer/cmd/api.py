"""``balancer-api``: serve the REST API, or ``--dbsync`` the database.

The seed's commands work as written:
``balancer-api --dbsync`` and
``balancer-api --config-file etc/balancer-api-paste.ini --debug``.
The service itself is built by balancer.api.bootstrap, exactly as the WSGI
module builds it; this module only adds eventlet's server and, with
``workers = N``, a parent that forks N workers and replaces any that dies.
"""

import eventlet
from psycogreen import eventlet as green_psycopg

eventlet.monkey_patch()
# psycopg2 is C: without this, one green thread waiting on a PostgreSQL row
# lock held by another green thread of this process would stop them all
green_psycopg.patch_psycopg()

import logging  # noqa: E402
import os  # noqa: E402
import signal  # noqa: E402
import socket  # noqa: E402
import sys  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402

import eventlet.hubs  # noqa: E402
import eventlet.wsgi  # noqa: E402
import greenlet  # noqa: E402
from oslo_config import cfg  # noqa: E402

from balancer.api import bootstrap  # noqa: E402
from balancer.api.middleware import url  # noqa: E402
from balancer.core import metrics as service_metrics  # noqa: E402
from balancer.db import copy, crypto, migration  # noqa: E402

LOG = logging.getLogger("balancer.api")
# The parent only waits for its workers, so it blocks in the real waitpid
# and sleep, never on eventlet's hub: the hub's epoll instance was inherited
# by every forked worker, and a green sleep in the parent was seen to never
# wake (balancer/tests/integration/test_serving.py,
# test_a_killed_worker_is_replaced).
_REAL_OS = eventlet.patcher.original("os")
_REAL_TIME = eventlet.patcher.original("time")
# a worker that dies sooner than this after its start is replaced only after
# this long, so that a worker failing at start-up does not spin the parent
RESPAWN_BACKOFF = 1.0

CLI_OPTS = [
    cfg.BoolOpt("dbsync", default=False,
                help="Create or upgrade the database schema, then exit."),
    cfg.BoolOpt("reencrypt-secrets", default=False,
                help="Re-encrypt every stored device password and private key "
                     "with the first [secrets] key (the middle step of a key "
                     "rotation), then exit."),
    cfg.StrOpt("dbcopy-from", metavar="SOURCE_URL",
               help="Copy every row of the database at SOURCE_URL (e.g. the old "
                    "sqlite:///balancer.sqlite) into [database] connection, which "
                    "is brought to the newest schema first and must be empty; "
                    "then exit. See doc/source/databases.rst."),
    cfg.BoolOpt("verbose", short="v", default=False,
                help="Log at INFO level (the default; kept for the original's "
                     "command lines)."),
]


def parse_args(argv):
    return bootstrap.parse_config(argv, CLI_OPTS)


def listen(conf):
    sock = eventlet.listen((conf.bind_host, conf.bind_port), backlog=conf.backlog)
    # eventlet writes headers and body separately: without TCP_NODELAY (which
    # accepted sockets inherit) Nagle and delayed ACKs stall every keep-alive
    # response by ~40 ms
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def serve(conf):
    if not conf.workers:
        application = bootstrap.build_application(conf, shared_host=False)
        sock = listen(conf)
        LOG.info("listening on %s:%s", conf.bind_host, conf.bind_port)
        return _serve_here(application, sock, conf)
    # every worker's request and deploy counts in one directory, so that
    # the worker a scrape reaches shows all of them (balancer/core/metrics.py)
    with service_metrics.several_processes():
        application = bootstrap.build_application(conf, shared_host=True)
        sock = listen(conf)
        LOG.info("listening on %s:%s", conf.bind_host, conf.bind_port)
        return Supervisor(lambda: _serve_here(application, sock, conf), conf.workers).run()


def _serve_here(application, sock, conf):
    """Serve on ``sock`` in this process until SIGTERM/SIGINT."""
    stop_on_signals()
    try:
        application.start()
        # eventlet's own limit answers an empty 414 before the app is asked;
        # above it the app's JSON 414 (balancer/api/middleware/url.py) is seen
        eventlet.wsgi.server(sock, application, log=logging.getLogger("balancer.wsgi"),
                             custom_pool=eventlet.GreenPool(conf.wsgi_pool_size),
                             url_length_limit=4 * url.MAX_URL_LENGTH, debug=False)
    except SystemExit:
        pass
    finally:
        LOG.info("balancer-api stopping")
        application.close()
    return 0


#: the green thread that serves, where SIGTERM/SIGINT end the server
_serving = None


def stop_on_signals():
    """SIGTERM and SIGINT stop the server serving in the calling green thread."""
    global _serving
    _serving = greenlet.getcurrent()
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)


def _stop(signum, frame):
    # Every thread here is a green thread of the main OS thread, so the
    # handler runs in whichever one was running: a SystemExit raised in a
    # deploy's thread would end only that thread (threading drops SystemExit
    # without a word) and the server would go on serving.  It is thrown into
    # the serving green thread instead, as soon as the running one yields.
    hub = eventlet.hubs.get_hub()
    current = greenlet.getcurrent()
    if _serving is None or current is _serving or current is hub.greenlet:
        raise SystemExit(0)     # the hub hands it on to the serving thread
    hub.schedule_call_global(0, _serving.throw, SystemExit(0))


def _fresh_logging_locks():
    """New locks for the logging module and every handler, in a just-forked
    worker: a green thread of the parent may have held one at the fork, and
    its holder does not exist here, so the first log line would wait for
    good (eventlet's locks are not reset by logging's own fork hooks)."""
    logging._lock = threading.RLock()
    for ref in list(logging._handlerList):
        handler = ref()
        if handler is not None:
            handler.createLock()


class Supervisor:
    """Forks ``count`` workers running ``work`` and keeps that many alive."""

    def __init__(self, work, count):
        self.work, self.count = work, count
        self.children = {}          # pid -> time it was started
        self.stopping = False

    def spawn(self, note=None):
        """Fork a worker; ``note`` is logged by the new worker.  The parent
        never logs once it has forked: a log call in the parent was seen to
        block for good on a lock of the handler (eventlet-patched locks
        across fork), leaving the dead worker unreplaced."""
        pid = os.fork()
        if pid == 0:
            # the parent's handler forwards signals to ITS children: a worker
            # stopped while it starts must just end
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            _fresh_logging_locks()
            if note:
                LOG.warning(note)
            code = 1
            try:
                code = self.work()
            finally:
                os._exit(code or 0)
        self.children[pid] = time.monotonic()
        return pid

    def _forward(self, signum, frame):
        self.stopping = True
        for pid in list(self.children):
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass

    def run(self):
        signal.signal(signal.SIGTERM, self._forward)
        signal.signal(signal.SIGINT, self._forward)
        for _ in range(self.count):
            self.spawn()
        while self.children:
            try:
                pid, status = _REAL_OS.waitpid(-1, 0)
            except ChildProcessError:
                break
            except InterruptedError:
                continue
            started = self.children.pop(pid, None)
            if started is None or self.stopping:
                continue
            if time.monotonic() - started < RESPAWN_BACKOFF:
                _REAL_TIME.sleep(RESPAWN_BACKOFF)
            if not self.stopping:
                self.spawn("worker %s ended (status %s); starting another" % (pid, status))
        return 0


def main(argv=None):
    conf = parse_args(sys.argv[1:] if argv is None else argv)
    bootstrap.setup_logging(conf)
    if conf.dbsync or conf.reencrypt_secrets:
        keyring = crypto.load(conf.secrets.encryption_keys, conf.secrets.key_file,
                              conf.database.connection)
    if conf.dbsync:
        revision = migration.sync(conf.database.connection, keyring=keyring)
        print("database %s is at revision %s" % (conf.database.connection, revision))
        return 0
    if conf.dbcopy_from:
        try:
            copied = copy.copy_rows(conf.dbcopy_from, conf.database.connection)
        except copy.CopyError as err:
            print("nothing copied: %s" % err, file=sys.stderr)
            return 1
        for table, count in copied.items():
            print("%s: %d rows" % (table, count))
        return 0
    if conf.reencrypt_secrets:
        count = crypto.reencrypt(conf.database.connection, keyring)
        print("re-encrypted %d device secrets with the first key of %s"
              % (count, keyring.source))
        return 0
    return serve(conf)


if __name__ == "__main__":
    sys.exit(main())
