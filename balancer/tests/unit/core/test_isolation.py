"""Failure isolation: a deploy that fails finds its culprits and fails only them."""

import dataclasses

from balancer.core import isolation
from balancer.core import status as st
from balancer.drivers.base import DriverError


@dataclasses.dataclass(frozen=True)
class Lb:
    id: str


class Device:
    """A pretend device: ``breakers`` fail any deploy carrying them, naming
    no one; ``named`` fail naming the ids in their value; it remembers what
    it serves after each deploy that succeeded."""

    def __init__(self, breakers=(), named=None, device_fault=False):
        self.breakers, self.named = set(breakers), dict(named or {})
        self.device_fault = device_fault
        self.serving, self.attempts = None, []

    def deploy(self, records):
        ids = [r.id for r in records]
        self.attempts.append(ids)
        if self.device_fault:
            raise DriverError("unreachable", device_fault=True)
        for lb_id in ids:
            if lb_id in self.named:
                raise DriverError("named %s" % lb_id, self.named[lb_id])
        bad = sorted(self.breakers & set(ids))
        if bad:
            raise DriverError("broken by %s" % ",".join(bad), operator_fault_string="op")
        self.serving = ids
        return "key"


def run(device, ids, suspects, budget=16):
    return isolation.isolate(device.deploy, [Lb(i) for i in ids], suspects, budget)


IDS = ["a", "b", "c", "d", "e", "f", "g", "h"]


def test_a_good_deploy_is_one_attempt():
    device = Device()
    outcome = run(device, IDS, set(IDS))
    assert outcome.live == tuple(IDS) and not outcome.rejected and outcome.attempts == 1
    assert outcome.host_key == "key"


def test_an_unnamed_failure_rejects_only_its_culprit():
    device = Device(breakers={"f"})
    outcome = run(device, IDS, {"c", "d", "e", "f", "g"})
    assert set(outcome.rejected) == {"f"} and "broken by f" in str(outcome.rejected["f"])
    assert set(outcome.live) == set(IDS) - {"f"} and device.serving == list(outcome.live)
    # the whole state, the unchanged LBs, then bisection of five suspects
    assert device.attempts[1] == ["a", "b", "h"]
    assert outcome.attempts <= 2 + 2 * 3


def test_two_culprits_among_many_are_both_found_and_no_one_else():
    device = Device(breakers={"b", "g"})
    outcome = run(device, IDS, set(IDS))
    assert set(outcome.rejected) == {"b", "g"} and outcome.untried == ()
    assert set(outcome.live) == set(IDS) - {"b", "g"}


def test_the_error_a_culprit_is_rejected_with_is_its_own():
    device = Device(breakers={"b", "g"})
    outcome = run(device, IDS, set(IDS))
    assert str(outcome.rejected["b"]) == "broken by b"
    assert str(outcome.rejected["g"]) == "broken by g"


def test_a_single_suspect_is_rejected_without_trying_it_again():
    device = Device(breakers={"c"})
    outcome = run(device, IDS, {"c"})
    assert set(outcome.rejected) == {"c"} and outcome.attempts == 2


def test_the_device_failing_without_any_change_fails_everyone():
    device = Device(breakers={"a"})                  # "a" is not a suspect
    outcome = run(device, IDS, {"c", "d"})
    assert outcome.live is None and outcome.rejected == {}
    assert str(outcome.failure) == "broken by a" and outcome.attempts == 2


def test_a_device_fault_stops_at_once():
    device = Device(device_fault=True)
    outcome = run(device, IDS, set(IDS))
    assert outcome.live is None and outcome.failure.device_fault and outcome.attempts == 1


def test_named_culprits_are_tried_one_by_one_so_a_wrongly_named_one_goes_live():
    # "c" breaks the config and its failure names "c" and the victim "e"
    device = Device(named={"c": ("c", "e")})
    outcome = run(device, IDS, {"c", "e"})
    assert set(outcome.rejected) == {"c"}
    assert "e" in outcome.live


