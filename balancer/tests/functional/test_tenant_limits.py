"""Per-tenant limits: defaults from [limits], an admin's overrides kept in
the database, ``GET /{tenant_id}/limits``, and a 413 that changes nothing."""

import pytest
import sqlalchemy as sa

from balancer.core import quotas
from balancer.tests.conftest import make_conf
from balancer.tests.functional import helpers
from balancer.tests.functional.conftest import running_api
from balancer.tests.functional.helpers import lb_url


@pytest.fixture
def api(tmp_path, migrated_db):
    """An operator allowing 2 load balancers per tenant and 3 nodes per LB."""
    conf = make_conf(tmp_path, limits__max_lbs_per_tenant=2, limits__max_nodes_per_lb=3)
    with running_api(conf, migrated_db) as client:
        client.device = client.add_device(name="dev1")
        yield client


def absolute(api, tenant="t1", **kwargs):
    return api.get("/%s/limits" % tenant, **kwargs).json["limits"]["absolute"]


def every_row(api):
    """What ``helpers.table_dump`` shows, and the admins' overrides."""
    with api.service.engine.connect() as conn:
        overrides = conn.execute(sa.text("SELECT * FROM tenant_limit ORDER BY id")).fetchall()
    return helpers.table_dump(api), overrides


def unchanged(api, call):
    """``call()``'s answer, asserting it changed no row and deployed nothing."""
    before = every_row(api), api.driver(api.device["id"]).deploy_count
    resp = call()
    assert (every_row(api), api.driver(api.device["id"]).deploy_count) == before
    return resp


def nodes(count, first=8000):
    return [helpers.node_body(port=first + i) for i in range(count)]


def test_the_document_shows_every_limit_with_its_default(api):
    limits = absolute(api)
    assert set(limits) == set(quotas.LIMITS)
    assert limits["loadBalancers"] == {"value": 2, "default": 2, "override": None, "used": 0}
    assert limits["nodesPerLoadBalancer"]["value"] == 3
    assert limits["virtualIpsPerLoadBalancer"]["value"] == 10
    assert limits["accessListItemsPerLoadBalancer"]["value"] == 100
    assert limits["certificatesPerLoadBalancer"]["value"] == 20
    helpers.create_lb(api)
    assert absolute(api)["loadBalancers"]["used"] == 1
    assert absolute(api, "t2")["loadBalancers"]["used"] == 0


def test_over_the_load_balancer_limit_is_413_and_changes_nothing(api):
    helpers.create_lb(api)
    helpers.create_lb(api)
    resp = unchanged(api, lambda: api.post_json(lb_url("t1"), helpers.lb_body(), status=413))
    error = helpers.error_of(resp, 413)
    assert error["limit"] == 2 and "at most 2 load balancers" in error["message"]
    assert "[limits] max_lbs_per_tenant" in error["message"]
    # another tenant is not held back by t1's load balancers
    assert helpers.create_lb(api, tenant="t2")["status"] == "ACTIVE"


def test_a_deleted_load_balancer_frees_its_place(api):
    first = helpers.create_lb(api)
    helpers.create_lb(api)
    api.delete(lb_url("t1", first["id"]), status=204)
    assert helpers.create_lb(api)["status"] == "ACTIVE"


def test_an_admin_override_applies_to_that_tenant_only(api):
    resp = api.put_json("/t1/limits", {"limits": {"loadBalancers": 1,
                                                  "nodesPerLoadBalancer": 5}})
    limits = resp.json["limits"]["absolute"]
    assert limits["loadBalancers"] == {"value": 1, "default": 2, "override": 1, "used": 0}
    assert limits["nodesPerLoadBalancer"]["value"] == 5
    assert absolute(api) == limits                        # stored, not only answered
    assert absolute(api, "t2")["loadBalancers"]["value"] == 2
    lb = helpers.create_lb(api, nodes=nodes(5))           # 5 > the default 3: override
    error = helpers.error_of(unchanged(api, lambda: api.post_json(
        lb_url("t1"), helpers.lb_body(), status=413)), 413)
    assert "this tenant's limit loadBalancers" in error["message"]
    error = helpers.error_of(unchanged(api, lambda: api.post_json(
        lb_url("t1", lb["id"], "nodes"), {"nodes": nodes(1, 9000)}, status=413)), 413,
        field="nodes")
    assert "at most 5 nodes" in error["message"] and "would give it 6" in error["message"]
    # t2 keeps the defaults
    helpers.create_lb(api, tenant="t2")
    helpers.create_lb(api, tenant="t2")
    unchanged(api, lambda: api.post_json(lb_url("t2"), helpers.lb_body(), status=413))


