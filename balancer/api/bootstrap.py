"""The one start-up every way of serving shares.

``balancer-api`` (balancer/cmd/api.py) and ``balancer.api.wsgi:application``
(for uWSGI, gunicorn, mod_wsgi) both come through here, so each gets the same
config files, oslo.log set-up, drivers, coordination and reconciler.  What
differs is only who owns the socket and the processes.
"""

import logging
import os

from oslo_log import log

from balancer import conf as balancer_conf
from balancer import version
from balancer.api import app as api_app
from balancer.common import files
from balancer.conf import paths

LOG = logging.getLogger("balancer.api")


def default_config_files():
    """The search path of balancer/conf/paths.py (oslo.config's, then the
    checkout's or the installed balancer-api.conf)."""
    return paths.default_config_files()


def parse_config(argv, cli_opts=(), config_files=None):
    """A ConfigOpts with every balancer and oslo.log option, parsed from
    ``argv`` and the config files (``config_files`` or the search path)."""
    conf = balancer_conf.make_conf()
    conf.register_cli_opts(list(cli_opts))
    log.register_options(conf)
    conf(argv, project="balancer", prog="balancer-api", version=version.VERSION,
         default_config_files=default_config_files() if config_files is None
         else config_files)
    return conf


def setup_logging(conf):
    # the log file is created owner-only before oslo.log opens it (the path
    # as oslo.log itself works it out from log_file and log_dir)
    path = log._get_log_file_path(conf)
    if path:
        files.create_private(path)
    log.setup(conf, "balancer")


class Application:
    """The WSGI pipeline of one deployment, starting the service's
    background work (reconciler, pending sweep) in whichever process serves
    its first request: a WSGI container may import it in a parent and fork
    workers afterwards, and threads do not survive a fork."""

    def __init__(self, pipeline, service):
        self.pipeline, self.service = pipeline, service
        self._started_in = None

    def start(self):
        if self._started_in != os.getpid():
            self._started_in = os.getpid()
            self.service.start()

    def __call__(self, environ, start_response):
        if self._started_in != os.getpid():
            self.start()
        return self.pipeline(environ, start_response)

    def close(self):
        self.service.close()


def build_application(conf, shared_host):
    """The pipeline for ``conf``.  ``shared_host``: other API processes may
    run beside this one on this host (forked workers, a WSGI container), so
    that without a coordination backend they still share file locks."""
    pipeline = api_app.load_app(conf, shared_host=shared_host)
    application = Application(pipeline, api_app.find_service(pipeline))
    LOG.info("balancer-api %s: database %s, coordination %s", version.VERSION,
             _without_password(conf.database.connection),
             _without_password(application.service.coordination.backend_url or "none"))
    return application


def _without_password(url):
    scheme, sep, rest = url.partition("://")
    if "@" not in rest:
        return url
    credentials, _, host = rest.rpartition("@")
    user = credentials.split(":", 1)[0]
    return "%s%s%s:***@%s" % (scheme, sep, user, host) if ":" in credentials else url
