"""Every command: its name (the original client's) and its class.

The standalone shell adds them from here; OpenStackClient finds them through
the ``openstack.balancer.v1`` entry points of setup.cfg, named
``balancer_<name with _ for ->`` (``openstack balancer lb create``).
balancer/tests/unit/cli/test_registry.py keeps setup.cfg in step with this.
"""

import importlib

M = "balancer.cli."
COMMANDS = {
    "algorithms-list": M + "capabilities_devices:ListAlgorithms",
    "protocols-list": M + "capabilities_devices:ListProtocols",
    "device-create": M + "capabilities_devices:CreateDevice",
    "device-list": M + "capabilities_devices:ListDevices",
    "device-show": M + "capabilities_devices:ShowDevice",
    "device-update": M + "capabilities_devices:UpdateDevice",
    "device-delete": M + "capabilities_devices:DeleteDevice",
    "lb-create": M + "load_balancers:CreateLoadBalancer",
    "lb-list": M + "load_balancers:ListLoadBalancers",
    "lb-show": M + "load_balancers:ShowLoadBalancer",
    "lb-details": M + "load_balancers:ShowLoadBalancerDetails",
    "lb-find-for-vm": M + "load_balancers:FindLoadBalancersForVm",
    "lb-update": M + "load_balancers:UpdateLoadBalancer",
    "lb-delete": M + "load_balancers:DeleteLoadBalancer",
    "node-create": M + "members:CreateNode",
    "node-list": M + "members:ListNodes",
    "node-show": M + "members:ShowNode",
    "node-update": M + "members:UpdateNode",
    "node-condition": M + "members:SetNodeCondition",
    "node-delete": M + "members:DeleteNode",
    "probe-create": M + "members:CreateProbe",
    "probe-list": M + "members:ListProbes",
    "probe-show": M + "members:ShowProbe",
    "probe-delete": M + "members:DeleteProbe",
    "sticky-create": M + "members:CreateSticky",
    "sticky-list": M + "members:ListStickies",
    "sticky-show": M + "members:ShowSticky",
    "sticky-delete": M + "members:DeleteSticky",
    "vip-create": M + "members:CreateVip",
    "vip-list": M + "members:ListVips",
    "vip-show": M + "members:ShowVip",
    "vip-update": M + "members:UpdateVip",
    "vip-delete": M + "members:DeleteVip",
    "access-list": M + "tenant_features:ListAccess",
    "access-add": M + "tenant_features:AddAccess",
    "access-delete": M + "tenant_features:DeleteAccess",
    "throttle-show": M + "tenant_features:ShowThrottle",
    "throttle-set": M + "tenant_features:SetThrottle",
    "throttle-delete": M + "tenant_features:DeleteThrottle",
    "lb-stats": M + "operations:ShowStats",
    "limits-show": M + "operations:ShowLimits",
    "limits-set": M + "operations:SetLimits",
    "limits-reset": M + "operations:ResetLimits",
}


def load(target):
    module, _, name = target.partition(":")
    return getattr(importlib.import_module(module), name)


def osc_entry_points():
    """The ``openstack.balancer.v1`` lines setup.cfg must have."""
    return ["balancer_%s = %s" % (name.replace("-", "_"), target)
            for name, target in COMMANDS.items()]
