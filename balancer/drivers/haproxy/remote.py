"""Shell scripts the driver runs on a device, each in ONE SSH exec call.

Why scripts rather than a command per step: a remote command costs one round
trip (~0.04 s) and the whole deploy (drift check, write, ``haproxy -c``,
backup, swap, reload, VIP addresses, runtime check) fits in one, with the new
config fed on stdin.  Scripts talk back through ``@@balancer <key> <value>``
lines that ``parse`` turns into a dict; everything else is HAProxy's text.

Every path and address is quoted with ``shlex.quote``; privileged steps are
prefixed with ``sudo -n`` when the SSH user is not root, so a sudoers entry
listing haproxy, tee, cat, cp, mv, rm, ip, kill and socat is enough.
"""

import dataclasses
import shlex

TAG = "@@balancer"

# Exit codes the driver understands.
DRIFT, WRITE_FAILED, CHECK_FAILED, VIP_FAILED, RELOAD_FAILED, LOCKED = 3, 4, 5, 6, 7, 8
# How long a script waits on the box for another one to finish.
BOX_LOCK_WAIT = 60


def _box_lock():
    """One script at a time per config file on the box itself.  The
    service's device lock already makes one process the writer; this one
    also covers a script whose SSH session died with its process (sshd lets
    it run on) and which would otherwise reload behind the next writer.
    balancer/tests/integration/test_haproxy_driver.py shows a deploy waiting."""
    return ("if command -v flock >/dev/null 2>&1; then\n"
            "  LOCK=\"${TMPDIR:-/tmp}/balancer-$(id -u)-$(printf %s \"$CFG\" | cksum | "
            "cut -d' ' -f1).lock\"\n"
            f"  exec 9>>\"$LOCK\" && flock -w {BOX_LOCK_WAIT} 9 || "
            f"{{ echo '{TAG} stage lock'; exit {LOCKED}; }}\n"
            "fi\n")


@dataclasses.dataclass(frozen=True)
class Layout:
    """Where things live on a device (from ``device.extra``, with defaults)."""
    config: str = "/etc/haproxy/haproxy.cfg"
    pid_file: str = "/var/run/haproxy.pid"
    socket: str = "/var/run/haproxy/admin.sock"
    haproxy: str = "haproxy"
    reload_command: str = ""
    start_command: str = ""
    interface: str = "eth0"
    sudo: str = ""                         # "sudo -n " or ""


def _vars(layout):
    q = shlex.quote
    return (f"S={q(layout.sudo.strip())}; CFG={q(layout.config)}; NEW=\"$CFG.balancer-new\"; "
            f"BAK=\"$CFG.bak\"; PIDF={q(layout.pid_file)}; SOCK={q(layout.socket)}; "
            f"HAP={q(layout.haproxy)}; IFACE={q(layout.interface)}\n"
            # Reading without sudo saves ~6 ms a call; sudo only when needed.
            "readable() { if [ -r \"$1\" ]; then cat \"$1\"; else $S cat \"$1\"; fi; }\n"
            # The pid of the process answering on the stats socket, or nothing:
            # a socket file left behind by a killed HAProxy answers nobody.
            "answering() { printf 'show info\\n' | $S socat -t 5 stdio "
            "\"unix-connect:$SOCK\" 2>/dev/null | sed -n 's/^Pid: //p'; }\n"
            # Pids from the pid file that are still HAProxy processes: a dead
            # one's pid may belong to something else by now, never signal it.
            # A zombie (killed, not reaped yet) runs nothing either.
            "running_pids() { for p in $(readable \"$PIDF\" 2>/dev/null); do "
            "grep -qs haproxy \"/proc/$p/comm\" && "
            "! grep -qs '^State:[[:space:]]*[ZX]' \"/proc/$p/status\" && "
            "printf '%s ' \"$p\"; done; }\n")


def _sha_check(expected_sha):
    return (f"want={shlex.quote(expected_sha or '')}\n"
            "have=$( ( [ -e \"$CFG\" ] && readable \"$CFG\" ) | sha256sum | cut -d' ' -f1)\n"
            f"if [ \"$have\" != \"$want\" ]; then echo '{TAG} drift'; "
            f"[ -e \"$CFG\" ] && readable \"$CFG\"; exit {DRIFT}; fi\n")


