"""The web application: JSON API at /api/v1, HTML dashboard, login, security headers.

    uvicorn --factory accordwatch.web.app:create_app      # or: accordwatch serve

Nothing here loads anything from the internet: the API reference at
/api/v1/docs is rendered on the server from the OpenAPI document.
"""

from __future__ import annotations

import html
import secrets
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from jinja2 import Environment, select_autoescape
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..errors import AccordWatchError, AgreementError, AuthError, ConflictError, InputError, StoreError
from . import auth

WEB_DIR = Path(__file__).resolve().parent
STATIC_DIR = WEB_DIR / "static"
TEMPLATES_DIR = WEB_DIR / "templates"
API_PREFIX = "/api/v1"

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
    "base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
SECURITY_HEADERS = {
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
}


@dataclass
class Settings:
    db_url: str | None = None
    public_read: bool = False
    agreements_dirs: list[Path] = field(default_factory=list)


# ----------------------------------------------------------------- security headers


class SecurityHeaders:
    """ASGI wrapper adding the security headers to every HTTP response (errors included)."""

    def __init__(self, app: Any):
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        https = scope.get("scheme") == "https"

        async def send_with_headers(message: dict) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                extra = dict(SECURITY_HEADERS)
                if not path.startswith("/static/"):
                    extra["cache-control"] = "no-store"
                if https:
                    extra["strict-transport-security"] = "max-age=31536000"
                for k, v in extra.items():
                    if k.encode() not in present:
                        headers.append((k.encode(), v.encode()))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


class _App(FastAPI):
    def build_middleware_stack(self):  # noqa: ANN201 - outermost, so even 500 pages get the headers
        return SecurityHeaders(super().build_middleware_stack())


# ----------------------------------------------------------------- errors


def _is_api(request: Request) -> bool:
    return request.url.path.startswith(API_PREFIX)


def error_response(request: Request, status: int, message: str, headers: dict | None = None, current: dict | None = None) -> Response:
    """JSON ``{"error": {...}}`` for the API, a small escaped HTML page elsewhere."""
    if _is_api(request) or "application/json" in request.headers.get("accept", "") and "text/html" not in request.headers.get("accept", ""):
        body: dict[str, Any] = {"status": status, "message": message}
        if current is not None:
            body["current"] = current
        return JSONResponse({"error": body}, status_code=status, headers=headers)
    page = (
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>AccordWatch: {s}</title></head>"
        "<body><main><h1>{s}</h1><p>{m}</p><p><a href=\"/\">AccordWatch</a></p></main></body></html>"
    ).format(s=status, m=html.escape(message))
    return HTMLResponse(page, status_code=status, headers=headers)


def _status_for(exc: AccordWatchError) -> int:
    msg = str(exc)
    if isinstance(exc, ConflictError):
        return 409
    if isinstance(exc, AuthError):
        return 403
    if isinstance(exc, AgreementError):
        return 404 if msg.startswith("unknown agreement") else 400
    if isinstance(exc, StoreError):
        if msg.startswith("no "):
            return 404
        if msg.startswith(("database ", "cannot open", "cannot create", "cannot migrate")):
            return 503
        return 400
    if isinstance(exc, InputError):
        return 400
    return 400


_DATE_ERRORS = ("date_parsing", "date_from_datetime_parsing", "date_from_datetime_inexact", "date_type")


