"""Signed session cookies for browser users, and the secret that signs them."""

import hashlib
import hmac
import secrets
import time

from app.core.config import Settings

SESSION_COOKIE = "cp_session"
SHARE_COOKIE = "cp_share"  # a wallboard share token, scoped to the wallboard's mount
SHARE_MOUNT = "/wall"
SESSION_HOURS = 12


def session_secret(settings: Settings) -> str:
    """Return the signing secret: `CALLPULSE_SECRET_KEY`, else one kept in the data dir."""
    if settings.secret_key:
        return settings.secret_key
    path = settings.resolved_data_dir / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def sign_session(secret: str, user_id: int, now: float | None = None) -> str:
    """Return a session cookie value: user id, expiry and an HMAC of both."""
    expires = int((now or time.time()) + SESSION_HOURS * 3600)
    payload = f"{user_id}.{expires}"
    return f"{payload}.{hmac.new(secret.encode(), payload.encode(), hashlib.sha256).hexdigest()}"


def session_user(secret: str, value: str) -> int | None:
    """Return the user id of a valid, unexpired session cookie, else None."""
    try:
        user_id, expires, mac = value.split(".")
    except ValueError:
        return None
    expected = hmac.new(secret.encode(), f"{user_id}.{expires}".encode(), hashlib.sha256)
    if not hmac.compare_digest(mac, expected.hexdigest()) or int(expires) < time.time():
        return None
    return int(user_id)
