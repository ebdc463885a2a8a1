"""The seed README's whole workflow, step by step, with what the device was
asked to serve after every step."""

from balancer.tests.conftest import seed_json
from balancer.tests.functional import helpers


def test_seed_flow_end_to_end(api):
    device = api.post_json("/devices", seed_json("createDeviceHAProxy", type="noop")).json[
        "device"]
    driver = api.driver(device["id"])
    lb = api.add_seed_lb(device_id=device["id"])
    url = helpers.lb_url("foo", lb["id"])

    def live():
        assert len(driver.deploys[-1]) == 1
        return driver.deploys[-1][0]

    assert lb["status"] == "ACTIVE" and driver.deploy_count == 1
    assert [(n.address, n.port, n.condition) for n in live().nodes] == [
        ("127.0.0.1", 8001, "ENABLED"), ("127.0.0.1", 8002, "ENABLED"),
        ("127.0.0.1", 8003, "ENABLED")]
    assert [(v.address, v.port, v.protocol) for v in live().vips] == [("0.0.0.0", 80, "HTTP")]

    listed = api.get("/foo/loadbalancers").json["loadbalancers"]
    assert [x["id"] for x in listed] == [lb["id"]]
    details = api.get(url + "/details").json
    assert details["name"] == "testLB001" and len(details["nodes"]) == 3

    node = api.post_json(url + "/nodes", {"nodes": [{"address": "127.0.0.1", "port": "8004",
                                                     "weight": "2"}]}).json["nodes"][0]
    assert [n.port for n in live().nodes] == [8001, 8002, 8003, 8004]
    api.put_json(url + "/nodes/" + node["id"], {"weight": "3"})
    assert live().nodes[-1].weight == 3
    api.put(url + "/nodes/%s/DISABLED" % node["id"])
    assert list(driver.condition_calls) == [(lb["id"], node["id"], "DISABLED", 3)]
    assert live().nodes[-1].condition == "DISABLED"
    api.delete(url + "/nodes/" + node["id"], status=204)
    assert [n.port for n in live().nodes] == [8001, 8002, 8003]

    monitor = api.post_json(url + "/healthMonitoring", {"healthMonitoring": {
        "type": "CONNECT", "delay": "5", "timeout": "2",
        "attemptsBeforeDeactivation": "2"}}).json["healthMonitoring"]
    assert [m.type for m in live().monitors] == ["ICMP", "HTTP", "CONNECT"]
    api.delete(url + "/healthMonitoring/" + monitor["id"], status=204)
    assert [m.type for m in live().monitors] == ["ICMP", "HTTP"]

    sticky = api.post_json(url + "/sessionPersistence",
                           {"type": "HTTP_COOKIE", "cookieName": "SID"}).json[
        "sessionPersistence"]
    assert [(s.type, s.cookie_name) for s in live().stickies] == [("HTTP_COOKIE", "SID")]
    api.delete(url + "/sessionPersistence/" + sticky["id"], status=204)
    assert live().stickies == ()

    vip = api.post_json(url + "/virtualIps", {"virtualIp": {
        "address": "10.0.0.100", "mask": "255.255.255.255", "port": "8080",
        "ipVersion": "IPv4", "type": "PUBLIC"}}).json["virtualIp"]
    assert [(v.address, v.port) for v in live().vips] == [("0.0.0.0", 80), ("10.0.0.100", 8080)]
    api.delete(url + "/virtualIps/" + vip["id"], status=204)
    assert [v.address for v in live().vips] == ["0.0.0.0"]

    updated = api.put_json(url, {"name": "testLB", "protocol": "HTTP", "transport": "TCP",
                                 "port": "8080", "algorithm": "ROUND_ROBIN"},
                           status=202).json["loadbalancer"]
    assert updated["status"] == "ACTIVE" and updated["port"] == "8080"
    assert (live().name, live().algorithm) == ("testLB", "ROUND_ROBIN")
    # the seed device declares RoundRobin only: nothing else can be scheduled
    api.put_json(url, {"algorithm": "LEAST_CONNECTION"}, status=409)

    deploys = driver.deploy_count
    api.delete(url, status=204)
    assert driver.deploys[-1] == [] and driver.deploy_count == deploys + 1
    assert api.get("/foo/loadbalancers").json == {"loadbalancers": []}
    api.delete("/devices/" + device["id"], status=204)
    assert helpers.row_counts(api) == dict.fromkeys(helpers.TABLES, 0)
