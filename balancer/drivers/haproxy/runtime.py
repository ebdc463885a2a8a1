"""HAProxy's runtime API (the stats socket), reached through the transport.

Node condition and weight changes go here first because they take effect at
once and without a reload (no new process, no soft-stop of the old one); the
next deploy writes the same state into the config so it survives reloads.
``show stat`` and ``show info`` feed node status and device info.
"""

import csv
import dataclasses
import io

from balancer.drivers.base import DriverError
from balancer.drivers.haproxy import remote

#: ``show stat`` status words -> the API's node status.  "UP 1/3" is a node
#: still up while failing checks; "DOWN 1/2" one still down while recovering.
_STATUS = (("MAINT", "MAINT"), ("DRAIN", "DRAIN"), ("NOLB", "DRAIN"), ("DOWN", "DOWN"),
           ("UP", "UP"), ("NO CHECK", "UP"))


def node_status_word(status, weight=None):
    text = (status or "").upper()
    for prefix, word in _STATUS:
        if text.startswith(prefix):
            if word == "UP" and weight == "0":
                return "DRAIN"    # weight 0 is how a DRAINING node is written in the config
            return word
    return "DOWN"


def condition_commands(backend, server, condition, weight):
    """CLI commands that give ``backend/server`` the node's condition, with
    the weight the config file has for it (0 while DRAINING, as rendered),
    so that runtime and file agree (``dynamic.agreement``)."""
    target = f"{backend}/{server}"
    condition = (condition or "ENABLED").upper()
    weight = 0 if condition == "DRAINING" else int(weight)
    state = {"DISABLED": "maint", "DRAINING": "drain"}.get(condition, "ready")
    return [f"set weight {target} {weight}", f"set server {target} state {state}"]


def parse_info(text):
    info = {}
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if sep:
            info[key.strip()] = value.strip()
    return info


def parse_stat(text):
    """``show stat`` CSV -> list of dicts keyed by column name."""
    lines = text.splitlines()
    if not lines or not lines[0].startswith("# "):
        return []
    body = "\n".join([lines[0][2:]] + [line for line in lines[1:] if line.strip()])
    return list(csv.DictReader(io.StringIO(body)))


def stat_rows(answer):
    """The ``show stat`` rows of an answer to several commands (each
    command's output ends with a blank line; a stat one starts "# pxname,")."""
    rows, block = [], None
    for line in answer.splitlines() + [""]:
        if line.startswith("# pxname,"):
            block = [line]
        elif block is not None and line.strip():
            block.append(line)
        elif block is not None:
            rows += parse_stat("\n".join(block))
            block = None
    return rows


def node_statuses(rows, backend):
    """server name -> the API's node status, for ``backend``'s servers."""
    return {row["svname"]: node_status_word(row.get("status"), row.get("weight"))
            for row in rows
            if row.get("pxname") == backend and row.get("svname") not in ("FRONTEND", "BACKEND")}


@dataclasses.dataclass
class Served:
    """What a process says it serves: ``show info`` facts, backend names,
    servers per backend (name -> (address, port)) and frontend names."""
    info: dict
    backends: set
    servers: dict
    frontends: set


def parse_serving(answer):
    """Read the answer to ``show info;show backend;show servers state ...;
    show stat ... 1 -1`` (the commands of ``serving.question``).  Each
    command's output ends with a blank line; its header line says which it is."""
    served = Served({}, set(), {}, set())
    kind = "info"
    for line in answer.splitlines():
        if not line.strip():
            kind = None
            continue
        if line.startswith("# name"):
            kind = "backends"
        elif line.startswith("# be_id"):
            kind = "servers"
        elif line.startswith("# pxname,"):
            kind = "stat"
        elif kind == "info":
            key, sep, value = line.partition(":")
            if sep:
                served.info[key.strip()] = value.strip()
        elif kind == "backends":
            served.backends.add(line.strip())
        elif kind == "servers":
            words = line.split()
            if len(words) > 18:          # be_id be_name srv_id srv_name srv_addr ... srv_port
                served.servers.setdefault(words[1], {})[words[3]] = (words[4], words[18])
        elif kind == "stat":
            fields = line.split(",")
            if len(fields) > 1 and fields[1] == "FRONTEND":
                served.frontends.add(fields[0])
    return served


class Runtime:
    """Stats socket commands; ``transport.run`` does the remote part."""

    def __init__(self, transport, layout):
        self.transport = transport
        self.layout = layout

    def ask(self, *commands):
        """Send ``commands`` (joined by ``;``) and return HAProxy's answer."""
        payload = ("; ".join(commands) + "\n").encode()
        result = self.transport.run(remote.runtime_command(self.layout), stdin=payload)
        answer = result.stdout.decode("utf-8", "replace")
        if result.status != 0:
            why = (result.stderr or result.stdout).decode("utf-8", "replace").strip()
            raise DriverError("the device's runtime API did not answer",
                              operator_fault_string=f"stats socket {self.layout.socket}: {why}")
        return answer

    def set_condition(self, backend, server, condition, weight):
        answer = self.ask(*condition_commands(backend, server, condition, weight)).strip()
        if answer:       # the CLI is silent on success, it only ever explains refusals
            raise DriverError(f"HAProxy refused the change of node {server}",
                              operator_fault_string=f"HAProxy refused the change of "
                                                    f"{backend}/{server}: {answer}")

    def stats(self, proxy=None):
        """``show stat`` rows; of one proxy's servers only when ``proxy`` is
        given (one backend's lines, not the whole device's)."""
        return parse_stat(self.ask("show stat %s 4 -1" % proxy if proxy else "show stat"))

    def node_status(self, backend):
        return node_statuses(self.stats(backend), backend)

    def info(self):
        return parse_info(self.ask("show info"))
