"""Settings from the environment (prefix ``EVOTE_``), documented in the README.

Development keys are generated under ``var/`` on first start and are refused outside development, so a
production deployment can never run on a key that sits in a developer's checkout.
"""

from __future__ import annotations

import base64
import contextlib
import ipaddress
import os
import re
import secrets
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal, NamedTuple
from urllib.parse import urlsplit

import limits
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ec import EllipticCurvePublicKey
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ModelWrapValidatorHandler,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_KEY_DIR = Path("var/keys")
_ORIGIN = re.compile(r"https?://([A-Za-z0-9.-]+|\[[0-9A-Fa-f:]+\])(:[0-9]{1,5})?")


#: Asymmetric JWS algorithms an identity provider may sign with (never ``none`` or HMAC).
IDP_ALGORITHMS = frozenset({"EdDSA", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384"})
IdpPublicKey = Ed25519PublicKey | RSAPublicKey | EllipticCurvePublicKey


class IdpIssuer(BaseModel):
    """A trusted identity provider (app.realname.idp): its ``iss``, our ``aud`` and its PEM public keys."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    issuer: str = Field(min_length=1)
    audience: str = Field(min_length=1)
    public_key_files: list[Path] = Field(min_length=1)
    algorithms: list[str] = Field(default=["EdDSA", "RS256"], min_length=1)

    @field_validator("algorithms")
    @classmethod
    def _asymmetric_only(cls, value: list[str]) -> list[str]:
        unknown = sorted(set(value) - IDP_ALGORITHMS)
        if unknown:
            raise ValueError(f"unsupported identity provider algorithms {unknown}; use {sorted(IDP_ALGORITHMS)}")
        return value

    @model_validator(mode="after")
    def _keys_load(self) -> IdpIssuer:
        self.public_keys()
        return self

    def public_keys(self) -> tuple[IdpPublicKey, ...]:
        """The issuer's verification keys (Ed25519, RSA or EC, one PEM public key per file)."""
        keys: list[IdpPublicKey] = []
        for path in self.public_key_files:
            pem = _read_key_file(path, "EVOTE_IDP_ISSUERS")
            try:
                key = serialization.load_pem_public_key(pem)
            except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
                raise ValueError(f"{path} is not a PEM public key ({type(exc).__name__})") from None
            if not isinstance(key, Ed25519PublicKey | RSAPublicKey | EllipticCurvePublicKey):
                raise ValueError(f"{path} is a {type(key).__name__}; use an Ed25519, RSA or EC key")
            keys.append(key)
        return tuple(keys)


class WitnessKeyFile(BaseModel):
    """A witness that may cosign the audit log's checkpoints (app.audit): its note key name and PEM public key."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1, max_length=200, pattern=r"^[^\s+]+$")
    public_key_file: Path


SYMMETRIC_KEYS = ("pii_encryption_key", "pii_index_key", "token_hash_key", "pseudonym_key")


class SettingsProblems(ValueError):
    """Every problem of the settings at once, one readable line each (``settings_problems`` reads them back)."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def settings_problems(error: ValidationError, *, fields: bool = True) -> list[str]:
    """One line per problem of a failed ``Settings()``, naming the environment variable; never the value."""
    problems: list[str] = []
    for detail in error.errors(include_url=False, include_input=False):
        cause = (detail.get("ctx") or {}).get("error")
        if isinstance(cause, SettingsProblems):
            problems.extend(cause.problems)
            continue
        message = str(cause) if isinstance(cause, ValueError) else detail["msg"]
        if not detail["loc"]:
            problems.append(message)
            continue
        if not fields:
            continue
        name, *inner = (str(part) for part in detail["loc"])
        prefix = f"EVOTE_{name.upper()}"
        if message.startswith(prefix):
            problems.append(message)
        else:
            where = prefix + "".join(f"[{part}]" for part in inner)
            problems.append(f"{where}: {message}")
    return problems


class Webhook(NamedTuple):
    url: str
    secret: str
    timeout_seconds: float


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="EVOTE_",
        env_file=".env",
        env_ignore_empty=True,
        extra="ignore",
        frozen=True,
        hide_input_in_errors=True,  # a rejected setting may be a key: never echo it
    )

    env: Literal["development", "test", "production"] = "development"
    # ``evote serve --dev-clock``: operators may move the process clock forward (``/api/v1/dev/clock``) to rehearse
    # a whole vote; one worker only (each process has its own clock); refused in production.
    dev_clock: bool = False
    database_url: str = "sqlite+aiosqlite:///./var/evote.db"
    # SQLite is migrated automatically at start-up (the quick start); PostgreSQL deploys run `evote migrate`
    # as a separate step before the new code starts, unless this is set.
    auto_migrate: bool | None = None
    # PostgreSQL connections per worker process, all a worker may hold (no overflow: app.db.session).
    db_pool_size: int = Field(default=20, ge=1, le=200)
    db_echo: bool = False
    # PostgreSQL outages: opening a connection and waiting for a free one in the pool are bounded,
    # so a request to a dead or unreachable database fails fast with 503 + Retry-After instead of hanging.
    db_connect_timeout_seconds: float = Field(default=5, gt=0, le=120)
    db_pool_timeout_seconds: float = Field(default=10, gt=0, le=300)
    # Pinging every connection on checkout costs a round trip per request (a tenth of a cast). Without it, the
    # first request on a connection the database dropped fails with 503 + Retry-After and SQLAlchemy replaces
    # every connection opened before the failure; set this for a database behind a proxy that drops idle ones.
    db_pool_pre_ping: bool = False
    # PostgreSQL waits are bounded on every connection: a statement waiting this long for a lock (a cast queued
    # behind a closing vote, a row another request holds) fails with 503 ``db.busy`` + Retry-After instead of
    # holding its pool connection, so one vote's contention never starves the other estates; a statement running
    # longer than ``db_statement_timeout_ms`` is cancelled the same way. 0 turns a bound off (not recommended).
    db_lock_timeout_ms: int = Field(default=2000, ge=0, le=600_000)
    db_statement_timeout_ms: int = Field(default=30_000, ge=0, le=3_600_000)

    # R-PI-2: field encryption (AES-256-GCM) and blind-index (HMAC-SHA256) keys, base64 of 32 bytes each.
    pii_encryption_key: str | None = None
    pii_index_key: str | None = None
    # Earlier encryption keys (base64), kept only to decrypt what they wrote; new values use the current key.
    pii_retired_encryption_keys: list[str] = Field(default=[], repr=False)
    # HMAC key for opaque bearer secrets (API keys) stored only as hashes.
    token_hash_key: str | None = None
    # HMAC key of the per-vote owner pseudonyms in export bundles (app.ledger.pseudonyms); never rotate it, or
    # re-exports of a vote name its owners differently.
    pseudonym_key: str | None = None
    dev_key_dir: Path = DEV_KEY_DIR

    log_level: str = "INFO"
    log_json: bool = True
    max_upload_bytes: int = Field(default=50 * 1024 * 1024, ge=1024)
    page_size_max: int = Field(default=500, ge=1)

    # Access tokens (app.identity.tokens): Ed25519-signed JWTs. The signing key is a PEM PKCS#8 Ed25519 private
    # key, from a file (preferred) or as PEM text; development and test generate ``jwt_ed25519.pem`` under
    # ``dev_key_dir`` when neither is set, and production refuses to start without one or with that file's key.
    # Retired public keys (PEM files) stay in the JWKS and keep verifying until the tokens they signed expire.
    jwt_issuer: str = "evote"
    jwt_audience: str = "evote-api"
    jwt_access_ttl_seconds: int = Field(default=900, ge=60, le=3600)
    jwt_private_key_file: Path | None = None
    jwt_private_key: str | None = Field(default=None, repr=False)  # PEM text; kept out of reprs and logs
    jwt_retired_public_key_files: list[Path] = []

    # One-time login codes (app.identity.senders): an HTTPS webhook of the SMS gateway, called with a JSON body
    # signed as ``X-Evote-Signature: sha256=<HMAC-SHA256 hex of the body>``. Without one, development and test
    # log codes to the ``evote.sms`` logger instead; production refuses to start without a webhook.
    sms_webhook_url: str | None = None
    sms_webhook_secret: str | None = Field(default=None, repr=False)
    sms_webhook_timeout_seconds: float = Field(default=5.0, gt=0, le=60)

    # Real-name verification (app.realname). Identity providers whose signed assertions verify an account, as
    # JSON: ``EVOTE_IDP_ISSUERS='[{"issuer": "...", "audience": "...", "public_key_files": ["/run/idp.pem"]}]'``.
    idp_issuers: list[IdpIssuer] = []
    # Abuse limits, failures within the window: per account, per (account, ID number) and per client address they
    # lock self-service verification for that account, pair or address. Failures against one ID number from any
    # accounts never lock it (its owner must still get in); at ``verification_identifier_alert_failures`` they
    # alert the estate's organisers and street office instead.
    verification_max_failures: int = Field(default=5, ge=1, le=100)
    verification_max_failures_per_identifier: int = Field(default=3, ge=1, le=100)
    # Per address high: behind a carrier's NAT many owners share it, and their typos must not lock each other out.
    verification_max_failures_per_address: int = Field(default=200, ge=1, le=10_000)
    verification_identifier_alert_failures: int = Field(default=5, ge=1, le=10_000)
    verification_failure_window_seconds: int = Field(default=24 * 3600, ge=60)
    verification_document_max_bytes: int = Field(default=5 * 1024 * 1024, ge=1024)
    # R-PI-4 allows at most 30 days; 29 leaves room for the hourly purge to run before the limit.
    verification_document_retention_days: int = Field(default=29, ge=0, le=30)

    # Time-driven transitions (app.transitions): how often each worker closes, decides and publishes votes
    # whose window has ended; 0 disables the background task (reads still report the clock's status).
    transition_interval_seconds: float = Field(default=15, ge=0, le=3600)

    # Audit log (app.audit): checkpoints are C2SP signed notes by an Ed25519 key whose note key name is the log's
    # origin. The key is a PEM PKCS#8 Ed25519 private key, from a file (preferred) or as PEM text; development and
    # test generate ``log_ed25519.pem`` under ``dev_key_dir``, production refuses to start without one or with that
    # file's key. Retired public keys (PEM files) stay published so old checkpoints keep verifying. Witnesses are
    # JSON: ``EVOTE_WITNESS_PUBLIC_KEY_FILES='[{"name": "street-office.example", "public_key_file": "/run/w.pem"}]'``.
    log_origin: str = Field(default="evote.local/log", min_length=1, max_length=200, pattern=r"^[^\s+]+$")
    log_private_key_file: Path | None = None
    log_private_key: str | None = Field(default=None, repr=False)  # PEM text; kept out of reprs and logs
    log_retired_public_key_files: list[Path] = []
    witness_public_key_files: list[WitnessKeyFile] = []
    # How often the integrator folds committed entries into the tree and signs a checkpoint; 0 disables it.
    log_integration_interval_seconds: float = Field(default=2, ge=0, le=3600)

    # Notices (app.notice): every notice is delivered through an outbox to the notification gateway's HTTPS
    # webhook, POSTed as JSON signed ``X-Evote-Signature: sha256=<HMAC-SHA256 hex of the body>`` with an
    # ``Idempotency-Key`` (the message id; delivery is at least once). Without one, development and test log the
    # notices to ``evote.notice`` instead; production refuses to start without a webhook. A failed delivery is
    # retried with exponential backoff (30 s doubling, at most 1 h) and dead-lettered after ``notice_max_attempts``.
    notice_webhook_url: str | None = None
    # The address owners reach the service at (e.g. ``https://evote.example.gov.cn``), printed in the result
    # announcement and the filing package as the result's public URL (R-REC-7); required in production; unset
    # elsewhere: the request's own base URL.
    public_base_url: str | None = None
    notice_webhook_secret: str | None = Field(default=None, repr=False)
    notice_webhook_timeout_seconds: float = Field(default=10.0, gt=0, le=60)
    notice_max_attempts: int = Field(default=8, ge=1, le=50)
    # How often each worker delivers due messages; 0 disables the dispatcher (e.g. it runs elsewhere).
    notice_dispatch_interval_seconds: float = Field(default=5, ge=0, le=3600)
    # How often the dispatcher publishes newly due reminder notices (R-LIFE-11, R-LIFE-12); 0 disables that.
    notice_reminder_interval_seconds: float = Field(default=3600, ge=0, le=7 * 24 * 3600)

    # HTTP hardening (app.http.security, docs/security.md). Every request body is refused with 413 past
    # ``max_body_bytes``; the upload routes (register import, identity document, topic attachment) allow their own
    # file limit (``max_upload_bytes``, ``verification_document_max_bytes``, 20 MB) plus ``max_body_bytes``.
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024, le=1024 * 1024 * 1024)
    # Strict-Transport-Security max-age; 0 (the default) sends no header, as in development over plain HTTP.
    # Production behind HTTPS should set it (e.g. 31536000) unless the TLS-terminating proxy adds the header.
    hsts_seconds: int = Field(default=0, ge=0, le=2 * 365 * 24 * 3600)
    # Browser origins allowed to call the API (CORS), e.g. ``'["https://vote.example.cn"]'``; empty: no CORS headers.
    cors_origins: list[str] = []
    # Per-client-address limits (``limits`` notation, ``;`` between several) on sign-in (code request, login,
    # refresh) and on the owner's verification attempts; answered 429 with Retry-After. Never on casting or reads.
    # The address is the ASGI peer: behind a proxy run uvicorn with --proxy-headers --forwarded-allow-ips=<proxy>.
    # Reverse proxies whose X-Forwarded-For / X-Forwarded-Proto are believed, comma-separated addresses or networks
    # (``10.0.0.5,10.1.0.0/16``; ``evote serve --forwarded-allow-ips``). Empty (the default): the headers are
    # ignored and the peer is the client, so a client cannot pick the address the rate limits count it by.
    forwarded_allow_ips: str = ""
    # The per-number and per-account limits come first (in the database: 1 code a minute and 5 an hour per number,
    # verification lockouts per account); these per-address ones are sized for carrier NAT, where thousands of
    # phones share one IPv4 address on a vote's first evening (IPv6 phones are counted by their own /64).
    rate_limit_enabled: bool = True
    rate_limit_auth: str = "300/minute;3000/hour"
    rate_limit_verification: str = "60/minute;600/hour"
    # Requests that name someone else by mobile number (grant requests, staff role grants): per address here, and
    # per named number in the services; whether the number has an account never changes the answer.
    rate_limit_lookup: str = "60/minute;600/hour"
    # Where the per-address counters live: Redis (``redis://host:6379/0``, ``rediss://`` for TLS) shared by every
    # worker and replica; unset, in memory per process. Redis down: counted per process meanwhile (fail open,
    # logged at ERROR, ``/readyz`` says ``redis_unavailable``). Keys start with ``redis_key_prefix``.
    redis_url: str | None = None
    redis_key_prefix: str = "evote:ratelimit:"

    # ``GET /metrics`` (app.monitoring, docs/operations.md): scraped by peers in these networks (comma-separated
    # addresses or networks, e.g. the monitoring subnet) or by anyone presenting ``Authorization: Bearer <token>``;
    # with neither set, only the loopback interface. Everyone else is answered 404.
    metrics_allow_ips: str = ""
    metrics_token: str | None = Field(default=None, repr=False)

    @field_validator("cors_origins")
    @classmethod
    def _origins_are_origins(cls, value: list[str]) -> list[str]:
        for origin in value:
            if origin != "*" and not _ORIGIN.fullmatch(origin):
                raise ValueError(f"EVOTE_CORS_ORIGINS: {origin!r} is not an origin like https://vote.example.cn")
        return value

    @field_validator("forwarded_allow_ips")
    @classmethod
    def _proxies_are_addresses(cls, value: str) -> str:
        for entry in trusted_proxies(value):
            if entry == "*":
                continue
            try:
                ipaddress.ip_network(entry, strict=False)
            except ValueError:
                raise ValueError(
                    f"EVOTE_FORWARDED_ALLOW_IPS: {entry!r} is not an IP address or network (e.g. 10.0.0.5,10.1.0.0/16)"
                ) from None
        return value

    @field_validator("redis_url")
    @classmethod
    def _redis_url_is_redis(cls, value: str | None) -> str | None:
        if value and urlsplit(value).scheme not in ("redis", "rediss", "unix"):
            raise ValueError(f"EVOTE_REDIS_URL: {value.split('@')[-1]!r} is not a URL like redis://127.0.0.1:6379/0")
        return value or None

    @field_validator("rate_limit_auth", "rate_limit_verification", "rate_limit_lookup")
    @classmethod
    def _rate_limits_parse(cls, value: str) -> str:
        try:
            limits.parse_many(value)
        except ValueError:
            raise ValueError(f"{value!r} is not a rate limit like '60/minute;600/hour'") from None
        return value

    @field_validator("metrics_allow_ips")
    @classmethod
    def _metrics_networks_parse(cls, value: str) -> str:
        for entry in trusted_proxies(value):
            try:
                ipaddress.ip_network(entry, strict=False)
            except ValueError:
                raise ValueError(
                    f"EVOTE_METRICS_ALLOW_IPS: {entry!r} is not an IP address or network (e.g. 10.2.0.0/24)"
                ) from None
        return value

    @field_validator("metrics_token")
    @classmethod
    def _metrics_token_is_long(cls, value: str | None) -> str | None:
        if value is not None and len(value) < 16:
            raise ValueError("EVOTE_METRICS_TOKEN must be at least 16 characters")
        return value

    @model_validator(mode="wrap")
    @classmethod
    def _every_problem_at_once(cls, data: Any, handler: ModelWrapValidatorHandler[Settings]) -> Settings:
        """One error naming every problem, instead of one at a time (a field error would hide the checks below).

        Fields that fail their own validation are set aside and the rest validated again, so the checks that
        span fields (``_consistent``) report too; the operator fixes the whole list in one go.
        """
        try:
            return handler(data)
        except ValidationError as error:
            problems = settings_problems(error)
            invalid = {str(detail["loc"][0]) for detail in error.errors() if detail["loc"]}
            if invalid and isinstance(data, dict):
                try:
                    # ``_consistent`` runs outside this validator: ask the partial settings directly.
                    partial = handler({name: value for name, value in data.items() if name not in invalid})
                    more = partial.cross_field_problems()
                except ValidationError as second:
                    more = settings_problems(second, fields=False)
                problems += [problem for problem in more if problem not in problems]
            raise SettingsProblems(problems) from None

    @model_validator(mode="after")
    def _consistent(self) -> Settings:
        problems = self.cross_field_problems()
        if problems:
            raise SettingsProblems(problems)
        return self

    def cross_field_problems(self) -> list[str]:
        """The checks that span fields or read key files, each one independent of the others."""
        problems: list[str] = []
        for check in (
            self._no_dev_clock_in_production,
            self._cors_is_explicit_in_production,
            self._public_base_url_in_production,
            self._refuse_development_keys_outside_development,
            self._keys_decode,
            self.retired_pii_keys,
            lambda: self._check_signing_key("jwt", "JWT signing key"),
            self.jwt_retired_public_keys,
            lambda: self._check_signing_key("log", "audit log signing key"),
            self.log_retired_public_keys,
            self._witnesses_are_distinct,
            self.witness_public_keys,
            lambda: self._check_webhook(
                "sms",
                self.sms_webhook_url,
                self.sms_webhook_secret,
                "an SMS webhook (login codes are never only logged)",
            ),
            lambda: self._check_webhook(
                "notice",
                self.notice_webhook_url,
                self.notice_webhook_secret,
                "a notice webhook (notices are never only logged)",
            ),
        ):
            try:
                check()
            except ValueError as problem:
                problems.extend(problem.problems if isinstance(problem, SettingsProblems) else [str(problem)])
        return problems

    def _no_dev_clock_in_production(self) -> None:
        if self.env == "production" and self.dev_clock:
            raise ValueError("EVOTE_DEV_CLOCK is for rehearsals and is refused in production")

    def _public_base_url_in_production(self) -> None:
        # The result's public URL (and its QR code) on the announcement is never taken from the request's Host
        # header, which a client or a careless proxy chooses (hostile review: a phishing URL on a printed 公告).
        if self.env == "production" and not (self.public_base_url or "").startswith("https://"):
            raise ValueError("production requires EVOTE_PUBLIC_BASE_URL, an https:// address owners reach")

    def _cors_is_explicit_in_production(self) -> None:
        if self.env == "production" and any(
            origin == "*" or origin.startswith("http:") for origin in self.cors_origins
        ):
            raise ValueError("production allows only explicit https origins in EVOTE_CORS_ORIGINS (no '*', no http)")

    def _refuse_development_keys_outside_development(self) -> None:
        if self.env != "production":
            return
        problems = [
            f"production requires explicit keys; development keys are refused: EVOTE_{name.upper()}"
            for name in SYMMETRIC_KEYS
            if getattr(self, name) is None
        ]
        problems += [
            f"EVOTE_{name.upper()} is a development key and is refused in production"
            for name in SYMMETRIC_KEYS
            if getattr(self, name) is not None and _is_dev_key(self.dev_key_dir, name, getattr(self, name))
        ]
        if problems:
            raise SettingsProblems(problems)

    def _keys_decode(self) -> None:
        problems: list[str] = []
        for name in SYMMETRIC_KEYS:
            value = getattr(self, name)
            if value is not None:
                try:
                    _decode_key(name, value)
                except ValueError as problem:
                    problems.append(str(problem))
        if problems:
            raise SettingsProblems(problems)

    def _witnesses_are_distinct(self) -> None:
        names = [witness.name for witness in self.witness_public_key_files]
        if len(set(names)) != len(names) or self.log_origin in names:
            raise ValueError("EVOTE_WITNESS_PUBLIC_KEY_FILES: witness names must be unique and differ from the log's")

    def metrics_networks(self) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
        return tuple(ipaddress.ip_network(entry, strict=False) for entry in trusted_proxies(self.metrics_allow_ips))

    def webhook(self, name: Literal["sms", "notice"]) -> Webhook | None:
        """The gateway webhook for login codes or notices; None, outside production only, means log instead."""
        if name == "sms":
            url, secret, timeout = self.sms_webhook_url, self.sms_webhook_secret, self.sms_webhook_timeout_seconds
        else:
            url, secret = self.notice_webhook_url, self.notice_webhook_secret
            timeout = self.notice_webhook_timeout_seconds
        if url is not None and secret is not None:
            return Webhook(url, secret, timeout)
        if self.env == "production":  # unreachable after validation; kept as a guard
            raise RuntimeError(
                f"production requires EVOTE_{name.upper()}_WEBHOOK_URL and EVOTE_{name.upper()}_WEBHOOK_SECRET"
            )
        return None

    def _check_webhook(self, name: str, url: str | None, secret: str | None, required_as: str) -> None:
        """Both URL and secret or neither; a secret of 16 characters or more; https only, required, in production."""
        url_var, secret_var = f"EVOTE_{name.upper()}_WEBHOOK_URL", f"EVOTE_{name.upper()}_WEBHOOK_SECRET"
        if (url is None) != (secret is None):
            raise ValueError(f"set both {url_var} and {secret_var}, or neither")
        if secret is not None and len(secret) < 16:
            raise ValueError(f"{secret_var} must be at least 16 characters")
        if url is not None:
            scheme = url.partition("://")[0].lower()
            allowed = ("https",) if self.env == "production" else ("https", "http")
            if scheme not in allowed:
                raise ValueError(f"{url_var} must be an " + " or ".join(allowed) + " URL")
        elif self.env == "production":
            raise ValueError(f"production requires {required_as}: {url_var} and {secret_var}")

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def should_auto_migrate(self) -> bool:
        return self.is_sqlite if self.auto_migrate is None else self.auto_migrate

    def retired_pii_keys(self) -> tuple[bytes, ...]:
        return tuple(_decode_key("pii_retired_encryption_keys", value) for value in self.pii_retired_encryption_keys)

    def key(self, name: Literal["pii_encryption_key", "pii_index_key", "token_hash_key", "pseudonym_key"]) -> bytes:
        """The 32-byte key, from settings or (development and test only) from ``var/keys``, created if absent."""
        value = getattr(self, name)
        if value is not None:
            return _decode_key(name, value)
        if self.env == "production":  # unreachable after validation; kept as a guard
            raise RuntimeError(f"EVOTE_{name.upper()} is required in production")
        return _dev_key(self.dev_key_dir, name)

    @property
    def dev_jwt_key_path(self) -> Path:
        return self._dev_key_path("jwt")

    def jwt_signing_key(self) -> Ed25519PrivateKey:
        """The access-token signing key, from settings or (development and test only) ``dev_key_dir``."""
        return self._signing_key("jwt")

    def jwt_retired_public_keys(self) -> tuple[Ed25519PublicKey, ...]:
        """Retired verification keys, in configured order; each file must hold one PEM Ed25519 public key."""
        return tuple(
            _load_ed25519_public_key(_read_key_file(path, "EVOTE_JWT_RETIRED_PUBLIC_KEY_FILES"), str(path))
            for path in self.jwt_retired_public_key_files
        )

    @property
    def dev_log_key_path(self) -> Path:
        return self._dev_key_path("log")

    def log_signing_key(self) -> Ed25519PrivateKey:
        """The audit log's (and results') signing key, from settings or (development and test only) ``dev_key_dir``."""
        return self._signing_key("log")

    def log_retired_public_keys(self) -> tuple[Ed25519PublicKey, ...]:
        """Retired log keys, still published so the checkpoints they signed keep verifying."""
        return tuple(
            _load_ed25519_public_key(_read_key_file(path, "EVOTE_LOG_RETIRED_PUBLIC_KEY_FILES"), str(path))
            for path in self.log_retired_public_key_files
        )

    def witness_public_keys(self) -> tuple[tuple[str, Ed25519PublicKey], ...]:
        """The configured witnesses' names and Ed25519 public keys, in configured order."""
        return tuple(
            (
                witness.name,
                _load_ed25519_public_key(
                    _read_key_file(witness.public_key_file, "EVOTE_WITNESS_PUBLIC_KEY_FILES"),
                    str(witness.public_key_file),
                ),
            )
            for witness in self.witness_public_key_files
        )

    def _configured_private_key(self, kind: Literal["jwt", "log"]) -> Ed25519PrivateKey | None:
        """``EVOTE_<KIND>_PRIVATE_KEY_FILE`` or ``EVOTE_<KIND>_PRIVATE_KEY`` (PEM text), if set."""
        path: Path | None = getattr(self, f"{kind}_private_key_file")
        text: str | None = getattr(self, f"{kind}_private_key")
        setting = f"EVOTE_{kind.upper()}_PRIVATE_KEY"
        if path is not None:
            return _load_ed25519_private_key(_read_key_file(path, setting + "_FILE"), str(path))
        if text is not None:
            return _load_ed25519_private_key(text.encode(), setting)
        return None

    def _dev_key_path(self, kind: Literal["jwt", "log"]) -> Path:
        return self.dev_key_dir / f"{kind}_ed25519.pem"

    def _check_signing_key(self, kind: Literal["jwt", "log"], what: str) -> None:
        """One of file or text; in production, an explicit key that is not the development one."""
        setting = f"EVOTE_{kind.upper()}_PRIVATE_KEY"
        if getattr(self, f"{kind}_private_key_file") is not None and getattr(self, f"{kind}_private_key") is not None:
            raise ValueError(f"set only one of {setting}_FILE and {setting}")
        configured = self._configured_private_key(kind)
        if self.env == "production":
            if configured is None:
                raise ValueError(
                    f"production requires an explicit {what}; the development key is refused: "
                    f"{setting}_FILE (or {setting})"
                )
            if _is_dev_ed25519_key(self._dev_key_path(kind), configured):
                raise ValueError(f"the {what} is the development key and is refused in production")

    def _signing_key(self, kind: Literal["jwt", "log"]) -> Ed25519PrivateKey:
        configured = self._configured_private_key(kind)
        if configured is not None:
            return configured
        if self.env == "production":  # unreachable after validation; kept as a guard
            raise RuntimeError(f"EVOTE_{kind.upper()}_PRIVATE_KEY_FILE is required in production")
        path = self._dev_key_path(kind)
        if not path.exists():
            _create_private_file(path, _pem_private(Ed25519PrivateKey.generate()))
        return _load_ed25519_private_key(path.read_bytes(), str(path))


