"""``[filter:dashboard]``: the dashboard's files, before authentication.

Sits in front of ``authtoken`` in both pipelines (etc/balancer-api-paste.ini)
and answers only its own paths, so the page loads without a token while
every API call the page makes still goes through authtoken and policy:

- ``/dashboard`` and ``/dashboard/``: the page (``static/index.html``);
- ``/dashboard/static/<file>``: its stylesheet and ES modules;
- ``POST /dashboard/signin``: a user name and password exchanged for a
  Keystone token (balancer/dashboard/signin.py).

Everything else, ``/dashboard/api/session`` included, goes on down the
pipeline.  A tenant whose id is ``dashboard`` keeps its routes
(``/dashboard/loadbalancers``): only the paths above are taken.  The files
are read once, when the pipeline is built; each answer carries an ETag and a
Content-Security-Policy that allows nothing from other origins.
"""

import hashlib
import os
import re

import webob
import webob.dec
import webob.exc

from balancer.api import app as api_app
from balancer.api.middleware import faults
from balancer.core import exceptions
from balancer.dashboard import signin

STATIC_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "static")
PREFIX = "/dashboard"
CONTENT_TYPES = {".html": "text/html", ".css": "text/css", ".js": "text/javascript",
                 ".svg": "image/svg+xml", ".png": "image/png", ".ico": "image/x-icon"}
SAFE_NAME = re.compile(r"[A-Za-z0-9_\-]+(?:/[A-Za-z0-9_\-]+)*\.[a-z]+\Z")
SECURITY_HEADERS = [
    ("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; "
                                "style-src 'self'; script-src 'self'; connect-src 'self'; "
                                "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
]


def load_files(directory=STATIC_DIR):
    """{relative path: (content type, bytes, etag)} of every servable file."""
    files = {}
    for root, _dirs, names in os.walk(directory):
        for name in names:
            path = os.path.join(root, name)
            relative = os.path.relpath(path, directory).replace(os.sep, "/")
            kind = CONTENT_TYPES.get(os.path.splitext(name)[1])
            if kind is None or not SAFE_NAME.match(relative):
                continue
            with open(path, "rb") as handle:
                data = handle.read()
            files[relative] = (kind, data, '"%s"' % hashlib.sha256(data).hexdigest()[:32])
    return files


class DashboardFiles:
    def __init__(self, application, conf, files=None):
        self.application = application
        self.conf = conf
        self.files = load_files() if files is None else files

    @webob.dec.wsgify
    def __call__(self, req):
        # the raw WSGI path (bytes as latin-1): decoding it here would turn
        # a path that is not UTF-8 into a 500 before the router's JSON 400
        path = req.environ.get("PATH_INFO", "")
        if not path.startswith(PREFIX) or not self.conf.dashboard.enabled:
            return req.get_response(self.application)
        rest = path[len(PREFIX):]
        if rest == "":
            return webob.exc.HTTPMovedPermanently(location=req.script_name + PREFIX + "/")
        if rest in ("/", "/index.html"):
            return self._file(req, "index.html")
        if rest.startswith("/static/"):
            return self._file(req, rest[len("/static/"):])
        if rest == "/signin":
            return signin.answer(req, self.conf)
        return req.get_response(self.application)

    def _file(self, req, name):
        if req.method not in ("GET", "HEAD"):
            error = webob.exc.HTTPMethodNotAllowed("only GET and HEAD serve the dashboard")
            error.headers["Allow"] = "GET, HEAD"
            return faults.response_for(error)
        found = self.files.get(name)
        if found is None:
            return faults.response_for(exceptions.NotFound("no dashboard file %s" % name))
        kind, data, etag = found
        if etag.strip('"') in req.if_none_match:
            response = webob.Response(status=304)
            response.content_type = None
        else:
            response = webob.Response(content_type=kind, body=data,
                                      charset="utf-8" if kind.startswith("text/") else None)
        response.headers.extend(SECURITY_HEADERS)
        response.etag = etag.strip('"')
        response.cache_control = "no-cache"       # revalidate: cheap with the ETag
        return response


def filter_factory(global_conf, **local_conf):
    conf = api_app.conf_for(global_conf)
    if conf is None:            # a paste file loaded by another tool
        from balancer import conf as balancer_conf
        conf = balancer_conf.make_conf()
        conf([], project="balancer", default_config_files=[])

    def make(application):
        return DashboardFiles(application, conf)
    return make
