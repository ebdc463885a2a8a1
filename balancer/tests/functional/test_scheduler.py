"""Which device serves a load balancer (the original's scheduler)."""

from balancer.tests.functional import helpers
from balancer.tests.functional.helpers import lb_url

ROUND_ROBIN_ONLY = {"algorithms": ["ROUND_ROBIN"], "protocols": ["HTTP"]}


def test_explicit_device_is_honoured(api):
    first, second = api.add_device(name="a"), api.add_device(name="b")
    for _ in range(2):
        assert helpers.create_lb(api, device_id=second["id"])["device_id"] == second["id"]
    assert list(api.driver(first["id"]).deploys) == []


def test_unknown_explicit_device_is_404_storing_nothing(api, device):
    empty = helpers.row_counts(api)
    resp = helpers.create_lb(api, status=404, device_id="f" * 32)
    assert "f" * 32 in resp["error"]["message"]
    assert helpers.row_counts(api) == empty


def test_explicit_device_that_cannot_serve_is_409(api):
    device = api.add_device(capabilities=ROUND_ROBIN_ONLY)
    empty = helpers.row_counts(api)
    helpers.create_lb(api, status=409, device_id=device["id"], algorithm="HASH_URI")
    helpers.create_lb(api, status=409, device_id=device["id"], protocol="TCP")
    assert helpers.row_counts(api) == empty


def test_explicit_broken_device_is_409(api, device):
    broken = helpers.add_broken_device(api)
    helpers.create_lb(api, status=409, device_id=broken)


def test_capabilities_filter_algorithm_and_protocol(api):
    limited = api.add_device(name="limited", capabilities=ROUND_ROBIN_ONLY)
    full = api.add_device(name="full")
    assert helpers.create_lb(api, algorithm="LEAST_CONNECTION")["device_id"] == full["id"]
    assert helpers.create_lb(api, protocol="TCP")["device_id"] == full["id"]
    assert helpers.create_lb(api)["device_id"] == limited["id"]     # fewer ACTIVE


def test_fewest_active_wins(api):
    devices = [api.add_device(name="d%d" % i)["id"] for i in range(3)]
    placed = [helpers.create_lb(api)["device_id"] for _ in range(6)]
    assert placed == devices + devices
    # an ERROR load balancer does not count as load
    failing = api.add_device(name="failing", noop_fail="down")
    assert helpers.create_lb(api)["device_id"] == failing["id"]
    assert helpers.create_lb(api)["device_id"] == failing["id"]


def test_broken_device_is_skipped(api):
    helpers.add_broken_device(api)
    device = api.add_device()
    assert [helpers.create_lb(api)["device_id"] for _ in range(2)] == [device["id"]] * 2


def test_update_keeps_the_device_when_it_still_serves(api):
    first = api.add_device(name="a")
    api.add_device(name="b")
    lb = helpers.create_lb(api)
    moved = api.put_json(lb_url("t1", lb["id"]), {"algorithm": "HASH_SOURCE"}).json
    assert moved["loadbalancer"]["device_id"] == first["id"]
    assert helpers.last_deploy(api, first["id"], lb["id"]).algorithm == "HASH_SOURCE"


def test_update_reschedules_when_the_device_cannot_serve(api):
    limited = api.add_device(name="limited", capabilities=ROUND_ROBIN_ONLY)
    full = api.add_device(name="full")
    lb = helpers.create_lb(api)
    assert lb["device_id"] == limited["id"]
    resp = api.put_json(lb_url("t1", lb["id"]), {"algorithm": "leastConnection"}, status=202)
    moved = resp.json["loadbalancer"]
    assert (moved["device_id"], moved["status"], moved["algorithm"]) == (
        full["id"], "ACTIVE", "LEAST_CONNECTION")
    assert api.driver(limited["id"]).deploys[-1] == []          # gone from the old device
    live = helpers.last_deploy(api, full["id"], lb["id"])
    assert live.algorithm == "LEAST_CONNECTION" and len(live.nodes) == 1
    assert helpers.sql(api, "SELECT type FROM predictor") == [("LEAST_CONNECTION",)]
    resp = api.put_json(lb_url("t1", lb["id"]), {"protocol": "TCP"}, status=202)
    assert resp.json["loadbalancer"]["device_id"] == full["id"]


def test_update_nobody_can_serve_is_409_and_changes_nothing(api):
    device = api.add_device(capabilities=ROUND_ROBIN_ONLY)
    lb = helpers.create_lb(api)
    before = helpers.table_dump(api), api.driver(device["id"]).deploy_count
    resp = api.put_json(lb_url("t1", lb["id"]), {"algorithm": "HASH_URI", "name": "n"},
                        status=409)
    assert "HASH_URI" in helpers.error_of(resp, 409)["message"]
    assert (helpers.table_dump(api), api.driver(device["id"]).deploy_count) == before


def test_update_move_checks_vip_conflicts_on_the_new_device(api):
    limited = api.add_device(name="limited", capabilities=ROUND_ROBIN_ONLY)
    full = api.add_device(name="full")
    vip = helpers.vip_body()
    helpers.create_lb(api, virtualIps=[vip], device_id=full["id"])
    lb = helpers.create_lb(api, virtualIps=[vip], device_id=limited["id"])
    before = helpers.table_dump(api)
    helpers.error_of(api.put_json(lb_url("t1", lb["id"]), {"protocol": "TCP"}, status=409),
                     409)
    assert helpers.table_dump(api) == before
