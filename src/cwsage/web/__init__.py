"""The local web UI (``cwsage serve``): the guide's screens in a browser, on top of the same services as the CLI.

Server-rendered pages (FastAPI + Jinja2) with htmx — vendored in ``static/`` with its licence, so the UI
works offline — and server-sent events for live progress. Routes hold no business rules: each parses a
form, calls a service from :mod:`cwsage.services`, and renders the result.
"""

from __future__ import annotations

from cwsage.web.app import WebConfig, create_app

__all__ = ["WebConfig", "create_app"]
