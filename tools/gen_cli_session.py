#!/usr/bin/env python3
"""Write doc/source/cli-session.inc: the CLI from nothing to traffic, recorded.

Starts a real ``balancer-api`` (its own SQLite database, on a free loopback
port) and a real HAProxy box with three backends (balancer/tests/lab.py:
sshd, HAProxy, a network namespace when run as root), then runs the
installed ``balancer`` console script as a user would: register the box,
create a load balancer, a virtual IP, three nodes and a health monitor,
send requests through the VIP, make sessions sticky, drain a node, set an
access list and a connection throttle, move the VIP, read the statistics
and details, delete it all.  Each command and its output go into the
include file as they happened; only the API's port is shown as the usual
8181, and the box's SSH password as ``"$BOX_PASSWORD"`` (the doc shows it
read into that variable; the run fails if the password shows anywhere).

    .venv/bin/python tools/gen_cli_session.py [OUTPUT_FILE]

balancer/tests/integration/test_cli_haproxy.py runs the same ``session()``
and checks the traffic, and that the doc's commands are the ones it runs.
"""

import json
import os
import shlex
import sys
import tempfile

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, TOP)

OUT = os.path.join(TOP, "doc", "source", "cli-session.inc")
TENANT = "demo"
SHOWN_URL = "http://127.0.0.1:8181/" + TENANT


class Recorder:
    """Runs ``balancer`` with SERVICE_ENDPOINT set; keeps what a terminal showed."""

    def __init__(self, endpoint):
        from balancer.tests.integration import cli_runner
        self.cli_runner = cli_runner
        self.endpoint = endpoint
        self.env = cli_runner.clean_env(SERVICE_ENDPOINT=endpoint)
        self.lines = ["$ export SERVICE_ENDPOINT=%s" % SHOWN_URL]
        self.commands = []
        #: value -> what the doc shows instead (a shell variable)
        self.secrets = {}

    def secret(self, value, variable, note):
        """Show ``value`` as ``"$variable"``, read without echo as a user would."""
        self.secrets[value] = '"$%s"' % variable
        self.show("$ read -rs %s    # %s" % (variable, note))

    def shown(self, arg):
        """``arg`` as the doc shows it: a secret as its variable, also as the
        value of ``--option=value``."""
        option, equals, value = arg.partition("=")
        if arg.startswith("--") and equals and value in self.secrets:
            return option + "=" + self.secrets[value]
        return self.secrets.get(arg) or shlex.quote(arg)

    def show(self, line, output=""):
        self.lines.append(line)
        self.show_output(output)

    def balancer(self, *args, note=None):
        """Run one command; its stdout (the table, or JSON with ``-f json``)."""
        args = [str(a) for a in args]
        code, out, err = self.cli_runner.balancer(*args, env=self.env)
        if code != 0:
            raise SystemExit("balancer %s -> %d\n%s%s" % (" ".join(args), code, out, err))
        self.commands.append(args[0])
        line = "$ balancer " + " ".join(self.shown(a) for a in args)
        # stderr first: --wait's indicator ends before the record is printed
        self.show(line + ("    # " + note if note else ""), err)
        self.show_output(out.replace(self.endpoint, SHOWN_URL))
        return out

    def show_output(self, output):
        self.lines += [text for text in output.rstrip("\n").split("\n") if output]

    def value(self, *args, column="id", note=None):
        return self.balancer(*args, "-f", "value", "-c", column, note=note).strip()

    def curl(self, box, port, times):
        names = []
        for _ in range(times):
            status, body, _headers = box.get(box.vip_url(port))
            if status != 200:
                raise SystemExit("GET through the VIP: %s %s" % (status, body))
            names.append(body.strip())
        self.show("$ for i in %s; do curl -s %s; done" % (" ".join(
            str(i + 1) for i in range(times)), box.vip_url(port)), "\n".join(names))
        return names

    def curl_sticky(self, box, port, times):
        """A first request keeps the cookie HAProxy sets; the others send it."""
        url = box.vip_url(port)
        status, body, headers = box.get(url)
        cookie = headers.get("set-cookie", "").split(";")[0]
        if status != 200 or not cookie:
            raise SystemExit("GET through the VIP: %s, cookie %r" % (status, cookie))
        names = [body.strip()]
        for _ in range(times - 1):
            status, body, _headers = box.get(url, headers={"Cookie": cookie})
            if status != 200:
                raise SystemExit("GET through the VIP with %s: %s %s" % (cookie, status, body))
            names.append(body.strip())
        self.show("$ curl -s -c jar %s; for i in %s; do curl -s -b jar %s; done" % (
            url, " ".join(str(i + 1) for i in range(times - 1)), url), "\n".join(names))
        return names

    def unshown_secrets(self):
        """The secrets that still appear in the recorded lines (none, or fail)."""
        text = "\n".join(self.lines)
        return [shown for value, shown in self.secrets.items() if value in text]


