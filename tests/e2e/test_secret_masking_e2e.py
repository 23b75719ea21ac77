"""End to end: the sandbox's password ``DEMO`` never mangles its company ``CWDEMO`` (issue 13, finding 6).

The sandbox is the worst case: the Sage password ``DEMO`` is part of the Sage company ``CWDEMO`` and the Manage
integrator password ``demo`` of the Manage company ``cwdemo``. A real run writes the company into its full log
(every Sage URL holds it); an error names it. Both must show it intact, and no secret may appear anywhere the run
wrote: log, reports, state database, console.
"""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

from cwsage.sandbox import demo_company as dc
from cwsage.sandbox.faults import Fault
from cwsage.sandbox.runner import Sandbox

from .conftest import run_cli, write_defaults

PASSWORD = re.compile(rf"(?<![A-Za-z0-9]){dc.SAGE_PASSWORD}(?![A-Za-z0-9])")
SECRETS = (
    dc.MANAGE_PRIVATE_KEY,
    dc.MANAGE_CLIENT_ID,
    base64.b64encode(f"{dc.SAGE_USER}:{dc.SAGE_PASSWORD}".encode()).decode(),
)


def _written(home: Path) -> dict[Path, str]:
    return {p: p.read_bytes().decode("utf-8", "replace") for p in home.rglob("*") if p.is_file()}


def test_a_run_keeps_the_company_intact_and_no_secret_anywhere(sandbox: Sandbox, home: Path) -> None:
    assert dc.SAGE_PASSWORD in dc.SAGE_COMPANY  # the premise of the test
    write_defaults(home)
    done = run_cli(sandbox, home, "run", "-b", "E2E-MASK-1", "--invoices", "--skip-invalid", "--json")
    assert done.returncode in (0, 3), done.stderr
    result = json.loads(done.stdout)
    assert result["documents"]

    written = _written(home)
    logs = [text for path, text in written.items() if path.parent.name == "logs"]
    assert logs
    assert any(f"/-/{dc.SAGE_COMPANY}/" in text for text in logs)  # Sage URLs name the company, intact
    reports = [text for path, text in written.items() if "reports" in path.parts]
    assert reports
    for path, text in {**written, Path("stdout"): done.stdout, Path("stderr"): done.stderr}.items():
        assert f"CW{'***'}" not in text, path
        assert f"cw{'***'}" not in text, path
        assert not PASSWORD.search(text), path
        for secret in SECRETS:
            assert secret not in text, path


def test_an_error_paragraph_names_the_company_intact(sandbox: Sandbox, home: Path) -> None:
    write_defaults(home)
    sandbox.sage.faults.add(Fault(kind="status", path="ARCustomers", status=400, times=50, message="Bad request"))
    done = run_cli(sandbox, home, "--verbose", "check", "--invoices")
    assert done.returncode != 0
    assert f"/-/{dc.SAGE_COMPANY}/AR/ARCustomers" in done.stderr, done.stderr  # the detail of the paragraph
    assert f"CW{'***'}" not in done.stderr
    assert not PASSWORD.search(done.stderr)
