"""Auth, clientId, versioning, codebase discovery and error shapes (reference §1, §2.4)."""

from __future__ import annotations

import httpx

from cwsage.sandbox import demo_company as dc
from cwsage.sandbox.manage import ManageEmulator

from .conftest import API, HEADERS, basic


def test_missing_client_id_is_refused(emu: ManageEmulator, root: str) -> None:
    headers = {k: v for k, v in HEADERS.items() if k != "clientId"}
    r = httpx.get(root + API + "/system/info", headers=headers)
    assert r.status_code == 401
    body = r.json()
    assert body["code"] == "Unauthorized" and "clientId" in body["message"] and body["errors"] == []


def test_unknown_client_id_is_refused(emu: ManageEmulator, root: str) -> None:
    r = httpx.get(root + API + "/system/info", headers={**HEADERS, "clientId": "not-a-client"})
    assert r.status_code == 401


def test_bad_keys_are_401_with_error_body(emu: ManageEmulator, root: str) -> None:
    for auth in (
        basic("cwdemo+cwdemo-public", "wrong"),
        basic("otherco+cwdemo-public", dc.MANAGE_PRIVATE_KEY),
        basic("cwdemo-public", dc.MANAGE_PRIVATE_KEY),  # no company+ prefix
        "Bearer abc",
    ):
        r = httpx.get(root + API + "/system/info", headers={**HEADERS, "Authorization": auth})
        assert r.status_code == 401, auth
        assert r.json() == {"code": "Unauthorized", "message": r.json()["message"], "errors": []}
    r = httpx.get(root + API + "/system/info", headers={k: v for k, v in HEADERS.items() if k != "Authorization"})
    assert r.status_code == 401


def test_good_keys_and_version_header(api: httpx.Client) -> None:
    r = api.get("/system/info")
    assert r.status_code == 200
    assert r.headers["api-current-version"] == "2025.1"
    assert r.json()["isCloud"] is False


def test_accept_versions(api: httpx.Client) -> None:
    assert api.get("/system/info", headers={"Accept": "application/json"}).status_code == 200
    ok = api.get("/system/info", headers={"Accept": "application/vnd.connectwise.com+json; version=2019.1"})
    assert ok.status_code == 200
    for bad in ("2025", "v2025.1", "2018.4", "abc"):
        r = api.get("/system/info", headers={"Accept": f"application/vnd.connectwise.com+json; version={bad}"})
        assert r.status_code == 400, bad
        assert r.json()["code"] == "InvalidObject"


def test_companyinfo_without_auth(emu: ManageEmulator, server: object, root: str) -> None:
    r = httpx.get(root + "/login/companyinfo/cwdemo")
    assert r.status_code == 200
    info = r.json()
    assert info["Codebase"] == "v4_6_release/"
    assert info["CompanyID"] == "cwdemo"
    assert info["IsCloud"] is False
    assert info["SiteUrl"] == root.removeprefix("http://")
    assert info["VersionCode"] == "v2025.1"
    assert httpx.get(root + "/login/companyinfo/nosuchco").status_code == 404


def test_member_impersonation_token_flow(emu: ManageEmulator, root: str) -> None:
    integrator = basic(f"cwdemo+{dc.MANAGE_INTEGRATOR_USER}", dc.MANAGE_INTEGRATOR_PASSWORD)
    headers = {"clientId": dc.MANAGE_CLIENT_ID, "Authorization": integrator, "x-cw-usertype": "member"}
    r = httpx.post(
        root + API + "/system/members/accounting/tokens", headers=headers, json={"memberIdentifier": "accounting"}
    )
    assert r.status_code == 200, r.text
    token = r.json()
    assert set(token) == {"publicKey", "privateKey", "expiration"}
    assert token["expiration"].endswith("Z")
    as_member = {
        "clientId": dc.MANAGE_CLIENT_ID,
        "Authorization": basic(f"cwdemo+{token['publicKey']}", token["privateKey"]),
    }
    assert httpx.get(root + API + "/finance/accounting/unpostedinvoices/count", headers=as_member).status_code == 200
    # integrator credentials alone are not API keys
    r = httpx.get(root + API + "/system/info", headers={"clientId": dc.MANAGE_CLIENT_ID, "Authorization": integrator})
    assert r.status_code == 401
    # the usertype header is required for the token call
    no_type = {k: v for k, v in headers.items() if k != "x-cw-usertype"}
    r = httpx.post(
        root + API + "/system/members/accounting/tokens", headers=no_type, json={"memberIdentifier": "accounting"}
    )
    assert r.status_code == 401
    r = httpx.post(root + API + "/system/members/nobody/tokens", headers=headers, json={"memberIdentifier": "nobody"})
    assert r.status_code == 404
    emu.reset()  # tokens are forgotten
    assert httpx.get(root + API + "/system/info", headers=as_member).status_code == 401


def test_error_statuses(api: httpx.Client) -> None:
    r = api.get("/finance/nosuchthing")
    assert r.status_code == 404 and r.json()["code"] == "NotFound"
    r = api.delete("/finance/invoices")
    assert r.status_code == 405
    r = api.post("/finance/accounting/export", content=b"<xml/>", headers={"Content-Type": "application/xml"})
    assert r.status_code == 415
    r = api.post("/finance/accounting/export", content=b"{not json", headers={"Content-Type": "application/json"})
    assert r.status_code == 400
    r = api.get("/finance/invoices/999999")
    assert r.status_code == 404 and r.json()["code"] == "NotFound"
    assert api.get("/finance/accounting/unpostedinvoices/999999").status_code == 404


def test_pinned_codebase_works(emu: ManageEmulator, root: str) -> None:
    assert httpx.get(root + "/v2025_1/apis/3.0/system/info", headers=HEADERS).status_code == 200
    assert httpx.get(root + "/apis/3.0/system/info", headers=HEADERS).status_code == 404
