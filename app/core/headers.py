"""Security headers on every answer, Secure cookies over HTTPS, and trusted proxies.

Every response gets a Content-Security-Policy (scripts from this origin only, unless a page
sets its own policy with the hashes of its inline scripts), framing refused, `nosniff` and no
Referer. Cookies are marked Secure when `CALLPULSE_COOKIE_SECURE` says so (`auto`: the request
came over HTTPS). A proxy's X-Forwarded-Proto/-For count only from the addresses in
`CALLPULSE_TRUSTED_PROXIES`.
"""

from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from typing import Any

from fastapi import FastAPI
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from app.core.config import Settings

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

FIXED_HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
)


def content_security_policy(script_sources: Iterable[str] = ()) -> str:
    """Return the policy: everything from this origin only, plus the given script sources.

    Styles allow 'unsafe-inline': Dash components, Plotly and Swagger UI set inline styles.
    """
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'", *script_sources],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
    return "; ".join(f"{name} {' '.join(sources)}" for name, sources in directives.items())


DEFAULT_POLICY = content_security_policy().encode()


def is_https(scope: Scope, mode: str) -> bool:
    """Tell whether cookies of this request get the Secure flag."""
    return mode == "true" or (mode == "auto" and scope.get("scheme") == "https")


class SecurityHeaders:
    """ASGI middleware: add the security headers and Secure cookies to every response."""

    def __init__(self, app: ASGIApp, cookie_secure: str) -> None:
        self.app, self.cookie_secure = app, cookie_secure

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        secure = is_https(scope, self.cookie_secure)
        https = scope.get("scheme") == "https"

        async def send_hardened(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = _hardened(list(message.get("headers", [])), secure, https)
            await send(message)

        await self.app(scope, receive, send_hardened)


def _hardened(headers: list[tuple[bytes, bytes]], secure: bool, https: bool) -> list[Any]:
    names = {name.lower() for name, _ in headers}
    added = [(name, value) for name, value in FIXED_HEADERS if name not in names]
    if b"content-security-policy" not in names:
        added.append((b"content-security-policy", DEFAULT_POLICY))
    if https:
        added.append((b"strict-transport-security", b"max-age=31536000"))
    if secure:
        headers = [
            (name, value + b"; Secure")
            if name.lower() == b"set-cookie" and b"; secure" not in value.lower()
            else (name, value)
            for name, value in headers
        ]
    return headers + added


def install_security_headers(api: FastAPI, settings: Settings) -> None:
    """Add the security headers, and believe forwarded headers from trusted proxies only."""
    api.add_middleware(SecurityHeaders, cookie_secure=settings.cookie_secure)
    proxies = [p.strip() for p in settings.trusted_proxies.split(",") if p.strip()]
    if proxies:  # outermost: the scheme and address are settled before anything reads them
        api.add_middleware(ProxyHeadersMiddleware, trusted_hosts=proxies)
