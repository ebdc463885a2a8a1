"""Scenario 1: provisioning through balancer against a naive paramiko push.

balancer: time from sending ``POST /{tenant}/loadbalancers`` (the seed's body)
to the first 200 through its VIP; the LB is then deleted (untimed) so every
run starts from the same device state.  One warm-up create comes first (it
pays the SSH connect and the config fetch), reported as ``cold``.

naive: in the same run, to the same device, the same config text (what
balancer wrote for the seed LB): a fresh ``paramiko.SSHClient`` connection
(password, host key pinned, no agent), upload (``cat > file`` fed on stdin;
the lab's sshd has no SFTP subsystem), ``sudo haproxy -c``,
``sudo mv``, ``sudo haproxy -D ... -sf <old pid>``, each as its own exec call as
a minimal script would, then the same poll of the VIP.  The device's file is
then put back to exactly what balancer last wrote (untimed), so balancer's
drift check sees no change.  Runs alternate balancer / naive.

Breakdown: balancer's POST round trip vs POST-answer-to-first-200; the naive
push per step; and, after the API runs, the driver alone in this process
(warm connection): render time and the one remote script's time.
"""

import json
import os
import shlex
import time

import paramiko
from harness import DEVICE_KEYS, api_on_box, summary_ms, wait_for_200

TENANT = "bench"


def seed_lb_body(device_id, vip_ip, vip_port, nodes):
    from harness import REPO
    with open(os.path.join(REPO, "etc", "examples", "createLBcommandHAProxy")) as handle:
        body = json.load(handle)
    body["device_id"] = device_id
    body["virtualIps"][0].update(address=vip_ip, port=str(vip_port))
    for node, (address, port, _name) in zip(body["nodes"], nodes, strict=False):
        node.update(address=address, port=str(port))
    return body


class NaivePush:
    """What an operator's first script would do, timed step by step."""

    def __init__(self, box):
        self.box = box
        self.sudo = "sudo -n "
        self.remote_tmp = f"/home/{box.user}/naive-haproxy.cfg"

    def _connect(self):
        client = paramiko.SSHClient()
        key_type, key_b64 = self.box.host_key.split()[:2]
        key = paramiko.PKey.from_type_string(key_type, __import__("base64").b64decode(key_b64))
        host = self.box.ip if self.box.ssh_port == 22 else f"[{self.box.ip}]:{self.box.ssh_port}"
        client.get_host_keys().add(host, key_type, key)
        client.set_missing_host_key_policy(paramiko.RejectPolicy())
        client.connect(self.box.ip, port=self.box.ssh_port, username=self.box.user,
                       password=self.box.password, look_for_keys=False, allow_agent=False,
                       timeout=10)
        return client

    @staticmethod
    def _exec(client, command):
        _stdin, stdout, stderr = client.exec_command(command, timeout=30)
        status = stdout.channel.recv_exit_status()
        out = stdout.read() + stderr.read()
        if status != 0:
            raise RuntimeError(f"{command}: exit {status}: {out[-500:]!r}")
        return out

    def _upload(self, client, text):
        """``cat > file`` with the text on the exec channel's stdin: the lab's
        sshd offers no SFTP subsystem, and this is one round trip cheaper
        than SFTP's channel + subsystem + open/write/close anyway."""
        stdin, stdout, stderr = client.exec_command(f"cat > {shlex.quote(self.remote_tmp)}",
                                                    timeout=30)
        stdin.write(text.encode())
        stdin.channel.shutdown_write()
        if stdout.channel.recv_exit_status() != 0:
            raise RuntimeError(f"upload failed: {stderr.read()[-300:]!r}")

    def push(self, text, vip=None):
        """Push ``text``; returns per-step seconds (and ``first_200`` when a
        VIP (host, port) is given)."""
        box, q = self.box, shlex.quote
        steps, began = {}, time.perf_counter()
        mark = [began]

        def step(name):
            now = time.perf_counter()
            steps[name] = now - mark[0]
            mark[0] = now
        client = self._connect()
        try:
            step("connect")
            self._upload(client, text)
            step("upload")
            self._exec(client, f"{self.sudo}{q(box_haproxy())} -c -q -f {q(self.remote_tmp)}")
            step("check")
            self._exec(client, f"{self.sudo}mv -f {q(self.remote_tmp)} {q(box.config_path)}")
            step("mv")
            self._exec(client, f"{self.sudo}{q(box_haproxy())} -D -f {q(box.config_path)} "
                               f"-p {q(box.pid_file)} -sf $(cat {q(box.pid_file)})")
            step("reload")
        finally:
            client.close()
        if vip is not None:
            first = wait_for_200(*vip)
            steps["first_200"] = first if first is not None else float("nan")
            step_total = time.perf_counter() - began
            steps["total"] = step_total if first is not None else None
        return steps


def box_haproxy():
    from balancer.tests import lab_parts
    return lab_parts.haproxy_bin()


