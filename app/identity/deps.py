"""Typed dependencies of the identity package: the token hasher, the access-token service and the code sender,
each built once at start-up (``app.main.attach_state``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from app.identity.senders import CodeSender
from app.identity.service import TokenHasher
from app.identity.tokens import TokenService


async def get_token_hasher(request: Request) -> TokenHasher:
    hasher: TokenHasher = request.app.state.token_hasher
    return hasher


async def get_tokens(request: Request) -> TokenService:
    tokens: TokenService = request.app.state.tokens
    return tokens


async def get_code_sender(request: Request) -> CodeSender:
    sender: CodeSender = request.app.state.code_sender
    return sender


TokenHasherDep = Annotated[TokenHasher, Depends(get_token_hasher)]
TokensDep = Annotated[TokenService, Depends(get_tokens)]
CodeSenderDep = Annotated[CodeSender, Depends(get_code_sender)]
