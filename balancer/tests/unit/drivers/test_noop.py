"""The noop driver remembers a bounded history, and can hang on purpose."""

import threading
import time

from balancer.drivers import base, noop


def device(**extra):
    return base.Device(id="dev1", name="d", type="noop", ip="127.0.0.1", port=22,
                       user=None, extra=extra)


def lb(i):
    return base.LoadBalancer(id="lb%d" % i, name="lb", algorithm="ROUND_ROBIN",
                             protocol="HTTP", nodes=(base.Node(id="n", address="10.0.1.1",
                                                               port=80),))


def test_deploy_history_is_bounded_but_counted():
    driver = noop.NoopDriver(device())
    for i in range(noop.HISTORY * 5):
        driver.deploy([lb(i)])
        driver.set_node_condition(lb(i), lb(i).nodes[0])
    assert len(driver.deploys) == noop.HISTORY
    assert len(driver.condition_calls) == noop.HISTORY
    assert driver.deploy_count == noop.HISTORY * 5
    # the newest are kept, in order, and the last one is what is live
    assert [lbs[0].id for lbs in driver.deploys][-2:] == ["lb%d" % (noop.HISTORY * 5 - 2),
                                                          "lb%d" % (noop.HISTORY * 5 - 1)]
    assert set(driver.live) == {"lb%d" % (noop.HISTORY * 5 - 1)}
    assert driver.info()["deploys"] == noop.HISTORY * 5


def test_live_calls_hang_until_closed():
    driver = noop.NoopDriver(device(noop_hang="30"))
    answers = []

    def ask():
        try:
            answers.append(driver.node_status(lb(1)))
        except base.DriverError as err:
            answers.append(err)
    thread = threading.Thread(target=ask)
    started = time.monotonic()
    thread.start()
    thread.join(0.3)
    assert thread.is_alive() and not answers      # hung, as a dead device would
    driver.close()                                # a dropped connection ends it
    thread.join(5)
    assert not thread.is_alive() and time.monotonic() - started < 5
    assert [str(a) for a in answers] == ["connection to device dev1 closed"]
    # deploys are not affected by noop_hang: only live reads and runtime calls
    assert driver.deploy([lb(1)]).changed


def test_probe_answers_from_the_device_keys():
    from balancer.common import constants as c
    assert noop.NoopDriver(device()).probe() == base.Probe(True, True, c.VRRP_UNKNOWN, "")
    down = noop.NoopDriver(device(noop_unreachable="no route to host")).probe()
    assert (down.reachable, down.error) == (False, "no route to host")
    dead = noop.NoopDriver(device(noop_haproxy_down="socket refused",
                                  noop_vrrp_role="backup")).probe()
    assert (dead.reachable, dead.haproxy_answering, dead.vrrp_role) == (True, False,
                                                                        c.VRRP_BACKUP)


def test_a_hanging_probe_ends_with_close():
    driver = noop.NoopDriver(device(noop_hang="30"))
    outcome = {}

    def probe():
        try:
            driver.probe()
        except base.DriverError as err:
            outcome["error"] = str(err)
    worker = threading.Thread(target=probe)
    worker.start()
    time.sleep(0.1)
    driver.close()
    worker.join(5)
    assert "closed" in outcome["error"]
