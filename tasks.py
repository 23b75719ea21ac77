#!/usr/bin/env python3
"""The project's two entry points: ``python3 tasks.py demo`` and ``python3 tasks.py test``.

Why a script and not a Makefile: it must work on a fresh clone with nothing but Python installed, on
Linux, macOS and Windows. It creates ``.venv`` beside itself, installs the pinned dependencies
(``constraints.txt``) and the package in editable mode, then runs the job. The install is skipped when
``pyproject.toml`` and ``constraints.txt`` have not changed since the last one.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
STAMP = VENV / ".tasks-stamp"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")


def _python() -> str:
    return str(BIN / ("python.exe" if os.name == "nt" else "python"))


def _fingerprint() -> str:
    digest = hashlib.sha256()
    for name in ("pyproject.toml", "constraints.txt"):
        digest.update((ROOT / name).read_bytes())
    return digest.hexdigest()


def ensure_venv() -> None:
    """Create the virtual environment and install what the project needs, once per change."""
    if not (BIN / "python").exists() and not (BIN / "python.exe").exists():
        print("Creating the virtual environment in .venv ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    if STAMP.exists() and STAMP.read_text() == _fingerprint():
        return
    print("Installing cwsage and its pinned dependencies (first run only) ...", flush=True)
    pip = [_python(), "-m", "pip", "install", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "-c", "constraints.txt", "-e", ".[dev]"], cwd=ROOT, check=True)
    STAMP.write_text(_fingerprint())


CHROMIUM = Path("/usr/bin/chromium")
"""Debian's chromium, which the browser tests drive with Playwright (they never download a browser)."""


def ensure_browser() -> None:
    """Install Debian's chromium for the browser tests when it is missing and we may (root with apt-get).

    Otherwise the browser tests skip themselves and say why.
    """
    if CHROMIUM.exists() or os.name != "posix" or not shutil.which("apt-get"):
        return
    if os.geteuid() != 0:
        print("chromium is not installed and you are not root: the browser tests will be skipped.", flush=True)
        return
    print("Installing chromium for the browser tests (apt-get install -y chromium) ...", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "-q", "chromium"]
    if subprocess.run(install, check=False, env=env).returncode != 0:
        subprocess.run(["apt-get", "update", "-q"], check=False, env=env)
        subprocess.run(install, check=False, env=env)


def run(*args: str) -> int:
    """Run one command inside the virtual environment, echoing it first."""
    print("$", " ".join(args), flush=True)
    return subprocess.run([_python(), "-m", *args], cwd=ROOT, check=False).returncode


def main(argv: list[str]) -> int:
    """Dispatch ``demo`` or ``test``; extra arguments go to ``cwsage demo`` or to pytest."""
    if not argv or argv[0] not in {"demo", "test"}:
        print("usage: python3 tasks.py demo|test [extra arguments]", file=sys.stderr)
        return 2
    ensure_venv()
    command, extra = argv[0], argv[1:]
    if command == "demo":
        return run("cwsage", "demo", *extra)
    ensure_browser()
    for step in (
        ("ruff", "check", "src", "tests", "benchmarks", "tasks.py"),
        ("ruff", "format", "--check", "src", "tests", "benchmarks", "tasks.py"),
        ("mypy",),
    ):
        if (code := run(*step)) != 0:
            return code
    return run("pytest", *_parallel(extra), *extra)


def _parallel(extra: list[str]) -> list[str]:
    """pytest-xdist: one worker per core, each test file on one worker (``--dist loadfile``): the browser tests build
    on each other in order, and a module's expensive fixture (the crash tests' uninterrupted reference run, a chaos
    family's emulators) is made once. Files are handed out in collection order, which ``tests/conftest.py`` makes
    slowest first (``--no-loadscope-reorder``: xdist would otherwise put the files with the most tests first, and
    the one-test benchmark smoke last, alone). Not when the arguments already choose (``-n 0``, ``-p no:xdist``)."""
    chosen = any(arg == "no:xdist" or arg.startswith(("-n", "--numprocesses")) for arg in extra)
    return [] if chosen else ["-n", "auto", "--dist", "loadfile", "--no-loadscope-reorder"]


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
