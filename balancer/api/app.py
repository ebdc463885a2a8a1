"""Paste factories: ``apiv1app`` and how the pipeline is loaded.

The app needs a config object; paste passes only strings, so the config is
looked up by ``load_app`` and handed in through a small registry keyed by
the object's id, never through a module-level singleton the tests must reset.
"""

from paste import deploy

from balancer.api import policy
from balancer.api.router import Router
from balancer.conf import paths
from balancer.core.service import Service

_CONFS = {}   # id -> (ConfigOpts, shared_host), only while load_app() runs


def conf_for(global_conf):
    """The ConfigOpts that ``load_app`` is building a pipeline for."""
    return _CONFS.get(global_conf.get("balancer_conf_id"), (None, False))[0]


def app_factory(global_conf, **local_conf):
    """``[app:apiv1app]``: the REST application."""
    conf, shared_host = _CONFS.get(global_conf.get("balancer_conf_id"), (None, False))
    if conf is None:
        from balancer import conf as balancer_conf
        conf = balancer_conf.make_conf()
        conf([], project="balancer", default_config_files=[])
    service = Service(conf, shared_host=shared_host)
    app = Router(service, policy.Authorizer(conf), conf.max_request_body_size)
    app.service = service
    return app


def paste_file(conf):
    """The paste ini to load; the search order is :func:`balancer.conf.paths.paste_file`'s."""
    return paths.paste_file(conf)


def pipeline_name(conf):
    flavor = conf.paste_deploy.flavor
    return "balancer-api-%s" % flavor if flavor else "balancer-api"


def load_app(conf, name=None, shared_host=False):
    """The whole WSGI pipeline described by the paste file, built for
    ``conf`` (``shared_host``: see balancer.core.service.Service)."""
    _CONFS[str(id(conf))] = (conf, shared_host)
    try:
        return deploy.loadapp("config:" + paste_file(conf), name=name or pipeline_name(conf),
                              global_conf={"balancer_conf_id": str(id(conf))})
    finally:
        _CONFS.pop(str(id(conf)), None)


def find_service(app):
    """The Service inside a pipeline (each filter keeps ``.application``)."""
    while not hasattr(app, "service"):
        app = getattr(app, "application", None) or app.app
    return app.service
