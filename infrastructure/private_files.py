"""Files and directories that hold keys, secrets or personal data: owner-only, whatever the
umask.

Made that way when created, and tightened at start-up when an earlier build or an operator left
them open to other local users, with a warning: what was readable may already have been copied.
"""

import logging
import os
import stat
from pathlib import Path
from typing import BinaryIO

log = logging.getLogger(__name__)
PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600


def private_dir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR)
    tighten(path)
    return path


def private_file(path: Path) -> Path:
    """Creates the file empty when missing (an empty file is an empty SQLite database), so that
    whatever opens it next inherits mode 0600 instead of the umask's."""
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, PRIVATE_FILE))
    tighten(path)
    return path


def tighten(path: Path) -> None:
    """Take away group and other access, if any; a missing path is left missing."""
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        return
    if mode & 0o077:
        wanted = PRIVATE_DIR if path.is_dir() else PRIVATE_FILE
        log.warning("%s was mode %04o, readable by others: now %04o", path, mode, wanted)
        path.chmod(wanted)


def open_private(path: Path) -> BinaryIO:
    """For writing a file an operator names (an export): created 0600, and an existing regular
    file made 0600 before anything is written to it. Devices and pipes are left as they are."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE)
    if stat.S_ISREG(os.fstat(fd).st_mode):
        os.fchmod(fd, PRIVATE_FILE)
    return os.fdopen(fd, "wb")
