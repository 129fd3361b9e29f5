"""Who is asking, and may they? Passwords, sessions, API tokens, CSRF, roles.

- Passwords are hashed with Argon2id (argon2-cffi).
- A browser session is a cookie (``aw_session``) signed with itsdangerous:
  HttpOnly, SameSite=Lax, Secure when served over https, valid 12 hours. It
  names the user and carries a random CSRF token; the user's role is read
  from the database on every request, and changing the password ends every
  session of that user.
- The signing secret is ``$ACCORDWATCH_SECRET``, or a random secret created
  on first use and kept in the database (meta key ``web_secret``).
- CSRF: every form POST carries the session's token in the field
  ``csrf_token``; a cookie-authenticated JSON POST sends it in the header
  ``X-CSRF-Token``. Requests with ``Authorization: Bearer <token>`` need none
  (a browser never adds that header by itself).
- Roles: viewer < analyst < admin. ``require_api(role)`` answers 401/403 as
  JSON; ``require_page(role)`` redirects anonymous users to
  ``/login?next=...``. With ``public_read`` anonymous users may read (GET)
  what a viewer may read; every write still needs a login.
- Failed logins are slowed down per user name and per client address:
  after 3 failures within 15 minutes each attempt waits 2**(n-3) s (at most
  8 s); after 10 the answer is 429 until the window has passed.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import os
import secrets
import time
from collections import deque
from dataclasses import dataclass
from typing import Any, Callable
from urllib.parse import quote

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from fastapi import HTTPException, Request
from itsdangerous import BadSignature, URLSafeTimedSerializer

ROLES = ("viewer", "analyst", "admin")
RANK = {r: i for i, r in enumerate(ROLES)}
SESSION_COOKIE = "aw_session"
LOGIN_CSRF_COOKIE = "aw_login_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
SESSION_MAX_AGE = 12 * 3600
SECRET_ENV = "ACCORDWATCH_SECRET"
SECRET_META_KEY = "web_secret"
TOKEN_PREFIX = "aw_"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

_hasher = PasswordHasher()
_UNSET = object()
_DUMMY_HASH: str | None = None


# ----------------------------------------------------------------- passwords and tokens


def hash_password(password: str) -> str:
    """Argon2id hash of a password (to store in the users table)."""
    if not password:
        raise ValueError("empty password")
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True if ``password`` matches; an unknown user (hash None) costs the same time."""
    global _DUMMY_HASH
    if password_hash is None:
        if _DUMMY_HASH is None:
            _DUMMY_HASH = _hasher.hash(secrets.token_hex(16))
        password_hash, password = _DUMMY_HASH, password + "\x00never"
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def new_token() -> str:
    """A new API token (shown once; only its hash is stored)."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


# ----------------------------------------------------------------- users


@dataclass(frozen=True)
class User:
    name: str
    role: str
    via: str  # "session" or "token"
    csrf: str | None = None  # the session's CSRF token (None for API tokens)

    def can(self, role: str) -> bool:
        return RANK.get(self.role, -1) >= RANK[role]


def web_secret(store) -> str:  # noqa: ANN001
    """``$ACCORDWATCH_SECRET`` or the database's own secret (created on first use)."""
    env = os.environ.get(SECRET_ENV, "").strip()
    if env:
        return env
    secret = store.get_meta(SECRET_META_KEY)
    if not secret:
        store.set_meta(SECRET_META_KEY, secrets.token_urlsafe(48))
        secret = store.get_meta(SECRET_META_KEY)  # whoever wrote first wins
    assert secret
    return secret


def serializer(secret: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt="accordwatch-session")


def _pw_tag(password_hash: str) -> str:
    return hashlib.sha256(password_hash.encode("utf-8")).hexdigest()[:16]


def make_session(request: Request, user: dict[str, Any]) -> str:
    """The signed cookie value for a logged-in user (with a fresh CSRF token)."""
    data = {"u": user["name"], "c": secrets.token_urlsafe(24), "p": _pw_tag(user["password_hash"])}
    return request.app.state.serializer.dumps(data)


def is_https(request: Request) -> bool:
    return request.url.scheme == "https"


def set_session_cookie(response, request: Request, value: str) -> None:  # noqa: ANN001
    response.set_cookie(
        SESSION_COOKIE, value, max_age=SESSION_MAX_AGE, path="/", httponly=True, samesite="lax", secure=is_https(request)
    )


def clear_session_cookie(response, request: Request) -> None:  # noqa: ANN001
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=is_https(request))


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if not header:
        return None
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return ""  # present but not a bearer token: treated as invalid
    return value.strip()


def current_user(request: Request) -> User | None:
    """The user behind the request (API token first, then session cookie), or None.

    A bad token sets ``request.state.auth_problem`` so the answer can say why.
    """
    cached = getattr(request.state, "aw_user", _UNSET)
    if cached is not _UNSET:
        return cached
    user: User | None = None
    store = request.app.state.store
    token = _bearer(request)
    if token is not None:
        found = store.user_for_token(token_hash(token)) if token else None
        if found is None:
            request.state.auth_problem = (
                "the API token is unknown or revoked; create one with `accordwatch tokens create NAME --user USER` "
                "and send it as 'Authorization: Bearer <token>'"
            )
        else:
            user = User(found["name"], found["role"], "token")
    else:
        raw = request.cookies.get(SESSION_COOKIE)
        if raw:
            try:
                data = request.app.state.serializer.loads(raw, max_age=SESSION_MAX_AGE)
            except BadSignature:
                data = None
            if isinstance(data, dict) and isinstance(data.get("u"), str):
                found = store.get_user(data["u"])
                if found and not found["disabled"] and data.get("p") == _pw_tag(found["password_hash"]):
                    user = User(found["name"], found["role"], "session", str(data.get("c") or ""))
            if user is None:
                request.state.auth_problem = "your session has expired or is no longer valid; log in again"
    request.state.aw_user = user
    return user


