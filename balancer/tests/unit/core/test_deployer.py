"""The device queue's group commit and the settling of deploy outcomes."""

import threading
import types

from balancer.core import deployer
from balancer.core import status as st


def test_changes_during_a_deploy_ride_the_next_one():
    started, release, runs = threading.Event(), threading.Event(), []

    def run(device_id):
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

    def run(device_id):
        calls.append(device_id)
        if len(calls) == 1:
            raise RuntimeError("boom")

    engine = deployer.Deployer(run)
    assert engine.request("dev")(5)
    assert engine.request("dev")(5)
    assert len(calls) == 2


def lb(lb_id, status, revision=1, deployed=st.NOT_LIVE):
    return types.SimpleNamespace(id=lb_id, status=status, revision=revision,
                                 deployed=deployed, status_description=None)


def test_settle_success_marks_only_unchanged_rows_active():
    rows = [lb("a", st.BUILD), lb("b", st.PENDING_UPDATE, revision=3),
            lb("c", st.PENDING_DELETE), lb("d", st.ERROR, deployed=st.REJECTED)]
    gone = deployer.settle(rows, {"a": 1, "b": 2, "c": 1, "d": 1})
    assert gone == ["c"]
    assert rows[0].status == st.ACTIVE and rows[0].deployed == st.LIVE
    assert rows[1].status == st.PENDING_UPDATE      # changed since: next deploy
    assert rows[3].status == st.ERROR               # rejected LBs wait for a change


def test_settle_failure_names_the_rejected_and_errors_the_pending():
    rows = [lb("a", st.BUILD), lb("b", st.ACTIVE, deployed=st.LIVE), lb("c", st.BUILD)]
    deployer.settle(rows, {"a": 1, "b": 1, "c": 1}, error="bad bind", rejected_ids=("c",))
    assert (rows[0].status, rows[0].status_description) == (st.ERROR, "bad bind")
    assert rows[1].status == st.ACTIVE               # live and unchanged: untouched
    assert (rows[2].status, rows[2].deployed) == (st.ERROR, st.REJECTED)
