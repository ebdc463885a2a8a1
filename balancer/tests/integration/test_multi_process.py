"""Two ``balancer-api`` processes, one database, one coordination backend,
one real HAProxy box: what doc/source/deployment.rst promises.

For each database (PostgreSQL, MariaDB; each a scratch database) with the
same server as tooz backend, and once with Redis as the backend: concurrent
creates and node changes through both processes end up live on the box
(its file and its running process), none lost, ACTIVE in both processes'
views, with the reloads they cost counted on the box; and a process killed
with SIGKILL in the middle of a deploy has the device finished by the other.
"""

import concurrent.futures
import os
import threading
import time

import pytest

from balancer.tests import databases
from balancer.tests.conftest import seed_json, skip_outside_ci
from balancer.tests.integration.box_probe import BoxProbe, our_sections, process_of_connection
from balancer.tests.integration.cluster import Cluster, tooz_url
from balancer.tests.integration.conftest import need_box
from balancer.tests.lab import HaproxyBox

CREATES = 20
LEASE = 3.0
# a bound for the test, not a speed goal: the lease, a sweep interval, a deploy
CONVERGE_WITHIN = 40.0

POSTGRESQL = pytest.param(("postgresql", None), id="postgresql")
MARIADB = pytest.param(("mysql", None), id="mariadb")
# Redis locks outlive a killed holder until their lease ends: the kill case
REDIS = pytest.param(("postgresql", "redis://127.0.0.1:6379"), id="postgresql-redis")


def need(what, ok):
    if not ok:
        skip_outside_ci("%s does not answer" % what)


def redis_answers():
    import redis
    try:
        return redis.Redis(host="127.0.0.1", port=6379, socket_timeout=2).ping()
    except redis.RedisError:
        return False


@pytest.fixture(scope="module")
def box():
    """One box for every case: each deployment's first deploy replaces all
    of balancer's sections on it with its own (the operator's part stays)."""
    need_box()
    with HaproxyBox(backends=3) as lab_box:
        yield lab_box


@pytest.fixture(scope="module")
def deployment(request, tmp_path_factory, box):
    """(cluster, box, probe, device): two processes started, the box
    registered as their device through the first one."""
    backend, coordination = request.param
    need(backend, databases.server_answers(backend))
    if coordination:
        need("redis on 127.0.0.1:6379", redis_answers())
    workdir = str(tmp_path_factory.mktemp("multi-" + backend))
    with databases.scratch_database(backend) as url:
        cluster = Cluster(workdir, url, coordination or tooz_url(url), count=2,
                          deploy={"wait_timeout": 30, "deploy_timeout": 40,
                                  "reconcile_interval": 0, "ssh_connect_timeout": 5,
                                  "ssh_command_timeout": 30,
                                  "lock_path": os.path.join(workdir, "locks")},
                          coordination={"lease_seconds": LEASE,
                                        "pending_check_interval": 1})
        try:
            cluster.start()
            probe = BoxProbe(box)
            device = cluster[0].request("POST", "/devices", probe.device_body())["device"]
            yield cluster, box, probe, device
        finally:
            cluster.stop()


def lb_body(box, device, name, port, backends=2):
    body = seed_json("createLBcommandHAProxy", device_id=device["id"])
    body["name"] = name
    body["virtualIps"][0].update(address=box.ip, port=str(port))
    body["nodes"] = body["nodes"][:backends]
    for node, (address, node_port, _name) in zip(body["nodes"], box.backend_nodes(),
                                                  strict=False):
        node.update(address=address, port=str(node_port))
    return body


def vip_port(box, number):
    return number if box.ns else box.free_vip_port(number)


def all_lbs(node):
    return {lb["id"]: lb for lb in node.request("GET", "/foo/loadbalancers")["loadbalancers"]}


def wait_all_active(cluster, timeout=CONVERGE_WITHIN):
    """Every LB ACTIVE in every running process's view; returns {id: lb}."""
    deadline = time.monotonic() + timeout
    while True:
        views = [all_lbs(node) for node in cluster.nodes if node.running()]
        statuses = {lb["id"]: lb["status"] for view in views for lb in view.values()}
        settled = all(set(view) == set(views[0]) for view in views)
        if settled and all(s == "ACTIVE" for s in statuses.values()):
            return views[0]
        if time.monotonic() > deadline:
            stuck = {lb["id"]: (lb["status"], lb.get("statusDescription"))
                     for view in views for lb in view.values() if lb["status"] != "ACTIVE"}
            raise AssertionError("not ACTIVE everywhere after %ss: %s" % (timeout, stuck))
        time.sleep(0.2)


def served_names(box, port, count=4):
    names = set()
    for _ in range(count):
        status, body, _headers = box.get(box.vip_url(port))
        assert status == 200, body
        names.add(body.strip())
    return names


