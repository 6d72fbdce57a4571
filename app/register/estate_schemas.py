"""The commands creating and correcting an estate with its developer (``app.register.estates``)."""

from __future__ import annotations

import uuid
from typing import Annotated

from pydantic import AfterValidator, Field

from app.common.schemas import Command
from app.register.identifiers import valid_credit_code
from app.security.pii import normalise_identifier


def _credit_code(value: str) -> str:
    normalised = normalise_identifier(value)
    if not valid_credit_code(normalised):
        raise ValueError("not a valid unified social credit code (GB 32100 check character)")
    return normalised


#: A developer's unified social credit code, normalised and checked (GB 32100 check character).
CreditCode = Annotated[
    str,
    Field(
        min_length=18,
        max_length=18,
        description="Unified social credit code (stored encrypted)",
        examples=["91110000100012345L"],
    ),
    AfterValidator(_credit_code),
]


class EstateCreate(Command):
    community_id: uuid.UUID
    name: str = Field(min_length=1, max_length=200)
    address: str | None = Field(default=None, max_length=300)
    include_parking: bool = Field(
        default=False, description="R-AREA-3: count parking spaces only if the rules of procedure say so"
    )
    developer_name: str | None = Field(default=None, min_length=1, max_length=200)
    developer_credit_code: CreditCode | None = None


class EstateUpdate(Command):
    """Fields to change; those left out stay (R-PLACE-3). The developer needs its name and credit code together."""

    name: str | None = Field(default=None, min_length=1, max_length=200)
    address: str | None = Field(default=None, max_length=300)
    community_id: uuid.UUID | None = Field(
        default=None, description="Move to another community (the editor must hold both jurisdictions)"
    )
    developer_name: str | None = Field(default=None, min_length=1, max_length=200)
    developer_credit_code: CreditCode | None = None
