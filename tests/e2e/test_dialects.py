"""Every emulator dialect (issue 10): ``doctor`` names exactly what differs, and the demo completes with the
warnings it should give."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console

from cwsage.sage300 import vocabulary as V
from cwsage.sandbox.demo import DemoReport, _demo
from cwsage.sandbox.faults import Fault
from cwsage.services.doctor import DoctorReport, doctor

from .conftest import run_cli

if TYPE_CHECKING:
    from tests.conftest import JsonContract, SandboxPool


def _both(sandboxes: SandboxPool, tmp_path: Path, **dialect: Any) -> tuple[DoctorReport, DemoReport]:
    with sandboxes.fresh(**dialect) as box:
        report = doctor(box.settings(tmp_path / "doctor"), None)
        demo = _demo(Console(file=open(tmp_path / "demo.txt", "w", encoding="utf-8")), box, tmp_path / "demo")  # noqa: SIM115
    return report, demo


def _run_warnings(demo: DemoReport) -> set[str]:
    return {w for run in demo.runs for w in run.warnings}


def _completed(demo: DemoReport) -> None:
    assert len(demo.runs) == 3 and all(run.exit_code in (0, 3) for run in demo.runs)
    assert demo.payments.get("created", 0) > 0


def test_doctor_json_on_the_sandbox_lists_every_resource_and_property_all_found(
    sandboxes: SandboxPool, tmp_path: Path, json_contract: JsonContract
) -> None:
    with sandboxes.fresh() as box:
        home = tmp_path / "home"
        home.mkdir()
        done = run_cli(box, home, "doctor", "--json")
    assert done.returncode == 0, done.stderr
    data = json_contract.check(done.stdout, 0, "doctor")  # exactly one JSON object, valid against its schema
    assert data["kind"] == "doctor" and data["exit_code"] == 0 and data["problems"] == []
    resources = data["sage"]["resources"]
    assert {r["path"] for r in resources} == {r.path for r in V.RESOURCES if r.module != "-"}
    assert all(r["status"] == "found" for r in resources)
    assert all(p["status"] == "found" for r in resources for p in r["properties"])
    assert data["sage"]["differences"] == [] and set(data["sage"]["rights"].values()) == {"found"}
    assert data["sage"]["version"] == "4.0" and data["sage"]["dialect"] == "v4" and data["sage"]["names"] == "v1.0"
    assert data["sage"]["page_size"] is None and "in one page" in data["sage"]["page_size_note"]
    assert all(data["manage"]["setup"].values())
    assert data["manage"]["rights"] and set(data["manage"]["rights"].values()) == {"ok"}
    assert data["manage"]["api_url"].endswith("/apis/3.0/")
    segments = data["manage"]["account_segments"]
    assert segments["used"] == [1, 2] and segments["types"] == {"1": "Account", "2": "Account"}


def test_doctor_names_a_gl_segment_that_is_not_of_type_account(sandboxes: SandboxPool, tmp_path: Path) -> None:
    with sandboxes.fresh() as box:
        box.manage.store.doc["settings"]["glSegmentTypes"] = ["Account", "Class"]
        classed = doctor(box.settings(tmp_path / "class"), None)
        box.manage.store.doc["settings"]["glSegmentTypes"] = ["Account", "Other"]
        other = doctor(box.settings(tmp_path / "other"), None)
    assert classed.exit_code == 0
    assert [w for w in classed.warnings if "GL segment 2" in w and "'Class'" in w and "Captions" in w]
    assert other.exit_code == 1
    assert [p for p in other.problems if "GL segment 2" in p and "'Other', not 'Account'" in p]


def test_doctor_names_the_manage_endpoints_the_api_member_may_not_read(sandboxes: SandboxPool, tmp_path: Path) -> None:
    with sandboxes.fresh() as box:
        for path in ("procurement/warehouses", "finance/accounting/unpostedinvoices"):
            box.manage.faults.add(Fault(kind="status", method="GET", path=path, status=403, times=5))
        report = doctor(box.settings(tmp_path), None)
    assert report.exit_code == 1
    rights = report.manage["rights"]
    assert rights["procurement/warehouses"] == rights["finance/accounting/unpostedinvoices"] == "forbidden"
    assert [p for p in report.problems if "unpostedinvoices is forbidden" in p and "Security Roles" in p]
    assert [w for w in report.warnings if "warehouses is forbidden" in w and "IC location" in w]


def test_2016_names_and_odata_v3(sandboxes: SandboxPool, tmp_path: Path) -> None:
    report, demo = _both(sandboxes, tmp_path, sage_version="2016")
    assert report.exit_code == 0 and report.sage["dialect"] == "v3" and report.sage["version"] == "1.0"
    renamed = [line for line in report.sage["differences"] if "served as" in line]
    assert len(renamed) == len(report.sage["differences"])  # nothing missing, only renamed
    assert "AR/ARTerms TermsCode.TermsCode: served as TermsCodeKey" in renamed
    assert "AR/ARInvoiceBatches: served as AR/InvoiceBatches" in renamed
    _completed(demo)


def test_a_company_without_inventory_control(sandboxes: SandboxPool, tmp_path: Path) -> None:
    report, demo = _both(sandboxes, tmp_path, inventory_control=False)
    assert report.exit_code == 0 and report.sage["rights"]["IC"] == "missing"
    assert sorted(report.sage["differences"]) == sorted(
        f"{r.path}: missing (the module is not activated in this company)" for r in V.RESOURCES if r.module == "IC"
    )
    _completed(demo)
    assert any("IC/ICAdjustments is missing" in w and "GL journal entries" in w for w in _run_warnings(demo))


def test_a_user_without_rights_to_inventory_control(sandboxes: SandboxPool, tmp_path: Path) -> None:
    report, demo = _both(sandboxes, tmp_path, sage_forbidden_modules=("IC",))
    assert report.exit_code == 0 and report.sage["rights"]["IC"] == "forbidden"
    assert all("forbidden" in line for line in report.sage["differences"])
    _completed(demo)
    assert any("IC/ICItems is forbidden" in w for w in _run_warnings(demo))


def test_a_user_without_rights_to_a_required_module_is_stopped_by_doctor(
    sandboxes: SandboxPool, tmp_path: Path
) -> None:
    with sandboxes.fresh(sage_forbidden_modules=("TX",)) as box:
        report = doctor(box.settings(tmp_path), None)
    assert report.exit_code == 1
    assert any("TX/TXTaxGroups is forbidden" in p and "rights to TX" in p for p in report.problems)


def test_a_site_without_the_company_profile(sandboxes: SandboxPool, tmp_path: Path) -> None:
    report, demo = _both(sandboxes, tmp_path, sage_company_profile=False)
    assert report.exit_code == 0
    assert report.sage["differences"] == ["CS/CSCompanyProfile: missing (CS/$metadata has no such entity set)"]
    _completed(demo)
    assert any("no company profile" in w and "home currency" in w for w in _run_warnings(demo))
    assert not any("CS/CSCompanyProfile" in w for w in _run_warnings(demo))  # said once, by what copes with it
