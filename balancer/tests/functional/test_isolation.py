"""One tenant's failing change fails only that tenant, and says so in their terms.

The noop device plays the failures (``balancer/drivers/noop.py``):
``noop_break`` fails every deploy carrying a load balancer of that name
without naming anyone (as adding a multicast VIP address to an interface
does), ``noop_blame_all`` fails naming everyone in the deploy.
"""

from balancer.db import api as db
from balancer.tests.functional import helpers
from balancer.tests.functional.helpers import lb_url


def status_of(api, tenant, lb_id):
    lb = api.get(lb_url(tenant, lb_id)).json["loadbalancer"]
    return lb["status"], lb["deployed"], lb.get("statusDescription")


def set_extra(api, device_id, **extra):
    with api.service.session() as session:
        db.device_get(session, device_id).extra = extra


def change_at_once(api, device_id, lb_ids):
    """Leave several load balancers changed before one deploy carries them
    all, as group commit does with concurrent requests."""
    for lb_id in lb_ids:
        helpers.sql(api, "UPDATE loadbalancer SET status = 'PENDING_UPDATE', "
                         "revision = revision + 1 WHERE id = :id", id=lb_id)
    assert api.service.deploy_and_wait(device_id)


def test_a_failure_naming_no_one_rejects_only_the_culprit(api):
    device = api.add_device(noop_break="bad")
    good = helpers.create_lb(api, tenant="t1", name="good", device_id=device["id"])
    bad = helpers.create_lb(api, tenant="t2", name="bad", device_id=device["id"])
    assert good["status"] == "ACTIVE"
    assert (bad["status"], bad["deployed"]) == ("ERROR", "REJECTED")
    # later deploys, for every tenant, go through
    later = helpers.create_lb(api, tenant="t3", name="later", device_id=device["id"])
    assert later["status"] == "ACTIVE"
    assert set(api.driver(device["id"]).live) == {good["id"], later["id"]}


def test_among_many_changes_at_once_only_the_culprit_fails(api):
    device = api.add_device()
    lbs = [helpers.create_lb(api, tenant="t%d" % i, name="lb%d" % i, device_id=device["id"])
           for i in range(8)]
    set_extra(api, device["id"], noop_break="lb5")
    driver = api.driver(device["id"])
    before = driver.attempts
    change_at_once(api, device["id"], [lb["id"] for lb in lbs[1:]])
    statuses = {lb["name"]: status_of(api, "t%d" % i, lb["id"])[:2] for i, lb in enumerate(lbs)}
    assert statuses.pop("lb5") == ("ERROR", "REJECTED")
    assert set(statuses.values()) == {("ACTIVE", "True")}
    assert set(driver.live) == {lb["id"] for lb in lbs} - {lbs[5]["id"]}
    assert driver.attempts - before <= 2 + 2 * 3        # bisection, not one per LB


def test_a_load_balancer_blamed_for_another_ones_fault_goes_active(api):
    device = api.add_device(noop_blame_all="attacker")
    victim = helpers.create_lb(api, tenant="victim", name="victim", device_id=device["id"])
    attacker = helpers.create_lb(api, tenant="attacker", name="attacker",
                                 device_id=device["id"])
    assert attacker["status"] == "ERROR"
    # the victim changes while the attacker's change is pending: both are named
    helpers.sql(api, "UPDATE loadbalancer SET deployed = 'False' WHERE id = :id",
                id=attacker["id"])
    change_at_once(api, device["id"], [victim["id"], attacker["id"]])
    assert status_of(api, "victim", victim["id"])[:2] == ("ACTIVE", "True")
    assert status_of(api, "attacker", attacker["id"])[:2] == ("ERROR", "REJECTED")


def test_the_tenant_reads_its_text_the_admin_both(api):
    device = api.add_device(noop_break="bad")
    bad = helpers.create_lb(api, name="bad", device_id=device["id"])
    assert bad["statusDescription"] == "the device failed to apply the configuration"
    assert device["id"] not in bad["statusDescription"]
    faults = api.get("/devices/%s" % device["id"]).json["device"]["faults"]
    assert [(f["loadbalancer_id"], f["tenant_id"], f["statusDescription"]) for f in faults] == [
        (bad["id"], "t1", bad["statusDescription"])]
    assert faults[0]["operatorStatusDescription"] == (
        "noop device %s: noop_break bad" % device["id"])
    # the operator text is not part of any tenant view
    details = api.get(lb_url("t1", bad["id"], "details")).text
    assert "noop_break" not in details and "operator" not in details
    # once fixed, the fault is gone from the device view
    fixed = api.put_json(lb_url("t1", bad["id"]), {"name": "fine"}, status=202).json
    assert fixed["loadbalancer"]["status"] == "ACTIVE"
    assert api.get("/devices/%s" % device["id"]).json["device"]["faults"] == []


def test_a_vip_conflict_names_neither_the_other_load_balancer_nor_the_device(api, device):
    other = helpers.create_lb(api, tenant="t2", virtualIps=[{"address": "10.0.0.9",
                                                             "port": 443}])
    resp = api.post_json(lb_url("t1"), helpers.lb_body(
        virtualIps=[{"address": "10.0.0.9", "port": 443}]), expect_errors=True)
    error = helpers.error_of(resp, 409)
    assert error["field"] == "virtualIps"
    assert other["id"] not in error["message"] and device["id"] not in error["message"]
    assert "10.0.0.9:443" in error["message"]
