"""Golden files: the whole rendered config compared, and accepted by HAProxy.

Regenerate after an intended change with ``BALANCER_REGEN_GOLDEN=1 pytest
balancer/tests/unit/drivers`` and review the diff like code.
"""

import os
import shutil
import subprocess

import pytest

from balancer.drivers.haproxy import render, sections
from balancer.tests.conftest import skip_outside_ci

from . import cases

GOLDEN = cases.HERE / "golden"
HAPROXY = shutil.which("haproxy") or (os.path.exists("/usr/sbin/haproxy") and "/usr/sbin/haproxy")


@pytest.mark.parametrize("name", sorted(cases.CASES))
def test_golden(name):
    current, lbs = cases.CASES[name]()
    text = render.render(current, lbs)
    path = GOLDEN / (name + ".cfg")
    if os.environ.get("BALANCER_REGEN_GOLDEN"):
        path.write_text(text)
    assert text == path.read_text()


@pytest.mark.parametrize("name", sorted(cases.CASES))
def test_render_is_idempotent_and_keeps_operator_text(name):
    current, lbs = cases.CASES[name]()
    once = render.render(current, lbs)
    assert render.render(once, lbs) == once
    assert sections.foreign_text(once) == current
    assert render.render(once, []) == current


@pytest.mark.allow_subprocess
@pytest.mark.parametrize("name", sorted(cases.CASES))
def test_golden_passes_haproxy_check(name):
    if not HAPROXY:
        skip_outside_ci("haproxy not installed here (tools/install-system-packages)")
    path = GOLDEN / (name + ".cfg")
    done = subprocess.run([HAPROXY, "-c", "-f", str(path)], capture_output=True, text=True,
                          timeout=30, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
