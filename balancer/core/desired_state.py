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


def is_desired(row):
    """Left out: LBs being deleted, and LBs the device refused until changed."""
    return row.status != st.PENDING_DELETE and not (
        row.status == st.ERROR and row.deployed == st.REJECTED)


class DesiredState:
    def __init__(self):
        self._guard = threading.Lock()
        self._by_device = {}     # device id -> {lb id: (revision, record)}

    def read(self, session, device_id):
        """(rows, records): the device's LB rows (no children) and the
        records of those that should be live, in LB id order."""
        rows = db.lbs_on_device(session, device_id, children=False)
        with self._guard:
            known = dict(self._by_device.get(device_id, {}))
        stale = [r.id for r in rows if known.get(r.id, (None,))[0] != r.revision]
        for loaded in db.lbs_with_children(session, stale):
            known[loaded.id] = (loaded.revision, records.lb_record(loaded))
        current = {r.id: known[r.id] for r in rows if r.id in known}
        with self._guard:
            self._by_device[device_id] = current
        return rows, [current[r.id][1] for r in rows if is_desired(r)]

    def forget(self, device_id):
        with self._guard:
            self._by_device.pop(device_id, None)
