"""Builds the request context every controller and the core receive.

Behind ``authtoken`` (the Keystone pipeline) the identity comes from the
headers keystonemiddleware sets; oslo.context reads them (``X-Project-Id``
and the original's ``X-Tenant-Id``/``X-Tenant``, ``X-User-Id``, ``X-Roles``
or the original's ``X-Role``...).  Only ``X-Identity-Status: Confirmed``
makes a user: anything else (``delay_auth_decision`` passing an invalid or
missing token through) is a 401, never a 500 as in the original.

Without ``authtoken`` (the default pipeline, as in the original's README) every
request acts as an admin, for a DevBox.  The decision is fail-closed: Keystone
mode is chosen when our authtoken filter marked the request, or when any
sign of keystonemiddleware is present, so a pipeline that uses the upstream
filter directly still never falls back to "everyone is admin".
"""

import webob.dec
from oslo_context import context

from balancer.api.middleware import request_id
from balancer.core import exceptions

ENV_KEY = "balancer.context"
#: set by balancer.api.middleware.auth before keystonemiddleware runs; a
#: client cannot set WSGI environ keys, only headers
AUTH_KEY = "balancer.auth_strategy"


class RequestContext(context.RequestContext):
    """oslo.context's context; ``authenticated`` tells noauth apart."""

    def __init__(self, authenticated=True, **kwargs):
        super().__init__(**kwargs)
        self.authenticated = authenticated


def behind_keystone(environ):
    """Whether keystonemiddleware handled this request."""
    return (environ.get(AUTH_KEY) == "keystone"
            or "keystone.token_auth" in environ
            or "HTTP_X_IDENTITY_STATUS" in environ)


def from_headers(environ):
    """The context of a request keystonemiddleware confirmed; 401 otherwise."""
    if environ.get("HTTP_X_IDENTITY_STATUS", "").lower() != "confirmed":
        raise exceptions.NotAuthenticated(
            "The authentication token is missing, invalid or expired.")
    ctx = RequestContext.from_environ(
        environ, request_id=environ.get(request_id.ENV_KEY) or context.generate_request_id())
    if not ctx.user_name:
        ctx.user_name = environ.get("HTTP_X_USER")        # the original's user name
    # informational (policy decides with role:admin); a token that is not
    # project scoped simply owns no project, so policy refuses it with 403
    ctx.is_admin = "admin" in [r.lower() for r in ctx.roles]
    return ctx


def noauth(environ):
    """The DevBox identity: an administrator of every project."""
    return RequestContext(authenticated=False, is_admin=True, roles=["admin"],
                          user_id="noauth", user_name="noauth",
                          request_id=environ.get(request_id.ENV_KEY)
                          or context.generate_request_id())


class ContextMiddleware:
    """Puts the context in ``environ["balancer.context"]`` for the controllers."""

    def __init__(self, application):
        self.application = application

    @webob.dec.wsgify
    def __call__(self, req):
        environ = req.environ
        environ[ENV_KEY] = from_headers(environ) if behind_keystone(environ) \
            else noauth(environ)
        return req.get_response(self.application)


def filter_factory(global_conf, **local_conf):
    return ContextMiddleware
