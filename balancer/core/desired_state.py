"""The desired state of a device, read from the database cheaply.

Every change to a load balancer or its children bumps the LB's ``revision``,
so a record built for (id, revision) stays true until the next change.  A
deploy therefore reads only the LBs' status columns and loads children just
for the LBs that changed since the last deploy: on a device with 1000 load
balancers one change costs one small query, not 1000 LBs with every child.
"""

import threading

from balancer.core import records
from balancer.core import status as st
from balancer.db import api as db
from balancer.db import tenant_features


def is_desired(status, deployed):
    """Left out: LBs being deleted, and LBs the device refused until changed."""
    return status != st.PENDING_DELETE and not (
        status == st.ERROR and deployed == st.REJECTED)


class DesiredState:
    def __init__(self):
        self._guard = threading.Lock()
        self._by_device = {}     # device id -> {lb id: (revision, record)}

    def read(self, session, device_id):
        """(heads, records): (id, revision, status, deployed) of the device's
        LBs and the records of those that should be live, in LB id order."""
        heads = db.lb_heads_on_device(session, device_id)
        with self._guard:
            known = dict(self._by_device.get(device_id, {}))
        stale = [i for i, revision, _s, _d in heads if known.get(i, (None,))[0] != revision]
        features = tenant_features.access_and_throttles(session, stale)
        for head, vips, nodes, monitors, stickies in db.lb_trees(session, stale).values():
            access, throttle = features.get(head.id, ((), None))
            known[head.id] = (head.revision,
                              records.tree_record(head, vips, nodes, monitors, stickies,
                                                  access, throttle))
        current = {h[0]: known[h[0]] for h in heads if h[0] in known}
        with self._guard:
            self._by_device[device_id] = current
        # A record may be newer than its head (children are read after the
        # heads): it is still the truest state, and settle() sees the newer
        # revision and leaves that LB pending for the deploy already queued.
        return heads, [current[i][1] for i, _revision, status, deployed in heads
                       if i in current and is_desired(status, deployed)]

    def forget(self, device_id):
        with self._guard:
            self._by_device.pop(device_id, None)
