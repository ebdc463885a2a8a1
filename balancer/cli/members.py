"""The ``node-*``, ``probe-*``, ``sticky-*`` and ``vip-*`` commands.

Each kind has list, show, create, delete (and some update); they differ in
their options and their client resource, so one set of classes is made per
kind by ``commands_for``.  A change redeploys the load balancer: ``--wait``
waits for it to be ACTIVE again.
"""

from balancer.cli import base, tenant_features


def _lb_and_id(parser, what):
    parser.add_argument("lb_id", metavar="<lb-id>", help="LoadBalancer ID")
    parser.add_argument("id", metavar="<%s-id>" % what, help="%s ID" % what.capitalize())


class _Kind:
    resource = ""            # attribute of balancer.client.Client
    what = ""                # metavar word: node, probe, sticky, vip
    columns = ("id", "name", "type")
    #: (option, metavar, help, required on create, body key)
    options = ()

    @classmethod
    def add_options(cls, parser, creating):
        for option, metavar, text, required, _key in cls.options:
            parser.add_argument("--" + option, metavar=metavar, help=text,
                                required=creating and required,
                                dest=option.replace("-", "_"))
        base.add_extra(parser)
        base.add_wait(parser)

    @classmethod
    def body(cls, parsed_args):
        names = [o[0].replace("-", "_") for o in cls.options]
        renames = {o[0].replace("-", "_"): o[4] for o in cls.options}
        return base.fields(parsed_args, *names, renames=renames)


class ListMembers(base.List):
    kind = _Kind

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument("lb_id", metavar="<lb-id>", help="LoadBalancer ID")
        return parser

    def take_action(self, parsed_args):
        self.columns = self.kind.columns
        return self.rows(getattr(self.client, self.kind.resource).list(parsed_args.lb_id))


class ShowMember(base.Show):
    kind = _Kind

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        _lb_and_id(parser, self.kind.what)
        return parser

    def take_action(self, parsed_args):
        resource = getattr(self.client, self.kind.resource)
        return base.as_columns(resource.get(parsed_args.lb_id, parsed_args.id))


class CreateMember(base.Show):
    kind = _Kind

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        self.kind.add_options(parser, creating=True)
        parser.add_argument("lb_id", metavar="<lb-id>", help="LoadBalancer ID")
        return parser

    def take_action(self, parsed_args):
        body = self.kind.body(parsed_args)
        resource = getattr(self.client, self.kind.resource)
        if self.kind.resource in ("nodes", "vips"):
            record = resource.create(parsed_args.lb_id, body.pop("address", None),
                                     body.pop("port", None), **body)
        else:
            record = resource.create(parsed_args.lb_id, body.pop("type", None), **body)
        self.wait(parsed_args, parsed_args.lb_id)
        return base.as_columns(self._fresh(resource, parsed_args, record))

    def _fresh(self, resource, parsed_args, record):
        """After --wait, the record as it is now (its ``deployed`` moved on)."""
        if getattr(parsed_args, "wait", False):
            return resource.get(parsed_args.lb_id, record["id"])
        return record


class UpdateMember(CreateMember):
    def get_parser(self, prog_name):
        parser = super(CreateMember, self).get_parser(prog_name)
        self.kind.add_options(parser, creating=False)
        _lb_and_id(parser, self.kind.what)
        return parser

    def take_action(self, parsed_args):
        body = self.kind.body(parsed_args)
        if not body:
            raise base.errors.ClientError("%s not updated, no arguments present."
                                          % self.kind.label)
        resource = getattr(self.client, self.kind.resource)
        record = resource.update(parsed_args.lb_id, parsed_args.id, **body)
        self.wait(parsed_args, parsed_args.lb_id)
        return base.as_columns(self._fresh(resource, parsed_args, record))


class DeleteMember(base.Action):
    kind = _Kind

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        _lb_and_id(parser, self.kind.what)
        base.add_wait(parser)
        return parser

    def take_action(self, parsed_args):
        getattr(self.client, self.kind.resource).delete(parsed_args.lb_id, parsed_args.id)
        self.wait(parsed_args, parsed_args.lb_id)


class NodeKind(_Kind):
    resource, what, label = "nodes", "node", "Node"
    columns = ("id", "name", "type", "address", "port", "weight", "condition", "status",
               "operatingStatus")
    options = (("name", "<node-name>", "Node name", False, "name"),
               ("type", "<type>", "Type of the node", False, "type"),
               ("address", "<address>", "Node address", True, "address"),
               ("port", "<port>", "Node port", True, "port"),
               ("weight", "<weight>", "Node weight", False, "weight"),
               ("condition", "<condition>", "Node condition: ENABLED, DISABLED or "
                                            "DRAINING", False, "condition"))


