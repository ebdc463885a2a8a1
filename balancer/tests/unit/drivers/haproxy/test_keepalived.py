"""The pair's rendered files: keepalived.conf and haproxy.cfg with peers,
compared whole with golden files and accepted by keepalived and HAProxy;
the shipped device scripts pass shellcheck as they are sent.

Regenerate after an intended change with ``BALANCER_REGEN_GOLDEN=1 pytest
balancer/tests/unit/drivers/haproxy/test_keepalived.py`` and review the diff.
"""

import os
import shutil
import subprocess

import pytest

from balancer.drivers import base
from balancer.drivers.haproxy import keepalived, peers, remote, render, sections
from balancer.tests.conftest import skip_outside_ci

from . import cases

GOLDEN = cases.HERE / "golden_pairs"
LAYOUT = remote.Layout(config="/etc/haproxy/haproxy.cfg", pid_file="/run/haproxy.pid")
DIRECTORY = keepalived.STATE_DIR


def pair(version=2, auth="s3cret", local="dev-a", advert=1.0, down=2):
    members = {"dev-a": base.PairMember("dev-a", "10.231.5.2", "eth1", 150),
               "dev-b": base.PairMember("dev-b", "10.231.5.3", "eth1", 100)}
    other = "dev-b" if local == "dev-a" else "dev-a"
    return base.Pair(local=members[local], peer=members[other], router_id=51, auth=auth,
                     advert_int=advert, vrrp_version=version, down_adverts=down)


def sticky_lbs():
    return [cases.lb("lb1", vip=("10.231.5.10", 80),
                     stickies=(base.Sticky(id="s1", type="SOURCE_IP"),)),
            cases.lb("lb2", vip=("10.231.5.11", 8080))]


KEEPALIVED_CASES = {
    "keepalived_v2_auth": lambda layout=LAYOUT, directory=DIRECTORY: keepalived.render(
        pair(), sticky_lbs(), layout, directory),
    "keepalived_v3_ipv6": lambda layout=LAYOUT, directory=DIRECTORY: keepalived.render(
        pair(3, None, "dev-b", 0.5, down=3), [cases.lb("lb6", vip=("2001:db8::10", 80))],
        layout, directory),
}
SCRIPTS = cases.HERE.parents[3] / "drivers" / "haproxy" / "scripts"
HAPROXY_CASES = {
    "peers_dev_a": lambda: peers.with_peers(render.render(cases.BASE, sticky_lbs()), pair()),
    "peers_dev_b": lambda: peers.with_peers(render.render(cases.BASE, sticky_lbs()),
                                            pair(local="dev-b")),
}


def _golden(name, text, suffix):
    path = GOLDEN / (name + suffix)
    if os.environ.get("BALANCER_REGEN_GOLDEN"):
        path.write_text(text)
    assert text == path.read_text()
    return path


@pytest.mark.parametrize("name", sorted(KEEPALIVED_CASES))
def test_keepalived_golden(name):
    _golden(name, KEEPALIVED_CASES[name](), ".conf")


@pytest.mark.parametrize("name", sorted(HAPROXY_CASES))
def test_peers_golden(name):
    _golden(name, HAPROXY_CASES[name](), ".cfg")


def test_both_boxes_get_the_same_load_balancer_sections():
    one, other = HAPROXY_CASES["peers_dev_a"](), HAPROXY_CASES["peers_dev_b"]()
    differ = [(a, b) for a, b in zip(one.splitlines(), other.splitlines(), strict=True)
              if a != b]
    assert differ == [("    localpeer balancer-dev-a", "    localpeer balancer-dev-b")]
    assert one.count("stick-table type ip size 200k expire 30m peers balancer-pair") == 1


def test_peers_sections_are_ours_and_rerendered():
    once = HAPROXY_CASES["peers_dev_a"]()
    assert sections.foreign_text(once) == cases.BASE
    again = peers.with_peers(render.render(once, sticky_lbs()), pair())
    assert again == once
    assert render.render(once, []) == cases.BASE


def test_values_that_would_break_the_file_are_refused():
    bad = base.Pair(local=base.PairMember("a", "10.0.0.1", "eth0 x", 100),
                    peer=base.PairMember("b", "10.0.0.2", "eth0", 100), router_id=5)
    with pytest.raises(base.DriverError):
        keepalived.render(bad, [], LAYOUT)
    with pytest.raises(base.DriverError):
        keepalived.render(pair(auth='a"b'), [], LAYOUT)


def test_state_file_is_in_the_state_directory():
    assert keepalived.state_file({}) == "/var/lib/balancer/keepalived.state"
    assert keepalived.state_file({"state_dir": "/srv/b/"}) == "/srv/b/keepalived.state"


def _tool(name):
    found = shutil.which(name) or (os.path.exists("/usr/sbin/" + name) and "/usr/sbin/" + name)
    if not found:
        skip_outside_ci("%s not installed here (tools/install-system-packages)" % name)
    return found


