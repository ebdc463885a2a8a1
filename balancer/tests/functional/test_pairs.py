"""Active/standby pairs through the API (noop devices): the pairing
contract, placement on a pair, deploys to both, a side that is down."""

from balancer.tests.functional import helpers

# a VRRP password: in SECRETS' spirit it must never come back (checked below)
AUTH = "pa1rpw"


def pair(api, **values):
    """Two noop devices paired through ``PUT /devices/A``."""
    first = api.add_device(name="a", vrrp_interface="eth1", vrrp_priority="150")
    second = api.add_device(name="b")
    body = dict({"peer_id": second["id"], "vrrp_router_id": "51", "vrrp_auth": AUTH},
                **values)
    shown = api.put_json("/devices/%s" % first["id"], body).json["device"]
    return shown, api.get("/devices/%s" % second["id"]).json["device"]


def test_pairing_is_symmetric_and_unpairs(api):
    first, second = pair(api)
    assert first["ha"] == {"peer_id": second["id"], "role": "UNKNOWN", "behind": False}
    assert second["ha"]["peer_id"] == first["id"]
    assert first["vrrp_router_id"] == second["vrrp_router_id"] == 51
    assert second["vrrp_interface"] == "eth1"       # taken from the peer
    assert first["vrrp_priority"] == 150 and second["vrrp_priority"] is None
    assert first["has_vrrp_auth"] is second["has_vrrp_auth"] is True
    stored = helpers.sql(api, "SELECT vrrp_auth FROM device")
    assert all(AUTH not in token and api.service.secrets.decrypt(token) == AUTH
               for (token,) in stored)
    for path in ("/devices", "/devices/%s" % first["id"]):
        assert AUTH not in api.get(path).text
    api.put_json("/devices/%s" % second["id"], {"peer_id": None})
    for device in (first, second):
        assert api.get("/devices/%s" % device["id"]).json["device"]["ha"] is None


def test_role_is_read_from_the_box(api):
    first = api.add_device(name="a", vrrp_interface="eth0", noop_vrrp_role="MASTER")
    second = api.add_device(name="b", noop_vrrp_role="nonsense")
    api.put_json("/devices/%s" % first["id"], {"peer_id": second["id"], "vrrp_router_id": 9})
    assert api.get("/devices/%s" % first["id"]).json["device"]["ha"]["role"] == "MASTER"
    assert api.get("/devices/%s" % second["id"]).json["device"]["ha"]["role"] == "UNKNOWN"


def test_pairing_refusals_say_why_and_change_nothing(api):
    first, second = pair(api)
    third = api.add_device(name="c", vrrp_interface="eth0")
    before = helpers.table_dump(api)
    resp = api.put_json("/devices/%s" % third["id"], {"peer_id": third["id"],
                                                     "vrrp_router_id": 7}, status=409)
    assert "itself" in helpers.error_of(resp, 409, field="peer_id")["message"]
    resp = api.put_json("/devices/%s" % third["id"], {"peer_id": first["id"],
                                                     "vrrp_router_id": 7}, status=409)
    assert "already paired" in helpers.error_of(resp, 409, field="peer_id")["message"]
    resp = api.put_json("/devices/%s" % first["id"], {"peer_id": third["id"]}, status=409)
    assert "already paired" in helpers.error_of(resp, 409, field="peer_id")["message"]
    helpers.sql(api, "UPDATE device SET type = 'OTHER' WHERE id = :id", id=third["id"])
    fourth = api.add_device(name="d", vrrp_interface="eth0")
    resp = api.put_json("/devices/%s" % fourth["id"], {"peer_id": third["id"],
                                                      "vrrp_router_id": 8}, status=409)
    assert "another type" in helpers.error_of(resp, 409, field="peer_id")["message"]
    helpers.sql(api, "UPDATE device SET type = 'NOOP' WHERE id = :id", id=third["id"])
    resp = api.put_json("/devices/%s" % fourth["id"], {"peer_id": third["id"],
                                                      "vrrp_router_id": 51}, status=409)
    assert "51" in helpers.error_of(resp, 409, field="vrrp_router_id")["message"]
    resp = api.put_json("/devices/%s" % fourth["id"], {"peer_id": third["id"]}, status=400)
    helpers.error_of(resp, 400, field="vrrp_router_id")
    for bad in ({"vrrp_router_id": 0}, {"vrrp_router_id": 256}, {"vrrp_auth": "has space"},
                {"vrrp_auth": "toolongpassword"}, {"peer_id": "no such"}):
        helpers.error_of(api.put_json("/devices/%s" % fourth["id"], bad, status=400), 400)
    resp = api.put_json("/devices/%s" % fourth["id"], {"peer_id": "f" * 32,
                                                      "vrrp_router_id": 9}, status=400)
    helpers.error_of(resp, 400, field="peer_id")
    peers = dict(helpers.sql(api, "SELECT id, peer_id FROM device"))
    assert peers == {first["id"]: second["id"], second["id"]: first["id"],
                     third["id"]: None, fourth["id"]: None}
    assert helpers.table_dump(api)["loadbalancer"] == before["loadbalancer"]


