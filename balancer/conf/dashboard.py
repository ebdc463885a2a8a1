"""``[dashboard]``: the web dashboard served at ``/dashboard`` (doc/source/dashboard.rst)."""

from oslo_config import cfg

OPTS = [
    cfg.BoolOpt("enabled", default=True,
                help="Serve the web dashboard at /dashboard (static files, no token "
                     "needed for them; every API call the page makes needs one)."),
    cfg.StrOpt("keystone_url",
               help="Keystone's public identity URL (e.g. http://keystone:5000/v3) the "
                    "dashboard's sign-in with a user name and password asks for a token. "
                    "Unset: [keystone_authtoken] www_authenticate_uri, then its auth_url."),
    cfg.StrOpt("user_domain_name", default="Default",
               help="Keystone domain of the users who sign in with a password."),
    cfg.StrOpt("project_domain_name", default="Default",
               help="Keystone domain of the project named at sign-in."),
    cfg.FloatOpt("keystone_timeout", default=10.0, min=0.1,
                 help="Seconds a sign-in waits for Keystone."),
]


def register_opts(conf):
    conf.register_opts(OPTS, group="dashboard")


def list_opts():
    return [("dashboard", OPTS)]
