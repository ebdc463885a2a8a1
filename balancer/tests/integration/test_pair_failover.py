"""A real active/standby pair: keepalived, HAProxy peers, real traffic.

Two HAProxy boxes (sshd, HAProxy, keepalived) on one bridge, backends and
a client in namespaces of their own (``balancer.tests.lab_pair``); the
service pairs them through the API and runs its background sweep as in
production.  What is measured from the client's requests through the VIP:

* the VIP moves when the active box's HAProxy is killed and when its link
  goes down; requests fail only inside the failover window;
* source-IP persistence holds across both failovers (stick tables synced);
* a change made while one box is out is live on the survivor, and the load
  balancer stays ACTIVE naming the box that is behind;
* the returning box does not take the VIP while it is not current, even
  when its peer dies, and serves the change once the service caught it up.
"""

import os
import socket
import stat
import time

import pytest

from balancer.tests.conftest import Api, make_conf, skip_outside_ci
from balancer.tests.lab import HaproxyBox
from balancer.tests.lab_pair import PairLab

#: the longest a failover may take here, VRRP adverts at 1 s.  A dead
#: HAProxy is seen by the track script within a second and its box resigns
#: at once (a priority-0 advert).  A silent box (link down, keepalived
#: killed) is declared dead by its peer after ``vrrp_down_adverts`` missed
#: adverts, 2 by default (doc/source/ha.rst, "Failure modes tried").
WINDOW = 3.0


def need_pair():
    if not (HaproxyBox.available() and os.path.exists("/usr/sbin/keepalived")):
        skip_outside_ci("needs root with haproxy, sshd, socat, sudo and keepalived "
                        "(tools/install-system-packages)")


@pytest.fixture(scope="module")
def lab():
    need_pair()
    with PairLab(backends=3) as built:
        yield built


@pytest.fixture(scope="module")
def api(lab, tmp_path_factory):
    client = Api(make_conf(tmp_path_factory.mktemp("pair"), deploy__ssh_connect_timeout=2,
                           deploy__ssh_command_timeout=6, deploy__wait_timeout=15,
                           coordination__pending_check_interval=1,
                           # the tests probe when they mean to (prober.run_once)
                           health__probe_interval=3600))
    client.service.start()
    yield client
    client.service.close()


