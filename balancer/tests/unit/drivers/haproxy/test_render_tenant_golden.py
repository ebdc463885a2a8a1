"""Golden files of TLS termination, access lists and throttles, compared
whole and accepted by ``haproxy -c`` with real certificates in place.

Regenerate after an intended change with ``BALANCER_REGEN_GOLDEN=1 pytest
balancer/tests/unit/drivers`` and review the diff like code.
"""

import os
import subprocess

import pytest

from balancer.drivers.haproxy import render, render_tls, sections
from balancer.tests import tls_certs
from balancer.tests.conftest import skip_outside_ci

from . import cases_tenant
from .test_render_golden import GOLDEN, HAPROXY


def _render(name):
    current, lbs = cases_tenant.CASES[name]()
    return current, lbs, render.render(current, lbs, tls_dir=cases_tenant.TLS_DIR)


@pytest.mark.parametrize("name", sorted(cases_tenant.CASES))
def test_golden(name):
    _current, _lbs, text = _render(name)
    path = GOLDEN / (name + ".cfg")
    if os.environ.get("BALANCER_REGEN_GOLDEN"):
        path.write_text(text)
    assert text == path.read_text()


@pytest.mark.parametrize("name", sorted(cases_tenant.CASES))
def test_render_is_idempotent_and_keeps_operator_text(name):
    current, lbs, once = _render(name)
    assert render.render(once, lbs, tls_dir=cases_tenant.TLS_DIR) == once
    assert sections.foreign_text(once) == current
    assert render.render(once, []) == current


@pytest.mark.allow_subprocess
@pytest.mark.parametrize("name", sorted(cases_tenant.CASES))
def test_golden_passes_haproxy_check(name, tmp_path):
    if not HAPROXY:
        skip_outside_ci("haproxy not installed here (tools/install-system-packages)")
    _current, lbs, _text = _render(name)
    os.makedirs(tmp_path / cases_tenant.TLS_DIR)
    authority = tls_certs.Authority()
    for index, file_name in enumerate(sorted(render_tls.files_of(lbs))):
        issued = authority.issue("host%d.example.test" % index)
        (tmp_path / cases_tenant.TLS_DIR / file_name).write_text(
            issued.certificate + issued.private_key)
    done = subprocess.run([HAPROXY, "-c", "-f", str(GOLDEN / (name + ".cfg"))],
                          capture_output=True, text=True, timeout=30, check=False,
                          cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    # the operator's ``option httplog`` warns on a TCP listener; nothing of ours may
    warnings = [line for line in (done.stdout + done.stderr).splitlines()
                if "WARNING" in line and "httplog" not in line]
    assert warnings == []
