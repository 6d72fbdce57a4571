"""SMS code senders (issue #4 item 1): the console sender masks numbers, the webhook sender signs its calls.

No database. The webhook is exercised through ``httpx.MockTransport`` and through a small ASGI gateway.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pydantic import ValidationError

from app.identity.auth_errors import SmsUnavailable
from app.identity.senders import (
    SIGNATURE_HEADER,
    ConsoleCodeSender,
    WebhookCodeSender,
    sender_from_settings,
    sign,
)
from app.settings import Settings

PHONE = "13912345678"
URL = "https://sms.example.test/hooks/evote"
SECRET = "s3cret-webhook-key-0123456789"
KEY = base64.b64encode(b"k" * 32).decode()


def _records_text(caplog: pytest.LogCaptureFixture) -> str:
    return "\n".join(f"{record.getMessage()} {vars(record)}" for record in caplog.records)


async def test_console_sender_logs_the_code_and_only_a_masked_number(caplog):
    caplog.set_level(logging.INFO, logger="evote.sms")
    await ConsoleCodeSender().send(PHONE, "123456", purpose="login")
    [record] = [record for record in caplog.records if record.name == "evote.sms"]
    assert record.levelno == logging.INFO
    assert "123456" in record.getMessage()
    assert "139****5678" in record.getMessage()
    assert record.sms_code == "123456"  # type: ignore[attr-defined]
    assert PHONE not in _records_text(caplog)


async def test_webhook_posts_a_signed_payload():
    seen: list[httpx.Request] = []

    def gateway(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(202, json={"queued": True})

    sender = WebhookCodeSender(URL, SECRET, 3.0, transport=httpx.MockTransport(gateway))
    await sender.send(PHONE, "654321", purpose="login")

    [request] = seen
    assert request.method == "POST"
    assert str(request.url) == URL
    assert request.headers["content-type"] == "application/json"
    body = request.content
    assert json.loads(body) == {"to": PHONE, "template": "login_code", "params": {"code": "654321"}}
    expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert request.headers[SIGNATURE_HEADER] == expected == sign(body, SECRET)


async def test_webhook_against_an_asgi_gateway_that_checks_the_signature():
    received: list[dict[str, object]] = []

    async def gateway(scope, receive, send):  # type: ignore[no-untyped-def]
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = dict(scope["headers"])
        valid = hmac.compare_digest(headers[SIGNATURE_HEADER.lower().encode()].decode(), sign(body, SECRET))
        if valid:
            received.append(json.loads(body))
        await send({"type": "http.response.start", "status": 200 if valid else 401, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    await WebhookCodeSender(URL, SECRET, 3.0, transport=httpx.ASGITransport(app=gateway)).send(
        PHONE, "000123", purpose="login"
    )
    assert received == [{"to": PHONE, "template": "login_code", "params": {"code": "000123"}}]

    wrong_secret = WebhookCodeSender(URL, "another-secret-0123456789", 3.0, transport=httpx.ASGITransport(app=gateway))
    with pytest.raises(SmsUnavailable):
        await wrong_secret.send(PHONE, "000123", purpose="login")


@pytest.mark.parametrize("status", [400, 401, 500, 503])
async def test_non_2xx_answers_are_sms_unavailable(status, caplog):
    sender = WebhookCodeSender(URL, SECRET, 3.0, transport=httpx.MockTransport(lambda request: httpx.Response(status)))
    with pytest.raises(SmsUnavailable) as raised:
        await sender.send(PHONE, "111111", purpose="login")
    assert raised.value.status == 503
    assert raised.value.code == "auth.sms_unavailable"
    assert PHONE not in _records_text(caplog)
    assert "111111" not in _records_text(caplog)


@pytest.mark.parametrize(
    "failure", [httpx.ConnectError("refused"), httpx.ReadTimeout("slow"), httpx.RemoteProtocolError("bad")]
)
async def test_transport_errors_are_sms_unavailable(failure, caplog):
    def gateway(request: httpx.Request) -> httpx.Response:
        raise failure

    sender = WebhookCodeSender(URL, SECRET, 3.0, transport=httpx.MockTransport(gateway))
    with pytest.raises(SmsUnavailable):
        await sender.send(PHONE, "222222", purpose="login")
    assert PHONE not in _records_text(caplog)


def test_webhook_when_configured_console_otherwise(tmp_path):
    configured = Settings(_env_file=None, dev_key_dir=tmp_path, sms_webhook_url=URL, sms_webhook_secret=SECRET)
    sender = sender_from_settings(configured)
    assert isinstance(sender, WebhookCodeSender)
    assert sender.url == URL
    assert SECRET not in repr(configured)
    assert isinstance(
        sender_from_settings(Settings(_env_file=None, env="test", dev_key_dir=tmp_path)), ConsoleCodeSender
    )


def _production(tmp_path, **overrides):  # type: ignore[no-untyped-def]
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return Settings(
        _env_file=None,
        env="production",
        public_base_url="https://evote.example.gov.cn",
        dev_key_dir=tmp_path,
        pii_encryption_key=KEY,
        pii_index_key=KEY,
        token_hash_key=KEY,
        pseudonym_key=KEY,
        jwt_private_key=pem.decode(),
        log_private_key=Ed25519PrivateKey.generate()
        .private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        .decode(),
        notice_webhook_url="https://notify.example.test/hook",
        notice_webhook_secret="n" * 32,
        **overrides,
    )


def test_production_refuses_to_run_without_a_webhook(tmp_path):
    with pytest.raises(ValidationError, match="SMS webhook"):
        _production(tmp_path)
    assert isinstance(
        sender_from_settings(_production(tmp_path, sms_webhook_url=URL, sms_webhook_secret=SECRET)), WebhookCodeSender
    )


def test_production_refuses_a_plain_http_webhook(tmp_path):
    with pytest.raises(ValidationError, match="https"):
        _production(tmp_path, sms_webhook_url="http://sms.example.test/hook", sms_webhook_secret=SECRET)


@pytest.mark.parametrize(
    "overrides",
    [{"sms_webhook_url": URL}, {"sms_webhook_secret": SECRET}, {"sms_webhook_url": URL, "sms_webhook_secret": "short"}],
)
def test_incomplete_webhook_settings_are_refused(tmp_path, overrides):
    with pytest.raises(ValidationError, match="SMS_WEBHOOK"):
        Settings(_env_file=None, dev_key_dir=tmp_path, **overrides)