def _is_dev_ed25519_key(path: Path, key: Ed25519PrivateKey) -> bool:
    if not path.is_file():
        return False
    try:
        dev = _load_ed25519_private_key(path.read_bytes(), str(path))
    except ValueError:
        return False
    return secrets.compare_digest(_raw_public(dev.public_key()), _raw_public(key.public_key()))


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


def _read_key_file(path: Path, setting: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ValueError(f"{setting}: cannot read {path}: {exc.strerror or exc}") from None


def _load_ed25519_private_key(pem: bytes, source: str) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        # The exception text never includes key material; ``from None`` keeps the PEM out of tracebacks.
        kind = type(exc).__name__
        raise ValueError(f"{source} is not an unencrypted PEM (PKCS#8) Ed25519 private key ({kind})") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{source} is a {type(key).__name__}, not an Ed25519 private key")
    return key


def _load_ed25519_public_key(pem: bytes, source: str) -> Ed25519PublicKey:
    try:
        key = serialization.load_pem_public_key(pem)
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        kind = type(exc).__name__
        raise ValueError(f"{source} is not a PEM Ed25519 public key ({kind})") from None
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError(f"{source} is a {type(key).__name__}, not an Ed25519 public key")
    return key


def _pem_private(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def _create_private_file(path: Path, content: bytes) -> None:
    """Write ``content`` to a new 0600 file atomically; a concurrent first start keeps whichever file won."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, 0o600)
        with contextlib.suppress(FileExistsError):  # another process created it first: keep theirs
            os.link(temporary, path)
    finally:
        os.unlink(temporary)


def trusted_proxies(value: str) -> list[str]:
    """The entries of a comma-separated ``forwarded_allow_ips`` (uvicorn's notation)."""
    return [entry.strip() for entry in value.split(",") if entry.strip()]


@lru_cache
def get_settings() -> Settings:
    return Settings()


def describe_settings_error(error: ValidationError) -> str:
    """The readable report of a failed ``Settings()``: every problem on its own line."""
    problems = settings_problems(error)
    lines = [f"evote: the settings have {len(problems)} problem(s); fix them all, then start again:"]
    lines += [f"  - {problem}" for problem in problems]
    return "\n".join(lines)
