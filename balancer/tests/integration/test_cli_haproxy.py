"""The CLI session of doc/source/cli.rst against a real HAProxy box.

``tools/gen_cli_session.py`` records the doc from ``session()``; here the
same session runs against a real ``balancer-api`` process and a real box
(sshd, HAProxy, three backends), and what came through the VIP is checked
at each step.  The doc must show the commands this session runs.
"""

import importlib.util
import os
import re

import pytest

from balancer.tests.conftest import TOP
from balancer.tests.integration import cli_runner
from balancer.tests.integration.conftest import need_box


def generator():
    spec = importlib.util.spec_from_file_location(
        "gen_cli_session", os.path.join(TOP, "tools", "gen_cli_session.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def box():
    need_box()
    from balancer.tests.lab import HaproxyBox
    with HaproxyBox(backends=3) as lab_box:
        yield lab_box


def test_doc_session_brings_traffic_through_the_vip(tmp_path, box):
    gen = generator()
    with cli_runner.ApiServer(str(tmp_path)) as server:
        rec = gen.Recorder(server.url + "/" + gen.TENANT)
        seen, port, new_port = gen.session(rec, box)
    names = box.names
    # round robin over the three backends, in order from wherever it started
    start = names.index(seen["round robin"][0])
    assert seen["round robin"] == [names[(start + i) % 3] for i in range(6)]
    # with HAProxy's cookie, every request goes to the node of the first
    assert len(seen["sticky"]) == 4 and len(set(seen["sticky"])) == 1, seen["sticky"]
    # the drained node takes no new requests
    assert names[1] not in seen["drained"] and set(seen["drained"]) == {names[0], names[2]}
    # the VIP moved: the new port serves, the old one no longer does
    assert set(seen["moved"]) <= {names[0], names[2]} and seen["moved"]
    assert new_port != port
    with pytest.raises(OSError):
        box.get(box.vip_url(new_port), timeout=2)
    # the box's password is shown as the variable it was read into, nowhere as itself
    assert rec.unshown_secrets() == [] and box.password not in "\n".join(rec.lines)
    assert any("--password=\"$BOX_PASSWORD\"" in line for line in rec.lines)
    # the doc shows the same commands, in the same order, and no password
    with open(gen.OUT) as handle:
        doc = handle.read()
    documented = re.findall(r"^    \$ balancer (\S+)", doc, re.M)
    assert documented == rec.commands
    assert re.search(r"--password=\"\$BOX_PASSWORD\" ", doc)
