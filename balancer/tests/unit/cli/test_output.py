"""What the CLI prints: a record's nested lists and objects stay data in
``-f json`` and ``-f yaml`` and are JSON text in the other formats
(``balancer.cli.base.Structured``)."""

import argparse
import io
import json

import pytest
import yaml
from cliff.formatters import json_format, shell, value, yaml_format

from balancer.cli import base


@pytest.mark.parametrize("formatter, read", [
    ("json", json.loads), ("yaml", yaml.safe_load),
    # one value a line: the nested one as JSON text
    ("value", lambda out: json.loads(out.splitlines()[1])),
    ("shell", lambda out: json.loads(out.splitlines()[1].partition("=")[2][1:-1]
                                     .replace('\\"', '"'))),
])
def test_nested_records_print_as_data_in_every_format(formatter, read):
    record = {"id": "lb1", "nodes": [{"id": "n1", "port": 8001}], "zeta": {"a": 1}}
    columns, values = base.as_columns(record)
    out = io.StringIO()
    chosen = {"json": json_format.JSONFormatter, "yaml": yaml_format.YAMLFormatter,
              "value": value.ValueFormatter, "shell": shell.ShellFormatter}[formatter]()
    args = argparse.Namespace(noindent=False, variables=[], prefix="")
    chosen.emit_one(columns, values, out, args)
    got = read(out.getvalue())
    if formatter in ("json", "yaml"):
        assert got == record
    else:
        assert got == record["nodes"]
