"""The audit log's typed dependency: its signing, retired and witness keys, built once at start-up
(``app.main.attach_state``; the command line builds its own from the settings)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from app.audit.keys import LogKeys
from app.http.deps import from_app_state

LogKeysDep = Annotated[LogKeys, Depends(from_app_state("log_keys"))]
