"""The ``lb-*`` commands."""

from balancer.cli import base


def add_lb_options(parser, required):
    parser.add_argument("--name", metavar="<lb-name>", required=required,
                        help="Load balancer name")
    parser.add_argument("--algorithm", metavar="<algorithm>",
                        help="Algorithm of choosing servers (see algorithms-list)")
    parser.add_argument("--protocol", metavar="<protocol>",
                        help="Protocol of load balancing (see protocols-list)")
    base.add_extra(parser, "load balancer properties")
    base.add_wait(parser)


def lb_id_argument(parser, text="LoadBalancer ID"):
    parser.add_argument("id", metavar="<lb-id>", help=text)


class CreateLoadBalancer(base.Show):
    """Create a new load balancer"""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        add_lb_options(parser, required=True)
        parser.add_argument("--device-id", metavar="<device-id>",
                            help="Device to place it on (default: the scheduler's choice)")
        return parser

    def take_action(self, parsed_args):
        body = base.fields(parsed_args, "algorithm", "protocol", "device_id")
        lb = self.client.load_balancers.create(parsed_args.name, **body)
        return base.as_columns(self.wait(parsed_args, lb["id"]) or lb)


class UpdateLoadBalancer(base.Show):
    """Update a specific load balancer"""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        add_lb_options(parser, required=False)
        lb_id_argument(parser, "LoadBalancer ID to update")
        return parser

    def take_action(self, parsed_args):
        body = base.fields(parsed_args, "name", "algorithm", "protocol")
        if not body:
            raise base.errors.ClientError("LoadBalancer not updated, no arguments present.")
        lb = self.client.load_balancers.update(parsed_args.id, **body)
        return base.as_columns(self.wait(parsed_args, lb["id"]) or lb)


class ListLoadBalancers(base.List):
    """List the tenant's load balancers"""
    columns = ("id", "name", "algorithm", "protocol", "status")

    def take_action(self, parsed_args):
        return self.rows(self.client.load_balancers.list())


class ShowLoadBalancer(base.Show):
    """Describe a specific load balancer"""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        lb_id_argument(parser, "LoadBalancer ID to display")
        return parser

    def take_action(self, parsed_args):
        return base.as_columns(self.client.load_balancers.get(parsed_args.id))


class ShowLoadBalancerDetails(base.Show):
    """Describe a load balancer with its nodes, virtual IPs, monitors and persistence"""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        lb_id_argument(parser, "LoadBalancer ID to display")
        return parser

    def take_action(self, parsed_args):
        return base.as_columns(self.client.load_balancers.details(parsed_args.id))


class FindLoadBalancersForVm(base.List):
    """List the load balancers that have a node of this VM (its vm_id)"""
    columns = ("id", "name", "algorithm", "protocol", "status")

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("vm_id", metavar="<vm-id>", help="VM ID (a node's vm_id)")
        return parser

    def take_action(self, parsed_args):
        return self.rows(self.client.load_balancers.find_for_vm(parsed_args.vm_id))


class DeleteLoadBalancer(base.Action):
    """Delete a specific load balancer"""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        lb_id_argument(parser, "LoadBalancer ID to delete")
        base.add_wait(parser)
        return parser

    def take_action(self, parsed_args):
        self.client.load_balancers.delete(parsed_args.id)
        self.wait(parsed_args, parsed_args.id, gone=True)
