"""Finding the load balancer that broke a deploy, so that only it fails.

A device serves every load balancer placed on it from one configuration, so
one tenant's bad change makes the whole deploy fail.  When the driver can
tell whose change it was (``DriverError.lb_ids``) it says so, but a device
may also fail with a message that names no one (adding a virtual IP address
to an interface, for instance).  Neither may fail anyone else.

``isolate`` finds the culprits by adaptive group testing.  The *suspects*
are the load balancers whose current revision is not yet live (new, changed,
or in ERROR); the others were accepted by the device as they are.  After the
whole deploy fails:

1. deploy without the suspects (the *base*).  If even that fails, the device
   itself is broken and the failure belongs to everyone pending;
2. add suspects back in groups: a group that deploys joins the base; a group
   that fails is split, into the members the driver named (each tried by
   itself, so nobody is rejected for someone else's fault) and the rest, or
   else into halves; a single suspect that fails is rejected with the
   error it caused alone.

A group whose failure is already known (the base plus the group is exactly
a set that failed) is not tried again.  Every attempt is a real deploy, so
the number is bounded (``[deploy] isolation_max_deploys``), and so is the
time (no attempt starts after ``[deploy] deploy_timeout``); suspects still
untested when either runs out stay in ERROR, not rejected, and the next
deploy tries them again.  A failure of the device itself (``device_fault``) stops
the search at once: deploying less would not help.

``settle`` turns the outcome into database updates, reusing
``balancer.core.deployer.settle`` for each group of load balancers.
"""

import collections
import dataclasses
import logging
import time

from balancer.core import deployer
from balancer.core import status as st
from balancer.drivers import base

LOG = logging.getLogger(__name__)

#: shown to a tenant whose change was not tried before the budget ran out
UNTRIED = base.DriverError(
    "not deployed: another change on the same device failed and this one could not be "
    "tried on its own yet; it is retried with the next deploy",
    operator_fault_string="isolation budget ([deploy] isolation_max_deploys) exhausted "
                          "before this load balancer was tried")


#: shown to a culprit whose failure named only other load balancers: their
#: text may quote their values, which this tenant must never read
REFUSED = "the device refused the configuration with this load balancer's change"


#: shown to everyone else when a failure belongs to load balancers it names
DEVICE_REFUSED = ("not deployed: the device refused the configuration; the operator has "
                  "been told")


@dataclasses.dataclass
class Outcome:
    """What a deploy with failure isolation did.

    ``live`` holds the ids the device serves after the last deploy that
    succeeded (None when none did); ``rejected`` maps each culprit to the
    error it caused by itself; ``untried`` are suspects that were never
    tried alone; ``failure`` is the device-wide error, if any."""
    carried: tuple
    live: tuple | None = None
    rejected: dict = dataclasses.field(default_factory=dict)
    untried: tuple = ()
    failure: base.DriverError | None = None
    host_key: str | None = None
    attempts: int = 0


def crashed(carried, err):
    """The outcome of a deploy that broke inside the service itself."""
    return Outcome(carried=tuple(carried), failure=_internal(err))


def _internal(err):
    return base.DriverError(
        "internal error during the deploy; the operator has been told",
        operator_fault_string="internal error during deploy: %s: %s"
                              % (type(err).__name__, err),
        device_fault=True)


class _Search:
    def __init__(self, deploy, records, budget, seconds):
        self.deploy, self.records, self.budget = deploy, records, max(1, budget)
        self.deadline = None if seconds is None else time.monotonic() + seconds
        self.attempts = 0
        self.host_key = None

    def attempt(self, ids):
        """Deploy exactly ``ids``; None on success, else the DriverError."""
        self.attempts += 1
        try:
            host_key = self.deploy([self.records[i] for i in sorted(ids, key=str)])
        except base.DriverError as err:
            return err
        except Exception as err:  # a bug: stop searching, keep what is live
            LOG.exception("deploy attempt crashed")
            return _internal(err)
        self.host_key = host_key or self.host_key
        return None

    @property
    def spent(self):
        return self.attempts >= self.budget or (
            self.deadline is not None and time.monotonic() > self.deadline)


