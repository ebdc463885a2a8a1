"""live.ask: one budget per request, and a stuck call never keeps the lock."""

import threading

import pytest

from balancer.core import live
from balancer.core.driver_pool import DriverPool
from balancer.tests.unit.core.test_driver_pool import device_row


def test_a_stuck_call_gives_up_the_device_and_its_driver():
    pool = DriverPool(["noop"])
    row = device_row()
    stuck = pool.peek(row)
    release = threading.Event()
    budget = live.Budget(0.2)
    with pytest.raises(live.NoAnswer, match="did not answer within 0.2s"):
        live.ask(pool, row, lambda driver: release.wait(10), budget)
    assert budget.left == 0
    # the next user neither waits for the stuck call nor shares its driver
    with pool.try_using(row, wait=0.01) as driver:
        assert driver is not None and driver is not stuck
    release.set()


def test_a_spent_budget_does_not_ask_again():
    pool = DriverPool(["noop"])
    calls = []
    with pytest.raises(live.NoAnswer, match="not asked"):
        live.ask(pool, device_row(), calls.append, live.Budget(0))
    assert calls == []


def test_answers_and_driver_errors_come_back_as_they_are():
    pool = DriverPool(["noop"])
    assert live.ask(pool, device_row(), lambda driver: 42, live.Budget(1)) == 42

    def fails(driver):
        raise ValueError("device said no")
    with pytest.raises(ValueError, match="device said no"):
        live.ask(pool, device_row(), fails, live.Budget(1))
