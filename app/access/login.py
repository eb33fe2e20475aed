"""`GET/POST /login`: a password form for browser users (English and Chinese)."""

import html
import urllib.parse

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.access.sessions import SESSION_COOKIE, SESSION_HOURS, session_secret, sign_session
from app.access.users import authenticate
from app.core.db import get_database

router = APIRouter(include_in_schema=False)

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


def _safe_next(target: str) -> str:
    return target if target.startswith("/") and not target.startswith("//") else "/wall/"


@router.get("/login")
def login_form(next: str = "/wall/") -> HTMLResponse:
    """Show the login form."""
    return HTMLResponse(PAGE.format(error="", next=html.escape(_safe_next(next))))


@router.post("/login")
async def login(request: Request) -> Response:
    """Check the password; on success set a signed session cookie and go on."""
    form = urllib.parse.parse_qs((await request.body()).decode())
    username = (form.get("username") or [""])[0]
    password = (form.get("password") or [""])[0]
    target = _safe_next((form.get("next") or ["/wall/"])[0])
    database = get_database(request)
    with database.session_scope() as session:
        principal = authenticate(session, username, password)
    if principal is None:
        error = "Wrong user or password · 用户名或密码错误"
        return HTMLResponse(PAGE.format(error=error, next=html.escape(target)), status_code=401)
    secret = session_secret(request.app.state.settings)
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        sign_session(secret, -principal.key_id),
        max_age=SESSION_HOURS * 3600,
        httponly=True,
        samesite="lax",
    )
    return response
