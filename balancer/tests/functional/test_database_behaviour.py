"""What the API promises whichever database is under it.

Each of these once behaved differently on PostgreSQL or MariaDB than on
SQLite (the suite runs on all three: see conftest.py): text compared without
case, timestamps without microseconds, values longer than a column, text
longer than MySQL's TEXT, foreign keys that did not cascade.
"""

from balancer.tests.functional import helpers

CHILD_TABLES = ("serverfarm", "predictor", "server", "probe", "sticky", "virtualserver")


def test_tenants_differing_in_case_are_different_tenants(api, lb):
    assert api.get(helpers.lb_url("T1")).json["loadbalancers"] == []
    helpers.error_of(api.get(helpers.lb_url("T1", lb["id"]), status=404), 404)
    helpers.error_of(api.delete(helpers.lb_url("T1", lb["id"]), status=404), 404)
    assert api.get(helpers.lb_url("t1", lb["id"])).json["loadbalancer"]["status"] == "ACTIVE"


def test_a_tenant_with_a_trailing_space_is_another_tenant(api, lb):
    assert api.get("/t1%20/loadbalancers").json["loadbalancers"] == []
    helpers.error_of(api.get("/t1%%20/loadbalancers/%s" % lb["id"], status=404), 404)


def test_ids_are_exact(api, lb):
    helpers.error_of(api.get(helpers.lb_url("t1", lb["id"].upper()), status=404), 404)


def test_nodes_made_in_one_request_keep_their_order(api, device):
    ports = [8010, 8003, 8007, 8001, 8009, 8002, 8008, 8004, 8006, 8005]
    lb = helpers.create_lb(api, nodes=[helpers.node_body(port=p) for p in ports])
    nodes = api.get(helpers.lb_url("t1", lb["id"], "nodes")).json["nodes"]
    assert [n["port"] for n in nodes] == ports
    live = api.driver(device["id"]).live[lb["id"]]
    assert [n.port for n in live.nodes] == ports


def test_paging_walks_load_balancers_made_within_one_second(api, device):
    made = [helpers.create_lb(api, name="lb%d" % i)["id"] for i in range(5)]
    seen, marker = [], None
    while True:
        url = helpers.lb_url("t1") + "?limit=2" + ("&marker=%s" % marker if marker else "")
        page = api.get(url).json["loadbalancers"]
        if not page:
            break
        seen += [lb["id"] for lb in page]
        marker = page[-1]["id"]
    assert seen == made


def test_a_tenant_id_longer_than_its_column_is_400(api, device):
    before = helpers.row_counts(api)
    resp = api.post_json(helpers.lb_url("t" * 256), helpers.lb_body(), status=400)
    helpers.error_of(resp, 400, "tenant_id")
    assert helpers.row_counts(api) == before
    helpers.create_lb(api, tenant="t" * 255)


def test_a_device_address_longer_than_its_column_is_400(api):
    body = {"name": "d", "type": "noop", "ip": "h" * 65}
    helpers.error_of(api.post_json("/devices", body, status=400), 400, "ip")
    assert helpers.row_counts(api)["device"] == 0
    assert api.post_json("/devices", dict(body, ip="h" * 64)).json["device"]["ip"] == "h" * 64


def test_four_byte_characters_are_kept(api, device):
    lb = helpers.create_lb(api, name="\U0001F600 lb", note="caf\u00e9 \U0001F680")
    shown = api.get(helpers.lb_url("t1", lb["id"])).json["loadbalancer"]
    assert (shown["name"], shown["note"]) == ("\U0001F600 lb", "caf\u00e9 \U0001F680")


def test_an_unknown_key_larger_than_mysql_text_is_kept(api, device):
    big = "x" * (100 * 1024)
    lb = helpers.create_lb(api, notes=big)
    assert api.get(helpers.lb_url("t1", lb["id"])).json["loadbalancer"]["notes"] == big


def test_find_for_vm_with_an_id_that_is_no_number_finds_nothing(api, lb):
    for vm_id in ("abc", "99999999999999999999", "-1"):
        found = api.get(helpers.lb_url("t1") + "/find_for_VM/" + vm_id).json
        assert found == {"loadbalancers": []}


def test_deleting_a_load_balancer_deletes_every_child_row(api, device):
    lb = helpers.create_lb(api, nodes=[helpers.node_body(), helpers.node_body(port=8081)],
                           healthMonitor=[helpers.monitor_body()],
                           sessionPersistence=[{"type": "HTTP_COOKIE"}],
                           virtualIps=[helpers.vip_body(), helpers.vip_body()])
    kept = helpers.create_lb(api, name="kept")
    counts = helpers.row_counts(api)
    assert (counts["server"], counts["virtualserver"]) == (3, 3)
    assert all(counts[t] for t in CHILD_TABLES), counts
    api.delete(helpers.lb_url("t1", lb["id"]), status=204)
    helpers.error_of(api.get(helpers.lb_url("t1", lb["id"]), status=404), 404)
    # only the other load balancer's rows are left, the deploy settled
    left = helpers.row_counts(api)
    assert left["loadbalancer"] == 1 and left["device"] == 1
    assert all(left[t] == 1 for t in ("serverfarm", "predictor", "server")), left
    assert left["virtualserver"] == 1 and left["probe"] == left["sticky"] == 0
    assert lb["id"] not in api.driver(device["id"]).live
    assert api.get(helpers.lb_url("t1", kept["id"])).json["loadbalancer"]["status"] == \
        "ACTIVE"
