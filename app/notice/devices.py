"""Owners' push devices and their per-recipient deliveries (R-PART-4, R-PART-5).

* A verified or unverified account registers the push tokens of its phones (APNS, FCM, HarmonyOS): the token is
  stored only encrypted (``FieldCipher``, field ``push_device.token``) with an HMAC blind index, so registering the
  same token again returns the existing device. Nobody reads a token back through the API; the dispatcher
  decrypts an account's tokens only to hand that account's message to the gateway.
* A ``RECIPIENTS`` notice is delivered as one outbox message per account; that message's status is the account's
  delivery state (``DeliveryState``). This is delivery, not reading: whether the owner opened a notice is kept
  apart (the owner's read state), and neither is ever public — the public log holds counts only (R-NOTICE-4).

Services flush and never commit.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from app.common.access import Principal
from app.common.pagination import paginate
from app.errors import NotFound
from app.identity.auth_errors import AccountRequired
from app.notice.errors import DeviceLimitReached
from app.notice.models import Notice, OutboxMessage, OutboxStatus, PushDevice, PushPlatform
from app.security.pii import FieldCipher

TOKEN_FIELD = "push_device.token"  # noqa: S105 - the field name the cipher binds, not a secret
MAX_DEVICES = 10  # R-PART-4 (CHOICE): phones and tablets of one person, with room for replaced ones


class DeliveryState(StrEnum):
    """One recipient's delivery of a notice, from its outbox message (R-PART-5)."""

    QUEUED = "QUEUED"  # not yet tried
    FAILED = "FAILED"  # the gateway refused or was unreachable; tried again after a backoff
    DELIVERED = "DELIVERED"  # the gateway accepted it (2xx)
    DEAD_LETTERED = "DEAD_LETTERED"  # given up after the last attempt; an operator may retry it


def delivery_state(message: OutboxMessage) -> DeliveryState:
    if message.status is OutboxStatus.SENT:
        return DeliveryState.DELIVERED
    if message.status is OutboxStatus.DEAD:
        return DeliveryState.DEAD_LETTERED
    return DeliveryState.FAILED if message.last_error else DeliveryState.QUEUED


def _account(principal: Principal) -> uuid.UUID:
    if principal.account_id is None:
        raise AccountRequired()  # an operator's API key has no devices
    return principal.account_id


async def register_device(
    session: AsyncSession,
    cipher: FieldCipher,
    principal: Principal,
    *,
    platform: PushPlatform,
    token: str,
    label: str | None,
) -> tuple[PushDevice, bool]:
    """The caller's device for this token: the existing one (False) or a new one (True)."""
    account_id = _account(principal)
    index = cipher.blind_index(TOKEN_FIELD, f"{platform.value}:{token}")
    existing = await session.scalar(
        sa.select(PushDevice).where(PushDevice.account_id == account_id, PushDevice.token_index == index)
    )
    if existing is not None:
        return existing, False
    count = await session.scalar(
        sa.select(sa.func.count()).select_from(PushDevice).where(PushDevice.account_id == account_id)
    )
    if (count or 0) >= MAX_DEVICES:
        raise DeviceLimitReached(limit=MAX_DEVICES)
    device = PushDevice(
        id=uuid.uuid4(),
        account_id=account_id,
        platform=platform,
        token_ciphertext=cipher.encrypt(TOKEN_FIELD, token.encode()),
        token_index=index,
        label=label,
    )
    session.add(device)
    await session.flush()
    return device, True


async def list_devices(
    session: AsyncSession, principal: Principal, *, cursor: str | None, limit: int
) -> tuple[Sequence[PushDevice], str | None]:
    statement = sa.select(PushDevice).where(PushDevice.account_id == _account(principal))
    return await paginate(session, statement, key=PushDevice.id, cursor=cursor, limit=limit)


async def delete_device(session: AsyncSession, principal: Principal, device_id: uuid.UUID) -> None:
    """Forget the device and its encrypted token; another account's device is answered 404."""
    device = await session.get(PushDevice, device_id)
    if device is None or device.account_id != _account(principal):
        raise NotFound(what="device")
    await session.delete(device)
    await session.flush()


@dataclass(frozen=True, slots=True)
class RecipientDevice:
    """What the gateway needs to push to one device: never stored in the outbox, added when sending."""

    device_id: uuid.UUID
    platform: PushPlatform
    token: str

    def to_dict(self) -> dict[str, str]:
        return {"device_id": str(self.device_id), "platform": self.platform.value, "token": self.token}


async def devices_of(
    session: AsyncSession, cipher: FieldCipher, account_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, list[RecipientDevice]]:
    """Each account's registered devices with their tokens decrypted, for the dispatcher only."""
    found: dict[uuid.UUID, list[RecipientDevice]] = {}
    if not account_ids:
        return found
    rows = await session.scalars(
        sa.select(PushDevice).where(PushDevice.account_id.in_(list(account_ids))).order_by(PushDevice.created_at)
    )
    for device in rows:
        token = cipher.decrypt(TOKEN_FIELD, device.token_ciphertext).decode()
        found.setdefault(device.account_id, []).append(RecipientDevice(device.id, device.platform, token))
    return found


async def my_deliveries(
    session: AsyncSession, principal: Principal, *, cursor: str | None, limit: int
) -> tuple[Sequence[tuple[OutboxMessage, Notice]], str | None]:
    """The notices addressed to the caller one by one, each with its delivery to the caller, by message id."""
    account_id = _account(principal)
    statement = sa.select(OutboxMessage).where(OutboxMessage.recipient_account_id == account_id)
    messages, next_cursor = await paginate(session, statement, key=OutboxMessage.id, cursor=cursor, limit=limit)
    notices = {
        notice.id: notice
        for notice in await session.scalars(
            sa.select(Notice).where(Notice.id.in_([message.notice_id for message in messages]))
        )
    }
    return [(message, notices[message.notice_id]) for message in messages], next_cursor
