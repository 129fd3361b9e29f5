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
    pages = _pages_module()
    if pages is not None and hasattr(pages, "error_page"):
        try:
            response = pages.error_page(request, status, message)
            for k, v in (headers or {}).items():
                response.headers[k] = v
            return response
        except Exception:  # noqa: BLE001 - fall back to the plain page below
            pass
    page = (
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>AccordWatch: {s}</title></head>"
        "<body><main><h1>{s}</h1><p>{m}</p><p><a href=\"/\">AccordWatch</a></p></main></body></html>"
    ).format(s=status, m=html.escape(message))
    return HTMLResponse(page, status_code=status, headers=headers)


def _pages_module():  # noqa: ANN202
    """``accordwatch.web.pages`` when the dashboard is installed, else None."""
    try:
        from . import pages
    except ImportError as exc:
        if exc.name != f"{__package__}.pages":
            raise
        return None
    return pages


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
        if e.get("type") == "value_error" and e.get("ctx", {}).get("error") is not None:
            parts.append(f"{label} {name}: {e['ctx']['error']}")
        elif e.get("type", "").startswith(_DATE_ERRORS) or "date" in e.get("type", ""):
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
    pages = _pages_module()
    if pages is not None and (TEMPLATES_DIR / "login.html").is_file():
        page_ctx = {k: v for k, v in ctx.items() if k not in ("request", "user")}
        response: Response = pages.render(request, "login.html", status_code=status, **page_ctx)
        for k, v in (headers or {}).items():
            response.headers[k] = v
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


# ----------------------------------------------------------------- offline API reference

DOCS_TEMPLATE = _env.from_string("""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }} — API reference</title>{% if stylesheet %}<link rel="stylesheet" href="{{ stylesheet }}">{% endif %}</head>
<body><main class="api-docs">
<h1>{{ title }} {{ version }} — API reference</h1>
<p>{{ description }}</p>
<p>Machine-readable: <a href="{{ openapi_url }}">{{ openapi_url }}</a> (OpenAPI {{ openapi_version }}).</p>
<h2>Authentication</h2>
<ul>
<li>Scripts: <code>Authorization: Bearer &lt;token&gt;</code> (create a token with <code>accordwatch tokens create NAME --user USER</code>).</li>
<li>Browsers: the session cookie from <a href="/login">/login</a>; a POST then needs the header <code>X-CSRF-Token</code> (see <code>GET {{ prefix }}/me</code>).</li>
<li>Roles: viewer (read), analyst (review evidence, ingest), admin. Errors are <code>{"error": {"status": …, "message": …}}</code>.</li>
</ul>
<h2>Operations</h2>
<ul>{% for op in ops %}<li><a href="#{{ op.anchor }}"><code>{{ op.method }} {{ op.path }}</code></a> — {{ op.summary }}</li>{% endfor %}</ul>
{% for op in ops %}
<section id="{{ op.anchor }}">
<h3><code>{{ op.method }} {{ op.path }}</code></h3>
<p>{{ op.summary }}</p>{% if op.description and op.description != op.summary %}<p>{{ op.description }}</p>{% endif %}
{% if op.params %}<table><caption>Parameters</caption><thead><tr><th>name</th><th>in</th><th>type</th><th>required</th><th>description</th></tr></thead><tbody>
{% for p in op.params %}<tr><td><code>{{ p.name }}</code></td><td>{{ p.where }}</td><td>{{ p.type }}</td><td>{{ "yes" if p.required else "no" }}</td><td>{{ p.description }}</td></tr>{% endfor %}
</tbody></table>{% endif %}
{% if op.body %}<p>Request body: {{ op.body }}</p>{% endif %}
<table><caption>Responses</caption><thead><tr><th>status</th><th>description</th><th>body</th></tr></thead><tbody>
{% for r in op.responses %}<tr><td>{{ r.status }}</td><td>{{ r.description }}</td><td>{{ r.type }}</td></tr>{% endfor %}
</tbody></table>
</section>
{% endfor %}
<h2>Schemas</h2>
{% for s in schemas %}<section id="schema-{{ s.name }}"><h3>{{ s.name }}</h3>{% if s.description %}<p>{{ s.description }}</p>{% endif %}
<table><thead><tr><th>field</th><th>type</th><th>required</th><th>description</th></tr></thead><tbody>
{% for f in s.fields %}<tr><td><code>{{ f.name }}</code></td><td>{{ f.type }}</td><td>{{ "yes" if f.required else "no" }}</td><td>{{ f.description }}</td></tr>{% endfor %}
</tbody></table></section>{% endfor %}
</main></body></html>
""")


def _type_of(schema: dict | None) -> str:
    """A short human name for a JSON schema: ``integer``, ``list of EventOut``, ``date or null``."""
    if not schema:
        return "any"
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    for key in ("anyOf", "oneOf"):
        if key in schema:
            return " or ".join(dict.fromkeys(_type_of(s) for s in schema[key]))
    t = schema.get("type")
    if t == "array":
        return f"list of {_type_of(schema.get('items'))}"
    if t == "object" and "additionalProperties" in schema and isinstance(schema["additionalProperties"], dict):
        return f"map of {_type_of(schema['additionalProperties'])}"
    if "enum" in schema:
        return " | ".join(str(v) for v in schema["enum"])
    if schema.get("contentMediaType") == "application/octet-stream":
        return "file"
    if schema.get("format") in ("date", "date-time", "binary"):
        return {"binary": "file"}.get(schema["format"], schema["format"])
    return str(t or "any")


