"""``algorithms-list``, ``protocols-list`` and the ``device-*`` commands."""

from balancer.cli import base


class ListAlgorithms(base.List):
    """List the algorithms the registered devices serve"""
    columns = ("algorithms",)

    def take_action(self, parsed_args):
        return self.columns, [[a] for a in self.client.capabilities.algorithms()]


class ListProtocols(base.List):
    """List the protocols the registered devices serve"""
    columns = ("protocols",)

    def take_action(self, parsed_args):
        return self.columns, [[p] for p in self.client.capabilities.protocols()]


DEVICE_OPTIONS = ("name", "type", "version", "ip", "port", "user", "password")


def add_device_options(parser, required):
    for name, metavar, text in (("name", "<device-name>", "Device name"),
                                ("type", "<type>", "Type of the device (a driver: "
                                                   "HAPROXY, noop)"),
                                ("version", "<version>", "Device version"),
                                ("ip", "<ip>", "IP address (SSH)"),
                                ("port", "<port>", "Access port (SSH, default 22)"),
                                ("user", "<user>", "Account name on the device"),
                                ("password", "<password>", "Account password on the device")):
        # --device-version: under ``openstack`` its own --version comes first
        spellings = ("--version", "--device-version") if name == "version" else ("--" + name,)
        parser.add_argument(*spellings, dest=name, metavar=metavar, help=text,
                            required=required and name in ("name", "type", "ip"))
    parser.add_argument("--private-key-file", metavar="<path>",
                        help="SSH private key to log in with, read from this file")
    base.add_extra(parser)


def device_body(parsed_args):
    body = base.fields(parsed_args, *DEVICE_OPTIONS)
    if parsed_args.private_key_file:
        with open(parsed_args.private_key_file) as handle:
            body["private_key"] = handle.read()
    return body


class CreateDevice(base.Show):
    """Create a new load-balancing device"""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        add_device_options(parser, required=True)
        return parser

    def take_action(self, parsed_args):
        return base.as_columns(self.client.devices.create(**device_body(parsed_args)))


class UpdateDevice(base.Show):
    """Update a specific load-balancing device"""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("id", metavar="<device-id>", help="Device ID to update")
        add_device_options(parser, required=False)
        return parser

    def take_action(self, parsed_args):
        body = device_body(parsed_args)
        return base.as_columns(self.client.devices.update(parsed_args.id, **body))


class ListDevices(base.List):
    """List available load-balancing devices"""
    columns = ("id", "name", "type", "version", "ip", "port", "user")

    def take_action(self, parsed_args):
        return self.rows(self.client.devices.list())


class ShowDevice(base.Show):
    """Describe a specific load-balancing device"""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("id", metavar="<device-id>", help="Device ID to display")
        return parser

    def take_action(self, parsed_args):
        return base.as_columns(self.client.devices.get(parsed_args.id))


class DeleteDevice(base.Action):
    """Delete a specific load-balancing device"""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("id", metavar="<device-id>", help="Device ID to delete")
        return parser

    def take_action(self, parsed_args):
        self.client.devices.delete(parsed_args.id)
