"""``[filter:dashboard_session]``: who the page is signed in as.

``GET /dashboard/api/session`` sits behind authtoken and the context filter
(etc/balancer-api-paste.ini), so it needs a token like every API call: the
page sends a token the user pasted (or got from ``POST /dashboard/signin``)
and learns its project, user and roles; a bad token is the pipeline's usual
JSON 401.  On the noauth pipeline the answer says ``authenticated: false``
and the page lets the user pick the tenant.  Whether the operator pages
show is not decided here: the page asks ``GET /devices`` and policy answers.
"""

import json

import webob
import webob.dec
import webob.exc

from balancer.api.middleware import context, faults

PATH = "/dashboard/api/session"


class DashboardSession:
    def __init__(self, application):
        self.application = application

    @webob.dec.wsgify
    def __call__(self, req):
        # the raw WSGI path: never decoded here (see static_files.py)
        if req.environ.get("PATH_INFO", "").rstrip("/") != PATH:
            return req.get_response(self.application)
        if req.method not in ("GET", "HEAD"):
            error = webob.exc.HTTPMethodNotAllowed("only GET answers %s" % PATH)
            error.headers["Allow"] = "GET, HEAD"
            return faults.response_for(error)
        ctx = req.environ[context.ENV_KEY]
        body = {"authenticated": ctx.authenticated, "project_id": ctx.project_id,
                "project_name": ctx.project_name, "user_name": ctx.user_name,
                "roles": list(ctx.roles or [])}
        response = webob.Response(content_type="application/json", charset="utf-8",
                                  cache_control="no-store")
        response.text = json.dumps(body)
        return response


def filter_factory(global_conf, **local_conf):
    return DashboardSession