def test_null_removes_one_override_and_delete_removes_all(api):
    api.put_json("/t1/limits", {"limits": {"loadBalancers": 7, "virtualIpsPerLoadBalancer": 1}})
    limits = api.put_json("/t1/limits", {"limits": {"loadBalancers": None}}).json[
        "limits"]["absolute"]
    assert limits["loadBalancers"]["override"] is None and limits["loadBalancers"]["value"] == 2
    assert limits["virtualIpsPerLoadBalancer"]["value"] == 1
    api.delete("/t1/limits", status=204)
    assert all(entry["override"] is None for entry in absolute(api).values())
    api.delete("/t1/limits", status=204)                  # nothing left: still fine


def test_lowering_a_limit_keeps_what_exists_and_refuses_more(api):
    helpers.create_lb(api)
    helpers.create_lb(api)
    api.put_json("/t1/limits", {"limits": {"loadBalancers": 0}})
    assert len(api.get(lb_url("t1")).json["loadbalancers"]) == 2
    assert absolute(api)["loadBalancers"]["used"] == 2
    unchanged(api, lambda: api.post_json(lb_url("t1"), helpers.lb_body(), status=413))


@pytest.mark.parametrize("body, field", [
    ({"limits": {"loadBalancer": 3}}, "limits"),                  # a typo is no limit
    ({"limits": {"loadBalancers": -1}}, "limits.loadBalancers"),
    ({"limits": {"nodesPerLoadBalancer": 1001}}, "limits.nodesPerLoadBalancer"),
    ({"limits": {"loadBalancers": "many"}}, "limits.loadBalancers"),
    ({"limits": {}}, "limits"),
    ({"loadBalancers": 3}, "limits"),
])
def test_a_bad_override_is_400_and_changes_nothing(api, body, field):
    api.put_json("/t1/limits", {"limits": {"loadBalancers": 3}})
    resp = unchanged(api, lambda: api.put_json("/t1/limits", body, status=400))
    error = helpers.error_of(resp, 400)
    assert error["field"].startswith(field.split(".")[0]), error
    assert absolute(api)["loadBalancers"]["override"] == 3


def test_string_digits_are_accepted_as_elsewhere(api):
    limits = api.put_json("/t1/limits", {"limits": {"loadBalancers": "4"}}).json["limits"]
    assert limits["absolute"]["loadBalancers"]["value"] == 4


def test_other_lanes_check_their_own_kinds(api):
    """``quotas.check`` for access-list items and certificates, as their
    routes call it: the admin's override and the default both count."""
    service = api.service
    with service.session() as session:
        quotas.check(service.conf, session, "t1", quotas.ACCESS_LIST_ITEMS, 99, 1)
        with pytest.raises(Exception) as err:
            quotas.check(service.conf, session, "t1", quotas.ACCESS_LIST_ITEMS, 99, 2,
                         field="accessList")
    assert err.value.code == 413 and err.value.details["field"] == "accessList"
    api.put_json("/t1/limits", {"limits": {"certificatesPerLoadBalancer": 1}})
    with service.session() as session:
        quotas.check(service.conf, session, "t1", "certificate", 0, 1)
        with pytest.raises(Exception) as err:
            quotas.check(service.conf, session, "t1", "certificate", 1, 1)
    assert "at most 1 certificates" in err.value.message
