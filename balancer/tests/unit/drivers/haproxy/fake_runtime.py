"""The running process of ``FakeDevice``: what it loaded and its servers.

Its servers start from the server lines of the config it loaded and change
with the runtime API commands the driver sends (``add server``, ``del
server``, ``set weight``, ``set server ... state|addr``, ``set maxconn
server``, ``enable health``), answering with HAProxy 2.6's words.
``show servers state`` rows carry the columns the driver reads (name,
address, admin state, weight, check state, port).
"""

import re

MAINT, DRAIN = 0x01, 0x08
CHECK_CONFIGURED, CHECK_ENABLED = 0x02, 0x04


class FakeProcess:
    def __init__(self, text):
        self.refuse = ()          # command words HAProxy refuses, e.g. ("del server",)
        self.load(text)

    def load(self, text):
        """A (re)start with ``text`` (None: no process)."""
        self.text = text
        self.servers = {}        # backend -> {name: dict}, in order
        backend = None
        for line in (text or "").splitlines():
            words = line.split()
            if words[:1] == ["backend"]:
                backend = words[1]
                self.servers[backend] = {}
            elif words[:1] == ["server"] and backend:
                self.servers[backend][words[1]] = _server(words[2], words[3:])

    def run(self, command):
        for refused in self.refuse:
            if command.startswith(refused):
                return "Server still has connections attached to it, cannot remove it.\n\n"
        words = command.split()
        if command == "show backend":
            return "# name\n" + "".join(b + "\n" for b in self.servers) + "\n"
        if words[:3] == ["show", "servers", "state"]:
            return self._state(words[3] if len(words) > 3 else None)
        if words[:2] == ["show", "stat"] and words[3:4] == ["4"]:
            return self._server_stat(words[2])
        if words[:2] == ["show", "stat"]:
            names = re.findall(r"^frontend (\S+)$", self.text or "", re.M)
            if words[2] != "-1":
                names = [n for n in names if n == words[2]]
            return ("# pxname,svname,status\n" + "".join(f"{n},FRONTEND,OPEN\n" for n in names)
                    + "\n")
        return self._change(words) + "\n"

    def _state(self, only):
        rows = []
        for be_id, (backend, servers) in enumerate(self.servers.items(), start=3):
            if only is not None and backend != only:
                continue
            for sid, (name, s) in enumerate(servers.items(), start=1):
                rows.append(f"{be_id} {backend} {sid} {name} {s['addr']} 2 {s['admin']} "
                            f"{s['weight']} {s['weight']} 0 1 0 2 {s['check']} 0 0 0 - "
                            f"{s['port']} - 0 0 - - 0\n")
        return "1\n# be_id be_name srv_id srv_name srv_addr\n" + "".join(rows) + "\n"

    def _server_stat(self, backend):
        """``show stat <backend> 4 -1``: its servers' status and weight,
        the words HAProxy uses (a server without a check is "no check")."""
        rows = []
        for name, s in self.servers.get(backend, {}).items():
            status = ("MAINT" if s["admin"] & MAINT else "DRAIN" if s["admin"] & DRAIN
                      else "UP" if s["check"] & CHECK_ENABLED else "no check")
            rows.append(f"{backend},{name},{status},{s['weight']}\n")
        return "# pxname,svname,status,weight\n" + "".join(rows) + "\n"

    def _find(self, target):
        backend, _, name = target.partition("/")
        return self.servers.get(backend, {}).get(name)

    def _change(self, words):
        if words[:2] == ["add", "server"]:
            backend, _, name = words[2].partition("/")
            if backend not in self.servers or name in self.servers[backend]:
                return "No such backend." if backend not in self.servers else "Already exists."
            if "cookie" in words:
                return "'cookie' option is not accepted for dynamic server"
            server = _server(words[3], words[4:])
            server["admin"] |= MAINT
            server["check"] &= ~CHECK_ENABLED
            self.servers[backend][name] = server
            return "New server registered."
        server = self._find(words[-1] if words[:2] in (["enable", "health"], ["del", "server"])
                            or words[:3] == ["shutdown", "sessions", "server"]
                            else words[2] if len(words) > 2 else "")
        if server is None:
            return "No such server."
        if words[:2] == ["enable", "health"]:
            server["check"] |= CHECK_ENABLED
        elif words[:2] == ["del", "server"]:
            if not server["admin"] & MAINT:
                return "Only servers in maintenance mode can be deleted."
            backend, _, name = words[2].partition("/")
            del self.servers[backend][name]
            return "Server deleted."
        elif words[:2] == ["set", "weight"]:
            server["weight"] = int(words[3])
        elif words[:2] == ["set", "maxconn"]:
            server["maxconn"] = int(words[4])
        elif words[:2] == ["set", "server"] and words[3] == "state":
            server["admin"] = {"ready": 0, "drain": DRAIN, "maint": MAINT}[words[4]]
        elif words[:2] == ["set", "server"] and words[3] == "addr":
            server["addr"], server["port"] = words[4], int(words[6])
            return "IP changed from '...' to '%s' by 'stats socket command'" % words[4]
        elif words[:3] != ["shutdown", "sessions", "server"]:
            return "Unknown command."
        return ""


def _server(where, words):
    host, _, port = where.rpartition(":")
    weight = int(words[words.index("weight") + 1]) if "weight" in words else 1
    check = CHECK_CONFIGURED | CHECK_ENABLED if "check" in words else 0
    return {"addr": host.strip("[]"), "port": int(port), "weight": weight,
            "admin": MAINT | 0x04 if "disabled" in words else 0, "check": check,
            "maxconn": int(words[words.index("maxconn") + 1]) if "maxconn" in words else 0}
