"""The audit log's typed dependency: its signing, retired and witness keys, built once at start-up
(``app.main.attach_state``; the command line builds its own from the settings)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from app.audit.keys import LogKeys


async def get_log_keys(request: Request) -> LogKeys:
    keys: LogKeys = request.app.state.log_keys
    return keys


LogKeysDep = Annotated[LogKeys, Depends(get_log_keys)]
