#!/usr/bin/env python3
"""The pair half of ``tools/devbox up --ha``: two HAProxy boxes with
keepalived on one bridge, built, described, demonstrated and removed.

The pair is ``balancer.tests.lab_pair.PairLab`` (the one the failover test
uses).  Like ``tools/devbox_box.py``, ``up`` records everything it made in a
state file, so the pair outlives this script and ``down`` removes exactly
that: each box as ``devbox_box.py`` removes one, then the backends' and the
client's namespaces, their veths, the bridge and the directory.

    devbox_pair.py up STATE_FILE                 build the pair, write STATE_FILE
    devbox_pair.py down STATE_FILE               remove what STATE_FILE names
    devbox_pair.py check STATE_FILE              exit 0 when the pair still runs
    devbox_pair.py device-body STATE_FILE N      device N (0, 1) of the pair, as JSON
    devbox_pair.py lb-body STATE_FILE            etc/examples/createLBcommandHAProxy, adapted
    devbox_pair.py demo STATE_FILE               kill the active box's HAProxy under traffic
    devbox_pair.py get STATE_FILE key            one value of the state (e.g. vip_url)
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import time

import devbox_box

from balancer.tests import lab_parts
from balancer.tests.lab_pair import PairLab

ROUTER_ID = 51


def _box_state(box):
    return {"suffix": box.suffix, "ns": box.ns, "user": box.user, "root": box.root,
            "host_if": box.host_if, "sudoers": f"/etc/sudoers.d/balancer-lab-{box.suffix}",
            "pids": [proc.pid for proc in box._procs], "ip": box.ip,
            "ssh_port": box.ssh_port, "password": box.password, "interface": box.interface,
            "device_extra": box.device_extra(), "pid_file": box.pid_file,
            "config": box.config_path}


def up(state_file):
    lab = PairLab(backends=3)
    lab.start()
    try:
        state = {"mode": "pair", "suffix": lab.suffix, "root": lab.root, "bridge": lab.bridge,
                 "namespaces": [lab.client_ns, lab.backend_ns],
                 "host_ifs": [f"bpc{lab.suffix}h", f"bpk{lab.suffix}h"],
                 "pids": [proc.pid for proc in lab._procs],
                 "boxes": [_box_state(box) for box in lab.boxes],
                 "backends": [list(b) for b in lab.backend_nodes()],
                 "vip": lab.vip, "vip_port": 80, "vip_url": f"http://{lab.vip}:80/"}
        assert lab_parts.is_lab_address(lab.vip), lab.vip
        devbox_box._write_private(state_file, json.dumps(state, indent=2) + "\n")
    except BaseException:
        lab.stop()
        raise
    for box in state["boxes"]:
        print(f"   box {box['ns']}: ip {box['ip']}, ssh as {box['user']}")
    print(f"   backends {lab.backend_ns}, client {lab.client_ns}, VIP {lab.vip} (keepalived)")


def down(state_file):
    state = devbox_box.load(state_file)
    quiet = {"capture_output": True, "timeout": 30, "check": False}
    for box in state["boxes"]:
        devbox_box.down_state(box)
    pids = {p for p in state["pids"] if lab_parts.alive(p)}
    for ns in state["namespaces"]:
        pids |= set(lab_parts.pids_in_namespace(ns))
    pids |= set(lab_parts.pids_mentioning(state["root"]))
    pids.discard(os.getpid())
    devbox_box.end_processes(sorted(pids))
    for ns in state["namespaces"]:
        subprocess.run(["ip", "netns", "del", ns], **quiet)
    for name in state["host_ifs"] + [state["bridge"]]:
        subprocess.run(["ip", "link", "del", name], **quiet)
    shutil.rmtree(state["root"], ignore_errors=True)
    print(f"   pair {state['suffix']}: removed")


def check(state_file):
    state = devbox_box.load(state_file)
    pids = state["pids"] + [p for box in state["boxes"] for p in box["pids"]]
    ok = all(lab_parts.alive(p) for p in pids) and all(
        os.path.exists(f"/run/netns/{ns}") for ns in state["namespaces"])
    return 0 if ok else 1


def device_body(state, index, peer_id=None):
    box = state["boxes"][index]
    body = devbox_box.device_body({"ip": box["ip"], "ssh_port": box["ssh_port"],
                                   "user": box["user"], "password": box["password"],
                                   "device_extra": box["device_extra"]})
    body.update(name=f"HAP-00{index + 1}", vrrp_interface=box["interface"],
                vrrp_priority=150 - 50 * index)
    if peer_id:
        body.update(peer_id=peer_id, vrrp_router_id=ROUTER_ID, vrrp_auth="devbox")
    return body


def lb_body(state):
    body = devbox_box.lb_body(state, "")
    body.pop("device_id")            # the scheduler places it on the pair
    return body


def _holds(box, vip):
    done = subprocess.run(["ip", "netns", "exec", box["ns"], "ip", "-o", "addr", "show",
                           "dev", box["interface"]], capture_output=True, text=True,
                          timeout=10, check=False)
    return f" {vip}/" in done.stdout


def demo(state_file, seconds=8.0):
    """Traffic through the VIP while the active box's HAProxy is killed."""
    state = devbox_box.load(state_file)
    holder = next((b for b in state["boxes"] if _holds(b, state["vip"])), None)
    if holder is None:
        print("   no box holds the VIP yet")
        return 1
    rows, killed = [], None
    began = time.monotonic()
    while time.monotonic() - began < seconds:
        if killed is None and time.monotonic() - began > 1.5:
            with open(holder["pid_file"]) as handle:
                for pid in handle.read().split():
                    os.kill(int(pid), signal.SIGKILL)
            killed = time.monotonic()
            print(f"   {killed - began:5.2f}s  HAProxy on {holder['ns']} killed")
        try:
            status, body, _headers = lab_parts.http_get(state["vip_url"], timeout=0.5)
        except OSError as err:
            status, body = 0, type(err).__name__
        now = time.monotonic()
        rows.append((now, status))
        owner = next((b["ns"] for b in state["boxes"] if _holds(b, state["vip"])), "nobody")
        print(f"   {now - began:5.2f}s  {status or 'failed'} {body.strip():<12} VIP on {owner}")
        time.sleep(0.2)
    failed = [t for t, status in rows if status != 200]
    served_after = [t for t, status in rows if status == 200 and t > killed]
    if not served_after:
        print("   no request was answered after the kill: the other box did not take over")
        return 1
    if failed:
        good = [t for t in served_after if t > failed[0]]
        took = (good[0] if good else now) - failed[0]
        print(f"   {len(failed)} request(s) failed, for {took:.2f}s; traffic continues on "
              "the other box")
    else:
        print("   no request failed; traffic continues on the other box")
    return 0


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
        peer = argv[3] if len(argv) > 3 else None
        print(json.dumps(device_body(devbox_box.load(state_file), int(argv[2]), peer), indent=4))
    elif command == "lb-body":
        print(json.dumps(lb_body(devbox_box.load(state_file)), indent=4))
    elif command == "demo":
        return demo(state_file)
    elif command == "get":
        print(devbox_box.load(state_file)[argv[2]])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
