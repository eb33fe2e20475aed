"""`GET/POST /login` and `/logout`: a password form for browser users (English and Chinese).

The password check (argon2, deliberately slow) runs in the thread pool, never on the event
loop, and at most `login_concurrency` run at once per process: the excess is refused at once
with 503 + Retry-After, so password guessing cannot stall the API. Failed logins are throttled
per user and per address (`app.access.throttle`).
"""

import html
import logging
import math
import urllib.parse
from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from app.access.keys import Principal
from app.access.sessions import (
    SESSION_COOKIE,
    SESSION_HOURS,
    SHARE_COOKIE,
    SHARE_MOUNT,
    session_secret,
    sign_session,
)
from app.access.throttle import (
    LoginLimits,
    clear_login_failures,
    login_wait_s,
    record_login_failure,
)
from app.access.users import authenticate
from app.core.db import Database, get_database

log = logging.getLogger(__name__)
router = APIRouter(include_in_schema=False)
WRONG = "Wrong user or password · 用户名或密码错误"
BUSY = "Too many sign-ins at this moment; try again in a second · 登录请求过多，请稍后再试"
THROTTLED = " · ".join(
    (
        "Too many failed sign-ins; try again in {s} s or ask an admin",
        "登录失败次数过多，请 {s} 秒后再试",
    )
)
TOO_LONG = "User name and password are too long · 用户名或密码过长"
BUSY_RETRY_S = 1
MAX_FORM_BYTES = 8192
PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>CallPulse · 登录</title><style>
body{{font-family:system-ui,"Noto Sans CJK SC",sans-serif;background:#111;color:#eee;
display:flex;justify-content:center;align-items:center;height:100vh;margin:0}}
form{{background:#1c1c1c;padding:2rem;border-radius:8px;min-width:18rem}}
label,input,button{{display:block;width:100%;margin-top:.6rem;font-size:1.1rem}}
.error{{color:#ffb000}}</style></head><body><form method="post" action="/login">
<h1>CallPulse</h1><p class="error">{error}</p>
<label for="username">User · 用户名</label><input id="username" name="username" required>
<label for="password">Password · 密码</label>
<input id="password" name="password" type="password" required>
<input type="hidden" name="next" value="{next}">
<button id="login" type="submit">Log in · 登录</button></form></body></html>"""


@dataclass
class LoginSlots:
    """Password checks in flight in this process; only the event loop thread touches it."""

    free: int


@dataclass(frozen=True)
class Outcome:
    """What a login attempt came to: a principal, or the seconds to wait, or neither."""

    principal: Principal | None = None
    wait_s: float = 0.0


def _safe_next(target: str) -> str:
    safe = target.startswith("/") and not target.startswith("//") and "\\" not in target
    return target if safe else "/wall/"


def _form(error: str, target: str, status: int, retry_after_s: int | None = None) -> HTMLResponse:
    page = PAGE.format(error=html.escape(error), next=html.escape(target))
    headers = {"Retry-After": str(retry_after_s)} if retry_after_s else None
    return HTMLResponse(page, status_code=status, headers=headers)


@router.get("/login")
def login_form(next: str = "/wall/") -> HTMLResponse:
    """Show the login form."""
    return _form("", _safe_next(next), 200)


@router.post("/login")
async def login(request: Request) -> Response:
    """Check the password; on success set a signed session cookie and go on."""
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        return _form(TOO_LONG, "/wall/", 413)
    form = urllib.parse.parse_qs(body.decode(errors="replace"))
    username = (form.get("username") or [""])[0]
    password = (form.get("password") or [""])[0]
    target = _safe_next((form.get("next") or ["/wall/"])[0])
    address = (request.client.host if request.client else "unknown")[:64]
    slots = _slots(request)
    if slots.free <= 0:
        return _form(BUSY, target, 503, BUSY_RETRY_S)
    slots.free -= 1
    try:
        settings = request.app.state.settings
        limits = LoginLimits.from_settings(settings)
        outcome = await run_in_threadpool(
            _check, get_database(request), limits, username, password, address
        )
    finally:
        slots.free += 1
    if outcome.wait_s:
        wait = math.ceil(outcome.wait_s)
        log.warning("login throttled: user %r from %s, retry in %d s", username, address, wait)
        return _form(THROTTLED.format(s=wait), target, 429, wait)
    if outcome.principal is None:
        return _form(WRONG, target, 401)
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        sign_session(session_secret(settings), -outcome.principal.key_id),
        max_age=SESSION_HOURS * 3600,
        httponly=True,
        samesite="lax",
    )
    return response


@router.api_route("/logout", methods=["GET", "POST"])
def logout() -> Response:
    """Forget the session and the wallboard link on this browser, and show the login form."""
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, httponly=True, samesite="lax")
    response.delete_cookie(SHARE_COOKIE, path=SHARE_MOUNT, httponly=True, samesite="lax")
    return response


def _slots(request: Request) -> LoginSlots:
    """Return this app's login slots, made on first use from `login_concurrency`."""
    state = request.app.state
    if not hasattr(state, "login_slots"):
        state.login_slots = LoginSlots(state.settings.login_concurrency)
    return state.login_slots  # type: ignore[no-any-return]


def _check(
    database: Database, limits: LoginLimits, username: str, password: str, address: str
) -> Outcome:
    """Run in a worker thread: the throttle, then argon2; count a failure, clear on success."""
    with database.session_scope() as session:
        wait_s = login_wait_s(session, limits, username, address)
        if wait_s:
            return Outcome(wait_s=wait_s)
        principal = authenticate(session, username, password)
        if principal is None:
            record_login_failure(session, limits, username, address)
        else:
            clear_login_failures(session, username)
        return Outcome(principal=principal)
