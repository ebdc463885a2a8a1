"""Deleting a load balancer through the API removes every row it owned, on
each database (the foreign keys cascade; before migration 004 PostgreSQL and
MariaDB refused the delete and left the load balancer PENDING_DELETE)."""

from balancer.tests import databases
from balancer.tests.conftest import make_conf
from balancer.tests.functional import helpers
from balancer.tests.functional.conftest import running_api


def test_delete_through_the_api_removes_every_child_row(backend, tmp_path):
    pool = databases.MigratedDatabases(backend, str(tmp_path))
    try:
        with running_api(make_conf(tmp_path), pool) as api:
            assert api.service.engine.dialect.name == backend
            device = api.add_device()
            lb = helpers.create_lb(api, nodes=[helpers.node_body(), helpers.node_body(port=81)],
                                   healthMonitor=[helpers.monitor_body()],
                                   sessionPersistence=[{"type": "HTTP_COOKIE"}])
            api.post_json(helpers.lb_url("t1", lb["id"], "virtualIps"),
                          {"virtualIp": helpers.vip_body()}, status=200)
            api.post_json(helpers.lb_url("t1", lb["id"], "accessList"), {
                "accessList": [{"address": "2001:db8::/32", "type": "DENY"}]}, status=200)
            api.put_json(helpers.lb_url("t1", lb["id"], "connectionThrottle"),
                         {"connectionThrottle": {"maxConnections": 9}}, status=200)
            assert all(helpers.row_counts(api).values())
            api.delete(helpers.lb_url("t1", lb["id"]), status=204)
            assert helpers.row_counts(api) == dict(dict.fromkeys(helpers.TABLES, 0),
                                                   device=1)
            assert api.driver(device["id"]).live == {}
    finally:
        pool.close()
