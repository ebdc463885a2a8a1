"""Puts the certificate files of HTTPS listeners on the device, with a deploy.

HAProxy reads a listener's certificates from files named on its ``bind``
line, so they must be on the device before ``haproxy -c`` sees the new
configuration.  Each file is named after a hash of its text
(``render_tls.file_name``): a changed certificate is a new file, and the
file the running configuration uses stays until a deploy has replaced that
configuration (the previous one is kept as ``.bak`` for a rollback, and
uses no file this deploy removes: only files the replaced configuration
used and the new one does not are removed).

``scripts/tls-files.sh`` does the writing: the directory 0700, each file
0600, written whole then renamed; the driver sends only the files it has
not written itself since it was built (a new driver sends them once again).
"""

import base64
import logging
import pathlib
import shlex

from balancer.drivers import base
from balancer.drivers.haproxy import render_tls

LOG = logging.getLogger(__name__)
SCRIPT_NAME = "tls-files.sh"
SCRIPT_PATH = pathlib.Path(__file__).with_name("scripts") / SCRIPT_NAME


def _script():
    return SCRIPT_PATH.read_text()


class TlsFiles:
    """The certificate files of one device, as its driver knows them."""

    def __init__(self, config_path, sudo="", directory=None):
        self.dir = render_tls.tls_dir_of(config_path, directory)
        self.sudo = sudo.strip()
        self._written = set()

    def command(self, action, remove=()):
        assignments = "BALANCER_TLS_DIR=%s BALANCER_SUDO=%s BALANCER_TLS_REMOVE=%s\n" % (
            shlex.quote(self.dir), shlex.quote(self.sudo), shlex.quote(" ".join(remove)))
        return "sh -c %s %s %s" % (shlex.quote(assignments + _script()), SCRIPT_NAME, action)

    def write_missing(self, run, lbs, device):
        """Write the files ``lbs`` need that this driver has not written;
        ``run(command, stdin)`` -> (status, stdout, stderr)."""
        wanted = render_tls.files_of(lbs)
        missing = sorted(name for name in wanted if name not in self._written)
        if not missing:
            return
        payload = "".join("%s %s\n" % (name, base64.b64encode(wanted[name].encode()).decode())
                          for name in missing)
        status, out, err = run(self.command("write"), payload.encode())
        if status != 0:
            owners = tuple(sorted({lb.id for lb in lbs for vip in lb.vips if vip.tls
                                   and any(render_tls.file_name(vip.id, c) in missing
                                           for c in vip.tls.certificates)}, key=str))
            # neither text carries a certificate or key: the script never prints them
            raise base.DriverError(
                "the device could not store the certificate of an HTTPS virtual IP",
                owners if len(owners) == 1 else (),
                "device %s: writing certificate files to %s failed (exit %s): %s"
                % (device.id, self.dir, status, (out + err).strip()[-2000:]))
        self._written.update(missing)

    def remove_unused(self, run, before_text, after_text):
        """Remove the files ``before_text`` used and ``after_text`` does not."""
        unused = sorted(render_tls.referenced_files(before_text, self.dir)
                        - render_tls.referenced_files(after_text, self.dir))
        if not unused:
            return
        try:
            status, out, err = run(self.command("remove", unused), None)
        except base.DriverError as err_:
            LOG.warning("unused certificate files stay on the device: %s",
                        err_.operator_fault_string)
            return
        if status != 0:
            LOG.warning("removing unused certificate files in %s failed: %s", self.dir,
                        (out + err).strip())
        self._written.difference_update(unused)
