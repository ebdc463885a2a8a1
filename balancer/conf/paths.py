"""Where balancer looks for its files: config, the paste pipeline, samples.

A file named here is looked for in two data directories, in this order:

1. ``etc/`` of a source checkout, when the ``balancer`` package being run is
   the checkout's own (a ``setup.cfg`` sits beside the package);
2. the copy installed with the package, ``<prefix>/etc/balancer/``, where
   ``<prefix>`` is wherever pip put the distribution's data files (the
   virtualenv, ``/usr/local``, ``~/.local`` for ``--user``).  It is found
   through the distribution's record of installed files, so every install
   scheme works, with ``sysconfig``'s data path as the fallback.

Config files come first from oslo.config's usual search path; only when that
finds none is ``balancer-api.conf`` taken from the data directories.  The
operator's view of the same rules is in doc/source/install.rst.
"""

import importlib.metadata
import os
import sysconfig

from oslo_config import cfg

DISTRIBUTION = "balancer"
CONFIG_FILE = "balancer-api.conf"
PASTE_FILE = "balancer-api-paste.ini"
INSTALLED_SUBDIR = os.path.join("etc", "balancer")   # as in setup.cfg data_files


def checkout_etc():
    """``etc/`` of the source checkout this package is run from, or None."""
    top = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    etc = os.path.join(top, "etc")
    if os.path.isfile(os.path.join(top, "setup.cfg")) and os.path.isdir(etc):
        return etc
    return None


def installed_etc():
    """The directory the package's data files were installed to, or None."""
    try:
        files = importlib.metadata.distribution(DISTRIBUTION).files or []
    except importlib.metadata.PackageNotFoundError:
        files = []
    marker = INSTALLED_SUBDIR.replace(os.sep, "/") + "/" + PASTE_FILE
    for entry in files:
        if str(entry).replace(os.sep, "/").endswith(marker):
            located = os.path.normpath(str(entry.locate()))
            if os.path.isfile(located):
                return os.path.dirname(located)
    fallback = os.path.join(sysconfig.get_path("data"), INSTALLED_SUBDIR)
    return fallback if os.path.isdir(fallback) else None


def data_dirs():
    """Where :func:`data_file` looks, first match wins."""
    return [path for path in (checkout_etc(), installed_etc()) if path]


def data_file(name):
    """The path of ``name`` (e.g. ``"examples/createDeviceHAProxy"``) in the
    first data directory that has it; FileNotFoundError says where it looked."""
    dirs = data_dirs()
    for directory in dirs:
        path = os.path.join(directory, name)
        if os.path.exists(path):
            return path
    raise FileNotFoundError("balancer: %s is in none of: %s"
                            % (name, ", ".join(dirs) or "(no data directory found)"))


def default_config_files():
    """oslo.config's search path; failing that, the data directories'
    ``balancer-api.conf`` (the checkout's, else the installed one)."""
    found = cfg.find_config_files(project="balancer", prog="balancer-api")
    if found:
        return found
    for directory in data_dirs():
        path = os.path.join(directory, CONFIG_FILE)
        if os.path.isfile(path):
            return [path]
    return []


def paste_file(conf):
    """The paste ini to load: ``[paste_deploy] config_file``; a
    ``--config-file`` that is itself a paste file (``--config-file
    etc/balancer-api-paste.ini``, the original's command line); one beside the
    last config file; else the data directories' copy."""
    if conf.paste_deploy.config_file:
        return os.path.abspath(conf.paste_deploy.config_file)
    for path in reversed(conf.config_file or []):
        if path.endswith("-paste.ini"):
            return os.path.abspath(path)
        beside = os.path.join(os.path.dirname(os.path.abspath(path)), PASTE_FILE)
        if os.path.exists(beside):
            return beside
    return data_file(PASTE_FILE)
