"""``tools/devbox up`` then ``down``, for real: traffic flows, nothing is left.

The DevBox gets its own state directory and API port, so the test never
meets a DevBox someone is using.  It checks what a newcomer sees (the round
robin over backend1..3 through the VIP, a second ``up`` that only reports),
runs the manual scripts against the live server, and after ``down`` that
every process, the namespace, the user, the sudoers entry and the state
directory are gone.  Bounded: about 10 s when the packages and .venv exist.
"""

import json
import os
import pwd
import subprocess
import urllib.request

import pytest

from balancer.tests import lab_parts
from balancer.tests.conftest import TOP, skip_outside_ci
from balancer.tests.integration import cli_runner
from balancer.tests.integration.conftest import need_box

DEVBOX = os.path.join(TOP, "tools", "devbox")
MANUAL = os.path.join(TOP, "balancer", "tests", "manual")


def devbox(env, *args, timeout=300):
    done = subprocess.run([DEVBOX, *args], env=env, capture_output=True, text=True,
                          timeout=timeout, cwd=TOP)
    return done.returncode, done.stdout + done.stderr


def manual(env, script, *args):
    done = subprocess.run([os.path.join(MANUAL, script), *args], env=env, capture_output=True,
                          text=True, timeout=60)
    body, _, status = done.stdout.rstrip().rpartition("\nHTTP ")
    assert done.returncode == 0, done.stderr
    return int(status), json.loads(body) if body.strip() else None


def user_exists(name):
    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False


@pytest.mark.integration
def test_devbox_up_shows_round_robin_and_down_removes_everything(tmp_path):
    need_box()
    state_dir = tmp_path / "devbox"
    port = lab_parts.free_port(19500)
    env = dict(os.environ, DEVBOX_DIR=str(state_dir), DEVBOX_API_PORT=str(port))
    api = "http://127.0.0.1:%d" % port
    try:
        rc, out = devbox(env, "up")
        assert rc == 0, out
        shown = [line.split("->")[1].strip() for line in out.splitlines() if " -> " in line]
        assert shown == ["backend1", "backend2", "backend3"] * 2, out
        box = json.loads((state_dir / "box.json").read_text())
        api_pid = int((state_dir / "api.pid").read_text())
        lb_id = (state_dir / "lb.id").read_text().strip()
        assert lab_parts.is_lab_address(box["vip"])

        # traffic, seen by us rather than by the script
        names = [lab_parts.http_get(box["vip_url"])[1].strip() for _ in range(3)]
        assert sorted(names) == ["backend1", "backend2", "backend3"]

        # up again: detected, nothing rebuilt
        rc, again = devbox(env, "up")
        assert rc == 0 and "already running" in again, again
        assert int((state_dir / "api.pid").read_text()) == api_pid
        rc, status = devbox(env, "status")
        assert rc == 0 and lb_id in status, status

        # the manual scripts against the live server
        env_api = dict(env, BALANCER_URL=api, TENANT="foo")
        assert manual(env_api, "listLB.sh")[1]["loadbalancers"][0]["id"] == lb_id
        code, details = manual(env_api, "getLBDetails.sh", lb_id)
        assert code == 200 and len(details["nodes"]) == 3
        code, probe = manual(env_api, "addProbeToLB.sh", lb_id)
        assert code == 200 and probe["healthMonitoring"]["path"] == "/health"
        node_id = details["nodes"][1]["id"]
        code, node = manual(env_api, "changeNodeStatus.sh", lb_id, node_id, "disabled")
        assert code == 200 and node["node"]["condition"] == "DISABLED"
        names = [lab_parts.http_get(box["vip_url"])[1].strip() for _ in range(4)]
        assert "backend2" not in names and set(names) == {"backend1", "backend3"}
        code, lb = manual(env_api, "getLB.sh", lb_id)
        assert lb["loadbalancer"]["status"] == "ACTIVE"

        # the README's session, with the balancer CLI
        cli = cli_runner.Cli(api + "/foo")
        nodes = cli.json("node-list", lb_id)
        assert len(nodes) == 3 and {n["operatingStatus"] for n in nodes} >= {"UP"}
        cli.json("node-condition", lb_id, node_id, "ENABLED")
        cli.json("node-condition", lb_id, node_id, "DRAINING")
        names = [lab_parts.http_get(box["vip_url"])[1].strip() for _ in range(4)]
        assert "backend2" not in names and set(names) == {"backend1", "backend3"}
        second = lab_parts.free_port(18090)     # 8080 in the README; free here for sure
        vip = cli.json("vip-create", "--address", box["vip"], "--port", second, "--wait",
                       lb_id)
        assert vip["deployed"] == "True"
        status, body, _ = lab_parts.http_get("http://%s:%d/" % (box["vip"], second))
        assert status == 200 and body.strip() in ("backend1", "backend3")
    finally:
        rc, out = devbox(env, "down", timeout=120)
    assert rc == 0, out

    assert not state_dir.exists()
    assert not os.path.exists("/proc/%d" % api_pid) or \
        open("/proc/%d/stat" % api_pid).read().rsplit(")", 1)[1].split()[0] == "Z"
    assert box["ns"] is None or not os.path.exists("/run/netns/%s" % box["ns"])
    assert not user_exists(box["user"])
    assert not os.path.exists(box["sudoers"])
    assert not os.path.exists(box["root"])
    assert not lab_parts.pids_mentioning(box["root"])
    with pytest.raises(OSError):
        urllib.request.urlopen(api + "/algorithms", timeout=2)


@pytest.mark.integration
def test_devbox_up_ha_demonstrates_a_failover_and_down_removes_the_pair(tmp_path):
    need_box()
    if not os.path.exists("/usr/sbin/keepalived"):
        skip_outside_ci("needs keepalived (tools/install-system-packages)")
    state_dir = tmp_path / "devbox"
    port = lab_parts.free_port(19600)
    env = dict(os.environ, DEVBOX_DIR=str(state_dir), DEVBOX_API_PORT=str(port))
    try:
        rc, out = devbox(env, "up", "--ha")
        assert rc == 0, out
        pair = json.loads((state_dir / "pair.json").read_text())
        api_pid = int((state_dir / "api.pid").read_text())
        assert "killed" in out and "traffic continues on the other box" in out, out
        # the demonstration's own lines: requests answered after the kill
        after = out.split("killed", 1)[1]
        assert " 200 backend" in after, out
        # traffic still flows through the VIP, seen by us
        assert lab_parts.http_get(pair["vip_url"])[0] == 200
        rc, status = devbox(env, "status")
        assert rc == 0 and "pair: running" in status, status
    finally:
        rc, out = devbox(env, "down", timeout=120)
    assert rc == 0, out
    assert not state_dir.exists()
    assert not os.path.exists("/proc/%d" % api_pid) or \
        open("/proc/%d/stat" % api_pid).read().rsplit(")", 1)[1].split()[0] == "Z"
    for box in pair["boxes"]:
        assert not os.path.exists("/run/netns/%s" % box["ns"])
        assert not user_exists(box["user"]) and not os.path.exists(box["sudoers"])
    for ns in pair["namespaces"]:
        assert not os.path.exists("/run/netns/%s" % ns)
    assert not os.path.exists(pair["root"]) and not lab_parts.pids_mentioning(pair["root"])
    assert subprocess.run(["ip", "link", "show", pair["bridge"]], capture_output=True,
                          check=False).returncode != 0
