"""How the driver runs ``scripts/balancer.sh`` on a device, one SSH exec each.

The script is a real file shipped with the package (read it for what each
subcommand does; shellcheck checks it, see
balancer/tests/unit/drivers/haproxy/test_remote_shellcheck.py).  One call per
step costs one round trip (~0.04 s), and a whole deploy (drift check, write,
``haproxy -c``, backup, swap, reload, VIP addresses, runtime check) fits in
one, with the new config on stdin.  Its parameters are ``BALANCER_*``
variables set in front of the script's text (``sh -c '<assignments><script>'
balancer.sh <subcommand>``), so nothing of the script is generated.  It
answers with ``@@balancer <key> <value>`` lines that ``parse`` turns into a
dict; everything else is HAProxy's text.
"""

import dataclasses
import functools
import hashlib
import pathlib
import shlex

TAG = "@@balancer"
SCRIPT_NAME = "balancer.sh"
SCRIPT_PATH = pathlib.Path(__file__).with_name("scripts") / SCRIPT_NAME

# Exit codes the driver understands (the script's own names for them).
DRIFT, WRITE_FAILED, CHECK_FAILED, VIP_FAILED, RELOAD_FAILED, LOCKED = 3, 4, 5, 6, 7, 8
EDIT_FAILED = 9
#: configs cross the wire byte for byte, whatever their encoding
ENCODING = ("utf-8", "surrogateescape")
# How long a script waits on the box for another one (LOCK_WAIT in the script).
BOX_LOCK_WAIT = 60


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
    sudo: str = ""                         # "sudo -n " or "": per privileged step
    sudo_script: bool = False              # the whole script under one ``sudo -n sh``
    state_dir: str = ""                    # server state files ("" : none)
    master_worker: str = "auto"            # "1", "0" or "auto" (look at the process)
    master_socket: str = ""                # the master CLI socket (-S)
    stage_times: bool = False              # the deploy reports when each stage ended


@functools.lru_cache(maxsize=1)
def script_text():
    """The shipped script, read once (it never changes while we run)."""
    return SCRIPT_PATH.read_text()


def _layout_params(layout):
    return {"BALANCER_CONFIG": layout.config, "BALANCER_PID_FILE": layout.pid_file,
            "BALANCER_SOCKET": layout.socket, "BALANCER_HAPROXY": layout.haproxy,
            "BALANCER_SUDO": layout.sudo.strip(), "BALANCER_INTERFACE": layout.interface,
            "BALANCER_RELOAD_COMMAND": layout.reload_command,
            "BALANCER_START_COMMAND": layout.start_command,
            "BALANCER_STATE_DIR": layout.state_dir,
            "BALANCER_MASTER_WORKER": layout.master_worker,
            "BALANCER_MASTER_SOCKET": layout.master_socket,
            "BALANCER_STAGE_TIMES": "1" if layout.stage_times else None,
            "BALANCER_LOCK": lock_path(layout)}


def lock_path(layout):
    """The box lock of one config file (``box_lock`` in the script), named
    here rather than on the device: three processes fewer for every call.
    Per user that runs the script (the SSH user, or root under sudo)."""
    return "/tmp/balancer-%s-%s.lock" % ("user" if layout.sudo else "root",
                                         hashlib.sha256(layout.config.encode()).hexdigest()[:16])


def invocation(layout, subcommand, **params):
    """The command line that runs ``balancer.sh <subcommand>`` with the
    layout's and ``params``' variables (None values are left unset)."""
    values = _layout_params(layout)
    values.update(params)
    prelude = "".join(f"{name}={shlex.quote(str(value))}\n"
                      for name, value in values.items() if value is not None)
    prefix = "sudo -n " if layout.sudo_script else ""
    return (f"{prefix}sh -c {shlex.quote(prelude + script_text())} "
            f"{SCRIPT_NAME} {subcommand}")


def parse_invocation(command):
    """(subcommand, {variable: value}) of a command made by ``invocation``:
    what a fake device needs to play the script by its parameters."""
    argv = shlex.split(command)
    at = argv.index("-c")
    body, subcommand = argv[at + 1], argv[at + 3]
    prelude = body[:body.index(script_text())]
    params = dict(token.split("=", 1) for token in shlex.split(prelude))
    return subcommand, params


def fetch_script(layout):
    """Print the live config (empty when the file does not exist yet)."""
    return invocation(layout, "fetch")


def same_script(layout, expected_sha):
    """Exit 0 when the live file still has ``expected_sha``; else print it."""
    return invocation(layout, "same", BALANCER_WANT_SHA=expected_sha or "")


def deploy_script(layout, expected_sha, seamless, add_vips=(), remove_vips=(), verify=()):
    """Validate, back up, swap and reload; print the new process's ``show
    info`` and ``show backend`` and the answers to ``verify``.  Any failure
    after the swap puts ``.bak`` back; HAProxy keeps the old process serving
    when the new one cannot start, so the device is never left dark."""
    return invocation(layout, "deploy", BALANCER_WANT_SHA=expected_sha,
                      BALANCER_SEAMLESS="1" if seamless else "0",
                      BALANCER_ADD_VIPS=" ".join(add_vips),
                      BALANCER_DEL_VIPS=" ".join(remove_vips),
                      BALANCER_VERIFY=";".join(verify))


def rollback_script(layout, seamless):
    """Put ``.bak`` back and reload it: used when the new process started
    but the runtime check says it is not serving what we asked for."""
    return invocation(layout, "rollback", BALANCER_SEAMLESS="1" if seamless else "0")


def servers_script(layout, expected_sha, new_sha, commands, deletes=(), report=()):
    """Send ``commands`` to the stats socket, delete the servers ``deletes``
    once drained, send ``report`` (what the driver reads back), then apply
    the edits on stdin (``edits_text``) to the live file, which must end up
    with ``new_sha``."""
    return invocation(layout, "servers", BALANCER_WANT_SHA=expected_sha,
                      BALANCER_NEW_SHA=new_sha, BALANCER_RUNTIME=";".join(commands),
                      BALANCER_DELETE=";".join(deletes) or None,
                      BALANCER_REPORT=";".join(report) or None)


def info_script(layout):
    return invocation(layout, "info")


def edits_text(edits):
    """stdin of ``servers``: ``(first, last, lines)`` replace lines
    first..last (1-based) of the live file, in file order."""
    parts = []
    for first, last, lines in edits:
        parts.append(f"@@ {first} {last} {len(lines)}\n")
        parts.extend(line + "\n" for line in lines)
    return "".join(parts)


def runtime_command(layout):
    """A socat call that sends its stdin to the stats socket (with sudo in
    either sudo mode: the socket is HAProxy's, usually root's, mode 600)."""
    sudo = layout.sudo or ("sudo -n " if layout.sudo_script else "")
    return f"{sudo}socat -t 5 stdio {shlex.quote('unix-connect:' + layout.socket)}"


def text_sha(text):
    """The sha256 the script compares a file with (``BALANCER_WANT_SHA``)."""
    return hashlib.sha256(text.encode(*ENCODING)).hexdigest()


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


def stage_seconds(facts):
    """{stage: seconds it took} from a deploy's ``at <stage> <ns>`` lines
    (``mark`` in the script, with ``stage_times``): each stage from the end
    of the one before; empty without them."""
    marks = []
    for value in facts.get("at", ()):
        stage, _, ns = value.partition(" ")
        if ns.isdigit():
            marks.append((stage, int(ns)))
    return {stage: (ns - marks[i][1]) / 1e9
            for i, (stage, ns) in enumerate(marks[1:])}

