"""The words and the per-minute counts of balancer.core.deploy_history."""

import datetime

from balancer.core import deploy_history, isolation
from balancer.drivers import base


def test_outcome_words():
    error = base.DriverError("no")
    assert deploy_history.outcome_word(isolation.Outcome(carried=("a",), live=("a",))) == \
        "SUCCESS"
    assert deploy_history.outcome_word(isolation.Outcome(
        carried=("a", "b"), live=("a",), rejected={"b": error})) == "PARTIAL"
    assert deploy_history.outcome_word(isolation.Outcome(
        carried=("a", "b"), live=("a",), untried=("b",))) == "PARTIAL"
    assert deploy_history.outcome_word(isolation.Outcome(
        carried=("a", "b"), live=("a",), failure=error)) == "PARTIAL"
    assert deploy_history.outcome_word(isolation.Outcome(
        carried=("a", "b"), live=(), failure=error)) == "FAILED"
    assert deploy_history.outcome_word(isolation.Outcome(carried=("a",), failure=error)) == \
        "FAILED"


def test_per_minute_counts_the_window_only():
    now = datetime.datetime(2026, 1, 1, 12, 30, 40)
    rows = [(datetime.datetime(2026, 1, 1, 12, 30, 5), "SUCCESS"),
            (datetime.datetime(2026, 1, 1, 12, 30, 39), "FAILED"),
            (datetime.datetime(2026, 1, 1, 12, 1, 0), "PARTIAL"),
            (datetime.datetime(2026, 1, 1, 12, 0, 59), "SUCCESS")]      # 31st minute back
    minutes = deploy_history.per_minute(rows, now)
    assert len(minutes) == 30
    assert minutes[0] == {"minute": "2026-01-01T12:01:00", "deploys": 1, "failed": 1}
    assert minutes[-1] == {"minute": "2026-01-01T12:30:00", "deploys": 2, "failed": 1}
    assert sum(m["deploys"] for m in minutes) == 3


def test_only_administrators_read_the_deploy_history(tmp_path):
    from balancer.api import policy
    from balancer.tests.unit.api.test_policy import allowed, conf_from, ctx
    authorizer = policy.Authorizer(conf_from(tmp_path))
    assert not allowed(authorizer, ctx("A"), "balancer:deploy_history")
    assert allowed(authorizer, ctx("A", roles=("admin",)), "balancer:deploy_history")
