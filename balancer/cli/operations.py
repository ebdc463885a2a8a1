"""The ``lb-stats`` and ``limits-*`` commands (doc/source/limits.rst,
doc/source/metrics.rst)."""

from balancer.cli import base

#: option -> limit name of GET /{tenant_id}/limits
LIMIT_OPTIONS = (("load_balancers", "loadBalancers"), ("nodes", "nodesPerLoadBalancer"),
                 ("vips", "virtualIpsPerLoadBalancer"),
                 ("monitors", "healthMonitorsPerLoadBalancer"),
                 ("access_list_items", "accessListItemsPerLoadBalancer"),
                 ("certificates", "certificatesPerLoadBalancer"))


def limit_rows(document):
    """One column per limit: the value in force."""
    return base.as_columns({name: entry["value"]
                            for name, entry in document["absolute"].items()})


class ShowStats(base.Show):
    """Show a load balancer's live statistics"""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("id", metavar="<lb-id>", help="LoadBalancer ID")
        return parser

    def take_action(self, parsed_args):
        return base.as_columns(self.client.load_balancers.stats(parsed_args.id))


class ShowLimits(base.Show):
    """Show the tenant's limits"""

    def take_action(self, parsed_args):
        return limit_rows(self.client.limits.get())


class SetLimits(base.Show):
    """Set the tenant's limits (administrators)"""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        for option, name in LIMIT_OPTIONS:
            parser.add_argument("--" + option.replace("_", "-"), dest=option, type=int,
                                metavar="<count>", help="The %s limit" % name)
        return parser

    def take_action(self, parsed_args):
        values = {name: getattr(parsed_args, option) for option, name in LIMIT_OPTIONS
                  if getattr(parsed_args, option) is not None}
        if not values:
            raise base.errors.ClientError("Limits not changed, no arguments present.")
        return limit_rows(self.client.limits.update(**values))


class ResetLimits(base.Action):
    """Give every limit of the tenant its default again (administrators)"""

    def take_action(self, parsed_args):
        self.client.limits.reset()
