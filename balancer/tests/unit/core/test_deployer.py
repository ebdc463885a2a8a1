"""The device queue's group commit and the settling of deploy outcomes."""

import threading

from balancer.core import deployer
from balancer.core import status as st


def test_changes_during_a_deploy_ride_the_next_one():
    started, release, runs = threading.Event(), threading.Event(), []

    def run(device_id, force):
        runs.append(device_id)
        if len(runs) == 1:
            started.set()
            release.wait(5)

    engine = deployer.Deployer(run)
    first = engine.request("dev")
    started.wait(5)
    later = [engine.request("dev") for _ in range(10)]   # all while deploy 1 runs
    assert not later[-1](0.05)                           # not live yet
    release.set()
    assert first(5) and all(w(5) for w in later)
    assert runs == ["dev", "dev"]                        # 11 requests, 2 deploys
    assert engine.deploy_count("dev") == 2


def test_a_failing_deploy_does_not_kill_the_queue():
    calls = []

    def run(device_id, force):
        calls.append(device_id)
        if len(calls) == 1:
            raise RuntimeError("boom")

    engine = deployer.Deployer(run)
    assert engine.request("dev")(5)
    assert engine.request("dev")(5)
    assert len(calls) == 2


def test_force_is_carried_by_the_next_deploy_only():
    started, release, forces = threading.Event(), threading.Event(), []

    def run(device_id, force):
        forces.append(force)
        if len(forces) == 1:
            started.set()
            release.wait(5)

    engine = deployer.Deployer(run)
    first = engine.request("dev")
    started.wait(5)
    forced = engine.request("dev", force=True)     # rides deploy 2
    release.set()
    assert first(5) and forced(5)
    assert engine.request("dev")(5)                 # deploy 3: a plain change
    assert forces == [False, True, False]


def test_settle_success_marks_only_unchanged_rows_active():
    heads = [("a", 1, st.BUILD, st.NOT_LIVE), ("b", 3, st.PENDING_UPDATE, st.LIVE),
             ("c", 1, st.PENDING_DELETE, st.LIVE), ("d", 1, st.ERROR, st.REJECTED),
             ("e", 1, st.ACTIVE, st.LIVE)]
    updates, deletes = deployer.settle(heads, {"a": 1, "b": 2, "c": 1, "d": 1, "e": 1})
    assert deletes == ["c"]
    # b changed since the snapshot (next deploy), d waits for a change, e is live
    assert updates == [("a", 1, st.ACTIVE, None, st.LIVE)]


def test_settle_failure_names_the_rejected_and_errors_the_pending():
    heads = [("a", 1, st.BUILD, st.NOT_LIVE), ("b", 1, st.ACTIVE, st.LIVE),
             ("c", 1, st.BUILD, st.NOT_LIVE)]
    updates, _ = deployer.settle(heads, {"a": 1, "b": 1, "c": 1}, error="bad bind",
                                 rejected_ids=("c",))
    assert updates == [("a", 1, st.ERROR, "bad bind", st.NOT_LIVE),
                       ("c", 1, st.ERROR, "bad bind", st.REJECTED)]
