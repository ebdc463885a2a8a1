"""What a test needs to see on a lab HAProxy box beyond ``HaproxyBox``: the
reloads it went through (and who asked for each), a reload that stalls on
request, what the running HAProxy serves, and our sections in its file.

The probe installs a reload script as the device's ``reload_command`` (a
device setting of the haproxy driver, see doc/source/drivers.rst): it logs
the SSH connection of the caller, sleeps once when asked to, then reloads
exactly as the driver does by default (``-x`` socket, ``-sf`` old pids).
A stalled reload whose caller died meanwhile gives up instead of reloading
(sshd leaves a dead client's commands running; a real deploy cut off at
that point would not reload later, behind the next deployer's back).
"""

import csv
import io
import os
import pwd
import re
import subprocess

from balancer.tests import lab_parts

RELOAD_SCRIPT = """\
#!/bin/sh
# reload_command of a lab box: log who reloads, stall once on request, reload
H={home}
# true while an sshd session is among our ancestors (its client is alive)
session_alive() {{
    p=$$
    while [ -n "$p" ] && [ "$p" -gt 1 ]; do
        case "$(cat /proc/$p/comm 2>/dev/null)" in sshd*) return 0 ;; esac
        p=$(cut -d' ' -f4 /proc/$p/stat 2>/dev/null)
    done
    return 1
}}
echo "$SSH_CONNECTION" >> "$H/reloads"
if mv "$H/stall" "$H/stall.taken" 2>/dev/null; then
    echo "$SSH_CONNECTION" > "$H/stalled"
    sleep {stall_seconds}
    # the process that asked was killed meanwhile: stop before the reload,
    # as a deploy cut off there would (not reload behind its successor's back)
    session_alive || {{ echo "$SSH_CONNECTION" >> "$H/orphaned"; exit 1; }}
fi
OLD=$(cat {pid_file} 2>/dev/null | tr '\\n' ' ')
X=''; [ -S {socket} ] && X="-x {socket}"
exec sudo -n {haproxy} -D -f {config} -p {pid_file} $X ${{OLD:+-sf $OLD}}
"""


class BoxProbe:
    def __init__(self, box, stall_seconds=4):
        self.box = box
        entry = pwd.getpwnam(box.user)
        self.home = entry.pw_dir
        self.script = os.path.join(self.home, "reload.sh")
        with open(self.script, "w") as handle:
            handle.write(RELOAD_SCRIPT.format(
                home=self.home, stall_seconds=stall_seconds, pid_file=box.pid_file,
                socket=box.socket, haproxy=lab_parts.haproxy_bin(), config=box.config_path))
        os.chmod(self.script, 0o755)
        for name in ("reloads", "stalled", "orphaned"):
            path = os.path.join(self.home, name)
            open(path, "w").close()
            os.chown(path, entry.pw_uid, entry.pw_gid)

    def device_body(self):
        """``POST /devices`` JSON for the box, reloading through the probe."""
        return self.box.api_device_body(reload_command="sh " + self.script)

    # -- reloads ----------------------------------------------------------------
    def reloads(self):
        with open(os.path.join(self.home, "reloads")) as handle:
            return sum(1 for line in handle if line.strip())

    def orphaned(self):
        """How many stalled reloads found their caller gone and gave up."""
        with open(os.path.join(self.home, "orphaned")) as handle:
            return sum(1 for line in handle if line.strip())

    def stall_next_reload(self):
        open(os.path.join(self.home, "stall"), "w").close()

    def stalled_connection(self):
        """(client address, client port) of the SSH session whose reload is
        stalled, or None before one stalls."""
        with open(os.path.join(self.home, "stalled")) as handle:
            words = handle.read().split()
        return (words[0], int(words[1])) if len(words) >= 2 else None

    # -- what runs --------------------------------------------------------------
    def show_stat(self):
        """{proxy name: {server name: status}} from the running HAProxy's
        stats socket (a unix socket: reachable from any namespace)."""
        done = subprocess.run(["socat", "-t", "5", "stdio", "unix-connect:" + self.box.socket],
                              input="show stat\n", capture_output=True, text=True, timeout=15,
                              check=True)
        rows = csv.DictReader(io.StringIO(done.stdout.lstrip("# ")))
        proxies = {}
        for row in rows:
            if row.get("pxname"):
                proxies.setdefault(row["pxname"], {})[row["svname"]] = row["status"]
        return proxies


def process_of_connection(address, port):
    """PID of the local process owning the TCP connection from address:port."""
    done = subprocess.run(["ss", "-Htnp", "src", "%s:%d" % (address, port)],
                          capture_output=True, text=True, timeout=10, check=False)
    found = re.search(r"pid=(\d+)", done.stdout)
    return int(found.group(1)) if found else None


def our_sections(config_text):
    """(frontend names, {lb id: {server name: server line words}}) of the
    sections balancer manages in a haproxy.cfg."""
    frontends, backends, current = set(), {}, None
    for line in config_text.splitlines():
        words = line.split()
        if line and not line[0].isspace():
            current = None
            if len(words) > 1 and words[0] == "frontend" and words[1].startswith("balancer-"):
                frontends.add(words[1])
            if len(words) > 1 and words[0] == "backend" and words[1].startswith("balancer-lb-"):
                current = backends.setdefault(words[1][len("balancer-lb-"):], {})
        elif current is not None and words[:1] == ["server"]:
            current[words[1]] = words
    return frontends, backends
