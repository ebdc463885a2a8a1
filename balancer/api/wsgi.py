"""``balancer.api.wsgi:application`` for uWSGI, gunicorn and mod_wsgi.

The config files are those of ``BALANCER_CONFIG_FILES`` (one path, or several
separated by commas), else the usual search path (see
balancer.api.bootstrap.default_config_files).  The container owns the
processes, so they are assumed to share the host: without a
``[coordination] backend_url`` they still share file locks under
``[deploy] lock_path``.  See doc/source/deployment.rst for gunicorn and
uWSGI command lines.
"""

import os

from balancer.api import bootstrap


def init_application(environ=os.environ):
    files = [f for f in environ.get("BALANCER_CONFIG_FILES", "").split(",") if f]
    conf = bootstrap.parse_config([], config_files=files or None)
    bootstrap.setup_logging(conf)
    return bootstrap.build_application(conf, shared_host=True)


application = init_application()
