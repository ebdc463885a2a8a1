"""Load balancer statuses and how a status is worked out from observations.

The node condition words live with the rest of the shared vocabulary in
``balancer/common/constants.py``; they are re-exported here for the core.
"""

from balancer.common.constants import CONDITIONS, STATUS_OF_CONDITION  # noqa: F401

BUILD = "BUILD"
ACTIVE = "ACTIVE"
PENDING_UPDATE = "PENDING_UPDATE"
PENDING_DELETE = "PENDING_DELETE"
ERROR = "ERROR"

PENDING = (BUILD, PENDING_UPDATE, PENDING_DELETE)

# ``deployed`` column: is this LB's current revision live on its device?
LIVE = "True"
NOT_LIVE = "False"
REJECTED = "REJECTED"   # the device refused its config; left out until changed



def condition_from_route(value):
    """The original's ``PUT …/nodes/{id}/{status}``: ``inservice`` activates,
    ``draining`` drains, anything else suspends."""
    upper = str(value).upper()
    if upper in ("INSERVICE", "ENABLED", "ENABLE", "ACTIVE", "UP"):
        return "ENABLED"
    if upper in ("DRAINING", "DRAIN"):
        return "DRAINING"
    return "DISABLED"


# ``operatingStatus``: what the device's running process serves, beside the
# provisioning status above (which says whether the service finished its
# work).  Observed, never assumed: see ``balancer.core.health``.
ONLINE = "ONLINE"        # the running process serves exactly what was rendered
DEGRADED = "DEGRADED"    # a process serves, but not what was rendered (or an older revision)
OFFLINE = "OFFLINE"      # nothing serves it: no process answers, or it was never live
UNKNOWN = "UNKNOWN"      # not observed yet, or the device could not be reached
OPERATING_STATUSES = (ONLINE, DEGRADED, OFFLINE, UNKNOWN)


def device_operating_status(serving):
    """A device's word from the driver's last observation (``base.Serving``)."""
    if serving is None or serving.answering is None:
        return UNKNOWN
    if not serving.answering:
        return OFFLINE
    if serving.current is None:
        return UNKNOWN
    return ONLINE if serving.current else DEGRADED


def lb_operating_status(lb_id, status, deployed, serving, device_health=None):
    """A load balancer's word: OFFLINE when its configuration was never live
    (or was refused and taken out) or its device serves nothing; DEGRADED
    when the device serves something else for it, or an older revision of it
    serves because the newest one failed (ERROR).

    ``device_health``: what the database's health probes say of its device
    and the device's peer together (``device_health.pair_health``): OFFLINE
    when nothing serves it, DEGRADED while one side of its pair is down.
    Those words win over this process's own observation (``serving``), which
    only a deploy or a device read refreshes."""
    if deployed != LIVE:
        return OFFLINE
    if device_health in (OFFLINE, DEGRADED):
        return device_health
    device = device_operating_status(serving)
    if device in (OFFLINE, UNKNOWN):
        return device
    if device == DEGRADED and (not serving.stale or lb_id in serving.stale):
        return DEGRADED
    return DEGRADED if status == ERROR else ONLINE
