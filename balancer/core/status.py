"""Load balancer statuses and the node condition vocabulary."""

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

CONDITIONS = ("ENABLED", "DISABLED", "DRAINING")
# the original's node ``status`` that goes with each condition
STATUS_OF_CONDITION = {"ENABLED": "INSERVICE", "DISABLED": "OUTOFSERVICE",
                       "DRAINING": "DRAINING"}


def condition_from_route(value):
    """The original's ``PUT …/nodes/{id}/{status}``: ``inservice`` activates,
    ``draining`` drains, anything else suspends."""
    upper = str(value).upper()
    if upper in ("INSERVICE", "ENABLED", "ENABLE", "ACTIVE", "UP"):
        return "ENABLED"
    if upper in ("DRAINING", "DRAIN"):
        return "DRAINING"
    return "DISABLED"
