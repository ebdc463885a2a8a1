"""Unit tests never reach a real device: SSH and subprocesses fail loudly."""

import subprocess

import pytest


class RealCallInUnitTest(AssertionError):
    pass


@pytest.fixture(autouse=True)
def no_real_calls(monkeypatch, request):
    """Tests marked ``allow_subprocess`` (e.g. ``haproxy -c`` on golden files)
    may run local commands; nothing in a unit test may open SSH."""
    def refuse(*args, **kwargs):
        raise RealCallInUnitTest("unit tests must use fakes, not %r" % (args[:1],))
    if request.node.get_closest_marker("allow_subprocess") is None:
        monkeypatch.setattr(subprocess, "Popen", refuse)
    try:
        import paramiko
    except ImportError:
        return
    monkeypatch.setattr(paramiko.SSHClient, "connect", refuse)
    monkeypatch.setattr(paramiko.Transport, "start_client", refuse)
