"""``operatingStatus`` on load balancers and devices, and the device's own
listeners in the VIP conflict check, with the noop driver.

The status words come from ``balancer.core.status``; the real HAProxy side
is in ``tests/integration/test_device_honesty.py``.
"""

from balancer.drivers import base
from balancer.tests.functional import helpers
from balancer.tests.functional.helpers import lb_url


def test_a_served_lb_is_online_and_a_never_served_one_offline(api, device):
    lb = helpers.create_lb(api)
    assert lb["status"] == "ACTIVE" and lb["operatingStatus"] == "ONLINE"
    listed = api.get(lb_url("t1")).json["loadbalancers"]
    assert [x["operatingStatus"] for x in listed] == ["ONLINE"]
    assert api.get(lb_url("t1", lb["id"], "details")).json["operatingStatus"] == "ONLINE"
    failing = api.add_device(name="failing", noop_fail="device exploded")
    broken = helpers.create_lb(api, device_id=failing["id"])
    assert broken["status"] == "ERROR" and broken["operatingStatus"] == "OFFLINE"


def test_device_observations_drive_the_lb_word(api, device):
    lb = helpers.create_lb(api)
    health = api.service.health
    health.observe(device["id"], base.Serving(answering=False, current=False))
    assert api.get(lb_url("t1", lb["id"])).json["loadbalancer"]["operatingStatus"] == "OFFLINE"
    assert api.get("/devices/%s" % device["id"]).json["device"]["operatingStatus"] == "OFFLINE"
    health.observe(device["id"], base.Serving(answering=True, current=False, stale=("other",)))
    assert api.get(lb_url("t1", lb["id"])).json["loadbalancer"]["operatingStatus"] == "ONLINE"
    health.observe(device["id"], base.Serving(answering=True, current=False, stale=(lb["id"],)))
    assert api.get(lb_url("t1", lb["id"])).json["loadbalancer"][
        "operatingStatus"] == "DEGRADED"
    health.observe(device["id"], None)           # the device could not be reached
    assert api.get(lb_url("t1", lb["id"])).json["loadbalancer"]["operatingStatus"] == "UNKNOWN"
    info = api.get("/devices/%s/info" % device["id"]).json["info"]
    assert info["operatingStatus"] == "ONLINE"   # info asks the device again


def test_vip_on_the_devices_own_listener_is_409_naming_nothing_else(api):
    device = api.add_device(name="stats", noop_reserved="10.0.0.9:8404, [::]:9000")
    for address, port in (("10.0.0.9", 8404), ("0.0.0.0", 8404), ("10.0.0.1", 9000)):
        vip = {"address": address, "port": port}
        resp = api.post_json(lb_url("t1"), helpers.lb_body(virtualIps=[vip],
                                                             device_id=device["id"]),
                             status=409)
        message = helpers.error_of(resp, 409)["message"]
        assert "reserved by the device" in message and device["id"] not in message
    assert helpers.sql(api, "SELECT count(*) FROM loadbalancer") == [(0,)]
    lb = helpers.create_lb(api, device_id=device["id"],
                           virtualIps=[{"address": "10.0.0.9", "port": 8405}])
    resp = api.post_json(lb_url("t1", lb["id"], "virtualIps"),
                         {"virtualIp": {"address": "10.0.0.9", "port": 8404}}, status=409)
    assert "reserved by the device" in helpers.error_of(resp, 409)["message"]
