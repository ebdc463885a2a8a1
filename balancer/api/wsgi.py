"""For any WSGI server: ``balancer.api.wsgi:application``.

Reads the config files named by ``BALANCER_CONFIG_FILES`` (comma separated;
default: the usual search path) and builds the paste pipeline.
"""

import os

from balancer import conf as balancer_conf
from balancer.api import app as api_app


def make_application(config_files=None):
    conf = balancer_conf.make_conf()
    files = config_files
    if files is None and os.environ.get("BALANCER_CONFIG_FILES"):
        files = os.environ["BALANCER_CONFIG_FILES"].split(",")
    conf([], project="balancer", prog="balancer-api",
         default_config_files=files)
    return api_app.load_app(conf)


application = make_application()
