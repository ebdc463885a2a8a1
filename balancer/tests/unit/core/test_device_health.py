"""A device's health word from its probe, a pair's word from both sides', and
how long a stored word is believed (balancer/core/device_health.py)."""

import datetime
import itertools

import pytest

from balancer.common import constants as c
from balancer.core import device_health as dh
from balancer.core import status as st
from balancer.drivers.base import Probe

NOW = datetime.datetime(2026, 1, 1, 12, 0, 0)


def record(health, error=None, role=None, age=1, valid=30, device_id="d1"):
    checked = NOW - datetime.timedelta(seconds=age)
    return dh.Record(device_id, health, error, role, checked,
                     checked + datetime.timedelta(seconds=valid))


@pytest.mark.parametrize("probe, paired, word", [
    (Probe(reachable=False, error="cannot connect to 10.0.0.1:22"), False, c.HEALTH_OFFLINE),
    (Probe(reachable=False, error="cannot connect"), True, c.HEALTH_OFFLINE),
    (Probe(reachable=True, haproxy_answering=False), False, c.HEALTH_OFFLINE),
    (Probe(reachable=True, haproxy_answering=False, vrrp_role=c.VRRP_MASTER), True,
     c.HEALTH_OFFLINE),
    (Probe(reachable=True, haproxy_answering=True), False, c.HEALTH_ONLINE),
    # keepalived's word only matters for a device of a pair
    (Probe(reachable=True, haproxy_answering=True, vrrp_role=c.VRRP_FAULT), False,
     c.HEALTH_ONLINE),
    (Probe(reachable=True, haproxy_answering=True, vrrp_role=c.VRRP_FAULT), True,
     c.HEALTH_DEGRADED),
    (Probe(reachable=True, haproxy_answering=True), True, c.HEALTH_DEGRADED),
    (Probe(reachable=True, haproxy_answering=True, vrrp_role=c.VRRP_MASTER), True,
     c.HEALTH_ONLINE),
    (Probe(reachable=True, haproxy_answering=True, vrrp_role=c.VRRP_BACKUP), True,
     c.HEALTH_ONLINE),
])
def test_health_of_a_probe(probe, paired, word):
    health, error = dh.health_of(probe, paired)
    assert health == word
    assert (error is None) == (word == c.HEALTH_ONLINE)


def test_the_probe_error_is_the_health_error():
    assert dh.health_of(Probe(reachable=False, error="SSH handshake failed"), False) == (
        c.HEALTH_OFFLINE, "SSH handshake failed")


def test_without_a_peer_the_device_word_is_the_word():
    for word in c.HEALTHS:
        assert dh.pair_health(word) == word
        assert dh.pair_health(word, None) == word


ROLES = (None, c.VRRP_MASTER, c.VRRP_BACKUP, c.VRRP_FAULT, c.VRRP_UNKNOWN)


@pytest.mark.parametrize("own, peer, own_role, peer_role",
                         list(itertools.product(c.HEALTHS, c.HEALTHS, ROLES, ROLES)))
def test_pair_health_of_every_combination(own, peer, own_role, peer_role):
    combined = dh.pair_health(own, peer, own_role, peer_role)
    assert combined == dh.pair_health(peer, own, peer_role, own_role), \
        "the pair's word is symmetric"
    # a side serves when its HAProxy answers and its keepalived is not in FAULT
    serving = [word != c.HEALTH_OFFLINE and role != c.VRRP_FAULT
               for word, role in ((own, own_role), (peer, peer_role))]
    if c.HEALTH_UNKNOWN in (own, peer):
        assert combined == c.HEALTH_UNKNOWN
    elif own == peer == c.HEALTH_ONLINE:
        assert combined == c.HEALTH_ONLINE
    elif not any(serving):
        assert combined == c.HEALTH_OFFLINE
    else:                    # one side down or degraded, the other serving
        assert combined == c.HEALTH_DEGRADED


def test_a_side_in_fault_beside_an_offline_one_serves_nothing():
    assert dh.pair_health(c.HEALTH_DEGRADED, c.HEALTH_OFFLINE, c.VRRP_FAULT, None) == \
        c.HEALTH_OFFLINE
    assert dh.pair_health(c.HEALTH_DEGRADED, c.HEALTH_OFFLINE, c.VRRP_UNKNOWN, None) == \
        c.HEALTH_DEGRADED