def test_a_culprit_named_with_others_is_told_neutrally():
    device = Device(named={"c": ("a",)})                 # names only an innocent
    outcome = run(device, IDS, {"c"})
    assert set(outcome.rejected) == {"c"}
    heads = [(i, 1, st.PENDING_UPDATE if i == "c" else st.ACTIVE, st.LIVE) for i in IDS]
    updates, _ = isolation.settle(heads, dict.fromkeys(IDS, 1), outcome)
    assert updates == [("c", 1, st.ERROR, isolation.REFUSED, st.REJECTED, "named c")]


def test_the_budget_bounds_the_search_and_leaves_the_rest_untried():
    device = Device(breakers=set(IDS[2:]))
    outcome = run(device, IDS, set(IDS), budget=4)
    assert outcome.attempts == 4
    assert outcome.untried and set(outcome.untried) | set(outcome.rejected) | set(
        outcome.live) == set(IDS)


def test_settle_fails_the_culprit_only_and_stores_both_texts():
    device = Device(breakers={"c"})
    outcome = run(device, ["a", "b", "c"], {"b", "c"})
    heads = [("a", 1, st.ACTIVE, st.LIVE), ("b", 2, st.PENDING_UPDATE, st.LIVE),
             ("c", 3, st.BUILD, st.NOT_LIVE), ("z", 4, st.PENDING_DELETE, st.LIVE)]
    updates, deletes = isolation.settle(heads, {"a": 1, "b": 2, "c": 3, "z": 4}, outcome)
    assert sorted(updates) == [("b", 2, st.ACTIVE, None, st.LIVE, None),
                               ("c", 3, st.ERROR, "broken by c", st.REJECTED, "op")]
    assert deletes == ["z"]


def test_settle_of_a_device_wide_failure_keeps_old_rejections():
    outcome = run(Device(device_fault=True), ["b"], {"b"})
    heads = [("b", 2, st.BUILD, st.NOT_LIVE), ("r", 1, st.ERROR, st.REJECTED)]
    updates, _ = isolation.settle(heads, {"b": 2, "r": 1}, outcome)
    assert updates == [("b", 2, st.ERROR, "unreachable", st.NOT_LIVE, "unreachable")]


def test_untried_suspects_stay_error_not_rejected():
    device = Device(breakers=set(IDS[1:]))
    outcome = run(device, IDS, set(IDS[1:]), budget=3)
    assert outcome.live == ("a",) and set(outcome.untried) == set(IDS[1:])
    heads = [(i, 1, st.BUILD, st.NOT_LIVE) for i in IDS[1:]] + [("a", 1, st.ACTIVE, st.LIVE)]
    updates, _ = isolation.settle(heads, dict.fromkeys(IDS, 1), outcome)
    assert {u[2:5] for u in updates} == {
        (st.ERROR, isolation.UNTRIED.user_fault_string, st.NOT_LIVE)}


def test_named_culprits_are_left_out_without_leaving_out_any_innocent_change():
    # render refusals name one LB at a time: "c" first, then "g"
    device = Device(named={"c": ("c",), "g": ("g",)})
    outcome = run(device, IDS, set(IDS))
    assert set(outcome.rejected) == {"c", "g"}
    assert set(outcome.live) == set(IDS) - {"c", "g"}
    innocents = set(IDS) - {"c", "g"}
    assert all(innocents <= set(ids) for ids in device.attempts)
    # all, without c, without c and g, then c alone ("g" was present when
    # "c" failed); g's failure without c is already known
    assert outcome.attempts == 4


def test_no_attempt_starts_after_the_time_bound():
    device = Device(breakers={"c"})
    outcome = isolation.isolate(device.deploy, [Lb(i) for i in IDS], set(IDS), 16, seconds=0)
    # the whole state is always tried, then nothing more: no one is rejected
    assert outcome.attempts == 1 and outcome.rejected == {}


def test_a_device_wide_failure_naming_someone_is_told_neutrally_to_the_others():
    device = Device(named={"a": ("a",)})               # an unchanged LB now fails
    outcome = run(device, ["a", "b"], {"b"})
    assert outcome.live is None and outcome.failure.lb_ids == ("a",)
    heads = [("a", 1, st.ACTIVE, st.LIVE), ("b", 1, st.BUILD, st.NOT_LIVE)]
    updates, _ = isolation.settle(heads, {"a": 1, "b": 1}, outcome)
    assert updates == [("b", 1, st.ERROR, isolation.DEVICE_REFUSED, st.NOT_LIVE, "named a")]
