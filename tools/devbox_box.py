#!/usr/bin/env python3
"""The HAProxy-box half of ``tools/devbox``: build it, describe it, remove it.

The box is ``balancer.tests.lab.HaproxyBox`` (the one the integration tests
use): a network namespace with its own 10.231.N.2 address (loopback with
free ports when namespaces are not allowed), an sshd with a dedicated user,
HAProxy running from an operator config, and backends on 8001-8003 that
answer with their own name.  A ``HaproxyBox`` normally lives inside one
Python process; the DevBox must outlive this script, so ``up`` records
everything the box made in a state file and ``down`` removes exactly that:
the processes by id (and those inside the namespace, run by the box user or
started from the box's private directory), the namespace, veth, user,
sudoers entry and directory — nothing else.

    devbox_box.py up STATE_FILE                 build the box, write STATE_FILE
    devbox_box.py down STATE_FILE               remove what STATE_FILE names
    devbox_box.py check STATE_FILE              exit 0 when the box still runs
    devbox_box.py device-body STATE_FILE        etc/examples/createDeviceHAProxy, adapted
    devbox_box.py lb-body STATE_FILE DEVICE_ID  etc/examples/createLBcommandHAProxy, adapted
    devbox_box.py get STATE_FILE key            one value of the state (e.g. vip_url)
    devbox_box.py device-extra STATE_FILE       the device's other fields, key=value a line
                                                (balancer device-create --extra key=value)
    devbox_box.py backends STATE_FILE           the backends, "address port name" a line
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import time

from balancer.tests import lab_parts
from balancer.tests.lab import HaproxyBox

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXAMPLES = os.path.join(TOP, "etc", "examples")
VIP_HOST = 10          # the VIP is <subnet>.10, added to the box's interface by the driver


def up(state_file):
    box = HaproxyBox(backends=3)
    box.start()
    try:
        if box.ns:
            vip, vip_port = f"{box.subnet}.{VIP_HOST}", 80
        else:
            vip, vip_port = "127.0.0.1", box.free_vip_port(80)
        state = {
            "mode": "namespace" if box.ns else "loopback",
            "suffix": box.suffix, "ns": box.ns, "user": box.user, "root": box.root,
            "host_if": f"bl{box.suffix}h" if box.ns else None,
            "sudoers": f"/etc/sudoers.d/balancer-lab-{box.suffix}",
            "pids": [proc.pid for proc in box._procs],
            "ip": box.ip, "ssh_port": box.ssh_port, "password": box.password,
            "device_extra": box.device_extra(),
            "backends": [[address, port, name] for address, port, name in box.backend_nodes()],
            "vip": vip, "vip_port": vip_port, "vip_url": box.vip_url(vip_port, address=vip),
            "stats_url": f"http://{box.ip}:{box.stats_port}/stats",
        }
        assert lab_parts.is_lab_address(vip), vip     # never anyone else's address
        _write_private(state_file, json.dumps(state, indent=2) + "\n")
    except BaseException:
        box.stop()
        raise
    print(f"   box: {state['mode']} {box.ns or ''} ip {box.ip}, ssh {box.ip}:{box.ssh_port} "
          f"as {box.user}, backends {', '.join(str(b[1]) for b in state['backends'])}")


def _write_private(path, text):
    """The state holds the box user's password: readable by root only."""
    fd = os.open(path + ".tmp", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    os.replace(path + ".tmp", path)


def load(state_file):
    with open(state_file) as handle:
        return json.load(handle)


def box_pids(state):
    """Processes that belong to the box beyond doubt (see lab.HaproxyBox)."""
    pids = {pid for pid in state.get("pids", []) if lab_parts.alive(pid)}
    if state.get("ns"):
        pids |= set(lab_parts.pids_in_namespace(state["ns"]))
    if state.get("user"):
        pids |= set(lab_parts.pids_of_user(state["user"]))
    if state.get("root"):
        pids |= set(lab_parts.pids_mentioning(state["root"]))
    pids.discard(os.getpid())
    return sorted(pids)


def end_processes(pids, grace=3.0):
    """SIGTERM all, wait until they are gone (bounded), SIGKILL the rest."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pid in pids:
            try:
                os.kill(pid, sig)
            except (ProcessLookupError, PermissionError):
                pass
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline and any(lab_parts.alive(p) for p in pids):
            time.sleep(0.05)
        pids = [p for p in pids if lab_parts.alive(p)]
        if not pids:
            return


def down(state_file):
    down_state(load(state_file))


def down_state(state):
    """Remove the box ``state`` names (also one box of ``devbox_pair.py``)."""
    end_processes(box_pids(state))
    end_processes(box_pids(state))       # anything forked meanwhile (an haproxy reload)
    quiet = {"capture_output": True, "timeout": 30, "check": False}
    if state.get("ns"):
        subprocess.run(["ip", "netns", "del", state["ns"]], **quiet)
    if state.get("host_if"):
        subprocess.run(["ip", "link", "del", state["host_if"]], **quiet)
    if state.get("user"):
        subprocess.run(["userdel", "-r", "-f", state["user"]], **quiet)
    if state.get("sudoers") and os.path.exists(state["sudoers"]):
        os.unlink(state["sudoers"])
    if state.get("root"):
        shutil.rmtree(state["root"], ignore_errors=True)
    print(f"   box {state.get('ns') or state.get('mode')}: removed")


def check(state_file):
    """0 when the box's recorded processes all still run."""
    state = load(state_file)
    alive = [pid for pid in state["pids"] if lab_parts.alive(pid)]
    ns_ok = not state.get("ns") or os.path.exists(f"/run/netns/{state['ns']}")
    return 0 if ns_ok and len(alive) == len(state["pids"]) else 1


def device_body(state):
    """The seed's device with the box's address, SSH port, credentials and
    file locations (the seed's DevBox had them at the default places)."""
    with open(os.path.join(EXAMPLES, "createDeviceHAProxy")) as handle:
        body = json.load(handle)
    body.update(ip=state["ip"], port=str(state["ssh_port"]), user=state["user"],
                password=state["password"])
    body.update(state["device_extra"])
    return body


def lb_body(state, device_id):
    """The seed's load balancer with the device id, the VIP and the backends'
    ports (8001-8003 inside a namespace, whatever was free on loopback)."""
    with open(os.path.join(EXAMPLES, "createLBcommandHAProxy")) as handle:
        body = json.load(handle)
    body["device_id"] = device_id
    body["virtualIps"][0].update(address=state["vip"], port=str(state["vip_port"]))
    for node, (address, port, _name) in zip(body["nodes"], state["backends"], strict=True):
        node.update(address=address, port=str(port))
    return body


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    command, state_file = argv[0], argv[1]
    if command == "up":
        up(state_file)
    elif command == "down":
        down(state_file)
    elif command == "check":
        return check(state_file)
    elif command == "device-body":
        print(json.dumps(device_body(load(state_file)), indent=4))
    elif command == "lb-body":
        print(json.dumps(lb_body(load(state_file), argv[2]), indent=4))
    elif command == "get":
        print(load(state_file)[argv[2]])
    elif command == "device-extra":
        for key, value in sorted(load(state_file)["device_extra"].items()):
            print("%s=%s" % (key, value))
    elif command == "backends":
        for address, port, name in load(state_file)["backends"]:
            print(address, port, name)
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