def assert_box_serves_exactly(box, probe, lbs):
    """The file has one frontend and one backend per LB and nothing else of
    ours; the operator's part is intact; the running process has them too."""
    text = box.read_config()
    assert text.startswith(box.operator_config.rstrip("\n"))
    frontends, backends = our_sections(text)
    assert set(backends) == set(lbs), "lost or stale backends"
    assert len(frontends) == len(lbs)
    running = probe.show_stat()
    assert {name for name in running if name.startswith("balancer-")} == \
        frontends | {"balancer-lb-" + lb_id for lb_id in lbs}
    for lb_id, servers in backends.items():
        serving = set(running["balancer-lb-" + lb_id]) - {"BACKEND"}
        assert serving == set(servers), "running HAProxy differs from its file for " + lb_id
    return backends, running


@pytest.mark.parametrize("deployment", [POSTGRESQL, MARIADB], indirect=True)
def test_concurrent_creates_and_node_changes_through_both_are_live(deployment,
                                                                    record_property):
    cluster, box, probe, device = deployment
    before = probe.reloads()
    ports = [vip_port(box, 10000 + i) for i in range(CREATES)]
    with concurrent.futures.ThreadPoolExecutor(CREATES) as pool:
        created = list(pool.map(lambda i: cluster[i % 2].request(
            "POST", "/foo/loadbalancers",
            lb_body(box, device, "multi-%d" % i, ports[i]))["loadbalancer"], range(CREATES)))
    create_reloads = probe.reloads() - before
    lbs = wait_all_active(cluster)
    assert {lb["id"] for lb in created} <= set(lbs)
    assert_box_serves_exactly(box, probe, lbs)
    for port in ports:
        assert served_names(box, port) == {"backend1", "backend2"}

    # through alternating processes: add backend3, disable backend2, remove backend1
    third = box.backend_nodes()[2]

    def change(index):
        lb_id = created[index]["id"]
        one, other = cluster[index % 2], cluster[(index + 1) % 2]
        url = "/foo/loadbalancers/%s/nodes" % lb_id
        nodes = {n["port"]: n["id"] for n in other.request("GET", url)["nodes"]}
        added = one.request("POST", url, {"nodes": [{
            "address": third[0], "port": str(third[1]), "weight": "1",
            "condition": "ENABLED"}]})["nodes"][0]
        other.request("PUT", "%s/%s/DISABLED" % (url, nodes[box.backend_ports[1]]))
        one.request("DELETE", "%s/%s" % (url, nodes[box.backend_ports[0]]), expect=(204,))
        return lb_id, nodes[box.backend_ports[1]], added["id"]

    before = probe.reloads()
    with concurrent.futures.ThreadPoolExecutor(CREATES) as pool:
        changed = list(pool.map(change, range(CREATES)))
    change_reloads = probe.reloads() - before
    lbs = wait_all_active(cluster)
    backends, running = assert_box_serves_exactly(box, probe, lbs)
    for (lb_id, disabled, added), port in zip(changed, ports, strict=True):
        assert set(backends[lb_id]) == {disabled, added}
        assert "disabled" in backends[lb_id][disabled]
        assert "disabled" not in backends[lb_id][added]
        assert running["balancer-lb-" + lb_id][disabled] == "MAINT"
        assert served_names(box, port) == {"backend3"}
    record_property("reloads_for_%d_creates" % CREATES, create_reloads)
    record_property("reloads_for_%d_node_changes" % (3 * CREATES), change_reloads)
    print("\n%d creates through 2 processes: %d reloads; %d node changes: %d reloads"
          % (CREATES, create_reloads, 3 * CREATES, change_reloads))
    # group commit: concurrent changes share deploys, across processes too
    assert 1 <= create_reloads < CREATES


@pytest.mark.parametrize("deployment", [POSTGRESQL, MARIADB, REDIS], indirect=True)
def test_sigkill_of_the_holder_mid_deploy_then_the_other_converges(deployment,
                                                                   record_property):
    cluster, box, probe, device = deployment
    probe.stall_next_reload()
    port = vip_port(box, 11000)
    answer = {}

    def create():
        try:
            answer["doc"] = cluster[0].request(
                "POST", "/foo/loadbalancers", lb_body(box, device, "killed-mid-deploy", port,
                                                      backends=3))
        except Exception as err:   # noqa: BLE001 - the process may die under it
            answer["error"] = err
    request = threading.Thread(target=create, daemon=True)
    request.start()
    stalled = box.wait_for(probe.stalled_connection, timeout=20)
    assert stalled, "no deploy reached the box's reload"
    holder = cluster.by_pid(process_of_connection(*stalled))
    assert holder is not None, "the stalled deploy is not one of our processes"
    survivor = next(node for node in cluster.nodes if node is not holder)
    holder.kill()
    killed_at = time.monotonic()
    request.join(35)

    lbs = wait_all_active(cluster)
    converged = round(time.monotonic() - killed_at, 1)
    new = [lb for lb in lbs.values() if lb["name"] == "killed-mid-deploy"]
    assert len(new) == 1
    assert_box_serves_exactly(box, probe, lbs)
    assert served_names(box, port, count=6) == {"backend1", "backend2", "backend3"}
    # the killed deploy's stalled reload, left running on the box, gave up
    assert box.wait_for(probe.orphaned, timeout=15) == 1
    record_property("converged_after_sigkill_s", converged)
    print("\n%s killed mid-deploy; %s converged the device %.1f s later"
          % (holder.name, survivor.name, converged))
