"""Delivery of one-time login codes by SMS.

``WebhookCodeSender`` posts each code to the SMS gateway's webhook, signed with a shared secret; it is the
only sender production accepts (``Settings`` refuses production without a webhook). ``ConsoleCodeSender``
writes the code to the ``evote.sms`` log instead and exists for development and tests only: the code is in
the log record, the phone number only masked (R-PI-1: a phone number is personal information).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from typing import Protocol

import httpx

from app.identity.auth_errors import SmsUnavailable
from app.identity.phone import mask_phone
from app.settings import Settings

logger = logging.getLogger("evote.sms")
SIGNATURE_HEADER = "X-Evote-Signature"


class CodeSender(Protocol):
    async def send(self, phone: str, code: str, *, purpose: str) -> None:
        """Deliver ``code`` to the normalised mobile number ``phone``; ``SmsUnavailable`` if it cannot."""
        ...


class ConsoleCodeSender:
    """Development and tests only: logs the code at INFO on ``evote.sms`` with the number masked."""

    async def send(self, phone: str, code: str, *, purpose: str) -> None:
        masked = mask_phone(phone)
        logger.info(
            "%s code for %s: %s",
            purpose,
            masked,
            code,
            extra={"sms_to": masked, "sms_code": code, "sms_purpose": purpose},
        )


def sign(body: bytes, secret: str) -> str:
    """The ``X-Evote-Signature`` value of a request body: ``sha256=<hex HMAC-SHA256>``."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class SignedWebhook:
    """A gateway's webhook: request bodies are signed with the shared secret (see ``sign``)."""

    def __init__(
        self, url: str, secret: str, timeout: float, *, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self.url = url
        self._secret = secret
        self.timeout = timeout
        self._transport = transport


class WebhookCodeSender(SignedWebhook):
    """POSTs ``{"to", "template", "params": {"code"}}`` to the SMS gateway's webhook, signed with HMAC-SHA256.

    The template is ``<purpose>_code`` (``login_code`` for sign-in). Transport failures and non-2xx answers
    raise ``SmsUnavailable``; neither the number nor the code is logged.
    """

    async def send(self, phone: str, code: str, *, purpose: str) -> None:
        payload = {"to": phone, "template": f"{purpose}_code", "params": {"code": code}}
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        headers = {"Content-Type": "application/json", SIGNATURE_HEADER: sign(body, self._secret)}
        try:
            async with httpx.AsyncClient(transport=self._transport, timeout=self.timeout) as client:
                response = await client.post(self.url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            logger.warning("SMS webhook unreachable (%s)", type(exc).__name__)
            raise SmsUnavailable() from None
        if not response.is_success:
            logger.warning("SMS webhook answered HTTP %s", response.status_code)
            raise SmsUnavailable()


def sender_from_settings(settings: Settings) -> CodeSender:
    """The webhook sender when configured; otherwise the console sender (never in production)."""
    webhook = settings.webhook("sms")
    if webhook is None:
        return ConsoleCodeSender()
    return WebhookCodeSender(webhook.url, webhook.secret, webhook.timeout_seconds)
