"""Settings refuse development keys and missing keys outside development (issue #2)."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from pydantic import ValidationError

from app.settings import Settings

KEY = base64.b64encode(b"k" * 32).decode()


def test_defaults_use_the_embedded_database():
    settings = Settings(_env_file=None)
    assert settings.database_url == "sqlite+aiosqlite:///./var/evote.db"
    assert settings.should_auto_migrate is True


def test_postgresql_does_not_auto_migrate_unless_asked():
    assert not Settings(database_url="postgresql+asyncpg://x/y").should_auto_migrate
    assert Settings(database_url="postgresql+asyncpg://x/y", auto_migrate=True).should_auto_migrate


def test_production_requires_explicit_keys():
    with pytest.raises(ValidationError, match="EVOTE_PII_ENCRYPTION_KEY"):
        Settings(env="production")


def test_production_refuses_the_development_key(tmp_path):
    development = Settings(env="development", dev_key_dir=tmp_path)
    dev_key = base64.b64encode(development.key("pii_encryption_key")).decode()
    with pytest.raises(ValidationError, match="development key"):
        Settings(
            env="production",
            dev_key_dir=tmp_path,
            pii_encryption_key=dev_key,
            pii_index_key=KEY,
            token_hash_key=KEY,
            pseudonym_key=KEY,
        )


def _jwt_pem() -> str:
    key = Ed25519PrivateKey.generate()
    return key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()).decode()


def test_production_requires_a_jwt_signing_key(tmp_path):
    with pytest.raises(ValidationError, match="JWT"):
        Settings(
            env="production",
            dev_key_dir=tmp_path,
            pii_encryption_key=KEY,
            pii_index_key=KEY,
            token_hash_key=KEY,
            pseudonym_key=KEY,
        )


def test_production_accepts_explicit_keys(tmp_path):
    settings = Settings(
        env="production",
        dev_key_dir=tmp_path,
        pii_encryption_key=KEY,
        pii_index_key=KEY,
        token_hash_key=KEY,
        pseudonym_key=KEY,
        jwt_private_key=_jwt_pem(),
        log_private_key=_jwt_pem(),
        sms_webhook_url="https://sms.example.test/send",
        sms_webhook_secret="s" * 32,
        notice_webhook_url="https://notify.example.test/hook",
        notice_webhook_secret="n" * 32,
        public_base_url="https://evote.example.gov.cn",
    )
    assert settings.key("token_hash_key") == b"k" * 32


@pytest.mark.parametrize("bad", ["not base64!", base64.b64encode(b"short").decode()])
def test_malformed_keys_are_refused(bad):
    with pytest.raises(ValidationError):
        Settings(pii_index_key=bad)


def test_development_keys_are_generated_once_and_kept(tmp_path):
    settings = Settings(dev_key_dir=tmp_path)
    first = settings.key("pii_index_key")
    assert Settings(dev_key_dir=tmp_path).key("pii_index_key") == first
    assert (tmp_path / "pii_index_key.b64").stat().st_mode & 0o777 == 0o600


def test_production_requires_the_public_base_url(tmp_path):
    """The announcement's result URL never comes from the request's Host header in production."""
    with pytest.raises(ValidationError, match="EVOTE_PUBLIC_BASE_URL"):
        Settings(env="production", dev_key_dir=tmp_path)