def session(rec, box):
    """The session itself; returns what each traffic check saw."""
    seen = {}
    rec.balancer("algorithms-list", note="nothing registered yet: empty")
    extra = []
    for key, value in sorted(box.device_extra().items()):
        extra += ["--extra", "%s=%s" % (key, value)]
    body = box.api_device_body()
    rec.secret(body["password"], "BOX_PASSWORD", "the box's SSH password, not echoed")
    device = rec.value("device-create", "--name", "box1", "--type", "HAPROXY",
                       "--ip", body["ip"], "--port", body["port"], "--user", body["user"],
                       # one word: a password may begin with "-"
                       "--password=" + body["password"], *extra,
                       note="the operator registers the HAProxy box (admin)")
    rec.balancer("device-show", device)
    rec.balancer("algorithms-list")
    lb = rec.value("lb-create", "--name", "web", "--algorithm", "ROUND_ROBIN",
                   "--protocol", "HTTP", "--wait", note="a tenant's load balancer")
    port = box.free_vip_port(80)
    rec.balancer("vip-create", "--name", "front", "--address", box.ip, "--port", port,
                 "--wait", lb)
    for address, node_port, name in box.backend_nodes():
        rec.balancer("node-create", "--name", name, "--address", address, "--port",
                     node_port, "--wait", lb)
    rec.balancer("probe-create", "--type", "HTTP", "--path", "/", "--expected", "200",
                 "--delay", "5", "--timeout", "2", "--wait", lb)
    rec.balancer("probe-list", lb)
    rec.balancer("lb-show", lb)
    seen["round robin"] = rec.curl(box, port, 6)
    rec.balancer("sticky-create", "--type", "HTTP_COOKIE", "--cookie-name", "SRV", "--wait",
                 lb, note="a client that keeps HAProxy's cookie stays on its node")
    seen["sticky"] = rec.curl_sticky(box, port, 4)
    nodes = json.loads(rec.balancer("node-list", lb, "-f", "json"))
    second = [n for n in nodes if n["name"] == box.names[1]][0]["id"]
    rec.balancer("node-condition", lb, second, "DRAINING",
                 note="live through HAProxy's runtime API, no reload")
    seen["drained"] = rec.curl(box, port, 4)
    rec.balancer("access-add", "--deny", "192.0.2.0/24", "--wait", lb,
                 note="a network that may not connect")
    rec.balancer("access-list", lb)
    rec.balancer("throttle-set", "--max-connections", "100", "--wait", lb,
                 note="at most 100 connections at once from one source")
    vip = rec.value("vip-list", lb)
    new_port = box.free_vip_port(8080)
    rec.balancer("vip-update", "--port", new_port, "--wait", lb, vip,
                 note="the listener moves: a redeploy")
    seen["moved"] = rec.curl(box, new_port, 3)
    rec.balancer("lb-stats", lb, "--max-width", "100", note="live from the box")
    rec.balancer("lb-details", lb, "--max-width", "100", note="everything at once")
    rec.balancer("lb-delete", "--wait", lb)
    rec.balancer("lb-list")
    rec.balancer("device-delete", device)
    return seen, port, new_port


def write(lines, path):
    with open(path, "w") as handle:
        handle.write(".. This file is generated by tools/gen_cli_session.py; do not edit.\n\n"
                     "::\n\n")
        handle.writelines(("    " + line).rstrip() + "\n" for line in lines)


def main(argv):
    from balancer.tests.integration import cli_runner
    from balancer.tests.lab import HaproxyBox
    out = argv[1] if len(argv) > 1 else OUT
    if not HaproxyBox.available():
        raise SystemExit("needs root with haproxy, sshd, socat and sudo (tools/"
                         "install-system-packages)")
    with tempfile.TemporaryDirectory(prefix="balancer-cli-doc-") as workdir, \
            cli_runner.ApiServer(workdir) as server, HaproxyBox(backends=3) as box:
        rec = Recorder(server.url + "/" + TENANT)
        session(rec, box)
        if rec.unshown_secrets():
            raise SystemExit("a secret shows in the session: %s" % rec.unshown_secrets())
        write(rec.lines, out)
    print("wrote %s (%d lines)" % (out, len(rec.lines)))


if __name__ == "__main__":
    main(sys.argv)
