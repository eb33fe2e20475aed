"""Each notifier sends its service's documented payload and signature to a real receiver."""

import base64
import hashlib
import hmac
import json
import urllib.parse

import pytest

from app.alerts.notifiers import AlertMessage, deliver
from tests.alerts.receivers import HttpReceiver, SmtpReceiver

MESSAGE = AlertMessage(
    alert_id=7,
    event="opened",
    state="open",
    rule="sl-drop",
    severity="critical",
    client="acme",
    queue="acme-cards",
    metric="service_level",
    op="<",
    value=0.62,
    threshold=0.8,
    opened_at="2026-11-20T10:00:00+08:00",
)


@pytest.fixture
def receiver():
    server = HttpReceiver()
    yield server
    server.close()


def test_webhook_carries_queue_rule_metric_value_threshold_state_and_signature(receiver):
    [attempt] = deliver("webhook", receiver.url + "/hook", "s3cret", {}, MESSAGE)
    assert attempt.ok and attempt.status_code == 200
    [request] = receiver.requests
    body = request["json"]
    assert {k: body[k] for k in ("queue", "rule", "metric", "value", "threshold", "state")} == {
        "queue": "acme-cards",
        "rule": "sl-drop",
        "metric": "service_level",
        "value": 0.62,
        "threshold": 0.8,
        "state": "open",
    }
    raw = json.dumps(body, separators=(",", ":"), sort_keys=True).encode()
    expected = hmac.new(b"s3cret", raw, hashlib.sha256).hexdigest()
    assert request["headers"]["X-CallPulse-Signature"] == expected


def test_slack_and_wecom_formats(receiver):
    deliver("slack", receiver.url, None, {}, MESSAGE)
    deliver("wecom", receiver.url, None, {}, MESSAGE)
    slack, wecom = (r["json"] for r in receiver.requests)
    assert "acme-cards service_level 0.62 < 0.8" in slack["text"]
    assert wecom["msgtype"] == "markdown" and "sl-drop" in wecom["markdown"]["content"]


def test_dingtalk_signs_the_url(receiver):
    deliver("dingtalk", receiver.url + "/robot/send?access_token=t", "SECabc", {}, MESSAGE)
    [request] = receiver.requests
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(request["path"]).query)
    timestamp, sign = query["timestamp"][0], query["sign"][0]
    digest = hmac.new(b"SECabc", f"{timestamp}\nSECabc".encode(), hashlib.sha256).digest()
    assert sign == base64.b64encode(digest).decode()
    assert query["access_token"] == ["t"]
    assert request["json"]["msgtype"] == "markdown"
    assert "告警" in request["json"]["markdown"]["text"]


def test_feishu_signs_the_body(receiver):
    deliver("feishu", receiver.url, "fsecret", {}, MESSAGE)
    body = receiver.requests[0]["json"]
    key = f"{body['timestamp']}\nfsecret".encode()
    assert body["sign"] == base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
    assert body["msg_type"] == "text" and "acme-cards" in body["content"]["text"]


def test_retries_after_receiver_errors_with_backoff(receiver):
    receiver.fail_first = [500, 503]
    waits = []
    attempts = deliver("webhook", receiver.url, None, {}, MESSAGE, sleep=waits.append)
    assert [(a.attempt, a.ok, a.status_code) for a in attempts] == [
        (1, False, 500),
        (2, False, 503),
        (3, True, 200),
    ]
    assert waits == [0.5, 1.0]


def test_unreachable_receiver_is_logged_not_raised():
    attempts = deliver("webhook", "http://127.0.0.1:9/", None, {}, MESSAGE, sleep=lambda _: None)
    assert len(attempts) == 4 and not any(a.ok for a in attempts)
    assert "ConnectError" in attempts[-1].error


def test_email_over_smtp():
    smtp = SmtpReceiver()
    try:
        [attempt] = deliver(
            "email",
            None,
            None,
            {"to": ["floor@example.com"], "smtp_host": "127.0.0.1", "smtp_port": smtp.port},
            MESSAGE,
        )
    finally:
        smtp.close()
    assert attempt.ok
    [mail] = smtp.messages
    assert "To: floor@example.com" in mail and "acme-cards" in mail