def run(ctx):
    runs = ctx.params["provision_runs"]
    box, api, client, device = api_on_box(ctx, "provision", wait_timeout=30.0)
    vip_port = box.free_vip_port(80)
    vip = (box.ip, vip_port)
    body = seed_lb_body(device["id"], box.ip, vip_port, box.backend_nodes())

    def balancer_once():
        began = time.perf_counter()
        status, doc, post_s = client.request("POST", f"/{TENANT}/loadbalancers", body)
        if status != 202:
            raise RuntimeError(f"create -> {status}: {doc}")
        lb = doc["loadbalancer"]
        first = wait_for_200(*vip)
        total = time.perf_counter() - began
        with_lb = box.read_config()
        client.json("DELETE", f"/{TENANT}/loadbalancers/{lb['id']}")
        return {"post": post_s, "after_post": (first or float("nan")), "total": total,
                "status": lb["status"], "served": first is not None}, with_lb

    cold, with_lb_text = balancer_once()
    base_text = box.read_config()
    naive = NaivePush(box)
    ours, theirs = [], []
    for _ in range(runs):
        ours.append(balancer_once()[0])
        theirs.append(naive.push(with_lb_text, vip))
        naive.push(base_text)                       # back to balancer's last write
    failures = sum(1 for r in ours if not r["served"] or r["status"] != "ACTIVE")
    naive_fail = sum(1 for r in theirs if r.get("total") is None)
    ours_total = [r["total"] for r in ours if r["served"]]
    theirs_total = [r["total"] for r in theirs if r.get("total") is not None]
    out = {
        "runs": runs, "vip": f"{box.ip}:{vip_port}", "namespace": bool(box.ns),
        "cold_first_create": {k: round(v, 4) if isinstance(v, float) else v
                              for k, v in cold.items()},
        "balancer": {"total": summary_ms(ours_total),
                     "post_roundtrip": summary_ms([r["post"] for r in ours]),
                     "post_answer_to_first_200": summary_ms(
                         [r["after_post"] for r in ours if r["served"]]),
                     "failures": failures},
        "naive": {"total": summary_ms(theirs_total), "failures": naive_fail,
                  "steps": {name: summary_ms([r[name] for r in theirs if name in r
                                              and r[name] == r[name]])
                            for name in ("connect", "upload", "check", "mv", "reload",
                                         "first_200")}},
        "config_bytes": len(with_lb_text.encode()),
    }
    b50, n50 = out["balancer"]["total"].get("p50_ms"), out["naive"]["total"].get("p50_ms")
    b95, n95 = out["balancer"]["total"].get("p95_ms"), out["naive"]["total"].get("p95_ms")
    out["ratio_p50"] = round(b50 / n50, 3) if b50 and n50 else None
    out["ratio_p95"] = round(b95 / n95, 3) if b95 and n95 else None
    api.stop()
    out["driver_breakdown"] = driver_breakdown(box, body, runs)
    return out


def driver_breakdown(box, body, runs):
    """The HAProxy driver alone, warm, in this process: render vs the one
    remote script (upload on stdin, haproxy -c, swap, reload, runtime check),
    alternating the seed LB on and off the device."""
    from balancer.drivers import base
    from balancer.drivers.haproxy import driver as hdriver
    from balancer.drivers.haproxy import render

    lb = base.LoadBalancer(
        id="benchseed", name="seed", algorithm="ROUND_ROBIN", protocol="HTTP",
        vips=(base.Vip(id="benchvip", address=body["virtualIps"][0]["address"],
                       port=int(body["virtualIps"][0]["port"]), protocol="HTTP"),),
        nodes=tuple(base.Node(id=f"n{i}", address=n["address"], port=int(n["port"]))
                    for i, n in enumerate(body["nodes"])),
        monitors=(base.Monitor(id="m1", type="HTTP", delay=30, timeout=30, attempts=5,
                               method="GET", path="/", expected="200-204"),))
    # the box's side of each deploy, stage by stage (remote.stage_seconds)
    drv = hdriver.HaproxyDriver(box.device(host_key=box.host_key, deploy_stage_times="1",
                                           **DEVICE_KEYS), {})
    stages = {}
    try:
        drv.deploy([])                                  # connect + fetch, untimed
        renders, remotes, totals = [], [], []
        for i in range(runs * 2):
            desired = [lb] if i % 2 == 0 else []
            began = time.perf_counter()
            render.render(drv._live, desired)
            renders.append(time.perf_counter() - began)
            result = drv.deploy(desired)
            remotes.append(result.timings.get("remote", 0.0))
            totals.append(result.timings.get("total", 0.0))
            if desired:                                  # the create, as in the POST
                for key, seconds in result.timings.items():
                    if key.startswith("remote "):
                        stages.setdefault(key[len("remote "):], []).append(seconds)
        drv.deploy([])
    finally:
        drv.close()
    return {"render": summary_ms(renders), "remote_script": summary_ms(remotes),
            "driver_deploy_total": summary_ms(totals),
            "remote_stages": {stage: summary_ms(values) for stage, values in stages.items()}}
