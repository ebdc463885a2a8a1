"""What each device serves: ``GET /devices/{device_id}/loadbalancers``
(admin), the dashboard's "load balancers per device" column."""

from balancer.core import exceptions
from balancer.db import api as db
from balancer.db import device_usage as db_usage


class DeviceUsage:
    def __init__(self, service):
        self.service = service

    def list(self, ctx, device_id):
        with self.service.session() as session:
            if db.device_get(session, device_id) is None:
                raise exceptions.NotFound("device %s not found" % device_id)
            return [{"id": i, "name": name, "tenant_id": tenant, "status": status}
                    for i, name, tenant, status in db_usage.lbs_on_device(session, device_id)]
