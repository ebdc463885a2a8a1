"""Builds the request context every controller and the core receive.

Behind ``authtoken`` (the Keystone pipeline) the identity comes from the
headers keystonemiddleware sets (``X-Identity-Status``, ``X-Project-Id``,
``X-Roles``...; the original's ``X-Tenant-*`` names are read too) and an
unconfirmed token is a 401.  Without ``authtoken`` (the default pipeline, as
in the seed README) every request acts as an admin, for a DevBox.
"""

import webob.dec
from oslo_context import context

from balancer.api.middleware import request_id
from balancer.core import exceptions

ENV_KEY = "balancer.context"


class RequestContext(context.RequestContext):
    """oslo.context's context; ``authenticated`` tells noauth apart."""

    def __init__(self, authenticated=True, **kwargs):
        super().__init__(**kwargs)
        self.authenticated = authenticated


def _header(req, *names):
    for name in names:
        value = req.headers.get(name)
        if value:
            return value
    return None


def from_headers(req):
    """The context for a request that went through keystonemiddleware."""
    if req.headers.get("X-Identity-Status", "").lower() != "confirmed":
        raise exceptions.NotAuthenticated("the authentication token is missing, "
                                          "invalid or expired")
    roles = [r.strip() for r in (_header(req, "X-Roles", "X-Role") or "").split(",")
             if r.strip()]
    return RequestContext(
        user_id=_header(req, "X-User-Id", "X-User"),
        user_name=_header(req, "X-User-Name", "X-User"),
        project_id=_header(req, "X-Project-Id", "X-Tenant-Id", "X-Tenant"),
        project_name=_header(req, "X-Project-Name", "X-Tenant-Name"),
        roles=roles, is_admin="admin" in [r.lower() for r in roles],
        auth_token=_header(req, "X-Auth-Token", "X-Storage-Token"),
        request_id=req.environ.get(request_id.ENV_KEY))


def noauth(req):
    return RequestContext(authenticated=False, is_admin=True, roles=["admin"],
                          user_id="noauth", request_id=req.environ.get(request_id.ENV_KEY))


class ContextMiddleware:
    def __init__(self, application):
        self.application = application

    @webob.dec.wsgify
    def __call__(self, req):
        keystone = "keystone.token_info" in req.environ or \
            "X-Identity-Status" in req.headers
        req.environ[ENV_KEY] = from_headers(req) if keystone else noauth(req)
        return req.get_response(self.application)


def filter_factory(global_conf, **local_conf):
    return ContextMiddleware
