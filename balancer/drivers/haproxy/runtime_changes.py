"""The driver's runtime path: server changes without a reload.

``RuntimeChanges`` is the part of ``HaproxyDriver`` (balancer/drivers/haproxy/
driver.py) that turns a change of nodes into HAProxy runtime API commands
and a file edit sent in one call (``dynamic.plan``, ``balancer.sh servers``),
checks what the process then serves, and after a reload sets again what the
saved server state brought back against the new file.
"""

import time

from balancer.drivers.haproxy import dynamic, remote, runtime

#: How long the node statuses read in a runtime change's own round trip
#: stand for a live read: the request that made the change answers with its
#: nodes' ``operatingStatus`` right after (balancer.core.members.Members.update)
#: and need not ask the device a second time.  Each is used once.
JUST_READ_FOR = 1.0


class RuntimeChanges:
    """Mixed into ``HaproxyDriver``; uses its ``layout``, ``runtime_changes``,
    ``_verified``, ``_version``, ``_live``, ``_pair``, ``_run``, ``_render``,
    ``_adopt``, ``_observe`` and ``_runtime``; keeps ``_just_read`` (set
    in ``HaproxyDriver.__init__``) and ``_last_sha``."""

    _last_sha = (None, None)  # (text, its sha256): the file a change left is the next one's

    def _text_sha(self, text):
        if self._last_sha[0] is not text:
            self._last_sha = (text, remote.text_sha(text))
        return self._last_sha[1]

    def _statuses_just_read(self, backend):
        """The node statuses of ``backend`` as the last runtime change read
        them, if that was within ``JUST_READ_FOR``; else None (ask)."""
        seen = self._just_read.pop(backend, None)
        if seen is not None and time.monotonic() - seen[0] <= JUST_READ_FOR:
            return seen[1]
        return None

    def _runtime_change(self, live, lbs, timings):
        """Apply a change of servers through the runtime API and the same
        edit to the file, in one call, without a reload (``dynamic``).
        True when done; else why a reload is needed ("" when there is
        nothing to say: no change, or nothing verified to change from)."""
        if not self.runtime_changes or not self._verified:
            return ""
        plan = dynamic.plan(live, self._verified[1], lbs, self.layout.state_dir, self.tls.dir)
        if plan == dynamic.NOTHING:
            return ""
        if isinstance(plan, str):
            return plan
        if self._pair is not None and plan.text != self._render(live, lbs):
            # a paired box's file also has the pair's sections (peers.py):
            # splicing load balancers must still give exactly its render
            return "the pair's sections of the file change with this change"
        if self._version is None or self._version < dynamic.MIN_VERSION:
            return ("HAProxy %s cannot add servers with health checks at runtime (%d.%d or "
                    "later can)" % (".".join(map(str, self._version or ())) or "of unknown version",
                                    *dynamic.MIN_VERSION))
        report = (["show servers state " + backend for backend in plan.expected]
                  + ["show stat %s 4 -1" % backend for backend in plan.expected])
        began = time.monotonic()
        script = remote.servers_script(self.layout, self._text_sha(live),
                                       self._text_sha(plan.text),
                                       ["show info"] + plan.commands, plan.deletes, report)
        status, out, _err = self._run(
            script,
            stdin=remote.edits_text(plan.edits).encode(*remote.ENCODING))
        timings["runtime"] = time.monotonic() - began
        facts, text, answer = remote.parse(out)
        if status == remote.DRIFT:
            self._live = self._adopt(text)
            return "the device's configuration changed meanwhile"
        if "written" in facts:
            self._live = plan.text
        pid, served_by = runtime.parse_info(answer).get("Pid"), self._verified[0]
        problems = dynamic.agreement(plan.expected, dynamic.parse_servers_state(answer))
        if status == 0 and pid == served_by and not problems:
            self._verified = (pid, {lb.id: lb for lb in lbs})
            rows, now = runtime.stat_rows(answer), time.monotonic()
            self._just_read = {backend: (now, runtime.node_statuses(rows, backend))
                               for backend in plan.expected}
            self._last_deployed = list(lbs)
            self._observe(True, True)
            return True
        self._verified = None               # the next step reloads, whatever it finds
        if status != 0:
            return "the runtime change stopped (exit %s): %s" % (status, text.strip()[:300])
        if pid != served_by:
            return "another HAProxy process (%s, not %s) answered the runtime change" % (
                pid, served_by)
        return "HAProxy did not take the change at runtime: " + "; ".join(problems[:3])

    def _converge(self, lbs, asked, answer):
        """Undo what the saved server state brought back against the new
        file (``dynamic.corrections``), so runtime and file agree."""
        looked_at = [lb for lb in lbs if asked.lb_ids is None or lb.id in asked.lb_ids]
        fixes = dynamic.corrections(looked_at, dynamic.parse_servers_state(answer))
        if fixes:
            self._runtime().ask(*fixes)

    def _learn_version(self, answer):
        found = dynamic.version_of(runtime.parse_info(answer).get("Version", ""))
        self._version = found or self._version