def validation_message(exc: RequestValidationError) -> str:
    parts = []
    for e in exc.errors():
        loc = [str(x) for x in e.get("loc", ())]
        where = loc[0] if loc else ""
        name = ".".join(loc[1:]) or where
        label = {"query": "query parameter", "path": "path parameter", "body": "body field", "header": "header"}.get(where, "field")
        value = e.get("input")
        if e.get("type", "").startswith(_DATE_ERRORS) or "date" in e.get("type", ""):
            parts.append(f"{label} {name}: {value!r} is not a date; write it as YYYY-MM-DD (e.g. 2020-11-16)")
        elif e.get("type") == "missing":
            parts.append(f"{label} {name} is required")
        else:
            shown = repr(value) if isinstance(value, (str, int, float)) and len(repr(value)) < 80 else "the value"
            parts.append(f"{label} {name}: {shown} — {e.get('msg', 'invalid')}")
    return "; ".join(parts) or "invalid request"


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        message = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        if exc.status_code == 404 and message == "Not Found":
            message = f"no such page: {request.url.path}" + ("; see /api/v1/docs for the API" if _is_api(request) else "")
        elif exc.status_code == 405:
            message = f"{request.method} is not allowed on {request.url.path}" + ("; see /api/v1/docs" if _is_api(request) else "")
        return error_response(request, exc.status_code, message, headers=getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        return error_response(request, 422, validation_message(exc))

    @app.exception_handler(ConflictError)
    async def conflict_error(request: Request, exc: ConflictError) -> Response:
        return error_response(request, 409, str(exc), current=exc.current)

    @app.exception_handler(AccordWatchError)
    async def aw_error(request: Request, exc: AccordWatchError) -> Response:
        return error_response(request, _status_for(exc), str(exc))

    @app.exception_handler(auth.LoginRequired)
    async def login_required(request: Request, exc: auth.LoginRequired) -> Response:
        return RedirectResponse(auth.login_url(exc.next_url), status_code=303)


# ----------------------------------------------------------------- login and logout

_env = Environment(autoescape=select_autoescape(default=True, default_for_string=True))

LOGIN_TEMPLATE = _env.from_string("""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Log in — AccordWatch</title>{% if stylesheet %}<link rel="stylesheet" href="{{ stylesheet }}">{% endif %}</head>
<body><main class="login">
<h1>AccordWatch</h1>
{% if error %}<p class="error" role="alert">{{ error }}</p>{% endif %}
<form method="post" action="/login">
<input type="hidden" name="csrf_token" value="{{ csrf_token }}">
<input type="hidden" name="next" value="{{ next }}">
<p><label for="username">User name</label><br><input id="username" name="username" value="{{ username }}" autocomplete="username" required autofocus></p>
<p><label for="password">Password</label><br><input id="password" name="password" type="password" autocomplete="current-password" required></p>
<p><button type="submit">Log in</button></p>
</form>
<p>No account? An administrator creates one with <code>accordwatch users add NAME --role viewer</code>.</p>
</main></body></html>
""")


def _stylesheet() -> str | None:
    for name in ("app.css", "style.css", "accordwatch.css"):
        if (STATIC_DIR / name).is_file():
            return f"/static/{name}"
    return None


def render_login(request: Request, status: int = 200, error: str | None = None, next_url: str = "/", username: str = "",
                 headers: dict | None = None) -> Response:
    """The login form (``templates/login.html`` when the dashboard provides one), with a fresh login CSRF cookie.

    Template context: request, error, next, csrf_token, username, user (None), title, stylesheet.
    """
    token = secrets.token_urlsafe(24)
    ctx = {"request": request, "error": error, "next": auth.safe_next(next_url), "csrf_token": token, "username": username,
           "user": None, "title": "Log in", "stylesheet": _stylesheet()}
    if (TEMPLATES_DIR / "login.html").is_file():
        templates = getattr(request.app.state, "templates", None)
        if templates is None:
            from fastapi.templating import Jinja2Templates

            templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
        response: Response = templates.TemplateResponse(request, "login.html", ctx, status_code=status, headers=headers)
    else:
        response = HTMLResponse(LOGIN_TEMPLATE.render(**ctx), status_code=status, headers=headers)
    response.set_cookie(auth.LOGIN_CSRF_COOKIE, token, max_age=3600, path="/login", httponly=True, samesite="strict",
                        secure=auth.is_https(request))
    return response


def install_login_routes(app: FastAPI) -> None:
    @app.get("/login", include_in_schema=False)
    async def login_form(request: Request, next: str = "/") -> Response:  # noqa: A002 - the query parameter's name
        return render_login(request, next_url=next)

    @app.post("/login", include_in_schema=False)
    async def login(request: Request) -> Response:
        form = await request.form()
        username = str(form.get("username") or "").strip()[:128]
        password = str(form.get("password") or "")
        next_url = auth.safe_next(str(form.get("next") or "/"))
        sent = str(form.get(auth.CSRF_FIELD) or "")
        expected = request.cookies.get(auth.LOGIN_CSRF_COOKIE) or ""
        if not sent or not expected or not secrets.compare_digest(sent, expected):
            return render_login(request, 403, "The login form expired; please try again.", next_url, username)
        if not username or not password:
            return render_login(request, 400, "Give your user name and password.", next_url, username)
        throttle: auth.LoginThrottle = request.app.state.throttle
        ip = auth.client_ip(request)
        try:
            await throttle.before_attempt(username, ip)
        except auth.TooManyAttempts as exc:
            minutes = max(1, round(exc.retry_after / 60))
            return render_login(request, 429, f"Too many failed logins; wait {minutes} minute(s) and try again.", next_url, username,
                                headers={"Retry-After": str(exc.retry_after)})
        store = request.app.state.store
        user = await run_in_threadpool(store.get_user, username)
        ok = await run_in_threadpool(auth.verify_password, user["password_hash"] if user else None, password)
        if not ok or user is None or user["disabled"]:
            throttle.failed(username, ip)
            return render_login(request, 401, "Wrong user name or password.", next_url, username)
        throttle.succeeded(username, ip)
        response = RedirectResponse(next_url, status_code=303)
        auth.set_session_cookie(response, request, auth.make_session(request, user))
        response.delete_cookie(auth.LOGIN_CSRF_COOKIE, path="/login")
        return response

    @app.post("/logout", include_in_schema=False)
    async def logout(request: Request) -> Response:
        user = auth.current_user(request)
        if user is not None and user.via == "session":
            await auth.check_csrf(request, user)
        response = RedirectResponse("/login", status_code=303)
        auth.clear_session_cookie(response, request)
        return response