def test_a_stored_word_is_believed_until_valid_until_only():
    assert record(c.HEALTH_ONLINE, age=1, valid=30).word(NOW) == c.HEALTH_ONLINE
    assert record(c.HEALTH_OFFLINE, age=31, valid=30).word(NOW) == c.HEALTH_UNKNOWN
    assert dh.word({}, "d1", NOW) == c.HEALTH_UNKNOWN


def test_valid_until_is_two_intervals_and_a_timeout():
    assert dh.valid_until(NOW, 10, 5) == NOW + datetime.timedelta(seconds=25)


def test_serving_word_combines_a_device_and_its_peer():
    records = {"a": record(c.HEALTH_ONLINE, device_id="a"),
               "b": record(c.HEALTH_OFFLINE, device_id="b"),
               "old": record(c.HEALTH_ONLINE, age=100, device_id="old")}
    assert dh.serving_word(records, "a", None, NOW) == c.HEALTH_ONLINE
    assert dh.serving_word(records, "a", "b", NOW) == c.HEALTH_DEGRADED
    assert dh.serving_word(records, "b", "a", NOW) == c.HEALTH_DEGRADED
    assert dh.serving_word(records, "b", None, NOW) == c.HEALTH_OFFLINE
    assert dh.serving_word(records, "a", "old", NOW) == c.HEALTH_UNKNOWN
    records["f"] = record(c.HEALTH_DEGRADED, role=c.VRRP_FAULT, device_id="f")
    assert dh.serving_word(records, "f", "b", NOW) == c.HEALTH_OFFLINE
    assert dh.serving_word(records, "f", "a", NOW) == c.HEALTH_DEGRADED


def test_view_of_never_probed_fresh_and_stale_devices():
    assert dh.view(None, NOW) == {"health": c.HEALTH_UNKNOWN, "health_error": "not probed yet",
                                  "health_checked_at": None}
    fresh = dh.view(record(c.HEALTH_OFFLINE, error="cannot connect"), NOW)
    assert fresh == {"health": c.HEALTH_OFFLINE, "health_error": "cannot connect",
                     "health_checked_at": "2026-01-01T11:59:59"}
    stale = dh.view(record(c.HEALTH_ONLINE, age=100), NOW)
    assert stale["health"] == c.HEALTH_UNKNOWN
    assert "no probe since 2026-01-01T11:58:20" in stale["health_error"]


def test_role_is_shown_while_the_probe_is_fresh():
    assert dh.role(record(c.HEALTH_ONLINE, role=c.VRRP_MASTER), NOW) == c.VRRP_MASTER
    assert dh.role(record(c.HEALTH_ONLINE, role=c.VRRP_MASTER, age=100), NOW) == c.VRRP_UNKNOWN
    assert dh.role(None, NOW) == c.VRRP_UNKNOWN


@pytest.mark.parametrize("device_word, expected", [
    (None, st.ONLINE), (c.HEALTH_UNKNOWN, st.ONLINE), (c.HEALTH_ONLINE, st.ONLINE),
    (c.HEALTH_DEGRADED, st.DEGRADED), (c.HEALTH_OFFLINE, st.OFFLINE)])
def test_the_database_health_wins_over_an_online_observation(device_word, expected):
    from balancer.drivers.base import Serving
    seen = Serving(answering=True, current=True)
    assert st.lb_operating_status("lb", st.ACTIVE, st.LIVE, seen, device_word) == expected


def test_a_load_balancer_never_live_stays_offline_whatever_the_health():
    assert st.lb_operating_status("lb", st.BUILD, st.NOT_LIVE, None,
                                  c.HEALTH_ONLINE) == st.OFFLINE


def test_returned_devices_are_those_offline_before_that_answer_now():
    from balancer.core.prober import returned
    before = {"was-down": record(c.HEALTH_OFFLINE, device_id="was-down"),
              "was-up": record(c.HEALTH_ONLINE, device_id="was-up"),
              "still-down": record(c.HEALTH_OFFLINE, device_id="still-down"),
              "long-ago": record(c.HEALTH_OFFLINE, age=100, device_id="long-ago")}
    now = {"was-down": (c.HEALTH_ONLINE, None, c.VRRP_UNKNOWN),
           "was-up": (c.HEALTH_ONLINE, None, c.VRRP_UNKNOWN),
           "still-down": (c.HEALTH_OFFLINE, "x", c.VRRP_UNKNOWN),
           "long-ago": (c.HEALTH_ONLINE, None, c.VRRP_UNKNOWN),
           "new": (c.HEALTH_ONLINE, None, c.VRRP_UNKNOWN)}
    assert returned(before, now, NOW) == ["was-down"]
