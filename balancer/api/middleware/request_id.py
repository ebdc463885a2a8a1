"""Gives every request an id, returned as ``X-Openstack-Request-Id`` and
shown in the log lines of that request."""

import uuid

import webob.dec

HEADER = "X-Openstack-Request-Id"
ENV_KEY = "openstack.request_id"


class RequestId:
    def __init__(self, application):
        self.application = application

    @webob.dec.wsgify
    def __call__(self, req):
        request_id = "req-" + str(uuid.uuid4())
        req.environ[ENV_KEY] = request_id
        response = req.get_response(self.application)
        response.headers[HEADER] = request_id
        return response


def filter_factory(global_conf, **local_conf):
    return RequestId
