"""Root logging for the command line: a quiet Rich console and a full per-process log file.

Why a module of its own: the bookkeeper should see warnings and errors on the terminal (everything with
``--verbose``), while support needs the full log of the run ("Save Full Log"), one file per process so
two runs never interleave. Both handlers carry :class:`cwsage.redaction.RedactingFilter`, so no secret
reaches either. Calling :func:`configure_logging` again replaces what it installed before (the test
runner invokes the CLI many times in one process).
"""

from __future__ import annotations

import logging
import os
from io import TextIOWrapper
from pathlib import Path

from rich.console import Console
from rich.logging import RichHandler

from cwsage.dates import now
from cwsage.private_files import ensure_private_dir, open_private_append
from cwsage.redaction import RedactingFilter

_MARK = "_cwsage_handler"
_current_log_file: Path | None = None

FILE_FORMAT = "%(asctime)s %(levelname)-7s %(name)s [%(process)d:%(threadName)s] %(message)s"


class PrivateFileHandler(logging.FileHandler):
    """A :class:`logging.FileHandler` whose file is created with mode 0600 (the full log names customers)."""

    def _open(self) -> TextIOWrapper:
        return open_private_append(Path(self.baseFilename), encoding=self.encoding or "utf-8", errors=self.errors)


def _remove_ours(root: logging.Logger) -> None:
    for handler in list(root.handlers):
        if getattr(handler, _MARK, False):
            root.removeHandler(handler)
            handler.close()


def configure_logging(
    *,
    verbose: bool = False,
    logs_dir: Path | None = None,
    console: Console | None = None,
) -> Path | None:
    """Install the console handler and (when ``logs_dir`` is given) the full-log file handler.

    Args:
        verbose: Console shows INFO and above instead of WARNING and above.
        logs_dir: Directory for the per-process log file ``cwsage-YYYYmmdd-HHMMSS-PID.log`` (folder 0700,
            file 0600).
        console: Rich console to write to (stderr by default).

    Returns:
        The path of the full log file, or ``None`` when no file handler was installed.
    """
    global _current_log_file
    root = logging.getLogger()
    _remove_ours(root)
    root.setLevel(logging.DEBUG)

    console_handler = RichHandler(
        console=console or Console(stderr=True),
        level=logging.INFO if verbose else logging.WARNING,
        show_path=False,
        rich_tracebacks=False,
        markup=False,
    )
    setattr(console_handler, _MARK, True)
    handlers: list[logging.Handler] = [console_handler]

    log_file: Path | None = None
    if logs_dir is not None:
        ensure_private_dir(logs_dir)
        stamp = now().strftime("%Y%m%d-%H%M%S")
        log_file = logs_dir / f"cwsage-{stamp}-{os.getpid()}.log"
        file_handler = PrivateFileHandler(log_file, encoding="utf-8", delay=True)
        file_handler.setLevel(logging.DEBUG)
        file_handler.setFormatter(logging.Formatter(FILE_FORMAT))
        setattr(file_handler, _MARK, True)
        handlers.append(file_handler)

    for handler in handlers:
        handler.addFilter(RedactingFilter())
        root.addHandler(handler)
    # Any handler someone else attached gets the filter too.
    for handler in root.handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())
    for noisy in ("httpx", "httpcore", "alembic", "sqlalchemy"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    _current_log_file = log_file
    return log_file


def current_log_file() -> Path | None:
    """The full log file of this process (for "Save Full Log"), if logging was configured with one."""
    return _current_log_file


def reset_logging() -> None:
    """Remove the handlers :func:`configure_logging` installed (tests, embedding)."""
    global _current_log_file
    _remove_ours(logging.getLogger())
    _current_log_file = None
