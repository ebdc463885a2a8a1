"""Live answers from a device, within a time budget.

Some requests ask the device itself: a node's operating status, the device's
own facts, a runtime condition change.  A device can hang (it accepts the SSH
connection and never answers), so such a request spends at most a budget of
seconds on the device -- waiting for a deploy's turn included -- and
then answers without the live part, saying it is ``UNKNOWN``.

The driver call runs in a helper thread; the request thread holds the
device's lock, and gives it up when the budget is spent even if the call
still runs.  The pool then forgets that driver (``DriverPool.abandon``), so
the next deploy or read builds a fresh one instead of queueing behind the
hung call.  See doc/source/operations.rst, "Limits".
"""

import logging
import threading
import time

LOG = logging.getLogger(__name__)

UNKNOWN = "UNKNOWN"
KNOWN = "KNOWN"
#: longest wait for a running deploy to finish before asking: a read does
#: not queue behind other load balancers' deploys on its device
TURN_WAIT = 0.5


class NoAnswer(Exception):
    """The device gave no answer within the budget; ``str()`` says why, in
    words fit for any caller (no addresses, no device output)."""


class Budget:
    """Seconds a request may still spend on live device calls."""

    def __init__(self, seconds):
        self.seconds = seconds
        self.left = seconds

    def spend(self, seconds):
        self.left = max(0.0, self.left - seconds)


def ask(pool, device_row, call, budget):
    """``call(driver)`` on the device's driver, or NoAnswer once ``budget``
    is spent.  Errors the driver raises are raised as they are."""
    if budget.left <= 0:
        raise NoAnswer("the device was not asked: this request already waited "
                       "%gs for it" % budget.seconds)
    started = time.monotonic()
    outcome = {}
    try:
        with pool.try_using(device_row, wait=min(TURN_WAIT, budget.left)) as driver:
            if driver is None:
                raise NoAnswer("the device is busy (a deploy is running); "
                               "asked again later it may answer")
            worker = threading.Thread(target=_run, args=(call, driver, outcome),
                                      name="live-%s" % device_row.id, daemon=True)
            worker.start()
            worker.join(max(0.0, budget.left - (time.monotonic() - started)))
            if worker.is_alive():
                LOG.warning("device %s gave no answer within %gs; dropping its "
                            "connection", device_row.id, budget.seconds)
                pool.abandon(device_row.id)
                raise NoAnswer("the device did not answer within %gs" % budget.seconds)
    finally:
        budget.spend(time.monotonic() - started)
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


def _run(call, driver, outcome):
    try:
        outcome["value"] = call(driver)
    except BaseException as err:   # handed back to the asking thread
        outcome["error"] = err
