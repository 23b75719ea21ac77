"""`cwsage login`'s credential check against the real emulators."""

from __future__ import annotations

from pathlib import Path

from pydantic import SecretStr

from cwsage.sandbox.runner import Sandbox
from cwsage.services.connectivity import check_credentials


def test_good_credentials_open_both_systems(sandbox: Sandbox, home: Path) -> None:
    assert check_credentials(sandbox.settings(home)) == []


def test_bad_credentials_are_reported_per_system_without_the_secret(sandbox: Sandbox, home: Path) -> None:
    settings = sandbox.settings(home)
    wrong = settings.model_copy(
        update={
            "sage": settings.need_sage().model_copy(update={"password": SecretStr("not-the-password")}),
            "manage": settings.need_manage().model_copy(update={"private_key": SecretStr("wrong-private-key")}),
        }
    )
    problems = check_credentials(wrong)
    assert len(problems) == 2
    assert problems[0].startswith("ConnectWise Manage:")
    assert problems[1].startswith("Sage 300:")
    joined = "\n".join(problems)
    assert "not-the-password" not in joined
    assert "wrong-private-key" not in joined