def test_post_pairs_a_new_device(api):
    first = api.add_device(name="a", vrrp_interface="eth0")
    second = api.add_device(name="b", peer_id=first["id"], vrrp_router_id=3)
    assert second["ha"]["peer_id"] == first["id"]
    assert api.get("/devices/%s" % first["id"]).json["device"]["ha"]["peer_id"] == second["id"]
    resp = api.post_json("/devices", {"name": "c", "type": "noop", "ip": "127.0.0.1",
                                      "peer_id": first["id"], "vrrp_router_id": 4},
                         status=409)
    helpers.error_of(resp, 409, field="peer_id")
    assert helpers.row_counts(api)["device"] == 2


def test_a_pair_is_one_target_and_both_get_every_deploy(api):
    first, second = pair(api)
    lone = api.add_device(name="lone")
    lb = helpers.create_lb(api, name="on-pair")     # empty targets: the oldest wins
    assert lb["status"] == "ACTIVE"
    anchor = min(first["id"], second["id"])
    assert lb["device_id"] == anchor
    # the pair's load is its members' load: the next goes to the lone device
    assert helpers.create_lb(api, name="on-lone")["device_id"] == lone["id"]
    for device_id in (first["id"], second["id"]):
        driver = api.driver(device_id)
        assert [r.id for r in driver.deploys[-1]] == [lb["id"]]
        sent = driver.pairs[-1]
        assert sent.local.id == device_id and sent.router_id == 51 and sent.auth == AUTH
    assert api.driver(first["id"]).deploys[-1] == api.driver(second["id"]).deploys[-1]
    assert api.driver(first["id"]).pairs[-1].local.priority == 150
    assert not api.driver(lone["id"]).pairs


def test_both_boxes_get_the_anchors_vrrp_settings(api):
    first = api.add_device(name="a", vrrp_interface="eth1", vrrp_version="3",
                           vrrp_advert_int="0.5", vrrp_down_adverts="4", ha_peers_port="7000")
    # the second box says otherwise: keepalived on both must agree, so the
    # anchor's (the smaller id) settings win on both
    second = api.add_device(name="b", vrrp_version=2, vrrp_down_adverts=3)
    api.put_json("/devices/%s" % first["id"], {"peer_id": second["id"], "vrrp_router_id": 8})
    anchor_first = first["id"] < second["id"]
    helpers.create_lb(api, name="on-pair", device_id=first["id"])
    sent = [api.driver(d["id"]).pairs[-1] for d in (first, second)]
    want = (3, 0.5, 4, 7000) if anchor_first else (2, 1.0, 3, 7777)
    for pair_sent in sent:
        assert (pair_sent.vrrp_version, pair_sent.advert_int, pair_sent.down_adverts,
                pair_sent.peers_port) == want, pair_sent
    # without the setting, a backup takes over after 2 missed adverts
    third = api.add_device(name="c", vrrp_interface="eth1")
    fourth = api.add_device(name="d")
    api.put_json("/devices/%s" % third["id"], {"peer_id": fourth["id"], "vrrp_router_id": 9})
    helpers.create_lb(api, name="on-other", device_id=third["id"])
    assert api.driver(third["id"]).pairs[-1].down_adverts == 2
    bad = api.put_json("/devices/%s" % third["id"], {"vrrp_down_adverts": 1}, status=400)
    helpers.error_of(bad, 400, field="vrrp_down_adverts")


