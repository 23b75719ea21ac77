"""The demo's end state in both emulators, as one normalised JSON document (issue 12: "behaviour unchanged").

Run it before and after a change and diff the two files: the Sage 300 and Manage emulators' complete exported
state after ``cwsage demo`` (every batch, entry, posting, receipt, payment and GL entry), with what legitimately
differs between two runs taken out — creation timestamps and the run id suffix in Sage batch descriptions::

    .venv/bin/python benchmarks/demo_end_state.py > before.json
    # … change the code …
    .venv/bin/python benchmarks/demo_end_state.py > after.json
    diff before.json after.json && echo identical
"""

from __future__ import annotations

import io
import re
import sys

import httpx
from rich.console import Console

from cwsage import money
from cwsage.sandbox.demo import run_demo
from cwsage.sandbox.runner import start_sandbox

VOLATILE = (
    (re.compile(r'"created": "[^"]*"'), '"created": "-"'),
    (re.compile(r' [0-9a-f]{8}"'), ' RUN"'),  # the run id prefix that ends a Sage batch description
)


def end_state() -> str:
    """Run the demo on fresh emulators and return their exported state, normalised."""
    with start_sandbox(manage_port=0, sage_port=0) as box:
        code = run_demo(Console(file=io.StringIO()), sandbox=box)
        state = {"exit": code}
        for name, server in (("manage", box.manage_server), ("sage", box.sage_server)):
            state[name] = httpx.get(f"{server.url}/_sandbox/export-seed", timeout=60).json()
    text = money.dumps(state, indent=1, sort_keys=True, default=str)
    for pattern, replacement in VOLATILE:
        text = pattern.sub(replacement, text)
    return text


if __name__ == "__main__":
    sys.stdout.write(end_state() + "\n")