def docs_context(openapi: dict[str, Any]) -> dict[str, Any]:
    ops = []
    for path, item in openapi.get("paths", {}).items():
        for method, op in item.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            params = [
                {"name": p["name"], "where": p.get("in", ""), "type": _type_of(p.get("schema")), "required": p.get("required", False),
                 "description": p.get("description") or p.get("schema", {}).get("description", "")}
                for p in op.get("parameters", [])
            ]
            body = ""
            if "requestBody" in op:
                content = op["requestBody"].get("content", {})
                body = "; ".join(f"{ct}: {_type_of(c.get('schema'))}" for ct, c in content.items())
            responses = []
            for status, r in op.get("responses", {}).items():
                content = r.get("content", {})
                responses.append({"status": status, "description": r.get("description", ""),
                                  "type": ", ".join(_type_of(c.get("schema")) for c in content.values())})
            anchor = f"{method}-{path}".replace("/", "-").replace("{", "").replace("}", "").strip("-")
            ops.append({"method": method.upper(), "path": path, "summary": op.get("summary", ""), "description": op.get("description", ""),
                        "params": params, "body": body, "responses": responses, "anchor": anchor})
    schemas = []
    for name, s in sorted(openapi.get("components", {}).get("schemas", {}).items()):
        required = set(s.get("required", []))
        fields = [{"name": k, "type": _type_of(v), "required": k in required, "description": v.get("description", "")}
                  for k, v in s.get("properties", {}).items()]
        schemas.append({"name": name, "description": s.get("description", ""), "fields": fields})
    info = openapi.get("info", {})
    return {"title": info.get("title", "API"), "version": info.get("version", ""), "description": info.get("description", ""),
            "openapi_version": openapi.get("openapi", ""), "ops": ops, "schemas": schemas}


# ----------------------------------------------------------------- the application


def create_app(db_url: str | None = None, public_read: bool = False, agreements_dirs: list[Path] | None = None) -> FastAPI:
    """The AccordWatch web application on the database ``db_url`` (default: as the CLI).

    ``public_read`` lets anonymous users read pages and GET the API; writes
    always need a login. ``agreements_dirs`` are extra folders of agreement files.
    """
    from ..store import Store
    from .api import router as api_router

    store = Store(db_url)
    store.upgrade()

    @asynccontextmanager
    async def lifespan(_app: FastAPI):  # noqa: ANN202
        yield
        store.close()

    from .. import __version__

    app = _App(
        title="AccordWatch",
        version=__version__,
        description="Is a ceasefire or peace agreement being carried out? Agreements as provisions, events from dated "
                    "reports, status for any date (as_of) and state of knowledge (known_at).",
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=None,
        redoc_url=None,
        swagger_ui_oauth2_redirect_url=None,
        lifespan=lifespan,
    )
    app.state.store = store
    app.state.settings = Settings(db_url=db_url, public_read=public_read, agreements_dirs=[Path(p) for p in (agreements_dirs or [])])
    app.state.serializer = auth.serializer(auth.web_secret(store))
    app.state.throttle = auth.LoginThrottle()
    install_error_handlers(app)

    if STATIC_DIR.is_dir():
        from fastapi.staticfiles import StaticFiles

        app.mount("/static", StaticFiles(directory=str(STATIC_DIR)), name="static")

    app.include_router(api_router, prefix=API_PREFIX)

    @app.get(f"{API_PREFIX}/docs", include_in_schema=False)
    async def api_docs(request: Request) -> Response:
        ctx = docs_context(app.openapi())
        return HTMLResponse(DOCS_TEMPLATE.render(**ctx, openapi_url=f"{API_PREFIX}/openapi.json", prefix=API_PREFIX, stylesheet=_stylesheet()))

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> Response:
        try:
            ok = await run_in_threadpool(lambda: store.revision() == store.head())
        except Exception:  # noqa: BLE001 - any database failure means not healthy
            ok = False
        return JSONResponse({"status": "ok" if ok else "database unavailable or not migrated"}, status_code=200 if ok else 503)

    install_login_routes(app)

    pages = _pages_module()
    pages_router = getattr(pages, "router", None)
    if pages_router is not None:
        app.include_router(pages_router, include_in_schema=False)
    else:
        @app.get("/", include_in_schema=False)
        async def home() -> Response:
            return RedirectResponse(f"{API_PREFIX}/docs", status_code=303)

    return app


# How `accordwatch serve --workers N` hands its options to each worker process.
APP_ENV = {"db": "ACCORDWATCH_SERVE_DB", "public_read": "ACCORDWATCH_SERVE_PUBLIC_READ", "agreements": "ACCORDWATCH_SERVE_AGREEMENTS"}


def create_app_from_env() -> FastAPI:
    """The application from the ``APP_ENV`` variables (``uvicorn --factory``, one call per worker process)."""
    import os

    dirs = [Path(p) for p in os.environ.get(APP_ENV["agreements"], "").split(os.pathsep) if p]
    app = create_app(os.environ.get(APP_ENV["db"]) or None, public_read=bool(os.environ.get(APP_ENV["public_read"])),
                     agreements_dirs=dirs)
    settle_for_serving()
    return app


def settle_for_serving() -> None:
    """Call once the app is built, before serving.

    Everything loaded so far (modules, agreements, the app) lives as long as the
    server: keep it out of the garbage collector's full passes, which otherwise
    walk it all every few requests (tens of ms added to a status answer's tail).
    """
    import gc

    gc.freeze()
