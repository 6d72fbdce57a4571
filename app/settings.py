"""Settings from the environment (prefix ``EVOTE_``), documented in the README.

Development keys are generated under ``var/`` on first start and are refused outside development, so a
production deployment can never run on a key that sits in a developer's checkout.
"""

from __future__ import annotations

import base64
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_KEY_DIR = Path("var/keys")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="EVOTE_", env_file=".env", env_ignore_empty=True, extra="ignore", frozen=True
    )

    env: Literal["development", "test", "production"] = "development"
    database_url: str = "sqlite+aiosqlite:///./var/evote.db"
    # SQLite is migrated automatically at start-up (the quick start); PostgreSQL deploys run `evote migrate`
    # as a separate step before the new code starts, unless this is set.
    auto_migrate: bool | None = None
    db_pool_size: int = Field(default=10, ge=1, le=200)
    db_echo: bool = False

    # R-PI-2: field encryption (AES-256-GCM) and blind-index (HMAC-SHA256) keys, base64 of 32 bytes each.
    pii_encryption_key: str | None = None
    pii_index_key: str | None = None
    # HMAC key for opaque bearer secrets (API keys) stored only as hashes.
    token_hash_key: str | None = None
    dev_key_dir: Path = DEV_KEY_DIR

    log_level: str = "INFO"
    log_json: bool = True
    max_upload_bytes: int = Field(default=50 * 1024 * 1024, ge=1024)
    page_size_max: int = Field(default=500, ge=1)

    @model_validator(mode="after")
    def _refuse_development_keys_outside_development(self) -> Settings:
        if self.env == "production":
            missing = [
                name
                for name in ("pii_encryption_key", "pii_index_key", "token_hash_key")
                if getattr(self, name) is None
            ]
            if missing:
                names = ", ".join("EVOTE_" + name.upper() for name in missing)
                raise ValueError(f"production requires explicit keys; development keys are refused: {names}")
            for name in ("pii_encryption_key", "pii_index_key", "token_hash_key"):
                value = getattr(self, name)
                if value is not None and _is_dev_key(self.dev_key_dir, name, value):
                    raise ValueError(f"EVOTE_{name.upper()} is a development key and is refused in production")
        for name in ("pii_encryption_key", "pii_index_key", "token_hash_key"):
            value = getattr(self, name)
            if value is not None:
                _decode_key(name, value)
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def should_auto_migrate(self) -> bool:
        return self.is_sqlite if self.auto_migrate is None else self.auto_migrate

    def key(self, name: Literal["pii_encryption_key", "pii_index_key", "token_hash_key"]) -> bytes:
        """The 32-byte key, from settings or (development and test only) from ``var/keys``, created if absent."""
        value = getattr(self, name)
        if value is not None:
            return _decode_key(name, value)
        if self.env == "production":  # unreachable after validation; kept as a guard
            raise RuntimeError(f"EVOTE_{name.upper()} is required in production")
        return _dev_key(self.dev_key_dir, name)


def _decode_key(name: str, value: str) -> bytes:
    try:
        raw = base64.b64decode(value, validate=True)
    except ValueError as exc:
        raise ValueError(f"EVOTE_{name.upper()} must be base64") from exc
    if len(raw) != 32:
        raise ValueError(f"EVOTE_{name.upper()} must decode to 32 bytes")
    return raw


def _dev_key(directory: Path, name: str) -> bytes:
    path = directory / f"{name}.b64"
    if not path.exists():
        directory.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(base64.b64encode(secrets.token_bytes(32)).decode() + "\n")
    return _decode_key(name, path.read_text().strip())


def _is_dev_key(directory: Path, name: str, value: str) -> bool:
    path = directory / f"{name}.b64"
    return path.exists() and secrets.compare_digest(path.read_text().strip(), value.strip())


@lru_cache
def get_settings() -> Settings:
    return Settings()
