"""A device's registration keys -> where things live on it (``remote.Layout``).

The keys are listed in doc/source/drivers.rst ("Device keys").  Paths that
end up in the rendered configuration (the server state directory) must be
plain absolute paths: they are an operator's setting, but HAProxy would
parse a space or a ``#`` in them as the end of the word.
"""

import os
import re

from balancer.drivers.haproxy import remote

_PLAIN_PATH = re.compile(r"^/[A-Za-z0-9_./-]+$")
_MASTER_WORKER = {"1": "1", "true": "1", "yes": "1", "on": "1", "0": "0", "false": "0",
                  "no": "0", "off": "0", "auto": "auto", "": "auto"}


def _whole_script_sudo(extra):
    return str(extra.get("sudo_mode") or "").strip().lower() == "script"


def state_dir(extra, config):
    """Where server state is saved before a reload: ``server_state_dir``,
    default a ``balancer-state`` directory beside the config file; "none"
    (or a path that is not plain) turns it off."""
    chosen = str(extra.get("server_state_dir") or "").strip()
    if chosen.lower() == "none":
        return ""
    chosen = chosen or os.path.join(os.path.dirname(config) or "/", "balancer-state")
    return chosen.rstrip("/") if _PLAIN_PATH.match(chosen) else ""


def master_worker(extra):
    """``master_worker``: 1 (HAProxy runs with -W/-Ws: reload through the
    master), 0 (``-sf``/``-x`` reloads), auto (default: the running
    process's command line decides)."""
    return _MASTER_WORKER.get(str(extra.get("master_worker") or "").strip().lower(), "auto")


def truthy(value):
    """A device flag in ``extra`` (``1``, ``true``, ``yes``, ``on``) as a bool."""
    return str(value).strip().lower() in ("1", "true", "yes", "on")


def from_device(device):
    extra = device.extra or {}
    user = device.user or "root"
    config = extra.get("remote_config_path") or remote.Layout.config
    whole = user != "root" and _whole_script_sudo(extra)
    return remote.Layout(
        config=config,
        pid_file=extra.get("pid_file") or remote.Layout.pid_file,
        socket=extra.get("socket") or remote.Layout.socket,
        haproxy=extra.get("haproxy_bin") or remote.Layout.haproxy,
        reload_command=extra.get("reload_command") or "",
        start_command=extra.get("start_command") or "",
        interface=extra.get("interface") or remote.Layout.interface,
        # sudo_mode "script": one ``sudo -n sh`` per script instead of one
        # sudo per step (~5 ms each); needs sh in the device's sudoers.
        sudo="" if user == "root" or whole else "sudo -n ",
        sudo_script=whole,
        state_dir=state_dir(extra, config),
        master_worker=master_worker(extra),
        master_socket=str(extra.get("master_socket") or ""),
        stage_times=truthy(extra.get("deploy_stage_times", "0")))