def wait_for(predicate, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    return predicate()


def lb_view(api, lb_id):
    return api.get("/foo/loadbalancers/%s" % lb_id).json["loadbalancer"]


@pytest.fixture(scope="module")
def pair(lab, api):
    a, b = lab.boxes
    first = api.post_json("/devices", lab.device_body(
        a, name="box-a", vrrp_interface=a.interface, vrrp_priority=150)).json["device"]
    second = api.post_json("/devices", lab.device_body(
        b, name="box-b", vrrp_interface=b.interface, vrrp_priority=100, peer_id=first["id"],
        vrrp_router_id=51, vrrp_auth="labpw")).json["device"]
    body = {"name": "pair-lb", "algorithm": "ROUND_ROBIN", "protocol": "HTTP",
            "virtualIps": [{"address": lab.vip, "port": 80}],
            "nodes": [{"address": address, "port": port}
                      for address, port, _name in lab.backend_nodes()],
            "sessionPersistence": [{"type": "SOURCE_IP"}]}
    lb = api.post_json("/foo/loadbalancers", body, status=202).json["loadbalancer"]
    assert lb["status"] == "ACTIVE", lb
    assert wait_for(lab.holder, 15), "no box took the VIP"
    boxes = {first["id"]: a, second["id"]: b}
    return {"lb": lb, "ids": (first["id"], second["id"]), "boxes": boxes}


#: the client loop's timeout: a request sent up to this long before a failure
#: was still in flight when it struck
TIMEOUT = 0.5


def failures(rows, since):
    return [row for row in rows if row[0] >= since and row[1] != 200]


def failed_before(rows, event):
    """Failed requests sent before ``event`` could have noticed it."""
    return [row for row in rows if row[1] != 200 and row[0] < event - TIMEOUT]


def window(rows, since):
    """(first failed, first good after it) in the client's clock, or None."""
    failed = [row[0] for row in rows if row[0] >= since and row[1] != 200]
    if not failed:
        return None
    good = [row[0] for row in rows if row[0] > failed[0] and row[1] == 200]
    return failed[0], good[0] if good else None


def sticky_backend(lab):
    served = {lab.get(80)[1] for _ in range(5)}
    assert len(served) == 1 and served <= set(lab.names), served
    return served.pop()


def stick_table(box, lb_id):
    """``show table`` of the load balancer's backend, from the box's socket."""
    return ask(box, "show table balancer-lb-%s" % lb_id)


def server_status(box, lb_id, node_id):
    """The node's status (UP, MAINT, ...) as the box's running HAProxy has it."""
    for line in ask(box, "show stat").splitlines():
        fields = line.split(",")
        if fields[:2] == ["balancer-lb-%s" % lb_id, node_id]:
            return fields[17]
    return None


def ask(box, command):
    """One command on the box's HAProxy stats socket; the whole answer."""
    with socket.socket(socket.AF_UNIX) as conn:
        conn.settimeout(5)
        conn.connect(box.socket)
        conn.sendall(command.encode() + b"\n")
        chunks = []
        while True:
            chunk = conn.recv(65536)
            if not chunk:
                return b"".join(chunks).decode()
            chunks.append(chunk)


def test_both_boxes_serve_one_config_and_report_their_roles(lab, api, pair):
    a, b = lab.boxes
    # each lab box keeps its server state beside its own config file
    ours = [box.read_config().split("# managed by balancer", 1)[1].replace(
        os.path.dirname(box.config_path), "<box dir>") for box in (a, b)]
    assert "peers balancer-pair" in ours[0] and "stick-table type ip" in ours[0]
    assert ours[0].replace("localpeer balancer-" + pair["ids"][0], "X") == \
        ours[1].replace("localpeer balancer-" + pair["ids"][1], "X")
    holder = lab.holder()
    for device_id, box in pair["boxes"].items():
        ha = api.get("/devices/%s" % device_id).json["device"]["ha"]
        assert ha["role"] == ("MASTER" if box is holder else "BACKUP"), (ha, box.state_word())
    # neither box added the VIP by hand: only the holder has it
    assert [box.holds(lab.vip) for box in (a, b)].count(True) == 1
    # keepalived.conf carries the VRRP password: no other local user may read it
    for box in (a, b):
        conf = os.path.join(os.path.dirname(box.config_path), "keepalived.conf")
        assert stat.S_IMODE(os.stat(conf).st_mode) & 0o077 == 0, oct(os.stat(conf).st_mode)
    # the client's stick entry reaches the standby's table through peers
    sticky_backend(lab)
    standby = a if holder is b else b
    client = lab.subnet + ".4"
    assert wait_for(lambda: "key=%s " % client in stick_table(standby, pair["lb"]["id"]), 5), \
        stick_table(standby, pair["lb"]["id"])


def test_a_new_vip_reloads_keepalived_without_dropping_the_held_one(lab, api, pair):
    holder = lab.holder()
    loop = lab.client_loop(80, seconds=30)
    time.sleep(1.0)
    began = time.monotonic()
    second = f"{lab.subnet}.11"
    body = {"name": "second", "algorithm": "ROUND_ROBIN", "protocol": "HTTP",
            "virtualIps": [{"address": second, "port": 8080}],
            "nodes": [{"address": a, "port": p} for a, p, _n in lab.backend_nodes()]}
    lb = api.post_json("/foo/loadbalancers", body, status=202).json["loadbalancer"]
    assert lb["status"] == "ACTIVE" and lb["device_id"] == pair["lb"]["device_id"]
    assert wait_for(lambda: holder.holds(second), 10), "keepalived did not take the new VIP"
    time.sleep(1.0)
    rows = loop.stop()
    assert [r for r in rows if r[0] >= began] and not failures(rows, 0), failures(rows, 0)
    assert lab.holder() is holder                 # a reload, not an election
    for box in lab.boxes:
        assert f"{second}/32" in open(os.path.join(os.path.dirname(box.config_path),
                                                   "keepalived.conf")).read()
    api.delete("/foo/loadbalancers/%s" % lb["id"], status=204)
    assert wait_for(lambda: not holder.holds(second), 10)
    assert lab.holder() is holder


def test_failover_when_haproxy_dies_keeps_persistence(lab, api, pair):
    before = lab.holder()
    backend = sticky_backend(lab)
    loop = lab.client_loop(80, seconds=30)
    time.sleep(1.0)
    killed_at = time.monotonic()
    before.kill_haproxy()
    other = wait_for(lambda: lab.holder() not in (None, before) and lab.holder(), WINDOW)
    assert other, "the VIP did not move off the box whose HAProxy died"
    time.sleep(2.0)
    rows = loop.stop()
    span = window(rows, killed_at - TIMEOUT)
    assert span is None or (span[1] is not None and span[1] - killed_at < WINDOW), span
    if span:
        print("HAProxy killed: served again %.0f ms after" % ((span[1] - killed_at) * 1000))
    assert not [r for r in failures(rows, killed_at) if r[0] > killed_at + WINDOW]
    assert not failed_before(rows, killed_at)
    after = [r[2] for r in rows if r[0] > killed_at and r[1] == 200]
    assert after and set(after) == {backend}, set(after)
    # the reconcile pass brings the dead box back: as BACKUP (nopreempt)
    api.service.reconciler.run_once(wait=60)
    assert wait_for(lambda: before.state_word() == "BACKUP", 10), before.state_word()
    assert lab.holder() is other


def test_keepalived_killed_the_peer_takes_over_and_the_box_comes_back_clean(lab, api, pair):
    """SIGKILL leaves the dead keepalived's address on the box; the peer
    takes the VIP (gratuitous ARP).  The next probe reads the box FAULT and
    has the pair deployed, which restarts keepalived only after removing
    the leftover, so one box holds the VIP again."""
    active = lab.holder()
    survivor = next(box for box in lab.boxes if box is not active)
    loop = lab.client_loop(80, seconds=30)
    time.sleep(1.0)
    killed_at = time.monotonic()
    active.kill_keepalived()
    assert wait_for(lambda: survivor.holds(lab.vip), WINDOW), \
        "the peer did not take the VIP"
    time.sleep(1.0)
    rows = loop.stop()
    assert not failed_before(rows, killed_at)
    assert not [r for r in failures(rows, killed_at) if r[0] > killed_at + WINDOW]
    assert active.holds(lab.vip)             # the leftover of the killed keepalived
    # its state file still says MASTER: the probe and the role must not believe it
    active_id = next(i for i, box in pair["boxes"].items() if box is active)
    assert active.state_word() == "MASTER"
    api.service.prober.run_once()
    # the list shows the probe's word (the probe also has the pair deployed,
    # which restarts keepalived: a role asked of the box now may be BACKUP)
    shown = next(d for d in api.get("/devices").json["devices"] if d["id"] == active_id)
    assert (shown["health"], shown["ha"]["role"]) == ("DEGRADED", "FAULT"), shown
    assert "keepalived is not running" in shown["health_error"]
    # no manual step: that deploy removes the leftover, then starts keepalived
    assert wait_for(lambda: lab.holder() is survivor, 20), "two boxes still hold the VIP"
    assert wait_for(lambda: active.state_word() == "BACKUP", 10), active.state_word()
    assert lab.get(80)[0] == 200


def test_link_down_change_on_survivor_and_a_returning_box_waits_until_current(
        lab, api, pair):
    lb_id = pair["lb"]["id"]
    active = lab.holder()
    survivor = next(box for box in lab.boxes if box is not active)
    active_id = next(i for i, box in pair["boxes"].items() if box is active)
    backend = sticky_backend(lab)
    loop = lab.client_loop(80, seconds=40)
    time.sleep(1.0)
    cut_at = time.monotonic()
    active.set_link(False)
    assert wait_for(lambda: lab.holder() is survivor, WINDOW), "the VIP did not move"
    time.sleep(1.5)
    rows = loop.rows()
    span = window(rows, cut_at - TIMEOUT)
    assert span and span[1] is not None and span[1] - cut_at < WINDOW, span
    print("link down: served again %.0f ms after the cut" % ((span[1] - cut_at) * 1000))
    assert not failed_before(rows, cut_at)
    assert not [r for r in failures(rows, cut_at) if r[0] > cut_at + WINDOW]
    assert {r[2] for r in rows if r[0] > cut_at and r[1] == 200} == {backend}
    # a change while the box is out: the sticky backend is disabled
    nodes = api.get("/foo/loadbalancers/%s/nodes" % lb_id).json["nodes"]
    node = next(n for n in nodes if n["port"] == 8001 + lab.names.index(backend))
    api.put("/foo/loadbalancers/%s/nodes/%s/DISABLED" % (lb_id, node["id"]))
    view = wait_for(lambda: lb_view(api, lb_id)["status"] == "ACTIVE" and lb_view(api, lb_id),
                    30)
    assert view and active_id in (view.get("statusDescription") or ""), view
    assert wait_for(lambda: backend not in {r[2] for r in loop.rows()[-5:]}, 10)
    rows = loop.stop()
    ha = api.get("/devices/%s" % active_id).json["device"]["ha"]
    assert ha["behind"] is True
    # the probe finds the cut box OFFLINE: its load balancer is served by one side
    api.service.prober.run_once()
    assert api.get("/devices/%s" % active_id).json["device"]["health"] == "OFFLINE"
    assert lb_view(api, lb_id)["operatingStatus"] == "DEGRADED"
    # the box returns while the service cannot reach it yet (the pair's lock
    # is held here): it must not take the VIP, not even when its peer dies
    anchor = min(pair["ids"])
    with api.service.device_lock(anchor):
        active.set_link(True)
        time.sleep(4.0)
        assert not active.holds(lab.vip) and active.state_word() == "FAULT"
        survivor.kill_haproxy()
        time.sleep(4.0)
        assert lab.holder() is None and not active.holds(lab.vip), \
            "a box that is not current took the VIP"
        assert "disabled" not in active.read_config()       # it is stale indeed
        # the one box whose HAProxy runs is in FAULT: nothing serves, and it says so
        api.service.prober.run_once()
        assert lb_view(api, lb_id)["operatingStatus"] == "OFFLINE"
        assert server_status(active, lb_id, node["id"]) not in (None, "MAINT")
    # no manual step: the background sweep catches both boxes up
    assert wait_for(lambda: lab.holder() is not None, 40), "nobody took the VIP back"
    # the returning box runs the change made while it was out, and the VIP
    # (wherever it is now) serves it
    assert wait_for(lambda: server_status(active, lb_id, node["id"]) == "MAINT", 10), \
        server_status(active, lb_id, node["id"])
    served = {lab.get(80)[1] for _ in range(6)}
    assert served and backend not in served and served <= set(lab.names), served
    assert wait_for(lambda: not lb_view(api, lb_id).get("statusDescription"), 30)
    assert api.get("/devices/%s" % active_id).json["device"]["ha"]["behind"] is False
    for box in lab.boxes:
        assert "disabled" in box.read_config()
    api.service.prober.run_once()
    assert lb_view(api, lb_id)["operatingStatus"] == "ONLINE"
