"""keystonemiddleware's authtoken, configured from balancer's own config.

The ``[keystone_authtoken]`` section of balancer-api.conf configures it: no
hosts or passwords in the paste file, unlike the original.  The ConfigOpts
the server parsed is handed to keystonemiddleware as ``oslo_config_config``;
keystonemiddleware then registers its own options (and, lazily, those of
the ``auth_type`` plugin and ``[cache]``) on that object, so values read
from the service's config files apply, and ``cfg.CONF`` is never touched.

Options written in the ``[filter:authtoken]`` section still override the
config file, as keystonemiddleware documents.

The filter also marks each request in the WSGI environ (which a client
cannot forge) so the context middleware knows the identity headers after it
come from keystonemiddleware.
"""

from keystonemiddleware import auth_token

from balancer.api import app as api_app
from balancer.api.middleware import context


class AuthToken(auth_token.AuthProtocol):
    """AuthProtocol that marks requests as Keystone-authenticated."""

    def __init__(self, application, conf):
        super().__init__(application, conf)
        self.application = application      # like every other filter here

    def __call__(self, environ, start_response):
        environ[context.AUTH_KEY] = "keystone"
        return super().__call__(environ, start_response)


def filter_factory(global_conf, **local_conf):
    """``[filter:authtoken]``: keystonemiddleware on the service's ConfigOpts.

    Outside ``balancer.api.app.load_app`` (a paste file loaded by another
    tool) there is no ConfigOpts to hand over; keystonemiddleware then reads
    balancer's usual config files itself (``oslo_config_project``) rather than
    the process-global ``cfg.CONF``.
    """
    conf = api_app.conf_for(global_conf)
    options = dict(local_conf)
    if conf is not None:
        options["oslo_config_config"] = conf
    else:
        options.setdefault("oslo_config_project", "balancer")

    def make(application):
        return AuthToken(application, dict(options))
    return make
