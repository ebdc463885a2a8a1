"""The HAProxy driver: render -> one remote script -> verify, or roll back.

A deploy over a warm connection costs one round trip plus HAProxy's own
check and reload: the driver remembers the config it last wrote (and its
sha256), sends the new text on stdin together with that checksum, and the
device refuses (``drift``, returning its real file) when someone changed the
file meanwhile; the driver then re-renders from what is really there.  When
the rendered text equals the remembered one, only the checksum is compared
(one cheap round trip) and nothing is reloaded.
"""

import re
import time

from balancer.drivers import base
from balancer.drivers.haproxy import (
    faults,
    keepalived,
    layouts,
    maps,
    peers,
    probe,
    remote,
    render,
    runtime,
    runtime_changes,
    sections,
    serving,
    tls_files,
    transport,
    vip_hosts,
)
from balancer.drivers.haproxy import stats as haproxy_stats

ENCODING = remote.ENCODING                 # configs round-trip byte for byte
_OUR_NAME = re.compile(r"balancer-(?:vip|lb)-[A-Za-z0-9][A-Za-z0-9_.:-]*")


_sha = remote.text_sha


class HaproxyDriver(runtime_changes.RuntimeChanges, base.Driver):
    algorithms = maps.ALGORITHMS
    protocols = maps.PROTOCOLS
    supports_pairs = True

    def __init__(self, device, options=None, transport_factory=None):
        super().__init__(device, options)
        extra = device.extra or {}
        self.layout = layouts.from_device(device)
        self.requires_vip_ip = layouts.truthy(extra.get("requires_vip_ip", "0"))
        # runtime API first for server changes (dynamic.plan); 0 turns it off
        self.runtime_changes = layouts.truthy(extra.get("runtime_changes", "1"))
        # certificate files of HTTPS listeners (tls_files.py)
        self.tls = tls_files.TlsFiles(self.layout.config, self.layout.sudo,
                                      extra.get("tls_dir"))
        self._transport_factory = transport_factory or self._ssh_transport
        self._transport = None
        self._live = None             # the config text we believe is on the device
        self._bound = self._bound_next = None   # (config sha, VIP hosts it binds)
        self._foreign = None          # the operator's part of the device's config
        self._verified = None         # (pid, {lb id: record}) last seen served exactly
        self._observed = None         # base.Serving: what the process was seen serving
        self._last_deployed = None    # the records the device last served exactly
        self._version = None          # HAProxy's (major, minor), from show info
        self._pair = None             # base.Pair of the deploy running (deploy_pair)
        self._just_read = {}          # backend -> (monotonic time, node statuses) of the
        #                               last runtime change (runtime_changes.py)

    def _ssh_transport(self):
        device, opts = self.device, self.options
        return transport.SshTransport(
            device.ip, device.port or 22, device.user or "root", password=device.password,
            private_key=device.private_key, host_key=device.host_key,
            insecure=layouts.truthy((device.extra or {}).get("insecure_skip_host_key", "0")),
            connect_timeout=opts.get("ssh_connect_timeout"),
            command_timeout=opts.get("ssh_command_timeout"),
            keepalive=opts.get("ssh_keepalive", transport.DEFAULT_KEEPALIVE))

    @property
    def transport(self):
        if self._transport is None:
            self._transport = self._transport_factory()
        return self._transport

    def _run(self, script, stdin=None):
        try:
            result = self.transport.run(script, stdin=stdin)
        except transport.TransportError as err:
            self._live = None
            self._observe(None, None, detail=str(err))
            raise faults.unreachable(self.device, err) from err
        return result.status, result.stdout.decode(*ENCODING), result.stderr.decode(*ENCODING)

    # -- deploy -------------------------------------------------------------
    def deploy(self, lbs):
        if self._pair is not None:
            # unpaired since the last deploy: this box's keepalived lets go
            # of the pair's addresses before the box serves on its own
            self._apply_keepalived([], self._pair)
            self._pair = None
        return self._deploy_config(lbs)

    def deploy_pair(self, lbs, pair):
        """The pair's sections (``peers``), then keepalived (``keepalived``):
        only a box whose HAProxy deploy succeeded may hold the VIPs."""
        self._pair = pair
        result = self._deploy_config(lbs)
        began = time.monotonic()
        self._apply_keepalived(lbs, pair)
        result.timings["keepalived"] = time.monotonic() - began
        return result

    def _render(self, live, lbs):
        new = render.render(live, lbs, self.layout.state_dir, self.tls.dir)
        return new if self._pair is None else peers.with_peers(new, self._pair)

    def _apply_keepalived(self, lbs, pair):
        extra = self.device.extra or {}
        directory = keepalived.state_dir(extra)
        conf = keepalived.render(pair, lbs, self.layout, directory)
        script = keepalived.apply_script(self.layout, pair, lbs,
                                         extra.get("keepalived_bin") or "keepalived", directory)
        status, out, err = self._run(script, stdin=conf.encode())
        facts, text, _runtime = remote.parse(out)
        if status != 0 or "done" not in facts:
            stage = (facts.get("stage") or ["keepalived"])[0]
            raise faults.device_error(
                self.device, "the device could not install its VRRP configuration",
                "keepalived %s failed (exit %s) in %s: %s"
                % (stage, status, directory, (text + err).strip()))

    def vrrp_role(self):
        """The role the health probe reads (``probe``): FAULT when the
        box's keepalived is not running, whatever it last wrote."""
        found = self.probe()
        if not found.reachable:
            raise base.DriverError("the device could not be reached",
                                   operator_fault_string=found.error, device_fault=True)
        return found.vrrp_role

    def _deploy_config(self, lbs):
        started, timings = time.monotonic(), {}
        self._just_read = {}          # only a runtime change that succeeds reads them
        live, fresh = self._live, False
        fallback = ""
        if live is not None:
            done = self._runtime_change(live, lbs, timings)
            if done is True:
                return self._result(True, started, timings, runtime=True)
            fallback, live = done or "", self._live
            if live is None:
                live, fresh = self._fetch(), True
        else:
            live, fresh = self._fetch(), True
        for _attempt in range(3):
            new = self._render(live, lbs)
            if new == live and not fallback:
                pid = None                   # unknown until asked
                if not fresh:
                    status, out, err = self._run(remote.same_script(self.layout, _sha(live)))
                    if status == remote.DRIFT:
                        live, fresh = self._adopt(remote.parse(out)[1]), True
                        continue
                    self._check_status(status, out, err, lbs, new)
                    pid = (remote.parse(out)[0].get("answering") or [""])[0]
                    if pid and self._verified and self._verified[0] == pid:
                        self._observe(True, True)
                        return self._result(False, started, timings)
                if pid == "":
                    self._observe(False, False, detail="no HAProxy process answers on "
                                  f"{self.layout.socket}")
                elif self._process_serves(lbs):
                    return self._result(False, started, timings)
            # The file is right but the running process is not (dead, a deploy
            # cut off between swap and reload, a runtime change HAProxy did
            # not take): start or reload it.  If the file changed meanwhile (a
            # cut-off script that still held the box's lock put its backup
            # back), start over from it.
            drifted = self._push(live, new, lbs, timings)
            if drifted is None:
                return self._result(True, started, timings, reloaded=True, fallback=fallback)
            live, fresh = drifted, True
        raise faults.device_error(self.device, "the device's configuration kept changing "
                                  "during the deploy", "the config kept changing (3 drifts)")

    def _process_serves(self, lbs):
        """True when the running HAProxy serves exactly ``lbs``, server by
        server (``serving.problems``); asked when the driver cannot vouch
        for the process: a new driver, or a pid it did not verify."""
        asked = serving.question(lbs)
        try:
            answer = self._runtime().ask(*(("show info", "show backend") + asked.commands))
        except base.DriverError as err:
            if isinstance(err.__cause__, transport.TransportError):
                self._observe(None, None, detail=err.operator_fault_string)
                raise
            self._observe(False, False, detail=err.operator_fault_string)
            return False
        pid = runtime.parse_info(answer).get("Pid")
        if not pid:
            self._observe(False, False, detail="no HAProxy process answers")
            return False
        self._learn_version(answer)
        stale, why = serving.problems(lbs, asked, answer, self._operator_names())
        if why:
            self._observe(True, False, stale, why)
            return False
        self._verified = (pid, {lb.id: lb for lb in lbs})
        self._last_deployed = list(lbs)
        self._observe(True, True)
        return True

    def _observe(self, answering, current, stale=(), detail=""):
        self._observed = base.Serving(answering, current, tuple(stale), detail)

    def _operator_names(self):
        return sections.proxy_names(self._foreign or "")

    def _result(self, changed, started, timings, reloaded=False, runtime=False, fallback=""):
        timings["total"] = time.monotonic() - started
        return base.DeployResult(changed=changed, reloaded=reloaded, timings=timings,
                                 runtime=runtime, fallback=fallback)

    def _adopt(self, text):
        """Take ``text`` as the device's config as it really is now."""
        self._foreign = sections.foreign_text(text)
        return text

    def _fetch(self):
        status, out, err = self._run(remote.fetch_script(self.layout))
        if status != 0:
            raise faults.device_error(self.device, "could not read the device's configuration",
                                      f"cannot read {self.layout.config}: "
                                      f"{(err or out).strip()}")
        self._live = self._adopt(out)
        return out

    def _push(self, live, new, lbs, timings):
        """Run the deploy script; return the device's real config on drift,
        None on success, raise DriverError on failure."""
        self.tls.write_missing(self._run, lbs, self.device)
        add, remove = self._vip_changes(live, new, lbs)
        seamless = sections.stats_socket_exposes_listeners(new, self.layout.socket)
        asked = serving.question(lbs, serving.changed_since(
            self._verified[1] if self._verified else None, lbs))
        script = remote.deploy_script(self.layout, _sha(live), seamless, add, remove,
                                      asked.commands)
        began = time.monotonic()
        status, out, err = self._run(script, stdin=new.encode(*ENCODING))
        timings["remote"] = time.monotonic() - began
        facts, text, answer = remote.parse(out)
        timings.update(("remote " + stage, seconds)
                       for stage, seconds in remote.stage_seconds(facts).items())
        if status == remote.DRIFT:
            return self._adopt(text)
        if status == 0 or "started" in facts:
            self._verified = None          # another process may be serving now
        if status != 0 and "started" in facts:
            self._observe(False, False, detail="no HAProxy process runs and starting one "
                          f"failed (exit {status})")
        # Any other failure left the previous process serving, untouched.
        self._check_status(status, text + err, "", lbs, new)
        problem, stale = serving.after_reload(facts, answer, lbs, asked,
                                              self._operator_names())
        if problem:
            self._live = None
            self._observe(bool(runtime.parse_info(answer).get("Pid")), False, stale, problem)
            rb_status, rb_out, rb_err = self._run(remote.rollback_script(self.layout, seamless),
                                                  stdin=None)
            # Not any load balancer's fault: haproxy -c accepted them all.
            raise faults.not_serving(self.device, problem,
                                     f"rollback exit {rb_status}: {(rb_out + rb_err).strip()}")
        self._live = new
        self._bound = self._bound_next
        self._learn_version(answer)
        self._converge(lbs, asked, answer)
        self._verified = (runtime.parse_info(answer).get("Pid"), {lb.id: lb for lb in lbs})
        self._last_deployed = list(lbs)
        self._observe(True, True)
        self.tls.remove_unused(self._run, live, new)
        return None

    def _check_status(self, status, out, err, lbs, new):
        if status == 0:
            return
        self._live = None if status != remote.CHECK_FAILED else self._live
        raise faults.stage_failure(status, out + "\n" + err, new, lbs, self.device, self.layout)


    def _vip_changes(self, live, new, lbs):
        """(/32 or /128 addresses to add, to remove) for ``requires_vip_ip``.

        What we bind now comes from the records; what we bound before is
        remembered from the last deploy (the live text is parsed only when it
        is not the one we wrote): parsing megabytes of config twice per
        deploy was a quarter of a deploy's time at 5000 load balancers."""
        if not self.requires_vip_ip or self._pair is not None:
            return (), ()       # a pair's addresses are keepalived's
        after = vip_hosts.record_hosts(lbs)
        live_sha = _sha(live)
        before = (self._bound[1] if self._bound and self._bound[0] == live_sha
                  else vip_hosts.bound_hosts(live))
        self._bound_next = (_sha(new), after)
        keep = sections.foreign_binds(new)
        return (tuple(sorted(vip_hosts.cidr(h) for h in after)),
                tuple(sorted(vip_hosts.cidr(h) for h in before - after - keep)))

    # -- runtime ------------------------------------------------------------
    def _runtime(self):
        return runtime.Runtime(_Guarded(self), self.layout)

    def set_node_condition(self, lb, node):
        self._just_read = {}
        self._runtime().set_condition(sections.BACKEND_PREFIX + str(lb.id), str(node.id),
                                      node.condition, 0 if node.weight is None else node.weight)

    def node_status(self, lb):
        backend = sections.BACKEND_PREFIX + str(lb.id)
        statuses = self._statuses_just_read(backend)
        if statuses is None:
            statuses = self._runtime().node_status(backend)
        return {node.id: statuses[str(node.id)] for node in lb.nodes if str(node.id) in statuses}

    def stats(self, lbs):
        # one "show stat" of the whole device, whatever the number of LBs
        return haproxy_stats.load_balancer_stats(self._runtime().stats(), lbs)

    def info(self):
        try:
            _status, out, _err = self._run(remote.info_script(self.layout))
        except base.DriverError as err:
            return {"reachable": False, "error": err.operator_fault_string}
        _facts, version, answer = remote.parse(out)
        stats = runtime.parse_info(answer)
        self._learn_version(answer)
        self._observe_info(stats.get("Pid"))
        return {"reachable": True, "haproxy_version": stats.get("Version") or version.strip(),
                "pid": stats.get("Pid"), "uptime_sec": stats.get("Uptime_sec"),
                "release_date": stats.get("Release_date"), "process_num": stats.get("Process_num"),
                "current_connections": stats.get("CurrConns"), "config": self.layout.config}

    def probe(self):
        """One exec of ``scripts/probe.sh`` (balancer/drivers/haproxy/probe.py)
        over the warm connection: the stats socket and keepalived's state."""
        extra = self.device.extra or {}
        try:
            result = self.transport.run(probe.command(self.layout, extra,
                                                      self.layout.sudo_script))
        except transport.TransportError as err:
            return base.Probe(reachable=False,
                              error=faults.unreachable(self.device, err).operator_fault_string)
        return probe.parse(result.stdout.decode(*ENCODING), self.layout.socket)

    def _observe_info(self, pid):
        if not pid:
            self._observe(False, False, detail="no HAProxy process answers on "
                          f"{self.layout.socket}")
        elif self._verified and self._verified[0] == pid:
            self._observe(True, True)
        elif self._last_deployed is not None:
            self._process_serves(self._last_deployed)
        else:
            self._observe(True, None, detail="not yet compared with the database")

    def serving(self):
        return self._observed

    def reserved_endpoints(self):
        return tuple(base.Endpoint(*found)
                     for found in sections.operator_endpoints(self._foreign or ""))

    def learned_host_key(self):
        return getattr(self._transport, "learned_host_key", None)

    def close(self):
        if self._transport is not None:
            self._transport.close()
            self._transport = None


class _Guarded:
    """Gives ``Runtime`` the driver's transport with errors as DriverError."""

    def __init__(self, driver):
        self.driver = driver

    def run(self, command, stdin=None):
        try:
            return self.driver.transport.run(command, stdin=stdin)
        except transport.TransportError as err:
            raise faults.unreachable(self.driver.device, err) from err
