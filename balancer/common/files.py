"""Files that hold what others must not read: created owner-only (0600).

The SQLite database (SQLite gives its ``-wal`` and ``-shm`` files the
database file's mode), the encryption key file and the log file are created
here before anything else opens them, so they never exist with the
process's usual 0644 for a moment.  See doc/source/operations.rst, "Device
secrets at rest".
"""

import logging
import os
import stat

from sqlalchemy.engine import make_url

LOG = logging.getLogger(__name__)
OWNER_ONLY = 0o600


def create_private(path):
    """Create ``path`` empty and owner-only unless it exists; True if it
    was created.  An existing file keeps its mode; a warning says when
    others may read it."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, OWNER_ONLY)
    except FileExistsError:
        warn_if_shared(path)
        return False
    os.close(fd)
    return True


def warn_if_shared(path):
    """Log a warning when group or others may read or write ``path``."""
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        return
    if mode & 0o077:
        LOG.warning("%s has mode %04o: others on this host may read it; "
                    "chmod 600 it", path, mode)


def sqlite_file(url):
    """The file of a SQLite database URL; None for other databases and for
    an in-memory SQLite."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return parsed.database


def create_database_file(url):
    """A SQLite database file that does not exist yet is created owner-only
    before SQLite opens it: it holds the device rows, and SQLite makes its
    -wal and -shm files with the database file's mode."""
    path = sqlite_file(url)
    if path is not None:
        try:
            create_private(path)
        except OSError:
            pass        # e.g. no such directory: SQLite itself says so, clearly
