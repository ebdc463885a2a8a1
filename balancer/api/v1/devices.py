"""``/devices`` (admin) and the open ``/algorithms`` and ``/protocols``."""

from balancer.api.schemas import echoes, resources
from balancer.api.v1 import base


class DevicesController(base.Controller):
    rule = "balancer:device"
    write_rule = None       # admin only, reading and writing alike

    def index(self, req):
        return 200, {"devices": self.service.devices.list(self.context(req))}

    def create(self, req):
        ctx = self.context(req)
        values = resources.device(self.body(req))
        return 200, {"device": self.service.devices.create(ctx, values)}

    def show(self, req, device_id):
        return 200, {"device": self.service.devices.get(self.context(req), device_id)}

    def update(self, req, device_id):
        ctx = self.context(req)
        shown = self.service.devices.stored(ctx, device_id)
        values = echoes.checked_change(self.body(req), "device", shown,
                                       resources.device_update)
        return 200, {"device": self.service.devices.update(ctx, device_id, values)}

    def delete(self, req, device_id):
        self.service.devices.delete(self.context(req), device_id)
        return 204, None

    def info(self, req, device_id):
        return 200, {"info": self.service.devices.info(self.context(req), device_id)}

    def loadbalancers(self, req, device_id):
        """What the device serves (balancer.core.device_usage)."""
        ctx = self.context(req)
        return 200, {"loadbalancers": self.service.device_usage.list(ctx, device_id)}


class CapabilitiesController(base.Controller):
    rule = "balancer:capabilities"
    write_rule = None       # nothing to write

    def algorithms(self, req):
        return 200, {"algorithms": self.service.devices.algorithms(self.context(req))}

    def protocols(self, req):
        return 200, {"protocols": self.service.devices.protocols(self.context(req))}
