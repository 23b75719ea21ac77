"""Signing in with the one-time login link (and the password, when one is set), and signing out."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from cwsage.config import SECTIONS
from cwsage.errors import CwsageError
from cwsage.services.listing import default_initials
from cwsage.web.app import SessionDep, require_csrf, same_origin, web_of
from cwsage.web.routes.common import texts
from cwsage.web.security import SESSION_COOKIE

router = APIRouter()


@router.get("/login")
def signin_page(request: Request, token: str = "", signed_out: bool = False) -> Response:
    """The page the login link opens: it exchanges the token (with the password, if set) for a session."""
    web = web_of(request)
    if web.gate.session(request.cookies.get(SESSION_COOKIE)) is not None:
        return RedirectResponse("/", status_code=303)
    return web.page(
        request,
        "signin.html",
        None,
        token=token if web.gate.token_ok(token) else "",
        link_given=bool(token),
        needs_password=web.gate.needs_password,
        signed_out=signed_out,
        error="",
    )


@router.post("/login")
async def sign_in(request: Request) -> Response:
    """Spend the login token for a session cookie (``HttpOnly``, ``SameSite=Strict``)."""
    web = web_of(request)
    form = texts(await request.form())
    token = form.get("token", "")
    if not same_origin(request):
        return Response("Refused: the request came from another site.", status_code=403)
    session = web.gate.sign_in(token, form.get("password"))
    if session is None:
        still_valid = web.gate.token_ok(token)
        return web.page(
            request,
            "signin.html",
            None,
            status_code=403,
            token=token if still_valid else "",
            link_given=True,
            needs_password=web.gate.needs_password,
            signed_out=False,
            error="Wrong password." if still_valid else "This login link has been used or withdrawn.",
        )
    session.initials = default_initials()
    response = RedirectResponse("/", status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        session.id,
        httponly=True,
        samesite="strict",
        secure=web.config.secure_cookie,
        path="/",
    )
    return response


@router.post("/logout", dependencies=[Depends(require_csrf)])
def sign_out(request: Request, session: SessionDep) -> Response:
    """End the session (and forget the passwords it held in memory)."""
    web_of(request).gate.sign_out(session.id)
    response = RedirectResponse("/login?signed_out=true", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict")
    return response


@router.get("/")
def home(request: Request, session: SessionDep) -> Response:
    """Run New Batch when both connections are set up, the Login screen otherwise."""
    try:
        web_of(request).settings(session, frozenset(SECTIONS))
    except CwsageError:
        return RedirectResponse("/connect", status_code=303)
    return RedirectResponse("/batch", status_code=303)
