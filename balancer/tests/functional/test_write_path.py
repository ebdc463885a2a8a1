"""What a create sends to the database, counted statement by statement.

A ``before_cursor_execute`` listener on the service's engine sees every
statement the driver is handed (an executemany once, whatever its rows), and
a ``commit`` listener every commit; each is charged to the thread that sent
it: the request's own, or a device's deploy worker (``deploy-…``, see
``balancer/core/deployer.py``).  The bounds come from the data: one INSERT
per table that gets rows, never one per row; one UPDATE per deploy for every
load balancer it settles.  Runs on SQLite, PostgreSQL and MariaDB
(``BALANCER_TEST_DATABASE``), where the create takes different locks
(``balancer/core/placing.py``).
"""

import collections
import contextlib
import threading

import sqlalchemy as sa

from balancer.db import inserts
from balancer.tests.functional import helpers
from balancer.tests.functional.engine_helpers import call, in_parallel, small_lb

TREE_TABLES = {m.__tablename__ for m in inserts.TREE_MODELS}
#: statements of a create besides its inserts: the tenant's limits and its
#: load balancer count (balancer/core/quotas.py), the device and its last
#: health probe, read to choose it (a pair member stands for its pair) and
#: again under the device's lock (on a server the row lock is that read), the
#: VIP check, and the view read after the deploy with its device's health and
#: the pairs (``device_health.Fleet``)
CREATE_READS = 10


class Statements:
    """Statements and writing commits, per kind of thread."""

    def __init__(self):
        self.sent = collections.defaultdict(list)       # kind -> [(verb, table)]
        self.write_commits = collections.Counter()      # kind -> commits that wrote
        self._dirty = set()

    @staticmethod
    def kind():
        return "deploy" if threading.current_thread().name.startswith("deploy-") \
            else "request"

    def on_statement(self, conn, cursor, statement, params, context, executemany):
        words = statement.split()
        verb = words[0].upper()
        table = None
        if verb == "INSERT":
            table = words[2]
        elif verb in ("UPDATE", "DELETE"):
            table = words[1] if verb == "UPDATE" else words[2]
        self.sent[self.kind()].append((verb, table or statement[:150]))
        if verb in ("INSERT", "UPDATE", "DELETE"):
            self._dirty.add(threading.get_ident())

    def on_commit(self, conn):
        if threading.get_ident() in self._dirty:
            self._dirty.discard(threading.get_ident())
            self.write_commits[self.kind()] += 1

    def count(self, kind, verb=None):
        return sum(1 for v, _t in self.sent[kind] if verb in (None, v))

    def inserts(self, kind="request"):
        return collections.Counter(t for v, t in self.sent[kind] if v == "INSERT")


@contextlib.contextmanager
def counting(api):
    seen = Statements()
    engine = api.service.engine
    sa.event.listen(engine, "before_cursor_execute", seen.on_statement)
    sa.event.listen(engine, "commit", seen.on_commit)
    try:
        yield seen
    finally:
        sa.event.remove(engine, "before_cursor_execute", seen.on_statement)
        sa.event.remove(engine, "commit", seen.on_commit)


def _full_body(device_id, nodes):
    """A load balancer with rows for every table: ``nodes`` nodes, two VIPs,
    two monitors and a sticky."""
    return helpers.lb_body(
        device_id=device_id, nodes=[helpers.node_body(port=8000 + i) for i in range(nodes)],
        virtualIps=[helpers.vip_body(), helpers.vip_body()],
        healthMonitor=[helpers.monitor_body(), helpers.monitor_body(type="CONNECT")],
        sessionPersistence=[{"type": "HTTP_COOKIE", "cookieName": "SID"}])


def _create(api, body):
    with counting(api) as seen:
        resp = api.post_json(helpers.lb_url("t1"), body, status=202)
    assert resp.json["loadbalancer"]["status"] == "ACTIVE"
    return seen, resp.json["loadbalancer"]