def test_capabilities_of_both_members_count(api):
    first = api.add_device(name="a", vrrp_interface="eth0",
                           capabilities={"algorithms": ["ROUND_ROBIN", "LEAST_CONNECTION"]})
    api.add_device(name="b", peer_id=first["id"], vrrp_router_id=5,
                   capabilities={"algorithms": ["ROUND_ROBIN"]})
    resp = helpers.create_lb(api, algorithm="LEAST_CONNECTION", status=409)
    assert "LEAST_CONNECTION" in resp["error"]["message"]
    assert helpers.create_lb(api)["status"] == "ACTIVE"


def test_a_down_side_leaves_the_lb_active_and_catches_up(api):
    first, second = pair(api)
    lb = helpers.create_lb(api)
    api.put_json("/devices/%s" % second["id"], {"noop_down": "link cut"})
    node = api.post_json(helpers.lb_url("t1", lb["id"], "nodes"),
                         {"nodes": [helpers.node_body(address="10.0.0.9")]}).json
    assert node["nodes"]
    shown = api.get(helpers.lb_url("t1", lb["id"])).json["loadbalancer"]
    assert shown["status"] == "ACTIVE"
    assert second["id"] in shown["statusDescription"]
    assert "10.0.0.9" in {n.address for n in helpers.last_deploy(api, first["id"],
                                                                  lb["id"]).nodes}
    assert api.get("/devices/%s" % second["id"]).json["device"]["ha"]["behind"] is True
    assert "link cut" not in shown["statusDescription"]     # the operator's text
    # the pending sweep keeps asking for the box that is behind
    assert second["id"] in api.service.reconciler.sweep_pending()
    # the box answers again: the next deploy (here the device update's)
    # brings it up to date
    api.put_json("/devices/%s" % second["id"], {"noop_down": ""})
    assert second["id"] not in api.service.reconciler.sweep_pending()
    assert "10.0.0.9" in {n.address for n in helpers.last_deploy(api, second["id"],
                                                                  lb["id"]).nodes}
    shown = api.get(helpers.lb_url("t1", lb["id"])).json["loadbalancer"]
    assert shown["status"] == "ACTIVE" and not shown.get("statusDescription")
    assert api.get("/devices/%s" % second["id"]).json["device"]["ha"]["behind"] is False


def test_both_sides_down_is_an_error(api):
    first, second = pair(api)
    lb = helpers.create_lb(api)
    for device in (first, second):
        api.put_json("/devices/%s" % device["id"], {"noop_down": "gone"})
    api.put_json(helpers.lb_url("t1", lb["id"]), {"name": "renamed"}, status=202)
    assert api.get(helpers.lb_url("t1", lb["id"])).json["loadbalancer"]["status"] == "ERROR"


def test_deleting_a_member_unpairs_and_the_peer_serves_alone(api):
    first, second = pair(api)
    lb = helpers.create_lb(api)
    anchor = lb["device_id"]
    other = second["id"] if anchor == first["id"] else first["id"]
    before = api.driver(anchor).deploy_count
    api.delete("/devices/%s" % other, status=204)
    assert api.get("/devices/%s" % anchor).json["device"]["ha"] is None
    assert api.driver(anchor).deploy_count == before + 1      # deployed alone
    resp = api.delete("/devices/%s" % anchor, status=409)
    assert lb["id"] in helpers.error_of(resp, 409)["message"]


def test_a_driver_without_pair_support_cannot_pair(api, monkeypatch):
    from balancer.drivers import noop
    monkeypatch.setattr(noop.NoopDriver, "supports_pairs", False)
    first = api.add_device(name="a", vrrp_interface="eth0")
    second = api.add_device(name="b")
    resp = api.put_json("/devices/%s" % first["id"], {"peer_id": second["id"],
                                                     "vrrp_router_id": 5}, status=409)
    assert "cannot be paired" in helpers.error_of(resp, 409, field="peer_id")["message"]
    assert api.get("/devices/%s" % second["id"]).json["device"]["ha"] is None


def test_a_device_id_of_either_member_places_on_the_pair(api):
    first, second = pair(api)
    anchor = min(first["id"], second["id"])
    other = max(first["id"], second["id"])
    lb = helpers.create_lb(api, device_id=other)
    assert lb["status"] == "ACTIVE" and lb["device_id"] == anchor
    assert [r.id for r in api.driver(other).deploys[-1]] == [lb["id"]]
