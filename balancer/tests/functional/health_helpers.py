"""What the device health tests share: a probe pass and the views they read."""

from balancer.tests.functional import helpers


def probe(api):
    return api.service.prober.run_once()


def show(api, device):
    return api.get("/devices/%s" % device["id"]).json["device"]


def listed(api, device):
    return [d for d in api.get("/devices").json["devices"] if d["id"] == device["id"]][0]


def set_keys(api, device, **keys):
    api.put_json("/devices/%s" % device["id"], keys)


def lb_status(api, lb, tenant="t1"):
    return api.get(helpers.lb_url(tenant, lb["id"])).json["loadbalancer"]["operatingStatus"]
