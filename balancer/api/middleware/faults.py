"""Every error leaves the service as JSON with one stable shape.

``{"error": {"code": 404, "title": "Not Found", "message": "..."}}`` — for the
core's exceptions, WebOb's HTTP errors, and anything unexpected (a 500 whose
body never carries a traceback; the traceback goes to the log).
"""

import json
import logging

import webob.dec
import webob.exc

from balancer.core import exceptions

LOG = logging.getLogger(__name__)


def error_response(code, title, message, headers=None, **details):
    body = {"error": dict({"code": code, "title": title, "message": message}, **details)}
    response = webob.Response(status=code, content_type="application/json",
                              charset="utf-8", headerlist=list(headers or []))
    response.content_type = "application/json"
    response.text = json.dumps(body)
    return response


def response_for(err):
    """The JSON response for any exception."""
    if isinstance(err, exceptions.BalancerError):
        return error_response(err.code, err.title, err.message, **err.details)
    if isinstance(err, webob.exc.HTTPException):
        headers = [(k, v) for k, v in err.headers.items()
                   if k.lower() in ("allow", "www-authenticate")]
        message = err.detail or err.explanation or err.title
        return error_response(err.code, err.title, message, headers)
    LOG.exception("unexpected error")
    return error_response(500, "Internal Server Error",
                          "The server failed to process the request; see its log.")


class FaultWrapper:
    """Paste filter turning exceptions from the rest of the pipeline into JSON."""

    def __init__(self, application):
        self.application = application

    @webob.dec.wsgify
    def __call__(self, req):
        try:
            response = req.get_response(self.application)
        except Exception as err:
            return response_for(err)
        if response.status_int >= 400 and response.content_type != "application/json":
            # an error page from a filter (e.g. authtoken) still leaves as JSON
            text = response.text if response.charset else ""
            return error_response(response.status_int,
                                  response.status.split(" ", 1)[-1],
                                  _first_line(text) or response.status,
                                  [(k, v) for k, v in response.headers.items()
                                   if k.lower() == "www-authenticate"])
        return response


def _first_line(text):
    for line in (text or "").splitlines():
        line = line.strip()
        if line and not line.startswith("<"):
            return line[:300]
    return ""


def filter_factory(global_conf, **local_conf):
    return FaultWrapper
