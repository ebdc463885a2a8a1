"""The search path of balancer/conf/paths.py, as seen from this checkout.

The installed side (``<prefix>/etc/balancer/`` found through the installed
distribution) is run for real by balancer/tests/integration/test_packaging.py.
"""

import os

import pytest

from balancer import conf as balancer_conf
from balancer.conf import paths
from balancer.tests.conftest import TOP, skip_outside_ci

ETC = os.path.join(TOP, "etc")
OSLO_PLACES = ["/etc/balancer.conf", "/etc/balancer-api.conf",
               "/etc/balancer/balancer.conf", "/etc/balancer/balancer-api.conf"]


def parsed(*args):
    conf = balancer_conf.make_conf()
    conf(list(args), project="balancer", default_config_files=[])
    return conf


def test_the_checkout_etc_is_the_first_data_directory():
    assert paths.checkout_etc() == ETC
    assert paths.data_dirs()[0] == ETC
    assert paths.data_file("examples/createDeviceHAProxy") == os.path.join(
        ETC, "examples", "createDeviceHAProxy")


def test_a_missing_data_file_names_where_it_was_looked_for():
    with pytest.raises(FileNotFoundError) as raised:
        paths.data_file("no-such-file.ini")
    assert "no-such-file.ini" in str(raised.value) and ETC in str(raised.value)


def test_without_any_config_file_the_checkout_conf_is_the_default(tmp_path, monkeypatch):
    if any(os.path.exists(path) for path in OSLO_PLACES):
        skip_outside_ci("this machine has its own balancer config in /etc")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert paths.default_config_files() == [os.path.join(ETC, "balancer-api.conf")]
    (tmp_path / ".balancer").mkdir()
    own = tmp_path / ".balancer" / "balancer-api.conf"
    own.write_text("[DEFAULT]\n")
    assert paths.default_config_files() == [str(own)]


def test_the_originals_command_line_names_the_paste_file():
    conf = parsed("--config-file", os.path.join(ETC, "balancer-api-paste.ini"))
    assert paths.paste_file(conf) == os.path.join(ETC, "balancer-api-paste.ini")


def test_the_option_wins_then_a_file_beside_the_config(tmp_path):
    config = tmp_path / "balancer-api.conf"
    config.write_text("[DEFAULT]\n")
    assert paths.paste_file(parsed("--config-file", str(config))) == os.path.join(
        ETC, "balancer-api-paste.ini")
    beside = tmp_path / "balancer-api-paste.ini"
    beside.write_text("")
    assert paths.paste_file(parsed("--config-file", str(config))) == str(beside)
    config.write_text("[paste_deploy]\nconfig_file = %s\n" % (tmp_path / "other.ini"))
    assert paths.paste_file(parsed("--config-file", str(config))) == str(tmp_path / "other.ini")