def fetch_script(layout):
    """Print the live config (empty when the file does not exist yet)."""
    return _vars(layout) + "if [ -e \"$CFG\" ]; then readable \"$CFG\"; fi\n"


def same_script(layout, expected_sha):
    """Exit 0 when the live file still has ``expected_sha``; else print it."""
    return (_vars(layout) + _sha_check(expected_sha) + f"echo '{TAG} same'\n"
            f"echo '{TAG} answering' \"$(answering)\"\n")


def _reload_line(layout, seamless):
    """Reload when a process runs; start afresh when none answers on the
    socket and no HAProxy of the pid file is alive (killed, crashed): ``-x``
    against a stale socket file would make every reload fail, and a dead
    pid may belong to another process by now."""
    q = shlex.quote
    if layout.start_command:
        start = f"out=$(sh -c {q(layout.start_command)} 2>&1); rc=$?\n"
    elif layout.reload_command:
        start = f"out=$(sh -c {q(layout.reload_command)} 2>&1); rc=$?\n"
    else:
        start = "out=$($S \"$HAP\" -D -f \"$CFG\" -p \"$PIDF\" 2>&1); rc=$?\n"
    if layout.reload_command:
        reload = f"out=$(sh -c {q(layout.reload_command)} 2>&1); rc=$?\n"
    else:
        socket = "[ -n \"$BEFORE\" ] && X=\"-x $SOCK\"\n" if seamless else ""
        reload = ("X=''\n" + socket +
                  "out=$($S \"$HAP\" -D -f \"$CFG\" -p \"$PIDF\" $X ${OLD:+-sf $OLD} 2>&1); "
                  "rc=$?\n")
    return ("BEFORE=$(answering)\n"
            f"echo '{TAG} before' $BEFORE\n"
            # Nothing answers and no HAProxy of the pid file runs: start.  A
            # process that runs but does not answer is reloaded (no -x).
            f"if [ -z \"$BEFORE\" ] && [ -z \"$OLD\" ]; then echo '{TAG} started'\n" + start +
            "else\n" + reload + "fi\n")


_ASKED = ("show info", "show backend")


