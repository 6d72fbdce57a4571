from __future__ import annotations

import uuid

from pydantic import Field

from app.common.access import Role
from app.common.schemas import Command, Instant, ReadModel


class ApiKeyCreate(Command):
    name: str = Field(min_length=1, max_length=200)
    role: Role
    street_office_id: uuid.UUID | None = None
    community_id: uuid.UUID | None = None
    estate_id: uuid.UUID | None = None


class ApiKeyRead(ReadModel):
    id: uuid.UUID
    name: str
    role: Role
    street_office_id: uuid.UUID | None
    community_id: uuid.UUID | None
    estate_id: uuid.UUID | None
    prefix: str
    created_at: Instant


class ApiKeyCreated(ApiKeyRead):
    secret: str = Field(description="The bearer key; shown once, stored only as a hash")
