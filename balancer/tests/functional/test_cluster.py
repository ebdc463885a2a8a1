"""Several services on one database and one coordination backend, as API
processes of one deployment are (balancer/core/coordination.py,
balancer/core/reconcile.py).  Each ``Api`` here is what one process builds;
they share one database and file locks."""

import time

import pytest

from balancer.tests.conftest import Api, make_conf
from balancer.tests.functional import helpers
from balancer.tests.functional.engine_helpers import call, in_parallel, small_lb


def _wait(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError("%s not within %ss" % (what, timeout))


@pytest.fixture
def cluster(tmp_path, migrated_db):
    """Two services sharing one database (of the backend under test) and
    file coordination."""
    made, url = [], migrated_db.lease(make_conf(tmp_path))

    def make(**overrides):
        shared = {"%s__%s" % (g, n): v for g, n, v in migrated_db.shared_options()}
        conf = make_conf(tmp_path, coordination__backend_url="file://%s/locks" % tmp_path,
                         database__connection=url, **shared, **overrides)
        client = Api(conf)
        made.append(client)
        return client
    yield make
    for client in made:
        client.service.close()
    migrated_db.release(url)


def _status(api, lb_id):
    return api.get(helpers.lb_url("foo", lb_id)).json["loadbalancer"]["status"]


def test_creates_through_two_services_are_all_live(cluster):
    first, second = cluster(), cluster()
    device = first.add_device(noop_delay="0.05")
    jobs = [lambda i=i, api=api: call(api.wsgi, "POST", "/foo/loadbalancers",
                                      small_lb("lb%d" % i, 11000 + i, device["id"]))
            for i, api in enumerate([first, second] * 10)]
    results = in_parallel(jobs)
    assert [code for code, _ in results] == [202] * 20
    ids = {body["loadbalancer"]["id"] for _, body in results}
    assert {_status(first, i) for i in ids} == {"ACTIVE"}
    # the last deploy of either process carried every load balancer: each
    # deploy renders the whole desired state, read under the device lock
    last = [(api.driver(device["id"]).deploys or [[]])[-1] for api in (first, second)]
    assert any({lb.id for lb in deploy} == ids for deploy in last)


def test_the_same_vip_through_two_services_is_taken_once(cluster):
    first, second = cluster(), cluster()
    device = first.add_device()
    body = small_lb("lb", 12000, device["id"])
    jobs = [lambda api=api: call(api.wsgi, "POST", "/foo/loadbalancers", body)
            for api in [first, second] * 4]
    codes = sorted(code for code, _ in in_parallel(jobs))
    assert codes == [202] + [409] * 7


def test_a_change_left_pending_by_a_dead_process_is_finished_by_another(cluster):
    dying = cluster()
    device = dying.add_device()
    lb = dying.post_json("/foo/loadbalancers", small_lb("lb", 13000, device["id"])).json[
        "loadbalancer"]
    # what a process killed between its commit and its deploy leaves behind
    helpers.sql(dying, "UPDATE loadbalancer SET status='PENDING_UPDATE', "
                       "revision=revision+1 WHERE id=:id", id=lb["id"])
    dying.service.close()
    survivor = cluster(coordination__pending_check_interval=0.2)
    survivor.service.start()
    _wait(lambda: _status(survivor, lb["id"]) == "ACTIVE", 10, "the pending LB ACTIVE")


def test_one_reconciler_in_the_deployment_and_a_new_one_when_it_stops(cluster):
    first = cluster(deploy__reconcile_interval=0.2)
    second = cluster(deploy__reconcile_interval=0.2)
    device = first.add_device()
    first.post_json("/foo/loadbalancers", small_lb("lb", 14000, device["id"]))
    first.service.start()
    second.service.start()
    time.sleep(1.0)
    assert first.service.reconciler.passes >= 3
    assert second.service.reconciler.passes == 0
    first.service.close()
    _wait(lambda: second.service.reconciler.passes >= 1, 5, "the second service reconciling")