def deploy_script(layout, expected_sha, seamless, add_vips=(), remove_vips=(), verify=()):
    """Validate, back up, swap and reload; print the new process's ``show
    info`` and ``show backend`` so the driver can verify it.  Any failure
    after the swap puts ``.bak`` back; HAProxy keeps the old process serving
    when the new one cannot start, so the device is never left dark."""
    lines = [_vars(layout), _box_lock(), "ADDED=''\n"]
    if expected_sha is not None:
        lines.append(_sha_check(expected_sha))
    lines.append(
        f"$S tee \"$NEW\" >/dev/null || {{ echo '{TAG} stage write'; exit {WRITE_FAILED}; }}\n"
        "out=$($S \"$HAP\" -c -f \"$NEW\" 2>&1); rc=$?\n"
        f"if [ $rc -ne 0 ]; then $S rm -f \"$NEW\"; echo '{TAG} stage check'; "
        f"printf '%s\\n' \"$out\"; exit {CHECK_FAILED}; fi\n"
        "undo_vips() { for a in $ADDED; do $S ip addr del \"$a\" dev \"$IFACE\"; done; }\n")
    for cidr in add_vips:
        quoted = shlex.quote(cidr)
        lines.append(
            f"if ! $S ip -o addr show dev \"$IFACE\" | grep -qF \" {cidr} \"; then "
            f"if eout=$($S ip addr add {quoted} dev \"$IFACE\" 2>&1); then "
            f"ADDED=\"$ADDED {quoted}\"; "
            f"echo '{TAG} added {cidr}'; else $S rm -f \"$NEW\"; undo_vips; "
            f"echo '{TAG} stage vip'; printf '%s\\n' \"$eout\"; exit {VIP_FAILED}; fi; fi\n")
    lines.append(
        "[ -e \"$CFG\" ] && $S cp -p \"$CFG\" \"$BAK\"\n"
        "$S mv -f \"$NEW\" \"$CFG\"\n"
        "OLD=$(running_pids)\n"
        f"echo '{TAG} oldpid' $OLD\n")
    lines.append(_reload_line(layout, seamless))
    lines.append(
        "if [ $rc -ne 0 ]; then [ -e \"$BAK\" ] && $S cp -p \"$BAK\" \"$CFG\"; undo_vips; "
        f"echo '{TAG} stage reload'; printf '%s\\n' \"$out\"; exit {RELOAD_FAILED}; fi\n"
        "NEWPID=$(readable \"$PIDF\" 2>/dev/null | tr '\\n' ' ')\n"
        f"echo '{TAG} newpid' $NEWPID\n"
        f"for p in $NEWPID; do [ -d \"/proc/$p\" ] && echo '{TAG} alive' \"$p\"; done\n"
        # With -x the old and new processes share the stats socket until the
        # old one lets go of it: ask again (up to ~2 s) until the new answers.
        "for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do\n"
        "  pid=$(answering)\n"
        "  [ -n \"$pid\" ] && case \" $NEWPID \" in *\" $pid \"*) break ;; esac\n"
        # master-worker: the pid file names the master, the socket a worker
        "  [ -n \"$pid\" ] && [ -n \"$BEFORE\" ] && [ \"$pid\" != \"$BEFORE\" ] && break\n"
        "  [ -z \"$NEWPID\" ] && break; sleep 0.1\n"
        "done\n"
        # What the process now serves: its backends, and the servers and
        # frontends the driver asks about (``serving.question``).
        f"rt=$(printf '%s\\n' {shlex.quote(';'.join(_ASKED + tuple(verify)))}"
        " | $S socat -t 5 stdio \"unix-connect:$SOCK\" 2>&1)\n"
        f"echo '{TAG} runtime'\n"
        "printf '%s\\n' \"$rt\"\n"
        f"echo '{TAG} end-runtime'\n")
    for cidr in remove_vips:
        lines.append(f"$S ip addr del {shlex.quote(cidr)} dev \"$IFACE\" 2>/dev/null "
                     f"&& echo '{TAG} removed {cidr}'\n")
    lines.append(f"echo '{TAG} done'\n")
    return "".join(lines)


def rollback_script(layout, seamless):
    """Put ``.bak`` back and reload it: used when the new process started
    but the runtime check says it is not serving what we asked for."""
    return (_vars(layout) + _box_lock() + "[ -e \"$BAK\" ] || exit 1\n$S cp -p \"$BAK\" \"$CFG\"\n"
            "OLD=$(running_pids)\n"
            + _reload_line(layout, seamless) + "printf '%s\\n' \"$out\"; exit $rc\n")


def runtime_command(layout):
    """A socat call that sends its stdin to the stats socket."""
    return f"{layout.sudo}socat -t 5 stdio {shlex.quote('unix-connect:' + layout.socket)}"


def info_script(layout):
    return (_vars(layout) + "$S \"$HAP\" -v 2>&1 | head -1\n"
            f"echo '{TAG} runtime'\n"
            "printf 'show info\\n' | $S socat -t 5 stdio \"unix-connect:$SOCK\" 2>&1\n"
            f"echo '{TAG} end-runtime'\n")


def parse(output):
    """Split a script's output into tagged facts and the other text.

    Returns (facts, text, runtime): ``facts`` maps a tag key to a list of
    values, ``runtime`` is what the stats socket answered, ``text`` the rest
    (HAProxy's messages, or the live config after a ``drift``)."""
    facts, text, runtime, in_runtime = {}, [], [], False
    for line in output.splitlines(keepends=True):
        if line.startswith(TAG + " "):
            key, _, value = line[len(TAG) + 1:].strip().partition(" ")
            in_runtime = key == "runtime"
            facts.setdefault(key, []).append(value.strip())
            continue
        (runtime if in_runtime else text).append(line)
    return facts, "".join(text), "".join(runtime)