@pytest.mark.allow_subprocess
@pytest.mark.parametrize("name", sorted(HAPROXY_CASES))
def test_peers_golden_passes_haproxy_check(name):
    done = subprocess.run([_tool("haproxy"), "-c", "-f", str(GOLDEN / (name + ".cfg"))],
                          capture_output=True, text=True, timeout=30, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.fixture
def eth1_namespace():
    """A throw-away network namespace with an ``eth1`` (keepalived checks
    that the interface exists and is not loopback)."""
    if os.geteuid() != 0:
        skip_outside_ci("network namespaces need root")
    name = "bkat-%d" % os.getpid()
    subprocess.run(["ip", "netns", "add", name], check=True, timeout=30)
    try:
        subprocess.run(["ip", "netns", "exec", name, "ip", "link", "add", "eth1", "type",
                        "veth", "peer", "name", "eth1p"], check=True, timeout=30)
        yield name
    finally:
        subprocess.run(["ip", "netns", "del", name], check=False, timeout=30)


def _keepalived_check(namespace, path):
    return subprocess.run(["ip", "netns", "exec", namespace, _tool("keepalived"), "-t", "-f",
                           str(path)], capture_output=True, text=True, timeout=30, check=False)


def _installed(tmp_path):
    """A box directory holding the shipped scripts, as keepalived-apply.sh
    leaves it (keepalived refuses a track script it cannot find)."""
    for shipped, name in (("keepalived-notify.sh", keepalived.NOTIFY),
                          ("keepalived-track.sh", keepalived.TRACK)):
        target = tmp_path / name
        target.write_text((SCRIPTS / shipped).read_text())
        target.chmod(0o755)
    return remote.Layout(config=str(tmp_path / "haproxy.cfg"),
                         pid_file=str(tmp_path / "haproxy.pid")), str(tmp_path)


@pytest.mark.allow_subprocess
@pytest.mark.parametrize("name", sorted(KEEPALIVED_CASES))
def test_keepalived_golden_passes_keepalived_check(name, eth1_namespace, tmp_path):
    path = tmp_path / "keepalived.conf"
    path.write_text(KEEPALIVED_CASES[name](*_installed(tmp_path)))
    done = _keepalived_check(eth1_namespace, path)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.allow_subprocess
def test_keepalived_check_fails_on_a_broken_file(eth1_namespace, tmp_path):
    path = tmp_path / "keepalived.conf"
    path.write_text(keepalived.render(pair(), sticky_lbs(), *_installed(tmp_path))
                    .replace("interface eth1", "interface eth9"))
    assert _keepalived_check(eth1_namespace, path).returncode != 0


@pytest.mark.allow_subprocess
@pytest.mark.parametrize("sudo", ["", "sudo -n "])
def test_device_scripts_pass_shellcheck(sudo):
    layout = remote.Layout(sudo=sudo)
    sent = {"apply": keepalived.apply_script(layout, pair(), sticky_lbs())}
    for name in ("keepalived-apply.sh", "keepalived-notify.sh", "keepalived-track.sh"):
        sent[name] = (SCRIPTS / name).read_text()
    for name, text in sent.items():
        done = subprocess.run([_tool("shellcheck"), "-s", "sh", "-S", "warning", "-f", "gcc",
                               "-"], input=text, capture_output=True, text=True, timeout=60,
                              check=False)
        assert done.returncode == 0, "%s:\n%s" % (name, done.stdout)


#: a keepalived from before 2.0: no --config-test, so -t is a bad option to it
OLD_KEEPALIVED = """#!/bin/sh
case "$1" in
  --help) echo "Usage: keepalived [OPTION...]"; echo "  -f, --use-file=FILE"; exit 0 ;;
  -t) echo "keepalived: invalid option -- 't'" >&2; exit 1 ;;
esac
exit 1
"""


def _apply(tmp_path, keepalived_bin, conf, namespace=None):
    """Run keepalived-apply.sh here as the driver sends it, in ``namespace``."""
    box = tmp_path / "box"
    box.mkdir(exist_ok=True)
    script = keepalived.apply_script(remote.Layout(sudo=""), pair(), sticky_lbs(),
                                     keepalived_bin=keepalived_bin, directory=str(box))
    argv = ["sh", "-c", script]
    if namespace:
        argv = ["ip", "netns", "exec", namespace] + argv
    done = subprocess.run(argv, input=conf, capture_output=True, text=True, timeout=60,
                          check=False)
    return done, box / keepalived.CONF


@pytest.mark.allow_subprocess
def test_apply_refuses_a_file_keepalived_rejects_and_keeps_the_old_one(eth1_namespace,
                                                                       tmp_path):
    (tmp_path / "box").mkdir()
    layout, directory = _installed(tmp_path / "box")
    good = keepalived.render(pair(), sticky_lbs(), layout, directory)
    (tmp_path / "box" / keepalived.CONF).write_text(good)
    done, conf = _apply(tmp_path, _tool("keepalived"),
                        good.replace("interface eth1", "interface eth9"), eth1_namespace)
    assert done.returncode == 5 and "@@balancer stage check" in done.stdout, done.stdout
    assert conf.read_text() == good


@pytest.mark.allow_subprocess
def test_apply_skips_the_check_on_a_keepalived_without_config_test(tmp_path):
    fake = tmp_path / "keepalived"
    fake.write_text(OLD_KEEPALIVED)
    fake.chmod(0o755)
    text = keepalived.render(pair(), sticky_lbs(), LAYOUT, str(tmp_path / "box"))
    done, conf = _apply(tmp_path, str(fake), text)
    assert "@@balancer check unavailable" in done.stdout, done.stdout
    assert "stage check" not in done.stdout
    # the file is installed; this fake cannot start, which the script reports
    assert conf.read_text() == text
    assert done.returncode == 7 and "@@balancer stage reload" in done.stdout, done.stdout