def csrf_token(request: Request) -> str | None:
    """The CSRF token to put in forms (hidden field ``csrf_token``) for this session."""
    user = current_user(request)
    return user.csrf if user is not None else None


async def check_csrf(request: Request, user: User | None) -> None:
    """403 unless a cookie-authenticated unsafe request carries the session's CSRF token."""
    if request.method in SAFE_METHODS or user is None or user.via != "session":
        return
    sent = request.headers.get(CSRF_HEADER)
    if not sent:
        ctype = request.headers.get("content-type", "")
        if ctype.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            value = form.get(CSRF_FIELD)
            sent = value if isinstance(value, str) else None
    if not sent or not user.csrf or not hmac.compare_digest(sent.encode(), user.csrf.encode()):
        raise HTTPException(
            403,
            f"missing or wrong CSRF token; send the session's token in the form field '{CSRF_FIELD}' "
            f"or the header '{CSRF_HEADER}' (API clients: use an API token instead)",
        )


class LoginRequired(Exception):
    """Raised by page dependencies for anonymous users: the app redirects to /login."""

    def __init__(self, next_url: str):
        super().__init__(next_url)
        self.next_url = next_url


def login_url(next_url: str) -> str:
    return "/login?next=" + quote(next_url, safe="/")


def safe_next(value: str | None) -> str:
    """A local path to go to after login (never another site)."""
    if not value or not value.startswith("/") or value.startswith(("//", "/\\")) or any(c in value for c in "\r\n\t"):
        return "/"
    return value


def _require(role: str, page: bool) -> Callable:
    if role not in RANK:
        raise ValueError(f"unknown role {role!r}; use one of {ROLES}")

    async def dependency(request: Request) -> User | None:
        user = current_user(request)
        if user is None:
            problem = getattr(request.state, "auth_problem", None)
            public = request.app.state.settings.public_read
            if public and role == "viewer" and request.method in SAFE_METHODS and not problem:
                return None  # anonymous reader
            if page and not problem:
                target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
                raise LoginRequired(target)
            raise HTTPException(
                401,
                problem or "log in first (POST /login) or send 'Authorization: Bearer <token>' "
                "(create one with `accordwatch tokens create NAME --user USER`)",
                headers={"WWW-Authenticate": "Bearer"},
            )
        if not user.can(role):
            raise HTTPException(403, f"user {user.name!r} is a {user.role}; this needs the {role} role (ask an admin: `accordwatch users set-role {user.name} {role}`)")
        await check_csrf(request, user)
        return user

    dependency.__name__ = f"require_{'page' if page else 'api'}_{role}"
    return dependency


def require_api(role: str = "viewer") -> Callable:
    """FastAPI dependency for API routes: 401/403 JSON errors. Returns the User (None = anonymous public read)."""
    return _require(role, page=False)


def require_page(role: str = "viewer") -> Callable:
    """FastAPI dependency for HTML pages: anonymous users go to /login?next=...; 403 for a missing role."""
    return _require(role, page=True)


# ----------------------------------------------------------------- login throttling


class TooManyAttempts(Exception):
    def __init__(self, retry_after: int):
        super().__init__(retry_after)
        self.retry_after = retry_after


async def sleep(seconds: float) -> None:
    """The throttle's pause (tests replace it)."""
    await asyncio.sleep(seconds)


class LoginThrottle:
    """Failed logins per user name and per client address, in memory (per process).

    Every failure within ``window`` seconds counts; after ``free`` failures an
    attempt first waits ``min(2**(n-free), max_delay)`` seconds; after
    ``block`` failures attempts are refused (429) until old failures expire.
    """

    def __init__(self, free: int = 3, block: int = 10, window: float = 15 * 60, max_delay: float = 8, max_keys: int = 50_000,
                 clock: Callable[[], float] = time.monotonic):
        self.free, self.block, self.window, self.max_delay, self.max_keys = free, block, window, max_delay, max_keys
        self.clock = clock
        self._failures: dict[str, deque[float]] = {}

    def _count(self, key: str, now: float) -> int:
        q = self._failures.get(key)
        if not q:
            return 0
        while q and now - q[0] > self.window:
            q.popleft()
        if not q:
            del self._failures[key]
            return 0
        return len(q)

    def _keys(self, name: str, ip: str) -> list[str]:
        return [f"user:{name.strip().lower()}", f"ip:{ip}"]

    def failures(self, name: str, ip: str) -> int:
        now = self.clock()
        return max(self._count(k, now) for k in self._keys(name, ip))

    async def before_attempt(self, name: str, ip: str) -> None:
        """Wait (or raise TooManyAttempts) according to the failures so far."""
        now = self.clock()
        n = self.failures(name, ip)
        if n >= self.block:
            oldest = min(q[0] for k in self._keys(name, ip) if (q := self._failures.get(k)) and len(q) >= self.block)
            raise TooManyAttempts(max(1, int(self.window - (now - oldest)) + 1))
        if n >= self.free:
            await sleep(min(2 ** (n - self.free), self.max_delay))

    def failed(self, name: str, ip: str) -> None:
        now = self.clock()
        if len(self._failures) >= self.max_keys:  # forget expired keys; never grow without bound
            for k in list(self._failures):
                self._count(k, now)
            while len(self._failures) >= self.max_keys:
                self._failures.pop(next(iter(self._failures)))
        for k in self._keys(name, ip):
            self._failures.setdefault(k, deque()).append(now)

    def succeeded(self, name: str, ip: str) -> None:
        self._failures.pop(self._keys(name, ip)[0], None)


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"
