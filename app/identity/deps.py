"""Typed dependencies of the identity package: the token hasher, the access-token service and the code sender,
each built once at start-up (``app.main.attach_state``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from app.http.deps import from_app_state
from app.identity.senders import CodeSender
from app.identity.service import TokenHasher
from app.identity.tokens import TokenService

TokenHasherDep = Annotated[TokenHasher, Depends(from_app_state("token_hasher"))]
TokensDep = Annotated[TokenService, Depends(from_app_state("tokens"))]
CodeSenderDep = Annotated[CodeSender, Depends(from_app_state("code_sender"))]
