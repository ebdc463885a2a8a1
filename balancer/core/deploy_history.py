"""What operators read about past deploys: outcome, duration, how many.

:func:`record` is called once per deploy by
``balancer.core.service.Service._run_deploy_locked`` (for a pair, once per
box by ``balancer.core.pair_deploy``), after the outcome is settled; it never
lets a failure of its own reach the deploy.
:class:`DeployHistory` answers ``GET /deploys`` (balancer/api/v1/deploys.py)
and feeds the chart of the dashboard's operator page
(balancer/dashboard/static/js/operator.js).
"""

import datetime
import logging

from balancer.db import deploy_history as db_history
from balancer.db import models

LOG = logging.getLogger(__name__)

SUCCESS, PARTIAL, FAILED = "SUCCESS", "PARTIAL", "FAILED"
#: how long a deploy is remembered
RETENTION = datetime.timedelta(days=7)
#: the chart's window, in minutes
CHART_MINUTES = 30
#: most deploys one chart window counts (a bound on the query, not a limit
#: any sane deployment reaches: 30 minutes of a deploy every 0.2 s)
CHART_MAX_ROWS = 10000


def outcome_word(outcome):
    """SUCCESS, PARTIAL or FAILED for a ``balancer.core.isolation.Outcome``."""
    if outcome.failure is not None and not outcome.live:
        return FAILED
    if outcome.failure is not None or outcome.rejected or outcome.untried:
        return PARTIAL
    return SUCCESS


def _message(outcome):
    errors = [outcome.failure] if outcome.failure is not None else []
    errors += list(outcome.rejected.values())
    texts = [getattr(e, "operator_fault_string", None) or str(e) for e in errors]
    return "; ".join(texts)[:2000] or None


def record(service, device_id, started_at, seconds, outcome):
    """Store one deploy of ``device_id`` (``started_at``: naive UTC)."""
    try:
        with service.session() as session:
            db_history.add(session, device_id=device_id, started_at=started_at,
                           finished_at=started_at + datetime.timedelta(seconds=seconds),
                           duration_ms=int(round(seconds * 1000)),
                           outcome=outcome_word(outcome),
                           load_balancers=len(outcome.carried),
                           rejected=len(outcome.rejected), message=_message(outcome))
            db_history.prune(session, started_at - RETENTION)
    except Exception:
        # the deploy itself is done and settled; only its history line is lost
        LOG.exception("could not record the deploy of device %s", device_id)


def per_minute(rows, now, minutes=CHART_MINUTES):
    """Deploys (and failed ones) per minute for the last ``minutes``, oldest
    first: ``[{"minute": "2026-12-02T01:05:00", "deploys": 3, "failed": 1}]``."""
    end = now.replace(second=0, microsecond=0)
    buckets = {end - datetime.timedelta(minutes=i): [0, 0] for i in range(minutes)}
    for started_at, outcome in rows:
        bucket = buckets.get(started_at.replace(second=0, microsecond=0))
        if bucket is not None:
            bucket[0] += 1
            bucket[1] += outcome != SUCCESS
    return [{"minute": minute.isoformat(), "deploys": n, "failed": failed}
            for minute, (n, failed) in sorted(buckets.items())]


class DeployHistory:
    """The operators' view of past deploys."""

    def __init__(self, service):
        self.service = service

    def list(self, ctx, limit):
        now = models.utcnow()
        since = now.replace(second=0, microsecond=0) - datetime.timedelta(
            minutes=CHART_MINUTES - 1)
        with self.service.session() as session:
            deploys = db_history.newest(session, limit)
            rows = db_history.started_since(session, since, CHART_MAX_ROWS)
        return {"deploys": deploys, "perMinute": per_minute(rows, now)}
