"""Notifier payloads in each service's own format, signing, and delivery with retries.

Payload builders are pure; `deliver` sends one message, retrying with backoff, and
returns every attempt for the delivery log.
"""

import base64
import hashlib
import hmac
import json
import smtplib
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

import httpx

RETRY_DELAYS_S = (0.5, 1.0, 2.0)


@dataclass(frozen=True)
class AlertMessage:
    """What every notifier says about an alert."""

    alert_id: int
    event: str  # opened | escalated | resolved | acknowledged
    state: str
    rule: str
    severity: str
    client: str
    queue: str
    metric: str
    op: str
    value: float | None
    threshold: float
    opened_at: str

    @property
    def text(self) -> str:
        """One line for chat apps, in English and Chinese."""
        value = "n/a" if self.value is None else f"{self.value:.4g}"
        return (
            f"[CallPulse {self.severity.upper()}] {self.event}: {self.queue} {self.metric} "
            f"{value} {self.op} {self.threshold:g} (rule {self.rule}) · 告警 {self.state}"
        )

    def as_json(self) -> dict[str, Any]:
        """The generic webhook payload."""
        return {
            "alert_id": self.alert_id,
            "event": self.event,
            "state": self.state,
            "rule": self.rule,
            "severity": self.severity,
            "client": self.client,
            "queue": self.queue,
            "metric": self.metric,
            "op": self.op,
            "value": self.value,
            "threshold": self.threshold,
            "opened_at": self.opened_at,
        }


@dataclass(frozen=True)
class Attempt:
    """One delivery attempt."""

    attempt: int
    ok: bool
    status_code: int | None
    error: str | None


def dingtalk_url(url: str, secret: str | None, now_ms: int) -> str:
    """Sign a DingTalk robot URL: HMAC-SHA256 of "timestamp\\nsecret" keyed by the secret."""
    if not secret:
        return url
    digest = hmac.new(secret.encode(), f"{now_ms}\n{secret}".encode(), hashlib.sha256).digest()
    sign = urllib.parse.quote_plus(base64.b64encode(digest))
    return f"{url}{'&' if '?' in url else '?'}timestamp={now_ms}&sign={sign}"


def feishu_sign(secret: str, now_s: int) -> str:
    """Sign a Feishu bot message: HMAC-SHA256 keyed by "timestamp\\nsecret" over nothing."""
    digest = hmac.new(f"{now_s}\n{secret}".encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def request_for(
    kind: str, url: str, secret: str | None, message: AlertMessage, now: float
) -> tuple[str, dict[str, Any], dict[str, str]]:
    """Return URL, JSON body and headers for a chat or webhook notifier."""
    if kind == "slack":
        return url, {"text": message.text}, {}
    if kind == "dingtalk":
        markdown = {"title": f"CallPulse {message.event}", "text": message.text}
        return (
            dingtalk_url(url, secret, int(now * 1000)),
            {"msgtype": "markdown", "markdown": markdown},
            {},
        )
    if kind == "wecom":
        return url, {"msgtype": "markdown", "markdown": {"content": message.text}}, {}
    if kind == "feishu":
        body: dict[str, Any] = {"msg_type": "text", "content": {"text": message.text}}
        if secret:
            body = {"timestamp": str(int(now)), "sign": feishu_sign(secret, int(now)), **body}
        return url, body, {}
    payload = message.as_json()
    headers = {}
    if secret:
        raw = json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()
        headers["X-CallPulse-Signature"] = hmac.new(
            secret.encode(), raw, hashlib.sha256
        ).hexdigest()
    return url, payload, headers


def deliver(
    kind: str,
    url: str | None,
    secret: str | None,
    options: dict[str, Any],
    message: AlertMessage,
    sleep: Callable[[float], None] = time.sleep,
) -> list[Attempt]:
    """Send one message, retrying after failures; return every attempt."""
    attempts: list[Attempt] = []
    for number, delay in enumerate((0.0, *RETRY_DELAYS_S), start=1):
        if delay:
            sleep(delay)
        try:
            status = _send(kind, url, secret, options, message)
            ok = status is None or 200 <= status < 300
            attempts.append(Attempt(number, ok, status, None if ok else f"HTTP {status}"))
        except (httpx.HTTPError, OSError, smtplib.SMTPException) as exc:
            attempts.append(Attempt(number, False, None, f"{type(exc).__name__}: {exc}"[:500]))
        if attempts[-1].ok:
            break
    return attempts


def _send(
    kind: str, url: str | None, secret: str | None, options: dict[str, Any], message: AlertMessage
) -> int | None:
    if kind == "email":
        mail = EmailMessage()
        mail["Subject"] = message.text
        mail["From"] = options.get("sender", "callpulse@localhost")
        mail["To"] = ", ".join(options["to"])
        mail.set_content(json.dumps(message.as_json(), indent=2, ensure_ascii=False))
        with smtplib.SMTP(options["smtp_host"], options.get("smtp_port", 25), timeout=5) as smtp:
            smtp.send_message(mail)
        return None
    target, body, headers = request_for(kind, url or "", secret, message, time.time())
    response = httpx.post(target, json=body, headers=headers, timeout=5)
    return response.status_code
