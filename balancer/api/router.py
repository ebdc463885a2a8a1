"""The route table, written out: every URL the API serves, in one place.

Paths and methods are the original's (no version prefix).  A path that
exists with another method answers 405 with ``Allow``; anything else is 404.
"""

import json

import routes
import webob
import webob.dec
import webob.exc

from balancer.api import metrics
from balancer.api.middleware import faults, url
from balancer.api.v1 import access, devices, load_balancers, members, operations, operator

LB = "/{tenant_id}/loadbalancers"
ONE_LB = LB + "/{lb_id}"

# (method, path, controller name, action)
ROUTES = [
    ("GET", LB, "lbs", "index"),
    ("POST", LB, "lbs", "create"),
    ("GET", LB + "/find_for_VM/{vm_id}", "lbs", "find_for_vm"),
    ("GET", ONE_LB, "lbs", "show"),
    ("PUT", ONE_LB, "lbs", "update"),
    ("DELETE", ONE_LB, "lbs", "delete"),
    ("GET", ONE_LB + "/details", "lbs", "details"),
    ("PUT", ONE_LB + "/nodes/{child_id}/{status}", "nodes", "change_status"),
]
for _path, _name, _updatable in (("nodes", "nodes", True),
                                 ("healthMonitoring", "monitors", False),
                                 ("sessionPersistence", "stickies", False),
                                 ("virtualIps", "vips", True)):
    ROUTES += [("GET", ONE_LB + "/" + _path, _name, "index"),
               ("POST", ONE_LB + "/" + _path, _name, "create"),
               ("GET", ONE_LB + "/" + _path + "/{child_id}", _name, "show"),
               ("DELETE", ONE_LB + "/" + _path + "/{child_id}", _name, "delete")]
    if _updatable:
        ROUTES.append(("PUT", ONE_LB + "/" + _path + "/{child_id}", _name, "update"))
ROUTES += [
    ("GET", ONE_LB + "/accessList", "access", "index"),
    ("POST", ONE_LB + "/accessList", "access", "create"),
    ("DELETE", ONE_LB + "/accessList/{item_id}", "access", "delete"),
    ("GET", ONE_LB + "/connectionThrottle", "throttle", "show"),
    ("PUT", ONE_LB + "/connectionThrottle", "throttle", "update"),
    ("DELETE", ONE_LB + "/connectionThrottle", "throttle", "delete"),
]
ROUTES += [
    ("GET", "/devices", "devices", "index"),
    ("POST", "/devices", "devices", "create"),
    ("GET", "/devices/{device_id}", "devices", "show"),
    ("PUT", "/devices/{device_id}", "devices", "update"),
    ("DELETE", "/devices/{device_id}", "devices", "delete"),
    ("GET", "/devices/{device_id}/info", "devices", "info"),
    ("GET", "/devices/{device_id}/loadbalancers", "devices", "loadbalancers"),
    ("GET", "/deploys", "deploys", "index"),
    ("GET", "/algorithms", "capabilities", "algorithms"),
    ("GET", "/protocols", "capabilities", "protocols"),
    # after /devices/{device_id}: a tenant named "devices" is not served here
    ("GET", ONE_LB + "/stats", "stats", "show"),
    ("GET", "/{tenant_id}/limits", "limits", "show"),
    ("PUT", "/{tenant_id}/limits", "limits", "update"),
    ("DELETE", "/{tenant_id}/limits", "limits", "delete"),
    ("GET", "/metrics", "metrics", "show"),
]

CONTROLLERS = {
    "lbs": load_balancers.LoadBalancersController,
    "nodes": members.NodesController,
    "monitors": members.MonitorsController,
    "stickies": members.StickiesController,
    "vips": members.VipsController,
    "access": access.AccessListController,
    "throttle": access.ThrottleController,
    "devices": devices.DevicesController,
    "capabilities": devices.CapabilitiesController,
    "stats": operations.StatsController,
    "limits": operations.LimitsController,
    "metrics": operations.MetricsController,
    "deploys": operator.DeploysController,
}


def build_mappers():
    """One mapper with methods (dispatch) and one without (for 405)."""
    by_method, by_path = routes.Mapper(), routes.Mapper()
    allowed = {}
    for method, path, name, action in ROUTES:
        by_method.connect(path, controller=name, action=action, path_template=path,
                          conditions={"method": [method]})
        if path not in allowed:
            by_path.connect(path, path_template=path)
        allowed.setdefault(path, []).append(method)
    return by_method, by_path, allowed


class Router:
    def __init__(self, service, authorizer, max_body):
        self.controllers = {name: cls(service, authorizer, max_body)
                            for name, cls in CONTROLLERS.items()}
        self.by_method, self.by_path, self.allowed = build_mappers()

    @webob.dec.wsgify
    def __call__(self, req):
        url.check(req.environ)
        path = req.path_info.rstrip("/") or "/"
        match = self.by_method.match(path, environ={"REQUEST_METHOD": req.method})
        if match is None:
            return faults.response_for(self._no_route(req, path))
        req.environ[metrics.ROUTE_KEY] = match["path_template"]
        args = {k: v for k, v in match.items()
                if k not in ("controller", "action", "path_template")}
        controller = self.controllers[match["controller"]]
        status, data = getattr(controller, match["action"])(req, **args)
        if isinstance(data, webob.Response):
            return data      # not JSON (/metrics)
        return json_response(status, data)

    def _no_route(self, req, path):
        found = self.by_path.match(path)
        if found is None:
            return webob.exc.HTTPNotFound("no route for %s %s" % (req.method, path))
        methods = self.allowed[found["path_template"]]
        error = webob.exc.HTTPMethodNotAllowed(
            "%s is not allowed on %s (allowed: %s)" % (req.method, path, ", ".join(methods)))
        error.headers["Allow"] = ", ".join(methods)
        return error


def json_response(status, data):
    response = webob.Response(status=status)
    if status == 204 or data is None:
        response.content_type = None
        return response
    response.content_type = "application/json"
    response.charset = "utf-8"
    response.text = json.dumps(data)
    return response
