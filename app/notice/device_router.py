"""An owner's push devices and the notices delivered to them one by one (R-PART-4, R-PART-5)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Response, status

from app.common.errors import InvalidCursor, Unauthenticated
from app.common.pagination import Page, PageQuery
from app.errors import NotFound
from app.http.deps import CipherDep, CurrentPrincipal, SessionDep
from app.http.problems import problem_responses
from app.identity.auth_errors import AccountRequired
from app.notice import devices
from app.notice.device_schemas import DeliveryRead, DeviceCreate, DeviceRead
from app.notice.errors import DeviceLimitReached

router = APIRouter(tags=["devices"])
DeviceId = Annotated[uuid.UUID, Path(description="Device id")]


@router.post(
    "/me/devices",
    status_code=status.HTTP_201_CREATED,
    response_model=DeviceRead,
    responses=problem_responses(Unauthenticated, AccountRequired, DeviceLimitReached),
)
async def register_device(
    body: DeviceCreate, session: SessionDep, principal: CurrentPrincipal, cipher: CipherDep, response: Response
) -> DeviceRead:
    """Register a phone's push token (stored encrypted; never returned). The same token again: 200, the same device."""
    device, created = await devices.register_device(
        session, cipher, principal, platform=body.platform, token=body.token, label=body.label
    )
    if not created:
        response.status_code = status.HTTP_200_OK
    return DeviceRead.of(device)


@router.get("/me/devices", responses=problem_responses(Unauthenticated, AccountRequired, InvalidCursor))
async def list_devices(session: SessionDep, principal: CurrentPrincipal, page: PageQuery) -> Page[DeviceRead]:
    """The caller's registered devices (platform and label; no token)."""
    rows, next_cursor = await devices.list_devices(session, principal, cursor=page.cursor, limit=page.limit)
    return Page(items=[DeviceRead.of(row) for row in rows], next_cursor=next_cursor)


@router.delete(
    "/me/devices/{device_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(Unauthenticated, AccountRequired, NotFound),
)
async def delete_device(device_id: DeviceId, session: SessionDep, principal: CurrentPrincipal) -> Response:
    """Forget a device and its token: it receives no further push."""
    await devices.delete_device(session, principal, device_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/me/deliveries", responses=problem_responses(Unauthenticated, AccountRequired, InvalidCursor))
async def list_my_deliveries(session: SessionDep, principal: CurrentPrincipal, page: PageQuery) -> Page[DeliveryRead]:
    """Notices addressed to the caller one by one (e.g. a reminder to vote), each with its delivery state."""
    rows, next_cursor = await devices.my_deliveries(session, principal, cursor=page.cursor, limit=page.limit)
    return Page(items=[DeliveryRead.of(message, notice) for message, notice in rows], next_cursor=next_cursor)