class ProbeKind(_Kind):
    resource, what, label = "monitors", "probe", "Probe"
    columns = ("id", "name", "type", "delay", "timeout", "attemptsBeforeDeactivation")
    options = (("name", "<probe-name>", "Probe name", False, "name"),
               ("type", "<type>", "Type of the probe: HTTP, HTTPS, CONNECT, TCP, ICMP",
                True, "type"),
               ("delay", "<seconds>", "Seconds between checks (default 30)", False, "delay"),
               ("timeout", "<seconds>", "Seconds a check may take (default 30)", False,
                "timeout"),
               ("attempts", "<count>", "Failed checks before a node is taken out "
                                       "(default 2)", False, "attemptsBeforeDeactivation"),
               ("method", "<method>", "HTTP method (default GET)", False, "method"),
               ("path", "<path>", "HTTP path (default /)", False, "path"),
               ("expected", "<codes>", "Expected HTTP codes: 200, 200-204, 200,302 "
                                       "(default 200)", False, "expected"))


class StickyKind(_Kind):
    resource, what, label = "persistence", "sticky", "Sticky"
    options = (("name", "<sticky-name>", "Sticky name", False, "name"),
               ("type", "<type>", "Type of the sticky: HTTP_COOKIE, APP_COOKIE, SOURCE_IP",
                True, "type"),
               ("cookie-name", "<cookie>", "The application's cookie (APP_COOKIE)", False,
                "cookieName"))


class VipKind(_Kind):
    resource, what, label = "vips", "vip", "Virtual IP"
    columns = ("id", "name", "address", "port", "protocol")
    options = (("name", "<vip-name>", "Virtual IP name", False, "name"),
               ("address", "<vip-address>", "Virtual IP address", True, "address"),
               ("mask", "<vip-mask>", "Virtual IP address mask", False, "mask"),
               ("port", "<vip-port>", "Virtual IP port", True, "port"),
               ("type", "<vip-type>", "Virtual IP type", False, "type"),
               ("vlan", "<vip-vlan>", "Virtual IP VLAN", False, "VLAN"),
               ("protocol", "<protocol>", "Listener protocol (default: the load "
                                          "balancer's)", False, "protocol"))

    @classmethod
    def add_options(cls, parser, creating):
        super().add_options(parser, creating)
        tenant_features.add_tls_options(parser)

    @classmethod
    def body(cls, parsed_args):
        return dict(super().body(parsed_args), **tenant_features.tls_fields(parsed_args))


def commands_for(kind, updatable):
    """{verb: command class} of one kind, each with its own docstring (cliff's help)."""
    label = kind.label
    made = {
        "list": type("List" + kind.__name__, (ListMembers,), {
            "kind": kind, "__doc__": "List %ss of a load balancer" % label.lower()}),
        "show": type("Show" + kind.__name__, (ShowMember,), {
            "kind": kind, "__doc__": "Describe a specific %s" % label.lower()}),
        "create": type("Create" + kind.__name__, (CreateMember,), {
            "kind": kind, "__doc__": "Create a new %s" % label.lower()}),
        "delete": type("Delete" + kind.__name__, (DeleteMember,), {
            "kind": kind, "__doc__": "Delete a specific %s" % label.lower()}),
    }
    if updatable:
        made["update"] = type("Update" + kind.__name__, (UpdateMember,), {
            "kind": kind, "__doc__": "Update a specific %s" % label.lower()})
    return made


NODE = commands_for(NodeKind, True)
PROBE = commands_for(ProbeKind, False)
STICKY = commands_for(StickyKind, False)
VIP = commands_for(VipKind, True)


class SetNodeCondition(base.Show):
    """Change a node's condition live: ENABLED, DISABLED or DRAINING"""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        _lb_and_id(parser, "node")
        parser.add_argument("condition", metavar="<condition>",
                            help="ENABLED (or inservice), DISABLED, DRAINING")
        base.add_wait(parser)
        return parser

    def take_action(self, parsed_args):
        node = self.client.nodes.set_condition(parsed_args.lb_id, parsed_args.id,
                                               parsed_args.condition)
        if self.wait(parsed_args, parsed_args.lb_id):
            node = self.client.nodes.get(parsed_args.lb_id, parsed_args.id)
        return base.as_columns(node)


# module attributes for entry points ("balancer.cli.members:CreateNode")
CreateNode, ListNodes, ShowNode, UpdateNode, DeleteNode = (
    NODE["create"], NODE["list"], NODE["show"], NODE["update"], NODE["delete"])
CreateProbe, ListProbes, ShowProbe, DeleteProbe = (
    PROBE["create"], PROBE["list"], PROBE["show"], PROBE["delete"])
CreateSticky, ListStickies, ShowSticky, DeleteSticky = (
    STICKY["create"], STICKY["list"], STICKY["show"], STICKY["delete"])
CreateVip, ListVips, ShowVip, UpdateVip, DeleteVip = (
    VIP["create"], VIP["list"], VIP["show"], VIP["update"], VIP["delete"])
