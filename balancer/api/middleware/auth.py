"""keystonemiddleware's authtoken, configured from balancer's own config.

The ``[keystone_authtoken]`` section of balancer-api.conf configures it (no
hosts written into the paste file, unlike the original); the config object
is the one the server loaded, handed over by ``balancer.api.app``.
"""

from keystonemiddleware import auth_token

from balancer.api import app as api_app


def filter_factory(global_conf, **local_conf):
    conf = api_app.conf_for(global_conf)
    options = dict(local_conf)
    if conf is not None:
        options["oslo_config_config"] = conf

    def make(application):
        return auth_token.AuthProtocol(application, options)
    return make
