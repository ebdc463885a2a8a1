"""What every command shares: the client, ``--extra``, ``--wait``, records.

A command reaches the API through ``self.app.client_manager.balancer``: the
standalone shell (balancer.cli.shell) and OpenStackClient (balancer.cli.
osc_plugin) both put a ``balancer.client.Client`` there.
"""

import argparse
import json

import yaml
from cliff import columns as cliff_columns
from cliff import command, lister, show

from balancer.client import errors

#: seconds ``--wait`` waits by default, and between two looks
WAIT_TIMEOUT = 600.0
WAIT_INTERVAL = 1.0


def key_value(text):
    """``key=value`` of ``--extra`` (the original client's option)."""
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError("expected key=value, got %r" % text)
    return key, value


def fields(parsed_args, *names, renames=None):
    """The body of a create or update: the options given, then ``--extra``
    pairs (strings, as the original client sent them; the API accepts
    numbers as strings)."""
    renames = renames or {}
    body = {}
    for name in names:
        value = getattr(parsed_args, name, None)
        if value is not None:
            body[renames.get(name, name)] = value
    body.update(dict(getattr(parsed_args, "extra", None) or []))
    return body


def add_extra(parser, what="properties"):
    parser.add_argument("--extra", metavar="<key=value>", action="append", default=[],
                        type=key_value, help="Extra %s (repeatable)" % what)


def add_wait(parser):
    parser.add_argument("--wait", action="store_true",
                        help="Wait until the load balancer is ACTIVE (exit 1 if it "
                             "ends in ERROR)")
    parser.add_argument("--wait-timeout", type=float, default=WAIT_TIMEOUT,
                        metavar="<seconds>", help="How long --wait waits (default %d)"
                        % WAIT_TIMEOUT)


#: never printed, wherever it is in a record (the service sends none either:
#: doc/source/tls.rst, "Private keys")
SECRET_KEYS = frozenset({"privateKey"})


def without_secrets(value):
    """``value`` with every ``privateKey`` left out, however deep."""
    if isinstance(value, dict):
        return {k: without_secrets(v) for k, v in value.items() if k not in SECRET_KEYS}
    if isinstance(value, list):
        return [without_secrets(v) for v in value]
    return value


class _PrintsAsJson:
    def __str__(self):
        return json.dumps(self, sort_keys=True)


class _JsonList(_PrintsAsJson, list):
    pass


class _JsonDict(_PrintsAsJson, dict):
    pass


# cliff's yaml formatter uses safe_dump, which knows only exact list and dict
yaml.SafeDumper.add_representer(_JsonList, yaml.SafeDumper.represent_list)
yaml.SafeDumper.add_representer(_JsonDict, yaml.SafeDumper.represent_dict)


class Structured(cliff_columns.FormattableColumn):
    """A list or object in a record: JSON text in a table; itself (nested
    JSON or YAML) with ``-f json`` or ``-f yaml``.  cliff's ``value`` and
    ``shell`` formatters print ``str()`` of what ``machine_readable`` gives,
    so that is a list or dict whose ``str()`` is JSON text, as before."""

    def human_readable(self):
        return json.dumps(self._value, sort_keys=True)

    def machine_readable(self):
        kind = _JsonList if isinstance(self._value, list) else _JsonDict
        return kind(self._value)


def as_columns(record):
    """(columns, values) of a record for ``ShowOne``: sorted keys, lists
    and objects as ``Structured``; no private key, even if a server sent one."""
    record = without_secrets(record)
    keys = sorted(record)
    values = [Structured(record[k]) if isinstance(record[k], (list, dict)) else record[k]
              for k in keys]
    return keys, values


class Progress:
    """``--wait``'s indicator on stderr: the status each time it changes,
    a dot for every look that found it unchanged."""

    def __init__(self, stream, lb_id):
        self.stream, self.lb_id, self.last = stream, lb_id, None

    def __call__(self, lb):
        status = lb.get("status")
        if status != self.last:
            prefix = "\n" if self.last is not None else ""
            self.stream.write("%sload balancer %s: %s" % (prefix, self.lb_id, status))
            self.last = status
        else:
            self.stream.write(".")
        self.stream.flush()

    def done(self, text=None):
        """End the indicator's line; ``text`` when it says more than the
        last status shown (``deleted``)."""
        if text and text != self.last:
            self.stream.write(("\n" if self.last is not None else "")
                              + "load balancer %s: %s" % (self.lb_id, text))
        self.stream.write("\n")
        self.stream.flush()


class ClientMixin:
    @property
    def client(self):
        return self.app.client_manager.balancer

    def wait(self, parsed_args, lb_id, gone=False):
        """With ``--wait``, poll ``lb_id`` until ACTIVE (or deleted); ERROR
        raises WaitFailed, which cliff prints, exiting 1."""
        if not getattr(parsed_args, "wait", False):
            return None
        progress = Progress(self.app.stderr, lb_id)
        try:
            lb = self.client.wait_for(lb_id, timeout=parsed_args.wait_timeout,
                                      interval=WAIT_INTERVAL, progress=progress, gone=gone)
        except errors.ClientError:
            progress.done()
            raise
        progress.done("deleted" if lb is None else lb.get("status"))
        return lb


class Show(ClientMixin, show.ShowOne):
    """A command that prints one record."""


class List(ClientMixin, lister.Lister):
    """A command that prints a table of records; ``columns`` by default."""
    columns = ("id", "name")

    def rows(self, records):
        return self.columns, [[r.get(c) for c in self.columns] for r in records]


class Action(ClientMixin, command.Command):
    """A command that prints nothing on success (deletes)."""
