"""Limits: per tenant and per load balancer, and how long a read may wait
for a device.

One tenant's huge load balancer makes every deploy of its device slower for
every tenant on it, so each load balancer's size is capped, and so is the
number of load balancers of one tenant; going over a cap is a 413 that
stores nothing.  These options are the defaults of every tenant; an admin
may set other values for one tenant (``PUT /{tenant_id}/limits``, kept in
the database; balancer/core/quotas.py).  See doc/source/limits.rst.
"""

from oslo_config import cfg

# The request schemas (balancer/api/schemas/resources.py) refuse longer lists
# outright, so these are also the highest values the options accept.
SCHEMA_MAX_NODES, SCHEMA_MAX_VIPS, SCHEMA_MAX_MONITORS = 1000, 100, 10
#: highest values of the limits no request schema bounds
MAX_LOAD_BALANCERS, MAX_ACCESS_LIST_ITEMS, MAX_CERTIFICATES = 100000, 10000, 1000

OPTS = [
    cfg.IntOpt("max_nodes_per_lb", default=200, min=1, max=SCHEMA_MAX_NODES,
               help="Most nodes one load balancer may have; a create or an "
                    "add that would go over it is refused with a 413."),
    cfg.IntOpt("max_vips_per_lb", default=10, min=1, max=SCHEMA_MAX_VIPS,
               help="Most virtual IPs one load balancer may have."),
    cfg.IntOpt("max_monitors_per_lb", default=5, min=1, max=SCHEMA_MAX_MONITORS,
               help="Most health monitors one load balancer may have."),
    cfg.IntOpt("max_lbs_per_tenant", default=100, min=0, max=MAX_LOAD_BALANCERS,
               help="Most load balancers one tenant may have (those being "
                    "deleted do not count)."),
    cfg.IntOpt("max_access_list_items_per_lb", default=100, min=0,
               max=MAX_ACCESS_LIST_ITEMS,
               help="Most access-list items (ALLOW/DENY networks) one load "
                    "balancer may have."),
    cfg.IntOpt("max_certificates_per_lb", default=20, min=0, max=MAX_CERTIFICATES,
               help="Most TLS certificates one load balancer's listeners may "
                    "hold together (SNI certificates included)."),
    cfg.FloatOpt("device_read_timeout", default=2.0, min=0.05,
                 help="Seconds a request may spend on a device's live answer "
                      "(node operating status, device info, a runtime node "
                      "condition change, statistics; a /metrics scrape spends "
                      "it once per device, all devices at once), waiting for "
                      "the device included. "
                      "Past it the response says the live part is UNKNOWN "
                      "and the device's connection is dropped, so a hung "
                      "device never holds up requests or deploys."),
]


def register_opts(conf):
    conf.register_opts(OPTS, group="limits")


def list_opts():
    return [("limits", OPTS)]
