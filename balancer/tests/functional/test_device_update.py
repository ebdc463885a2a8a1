"""PUT /devices/{id}: operators change credentials, paths and pinned keys."""

from balancer.tests.functional import helpers


def test_update_changes_fields_hides_secrets_and_redeploys(api):
    device = api.add_device(interface="eth0")
    lb = helpers.create_lb(api, device_id=device["id"])
    changed = api.put_json("/devices/%s" % device["id"],
                           {"password": "s3cret", "port": "2222", "interface": "eth1",
                            "name": "renamed"}).json["device"]
    assert (changed["port"], changed["interface"], changed["name"]) == (2222, "eth1",
                                                                       "renamed")
    assert "password" not in changed and changed["has_password"] is True
    # a new driver (new settings) carried the device's load balancers again
    driver = api.driver(device["id"])
    assert driver.device.port == 2222 and driver.device.password == "s3cret"
    assert driver.deploys and lb["id"] in driver.live


def test_host_key_can_be_forgotten_and_set(api):
    device = api.add_device(host_key="ssh-ed25519 AAAAold")
    assert api.get("/devices/%s" % device["id"]).json["device"]["host_key"] == \
        "ssh-ed25519 AAAAold"
    forgotten = api.put_json("/devices/%s" % device["id"], {"host_key": None}).json["device"]
    assert forgotten["host_key"] is None
    pinned = api.put_json("/devices/%s" % device["id"],
                          {"host_key": "ssh-ed25519 AAAAnew"}).json["device"]
    assert pinned["host_key"] == "ssh-ed25519 AAAAnew"


def test_update_refuses_type_ids_and_bad_values_and_changes_nothing(api):
    device = api.add_device()
    before = api.get("/devices/%s" % device["id"]).json
    for body, field in (({"type": "haproxy"}, "type"), ({"id": "x"}, "id"),
                        ({"port": "99999"}, "port"), ({"socket": "rel/path"}, "socket")):
        helpers.error_of(api.put_json("/devices/%s" % device["id"], body, status=400),
                         400, field)
    assert api.get("/devices/%s" % device["id"]).json == before
    api.put_json("/devices/nope", {"name": "x"}, status=404)