def isolate(deploy, desired, suspect_ids, budget, seconds=None):
    """Deploy ``desired``; on failure find and leave out only the culprits.

    ``deploy(records)`` makes the device serve exactly ``records`` and
    returns a learned host key (or None); it raises DriverError.
    ``suspect_ids`` are the ids of ``desired`` whose revision is not live.
    At most ``budget`` deploys are made, and none is started after
    ``seconds`` (so a slow device cannot hold its queue for long)."""
    records = {lb.id: lb for lb in desired}
    order = [lb.id for lb in desired]
    outcome = Outcome(carried=tuple(order))
    search = _Search(deploy, records, budget, seconds)
    first = search.attempt(order)
    if first is None:
        return _done(outcome, search, order)
    suspect_set = set(suspect_ids)
    suspects = [i for i in order if i in suspect_set]
    if first.device_fault or not suspects:
        outcome.failure = first
        return _done(outcome, search, None)
    found = _without_named(search, order, suspects, first)
    if isinstance(found, base.DriverError):
        outcome.failure = found
        return _done(outcome, search, None)
    if found is not None:
        live, groups = found
    else:
        live = [i for i in order if i not in suspect_set]
        failed = first if search.spent else search.attempt(live)
        if failed is not None:
            # without any change the device still fails: the device's fault
            outcome.failure = failed
            return _done(outcome, search, None)
        # (group, the error a known failing set gave, that set)
        groups = collections.deque([(suspects, first, frozenset(order))])
    while groups:
        group, known, failing_set = groups.popleft()
        if known is None or frozenset(live) | frozenset(group) != failing_set:
            if search.spent:
                outcome.untried += tuple(group)
                continue
            known = search.attempt(live + group)
            if known is None:
                live += group
                continue
            failing_set = frozenset(live) | frozenset(group)
            if known.device_fault:
                outcome.failure = known
                outcome.untried += tuple(group) + tuple(i for g, _k, _s in groups for i in g)
                break
        if len(group) == 1:
            outcome.rejected[group[0]] = known
            continue
        for part in reversed(_split(group, known)):
            groups.appendleft((part, known, failing_set))
    live_set = set(live)
    return _done(outcome, search, [i for i in order if i in live_set])


def _without_named(search, order, suspects, error):
    """The cheap way first: leave out the suspects the driver named (and
    those the next attempts name) and keep every other change.  Returns
    (live ids, groups to try) on success, a device-fault DriverError, or
    None when no attempt without named suspects deployed."""
    excluded, failures, failed_set = [], [], frozenset(order)
    while not search.spent:
        blamed, left_out = set(error.lb_ids), set(excluded)
        named = [i for i in suspects if i in blamed and i not in left_out]
        if not named:
            return None
        failures += [(i, error, failed_set) for i in named]
        excluded += named
        left_out = set(excluded)
        tried = [i for i in order if i not in left_out]
        error, failed_set = search.attempt(tried), frozenset(tried)
        if error is None:
            # each named one is tried by itself: named for someone else's
            # fault, it goes live (unless its own failure is already known)
            groups = collections.deque(([i], known, failing_set)
                                       for i, known, failing_set in failures)
            return tried, groups
        if error.device_fault:
            return error
    return None


def _split(group, error):
    """The members the driver named, one by one, then the rest; or halves."""
    blamed = set(error.lb_ids)
    named = [i for i in group if i in blamed]
    if named and len(named) < len(group):
        return [[i] for i in named] + [[i for i in group if i not in blamed]]
    middle = len(group) // 2
    return [group[:middle], group[middle:]]


def _done(outcome, search, live):
    outcome.live = None if live is None else tuple(live)
    outcome.host_key, outcome.attempts = search.host_key, search.attempts
    return outcome


def settle(heads, snapshot, outcome):
    """(updates, deletes) for the database.  ``updates`` are (id, revision,
    status, user text, deployed, operator text); ``deletes`` ids of removed
    PENDING_DELETE rows.  ``heads``/``snapshot`` as in ``deployer.settle``."""
    updates, deletes = [], []

    def apply(ids, error, rejected=()):
        part = {i: snapshot[i] for i in ids if i in snapshot}
        ups, dels = deployer.settle([h for h in heads if h[0] in part], part,
                                    error.user_fault_string if error else None, rejected)
        updates.extend(u + ((error.operator_fault_string if u[2] == st.ERROR else None)
                            if error else None,) for u in ups)
        deletes.extend(dels)

    def fail(ids, error):
        # a text about the load balancers it names is not for the others
        named = set(error.lb_ids)
        apply([i for i in ids if i in named], error)
        apply([i for i in ids if i not in named],
              base.DriverError(DEVICE_REFUSED, (), error.operator_fault_string)
              if named else error)

    if outcome.live is None:
        # nothing deployed: the failure belongs to everything the deploy
        # carried (LBs rejected before, left out of it, keep their reason)
        left_out = _left_out(heads)
        fail([i for i in snapshot if i not in left_out], outcome.failure)
        return updates, deletes
    settled = set(outcome.rejected) | set(outcome.untried)
    apply([i for i in snapshot if i not in settled], None)
    for lb_id, error in outcome.rejected.items():
        apply([lb_id], _told_to(lb_id, error), (lb_id,))
    fail(outcome.untried, outcome.failure or UNTRIED)
    return updates, deletes


def _told_to(lb_id, error):
    """``error`` as ``lb_id``'s tenant may read it (see ``DriverError``)."""
    if error.lb_ids and lb_id not in error.lb_ids:
        return base.DriverError(REFUSED, (lb_id,), error.operator_fault_string)
    return error


def _left_out(heads):
    """Ids that were rejected earlier and are not part of any deploy."""
    return {lb_id for lb_id, _rev, status, deployed in heads
            if status == st.ERROR and deployed == st.REJECTED}


def suspects(heads):
    """Ids whose current revision is not known to be live on the device."""
    return {lb_id for lb_id, _rev, status, deployed in heads
            if (status, deployed) != (st.ACTIVE, st.LIVE)}
