"""The lint rule that keeps money going through :mod:`cwsage.money`: one Decimal constructor, one JSON codec.

Why a test and not a ruff rule: ruff's banned-api can only ban ``decimal.Decimal`` as a whole, and every module
names the type in annotations; what must not happen is *constructing* one (``Decimal(x)``) or a float of an amount
(``float(x)``), or a JSON text read or written by another codec than :func:`cwsage.money.loads`/
:func:`cwsage.money.dumps` (``json.loads`` makes floats). The rule walks the AST of ``src/cwsage``; it runs with
pytest in ``python3 tasks.py test``. The emulators (:mod:`cwsage.sandbox`) are exempt: they stand in for the foreign
servers and are written independently of the client's code (``docs/sage300-inferred.md``).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import cwsage

PACKAGE_ROOT = Path(cwsage.__file__).resolve().parent
HOME_OF_MONEY = PACKAGE_ROOT / "money.py"
EXEMPT = PACKAGE_ROOT / "sandbox"

FLOAT_ALLOWED = {
    "http.py": "seconds of backoff and of a Retry-After header",
    "secrets.py": "the priority of a keyring backend",
    "sage300/client.py": "the HTTP timeout in seconds",
    "connectwise/client.py": "the HTTP timeout in seconds",
}
"""Modules where ``float(`` is about time or ranking, never money (module → why)."""

JSON_CODEC_CALLS = {"loads", "dumps", "load", "dump", "JSONEncoder", "JSONDecoder"}


def _checked_files() -> list[Path]:
    return [path for path in sorted(PACKAGE_ROOT.rglob("*.py")) if path != HOME_OF_MONEY and EXEMPT not in path.parents]


def violations(tree: ast.AST, relative: str) -> list[str]:
    """What ``tree`` (the module ``relative`` to the package) does that only :mod:`cwsage.money` may do."""
    decimal_names = {"Decimal"}
    json_names: set[str] = set()
    json_modules = {"json"}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "decimal":
            decimal_names |= {alias.asname or alias.name for alias in node.names if alias.name == "Decimal"}
        if isinstance(node, ast.ImportFrom) and node.module == "json":
            json_names |= {alias.asname or alias.name for alias in node.names if alias.name in JSON_CODEC_CALLS}
        if isinstance(node, ast.Import):
            json_modules |= {alias.asname for alias in node.names if alias.name == "json" and alias.asname}
    found: list[str] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        where = f"{relative}:{node.lineno}"
        if (isinstance(func, ast.Name) and func.id in decimal_names) or (
            isinstance(func, ast.Attribute) and func.attr in {"Decimal", "from_float"}
        ):
            found.append(f"{where}: makes a Decimal (use cwsage.money.D, ZERO, ONE)")
        elif isinstance(func, ast.Name) and func.id == "float" and relative not in FLOAT_ALLOWED:
            found.append(f"{where}: float() (amounts are Decimal)")
        elif (isinstance(func, ast.Name) and func.id in json_names) or (
            isinstance(func, ast.Attribute)
            and func.attr in JSON_CODEC_CALLS
            and isinstance(func.value, ast.Name)
            and func.value.id in json_modules
        ):
            found.append(f"{where}: a JSON codec other than cwsage.money.loads/dumps")
    return found


def test_money_and_json_go_through_the_money_module() -> None:
    found: list[str] = []
    for path in _checked_files():
        relative = path.relative_to(PACKAGE_ROOT).as_posix()
        found += violations(ast.parse(path.read_text(encoding="utf-8")), relative)
    assert found == []


@pytest.mark.parametrize(
    ("source", "relative", "expected"),
    [
        ("from decimal import Decimal\nx = Decimal('1')", "mapping/x.py", "makes a Decimal"),
        ("import decimal\nx = decimal.Decimal(1)", "mapping/x.py", "makes a Decimal"),
        ("from decimal import Decimal as Dec\nx = Dec(1)", "mapping/x.py", "makes a Decimal"),
        ("from decimal import Decimal\nx = Decimal.from_float(0.1)", "mapping/x.py", "makes a Decimal"),
        ("x = float(amount)", "mapping/x.py", "float()"),
        ("import json\nx = json.loads(t)", "services/x.py", "JSON codec"),
        ("import json as j\nx = j.dumps(v)", "services/x.py", "JSON codec"),
        ("from json import loads\nx = loads(t)", "services/x.py", "JSON codec"),
    ],
)
def test_the_rule_catches_each_way_around_the_money_module(source: str, relative: str, expected: str) -> None:
    found = violations(ast.parse(source), relative)
    assert len(found) == 1
    assert expected in found[0]


def test_the_rule_lets_through_what_the_money_module_offers() -> None:
    source = (
        "from decimal import Decimal\nfrom cwsage import money\n"
        "x: Decimal = money.D('1.5') + money.ONE\ny = money.loads(money.dumps({'a': x}))\n"
        "z = float(seconds)\n"
    )
    assert violations(ast.parse(source), "http.py") == []
