"""Family 5 of the attack (issue 13): no secret anywhere a session of commands wrote.

The sandbox's Sage password ``DEMO`` is part of its company ``CWDEMO``; one command runs with the wrong
four-letter password ``CWDE``, another part of it. After the commands, the home (logs, reports, state database,
config, secret file) and every stdout and stderr are searched for every secret and its Basic-auth encoding,
and for a company mangled by masking (``CW***``). The CI slice runs three commands; ``benchmarks/chaos_matrix.py``
the whole session (runs, checks with failing calls, sync-payments, history, report, config show).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from cwsage.sandbox.runner import Sandbox

from . import harness

pytestmark = [pytest.mark.chaos, pytest.mark.slow]


def test_the_grep_finds_a_secret_when_there_is_one() -> None:
    """The patterns are not blind: each finds its secret, and the company alone is no hit."""
    from cwsage.sandbox import demo_company as dc

    patterns = harness.secret_patterns()
    assert patterns["Sage password"].search(f"password={dc.SAGE_PASSWORD}")
    assert patterns["wrong Sage password"].search(f"'{harness.WRONG_PASSWORD}'")
    assert patterns["masked company"].search("/-/CW***/AR")
    assert patterns["Manage private key"].search(dc.MANAGE_PRIVATE_KEY)
    assert not any(p.search(f"/Sage300WebApi/v1.0/-/{dc.SAGE_COMPANY}/AR") for p in patterns.values())


def test_no_secret_in_anything_a_session_wrote(box: Sandbox, root: Path) -> None:
    """A verbose run, a check with the wrong four-letter password, config show: zero hits, no traceback."""
    session = [harness.SECRET_SESSION[i] for i in (0, 4, 9)]
    result = harness.secrets_session(box, root, session)
    assert result.notes["files grepped"] >= 3
    assert result.exact, result.describe()