def test_a_create_sends_one_insert_per_table_whatever_its_rows(api, device):
    helpers.create_lb(api, device_id=device["id"])      # connections and caches warm
    small, _ = _create(api, _full_body(device["id"], nodes=1))
    large, lb = _create(api, _full_body(device["id"], nodes=40))
    for seen in (small, large):
        assert seen.inserts() == dict.fromkeys(TREE_TABLES, 1)
        assert seen.count("request") <= len(TREE_TABLES) + CREATE_READS, seen.sent["request"]
        assert seen.count("request", "UPDATE") == seen.count("request", "DELETE") == 0
        # one transaction wrote it all
        assert seen.write_commits["request"] == 1
    # forty nodes cost what one does, here and in the deploy
    assert large.count("request") == small.count("request")
    assert large.count("deploy") == small.count("deploy")
    details = api.get(helpers.lb_url("t1", lb["id"], "details")).json
    assert [n["port"] for n in details["nodes"]] == list(range(8000, 8040))


def test_tables_without_rows_get_no_insert(api, device):
    seen, _ = _create(api, helpers.lb_body(device_id=device["id"]))
    assert seen.inserts() == {"loadbalancer": 1, "serverfarm": 1, "predictor": 1,
                              "server": 1, "virtualserver": 1}


def test_the_deploy_settles_the_status_in_one_update(api, device):
    seen, _ = _create(api, helpers.lb_body(device_id=device["id"]))
    # the status (and the operator's text) in one statement, one commit
    assert seen.count("deploy", "UPDATE") == 1
    assert seen.count("deploy", "INSERT") == 0
    assert seen.write_commits["deploy"] == 1


def test_concurrent_creates_share_transactions_and_updates(api):
    # a deploy slower than a create, so that creates pile up behind it
    device = api.add_device(noop_delay="0.2")
    deploys_before = api.service.deployer.deploy_count(device["id"])
    with counting(api) as seen:
        results = in_parallel([
            lambda i=i: call(api.wsgi, "POST", "/t1/loadbalancers",
                             small_lb("lb%d" % i, 11000 + i, device["id"]))
            for i in range(20)])
    assert [code for code, _ in results] == [202] * 20
    assert {body["loadbalancer"]["status"] for _, body in results} == {"ACTIVE"}
    deploys = api.service.deployer.deploy_count(device["id"]) - deploys_before
    # creates that arrived together were stored together: one transaction
    # and one INSERT per table for each batch, not for each create
    batches = seen.write_commits["request"]
    assert 1 <= batches < 20
    assert seen.inserts() == dict.fromkeys(TREE_TABLES - {"probe", "sticky"}, batches)
    assert seen.count("request", "UPDATE") == 0
    assert helpers.row_counts(api)["loadbalancer"] == 20
    # the statuses of every create a deploy carried: one statement of it
    assert seen.count("deploy", "UPDATE") <= deploys < 20
    print("20 concurrent creates: %d transactions, %d deploys" % (batches, deploys))


def test_a_create_whose_rows_fail_fails_alone_in_its_batch(api):
    device = api.add_device(noop_delay="0.2")

    def refuse_poison(conn, cursor, statement, parameters, context, executemany):
        if statement.startswith("INSERT INTO loadbalancer") and "poison" in str(parameters):
            raise RuntimeError("the database refused this row")
    sa.event.listen(api.service.engine, "before_cursor_execute", refuse_poison)
    try:
        results = in_parallel([
            lambda i=i: call(api.wsgi, "POST", "/t1/loadbalancers",
                             small_lb("poison" if i == 3 else "lb%d" % i, 11500 + i,
                                      device["id"]))
            for i in range(12)])
    finally:
        sa.event.remove(api.service.engine, "before_cursor_execute", refuse_poison)
    codes = [code for code, _ in results]
    assert codes[3] == 500 and codes[:3] + codes[4:] == [202] * 11, codes
    names = {lb["name"] for lb in api.get("/t1/loadbalancers").json["loadbalancers"]}
    assert names == {"lb%d" % i for i in range(12) if i != 3}
    assert {lb.name for lb in api.driver(device["id"]).live.values()} == names
