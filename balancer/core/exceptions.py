"""Errors the core raises; the API's fault middleware gives each its status.

The core never builds HTTP responses: it says *what* went wrong, and
``balancer.api.middleware.faults`` decides how that looks on the wire.
"""


class BalancerError(Exception):
    code = 500
    title = "Internal Server Error"

    def __init__(self, message=None, **details):
        super().__init__(message or self.title)
        self.message = message or self.title
        self.details = details


class Invalid(BalancerError):
    code, title = 400, "Bad Request"


class NotAuthenticated(BalancerError):
    code, title = 401, "Unauthorized"


class Forbidden(BalancerError):
    code, title = 403, "Forbidden"


class NotFound(BalancerError):
    code, title = 404, "Not Found"


class Conflict(BalancerError):
    code, title = 409, "Conflict"


class NoValidDevice(Conflict):
    """No registered device can serve what was asked for."""


class OverLimit(BalancerError):
    """A load balancer would grow past an operator's limit ([limits])."""
    code, title = 413, "Request Entity Too Large"


class Unavailable(BalancerError):
    """The service cannot do this as configured (e.g. no encryption key)."""
    code, title = 503, "Service Unavailable"
