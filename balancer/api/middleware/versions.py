"""``GET /``: the version document, as every OpenStack service answers it.

It is asked before any token is checked (a client discovers the API before
it authenticates; keystoneauth's discovery reads it), so the filter sits in
front of ``authtoken`` in both pipelines of etc/balancer-api-paste.ini.
The original balancer had a version controller that no pipeline used, so
``GET /`` answered nothing; here it lists the one API this service has.

The routes have no version prefix (the original's contract), so ``v1``'s
``self`` link is the root itself.  The answer is 200, as Octavia's is:
there is one version, nothing to choose between (300 is for choices).
See doc/source/api/index.rst, "Versions".
"""

import json

import webob
import webob.dec

from balancer import version

#: when the v1 API last changed in a way clients can see
UPDATED = "2026-12-02T00:00:00Z"


def document(root_url):
    """The versions document for a service reached at ``root_url``."""
    root = root_url.rstrip("/") + "/"
    return {"versions": [{
        "id": "v1",
        "status": "CURRENT",
        "updated": UPDATED,
        "version": "",           # no microversions
        "min_version": "",
        "service_version": version.VERSION,
        "links": [{"rel": "self", "href": root}],
        "media-types": [{"base": "application/json", "type": "application/json"}],
    }]}


class VersionsFilter:
    """Answers ``GET /`` and ``HEAD /``; every other request goes on."""

    def __init__(self, application):
        self.application = application

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO", "") in ("", "/") and \
                environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            return self.answer(environ, start_response)
        return self.application(environ, start_response)

    @webob.dec.wsgify
    def answer(self, req):
        response = webob.Response(status=200, content_type="application/json",
                                  charset="utf-8")
        response.text = json.dumps(document(req.application_url))
        return response


def filter_factory(global_conf, **local_conf):
    return VersionsFilter
