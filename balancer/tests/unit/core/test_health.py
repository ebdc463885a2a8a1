"""Observations of a device expire rather than repeat an old ONLINE."""

from balancer.core import status as st
from balancer.core.health import DeviceHealth
from balancer.drivers.base import Serving


class Clock:
    now = 0.0

    def __call__(self):
        return self.now


def test_an_old_observation_is_unknown_not_online():
    clock = Clock()
    health = DeviceHealth(max_age=120, clock=clock)
    health.observe("d1", Serving(answering=True, current=True))
    assert st.device_operating_status(health.get("d1")) == st.ONLINE
    clock.now = 121
    assert health.get("d1") is None
    assert st.lb_operating_status("lb1", st.ACTIVE, st.LIVE, health.get("d1")) == st.UNKNOWN


def test_words_for_each_observation():
    online, dead = Serving(True, True), Serving(False, False)
    other = Serving(True, False, stale=("lb2",))
    assert st.device_operating_status(None) == st.UNKNOWN
    assert st.device_operating_status(Serving(None)) == st.UNKNOWN
    assert st.device_operating_status(dead) == st.OFFLINE
    assert st.device_operating_status(other) == st.DEGRADED
    assert st.lb_operating_status("lb1", st.ACTIVE, st.LIVE, online) == st.ONLINE
    assert st.lb_operating_status("lb1", st.ACTIVE, st.LIVE, dead) == st.OFFLINE
    assert st.lb_operating_status("lb1", st.ACTIVE, st.LIVE, other) == st.ONLINE
    assert st.lb_operating_status("lb2", st.ACTIVE, st.LIVE, other) == st.DEGRADED
    assert st.lb_operating_status("lb1", st.ERROR, st.LIVE, online) == st.DEGRADED
    assert st.lb_operating_status("lb1", st.BUILD, st.NOT_LIVE, online) == st.OFFLINE
    assert st.lb_operating_status("lb1", st.ERROR, st.REJECTED, online) == st.OFFLINE
