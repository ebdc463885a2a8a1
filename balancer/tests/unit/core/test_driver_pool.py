"""The driver pool keeps one driver per device, and keeps it warm."""

import types

from balancer.core.driver_pool import DriverPool


def device_row(**changes):
    values = {"id": "dev1", "name": "d", "type": "NOOP", "ip": "127.0.0.1", "port": 22,
              "user": "u", "password": "p", "private_key": None, "host_key": None, "extra": {}}
    values.update(changes)
    return types.SimpleNamespace(**values)


def test_one_driver_per_device_until_its_row_changes():
    pool = DriverPool(["noop"])
    first = pool.peek(device_row())
    assert pool.peek(device_row()) is first
    assert pool.peek(device_row(port=2222)) is not first


def test_storing_the_learned_host_key_keeps_the_warm_driver():
    pool = DriverPool(["noop"])
    driver = pool.peek(device_row())
    driver.learned_host_key = lambda: "ssh-ed25519 AAAA"
    assert pool.peek(device_row(host_key="ssh-ed25519 AAAA")) is driver
    # a different key than the one it saw is a new device identity
    assert pool.peek(device_row(host_key="ssh-ed25519 BBBB")) is not driver


def test_reads_do_not_queue_behind_a_deploy():
    import threading

    pool = DriverPool(["noop"])
    row = device_row()
    holding, release = threading.Event(), threading.Event()

    def deploy():
        with pool.using(row):
            holding.set()
            release.wait(5)
    thread = threading.Thread(target=deploy)
    thread.start()
    holding.wait(5)
    with pool.try_using(row, wait=0.05) as driver:
        assert driver is None                 # busy: the read goes without
    release.set()
    thread.join()
    with pool.try_using(row, wait=0.05) as driver:
        assert driver is pool.peek(row)
