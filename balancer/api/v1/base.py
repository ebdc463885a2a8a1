"""What every controller shares: the context, the policy check, the body."""

from balancer.api.middleware import context as context_mw
from balancer.api.schemas import document
from balancer.core import exceptions

JSON_TYPES = ("application/json", "")


class Controller:
    """Controllers validate, call the core, and shape the answer; nothing else."""

    #: the policy rule guarding every action of this controller
    rule = "balancer:loadbalancer"
    #: also needed by every request but GET and HEAD (a reader may only
    #: read; balancer/api/policy.py); None: ``rule`` alone decides
    write_rule = "balancer:loadbalancer:write"
    READ_METHODS = ("GET", "HEAD")

    def __init__(self, service, authorizer, max_body):
        self.service = service
        self.authorizer = authorizer
        self.max_body = max_body

    def context(self, req, tenant_id=None):
        """The request context, once policy allows it on ``tenant_id``."""
        ctx = req.environ.get(context_mw.ENV_KEY) or context_mw.noauth(req)
        self.authorizer.authorize(ctx, self.rule, tenant_id)
        if self.write_rule and req.method not in self.READ_METHODS:
            self.authorizer.authorize(ctx, self.write_rule, tenant_id)
        return ctx

    def body(self, req):
        """The request's JSON document (400/413/415 when it is not one)."""
        if req.content_length and req.content_length > self.max_body:
            raise RequestTooLarge("request body is larger than %d bytes" % self.max_body)
        raw = req.body_file.read(self.max_body + 1)
        if len(raw) > self.max_body:
            raise RequestTooLarge("request body is larger than %d bytes" % self.max_body)
        if not raw.strip():
            raise exceptions.Invalid("a JSON request body is required", field="body")
        if req.content_type not in JSON_TYPES:
            raise UnsupportedMediaType("send the body as application/json, not %s"
                                       % req.content_type)
        return document.parse(raw)

    @staticmethod
    def wrapped(body, key):
        """``body[key]`` of a wrapped request (``{"nodes": [...]}``)."""
        if not isinstance(body, dict) or key not in body:
            raise exceptions.Invalid('the body must be {"%s": ...}' % key, field=key)
        return body[key]


class RequestTooLarge(exceptions.BalancerError):
    code, title = 413, "Request Entity Too Large"


class UnsupportedMediaType(exceptions.BalancerError):
    code, title = 415, "Unsupported Media Type"
