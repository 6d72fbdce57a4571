"""Path parameters shared by the routers, each described once for the OpenAPI document."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Path

EstateId = Annotated[uuid.UUID, Path(description="Estate id")]
VoteId = Annotated[uuid.UUID, Path(description="Vote id")]
TopicId = Annotated[uuid.UUID, Path(description="Topic id")]
AttachmentId = Annotated[uuid.UUID, Path(description="Attachment id")]
PostingId = Annotated[uuid.UUID, Path(description="On-site posting id")]
GrantId = Annotated[uuid.UUID, Path(description="Grant id")]
PetitionId = Annotated[uuid.UUID, Path(description="Petition id")]
OrderId = Annotated[uuid.UUID, Path(description="Correction order id")]
StreetOfficeId = Annotated[uuid.UUID, Path(description="Street office id")]
