"""The gate in front of the pages: a share token or a logged-in user, or the login page.

A valid `?token=` becomes an HttpOnly, SameSite=Lax cookie scoped to the mount, and the
browser is sent to the same address without the token (every other parameter kept: a TV's
settings live there), so the token leaves the address bar, history and Referer. Lax, not
Strict: a link opened from another site must still carry the cookie through that redirect.
A user logs in at /login and gets a signed session cookie. Whatever the browser sends as identity
headers is dropped; the verified principal travels to Dash as one request header, which
callbacks read to scope every query. Share links are for wallboards: a mount guarded with
`share_links=False` (the SLA and plan pages) refuses any token and asks for a login. Each page
answers with a Content-Security-Policy that allows the Dash app's own inline scripts by hash.
"""

import json
import urllib.parse
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import asdict
from typing import Any

from a2wsgi import WSGIMiddleware
from dash import Dash
from starlette.concurrency import run_in_threadpool

from app.access.keys import Principal
from app.access.sessions import SESSION_COOKIE, SHARE_COOKIE, session_user
from app.access.users import share_principal, user_principal
from app.core.db import Database
from app.core.headers import content_security_policy
from dashboards import wall_changes

PRINCIPAL_HEADER = b"x-callpulse-principal"
SHARE_REFUSED = (
    "Share links open wallboards only; this page needs a login: {login} · "
    "分享链接仅用于实时监控大屏，查看此页面请登录：{login}"
)

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


class Guard:
    """ASGI app: serve a Dash page only to a verified principal, under its own CSP."""

    def __init__(
        self,
        page: Dash,
        database: Database,
        secret: str,
        mount: str,
        *,
        share_links: bool = True,
        changes: wall_changes.ChangeFeed | None = None,
    ) -> None:
        self.app: Any = WSGIMiddleware(page.server)  # type: ignore[arg-type]
        self.database, self.secret, self.mount = database, secret, mount
        self.share_links = share_links
        self.changes = changes  # answers `wall_changes.PATH` when given
        self.policy = content_security_policy(page.csp_hashes()).encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        send = _with_header(send, b"content-security-policy", self.policy)
        cookies = _cookies(scope)
        query = urllib.parse.parse_qs(scope.get("query_string", b"").decode())
        if not self.share_links and "token" in query:
            login = f"/login?next={urllib.parse.quote(self.mount + '/')}"
            await _respond(send, 403, SHARE_REFUSED.format(login=login))
            return
        shared = cookies.get(SHARE_COOKIE, "") if self.share_links else ""
        token = (query.get("token") or [shared])[0]
        principal = await run_in_threadpool(self._principal, token, cookies)
        if principal is None:
            if token:
                await _respond(
                    send,
                    403,
                    "This wallboard link was revoked or is wrong. "
                    "Ask for a new one: callpulse share create. 链接已失效。",
                )
            else:
                search = scope.get("query_string", b"").decode()
                target = urllib.parse.quote(self._path(scope) + (f"?{search}" if search else ""))
                await _redirect(send, f"/login?next={target}")
            return
        if "token" in query:
            cookie = f"{SHARE_COOKIE}={token}; Path={self.mount}; HttpOnly; SameSite=Lax"
            send = _with_header(send, b"set-cookie", cookie.encode())
            if scope.get("method") in ("GET", "HEAD"):
                query_string = scope.get("query_string", b"").decode()
                await _redirect(send, without_token(self._path(scope), query_string))
                return
        if self.changes is not None and self._path(scope) == self.mount + wall_changes.PATH:
            await wall_changes.stream_changes(receive, send, self.changes, principal, query)
            return
        headers = [(k, v) for k, v in scope["headers"] if k != PRINCIPAL_HEADER]
        headers.append((PRINCIPAL_HEADER, json.dumps(asdict(principal)).encode()))
        scope = {**scope, "headers": headers}
        await self.app(scope, receive, send)

    def _path(self, scope: Scope) -> str:
        """Return the path asked for, mount included."""
        path = scope.get("path", "/")
        return str(path if path.startswith(self.mount) else self.mount + path)

    def _principal(self, token: str, cookies: dict[str, str]) -> Principal | None:
        with self.database.session_scope() as session:
            if token:
                return share_principal(session, token)
            user_id = session_user(self.secret, cookies.get(SESSION_COOKIE, ""))
            return user_principal(session, user_id) if user_id else None


def without_token(path: str, query: str) -> str:
    """Return `path?query` minus every `token`; other parameters are kept verbatim, in order."""
    kept = [
        part
        for part in query.split("&")
        if part and urllib.parse.unquote_plus(part.split("=", 1)[0]) != "token"
    ]
    return urllib.parse.quote(path) + (f"?{'&'.join(kept)}" if kept else "")


def principal_from(headers: Any) -> Principal:
    """Read the principal the guard attached (for Dash callbacks)."""
    return Principal(**json.loads(headers[PRINCIPAL_HEADER.decode()]))


def _cookies(scope: Scope) -> dict[str, str]:
    raw = b"; ".join(v for k, v in scope["headers"] if k == b"cookie").decode()
    pairs = (part.strip().split("=", 1) for part in raw.split(";") if "=" in part)
    return {name: value for name, value in pairs}


def _with_header(send: Send, name: bytes, value: bytes) -> Send:
    async def wrapped(message: MutableMapping[str, Any]) -> None:
        if message["type"] == "http.response.start":
            message["headers"] = [*message.get("headers", []), (name, value)]
        await send(message)

    return wrapped


async def _respond(send: Send, status: int, text: str) -> None:
    body = text.encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"text/plain; charset=utf-8")],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def _redirect(send: Send, location: str) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": 302,
            "headers": [(b"location", location.encode()), (b"cache-control", b"no-store")],
        }
    )
    await send({"type": "http.response.body", "body": b""})
