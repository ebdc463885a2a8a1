"""One tenant's bad change on a real HAProxy box fails only that tenant.

Both cases put two tenants' changes into one deploy (as group commit does
when their requests overlap) by leaving both load balancers pending in the
database before the deploy runs; then real traffic through the innocent
tenant's VIP proves it is served.
"""

from balancer.tests.conftest import seed_json
from balancer.tests.functional import helpers
from balancer.tests.integration.test_api_haproxy import device, served_by  # noqa: F401


def create(api, box, on_device, tenant, port, name="lb"):
    body = seed_json("createLBcommandHAProxy", device_id=on_device["id"])
    body["name"] = name
    body["virtualIps"][0].update(address=box.ip, port=str(port))
    body["nodes"] = [{"address": a, "port": str(p)} for a, p, _n in box.backend_nodes()]
    return api.post_json("/%s/loadbalancers" % tenant, body, status=202).json["loadbalancer"]


def pending(api, lb_id):
    """Leave ``lb_id`` changed and not yet deployed."""
    helpers.sql(api, "UPDATE loadbalancer SET status = 'PENDING_UPDATE', deployed = 'False', "
                     "revision = revision + 1 WHERE id = :id", id=lb_id)


def shown(api, tenant, lb_id):
    return api.get("/%s/loadbalancers/%s" % (tenant, lb_id)).json["loadbalancer"]


def assert_told_in_tenant_terms(api, box, lb):
    text = lb["statusDescription"]
    for secret in (box.ip, box.root, box.config_path, "PUT /devices", "[ALERT]"):
        assert secret not in text, text


def test_a_node_named_like_another_tenants_backend_never_rejects_that_tenant(
        real_api, api_box, device):  # noqa: F811
    port = api_box.free_vip_port(80)
    victim = create(real_api, api_box, device, "victim", port)
    assert victim["status"] == "ACTIVE", victim
    # tenant "attacker" gives its node a scope id named like the victim's
    # backend (the API refuses scope ids now; an older database may hold
    # one): HAProxy cannot resolve it and echoes the name in its alert
    attacker = create(real_api, api_box, device, "attacker", api_box.free_vip_port(81),
                      name="attacker")
    helpers.sql(real_api, "UPDATE server SET address = :address WHERE sf_id IN "
                          "(SELECT id FROM serverfarm WHERE lb_id = :id)",
                address="fe80::1%balancer-lb-" + victim["id"], id=attacker["id"])
    # now both change at once, and one deploy carries both
    pending(real_api, victim["id"])
    pending(real_api, attacker["id"])
    assert real_api.service.deploy_and_wait(device["id"])
    victim = shown(real_api, "victim", victim["id"])
    assert (victim["status"], victim["deployed"]) == ("ACTIVE", "True"), victim
    assert set(served_by(api_box, port)) == {
        "backend1", "backend2", "backend3"}
    attacker = shown(real_api, "attacker", attacker["id"])
    assert (attacker["status"], attacker["deployed"]) == ("ERROR", "REJECTED"), attacker
    assert "could not resolve address" in attacker["statusDescription"]
    assert victim["id"] not in attacker["statusDescription"]
    assert_told_in_tenant_terms(real_api, api_box, attacker)
    faults = real_api.get("/devices/%s" % device["id"]).json["device"]["faults"]
    assert [f["loadbalancer_id"] for f in faults] == [attacker["id"]]
    assert api_box.config_path in faults[0]["operatorStatusDescription"]
    for lb, tenant in ((victim, "victim"), (attacker, "attacker")):
        real_api.delete("/%s/loadbalancers/%s" % (tenant, lb["id"]), status=204)


def test_a_multicast_vip_that_fails_naming_no_one_fails_only_its_owner(
        real_api, api_box, device):  # noqa: F811
    operator_part = api_box.read_config()
    broken = create(real_api, api_box, device, "careless", api_box.free_vip_port(82))
    assert broken["status"] == "ACTIVE", broken
    # an address the API refuses today, as an older database may still hold
    helpers.sql(real_api, "UPDATE virtualserver SET address = 'ff02::1' WHERE lb_id = :id",
                id=broken["id"])
    pending(real_api, broken["id"])
    port = api_box.free_vip_port(83)
    other = create(real_api, api_box, device, "other", port)
    assert (other["status"], other["deployed"]) == ("ACTIVE", "True"), other
    assert set(served_by(api_box, port)) == {
        "backend1", "backend2", "backend3"}
    broken = shown(real_api, "careless", broken["id"])
    assert (broken["status"], broken["deployed"]) == ("ERROR", "REJECTED"), broken
    assert_told_in_tenant_terms(real_api, api_box, broken)
    assert "ff02::1" not in api_box.interface_addresses()
    # later deploys, for any tenant, go through
    later = create(real_api, api_box, device, "later", api_box.free_vip_port(84))
    assert later["status"] == "ACTIVE", later
    assert api_box.read_config().startswith(operator_part.rstrip("\n"))
    for lb, tenant in ((broken, "careless"), (other, "other"), (later, "later")):
        real_api.delete("/%s/loadbalancers/%s" % (tenant, lb["id"]), status=204)
