"""Files and folders only the user running cwsage may read: mode 0600 for files, 0700 for folders.

Why a module of its own: the state database, the full logs and the run reports hold customer names, amounts
and the Manage/Sage URLs of a company; the secret file holds the passwords. None of it is for the other users
of the machine. Python creates files with ``0666 & ~umask`` (usually 0644) and ``Path.mkdir(parents=True)``
ignores ``mode`` for the parents, so "private from the first byte" has to be done on purpose, in one place:

* :func:`ensure_private_dir` creates every missing level of a folder with 0700 (and, for cwsage's own folders,
  tightens an existing one that is open to others);
* :func:`create_private_file` makes an empty file 0600 before another library (SQLite) opens it, and tightens
  an existing one;
* :func:`write_private` writes a whole file atomically, 0600 from the first byte;
* :func:`open_private_append` opens a log file for appending, 0600 from the first byte.

On Windows the POSIX modes do not apply (files under the user's profile are private by its ACL); the functions
then only create and write.
"""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Iterable
from io import TextIOWrapper
from pathlib import Path

log = logging.getLogger("cwsage.files")

PRIVATE_FILE = 0o600
PRIVATE_DIR = 0o700
_POSIX = os.name == "posix"


def _tighten(path: Path, mode: int) -> None:
    """Set ``mode`` on ``path`` if others (group or world) may use it; never loosens anything."""
    if not _POSIX:
        return
    current = stat.S_IMODE(path.stat().st_mode)
    if current & 0o077:
        path.chmod(mode)
        log.info("tightened %s from %o to %o", path, current, mode)


def ensure_private_dir(path: Path, *, tighten: bool = True) -> Path:
    """Create ``path`` and every missing parent with mode 0700; return ``path``.

    Args:
        path: The folder.
        tighten: Also remove group/world access from ``path`` itself when it already exists (cwsage's own
            folders: logs, reports, the home). ``False`` for folders the user chose, e.g. where a SQLite file
            lives: those are only made private when cwsage creates them.
    """
    missing: list[Path] = []
    probe = path
    while not probe.exists():
        missing.append(probe)
        if probe.parent == probe:
            break
        probe = probe.parent
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=PRIVATE_DIR)
        except FileExistsError:
            continue  # made by another process at the same moment
        if _POSIX:
            folder.chmod(PRIVATE_DIR)  # mkdir's mode is filtered by the umask
    if tighten and not missing:
        _tighten(path, PRIVATE_DIR)
    return path


def create_private_file(path: Path) -> Path:
    """Make sure ``path`` exists as a file only its owner can read (create empty with 0600, or tighten)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, PRIVATE_FILE)
    os.close(fd)
    _tighten(path, PRIVATE_FILE)
    return path


def write_private(path: Path, data: bytes | str | Iterable[str]) -> Path:
    """Write ``data`` to ``path`` atomically (temporary file, fsync, rename), mode 0600 from the first byte.

    Text is written as UTF-8; an iterable of text parts is written as it comes (a long report never has to be
    one string in memory). The folder must exist.
    """
    parts: Iterable[bytes | str] = [data] if isinstance(data, bytes | str) else data
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE)
    try:
        for part in parts:
            view = memoryview(part.encode("utf-8") if isinstance(part, str) else part)
            while view:
                written = os.write(fd, view)
                view = view[written:]
        os.fsync(fd)
    finally:
        os.close(fd)
    if _POSIX:
        tmp.chmod(PRIVATE_FILE)  # the umask may have taken bits away; make it exactly 0600
    os.replace(tmp, path)
    return path


def open_private_append(path: Path, encoding: str = "utf-8", errors: str | None = None) -> TextIOWrapper:
    """Open ``path`` for appending text, creating it with mode 0600 (an existing file is tightened)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, PRIVATE_FILE)
    try:
        _tighten(path, PRIVATE_FILE)
    except OSError:
        os.close(fd)
        raise
    return open(fd, "a", encoding=encoding, errors=errors)
