"""The log's signing key (issue #6 item 9): a separate Ed25519 key, generated for development and test, refused
in production when missing or when it is the development key; retired keys and witness keys are published."""

from __future__ import annotations

import base64
import json

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pydantic import ValidationError

from app.audit.keys import LogKeys
from app.ledger import merkle
from app.ledger.note import Checkpoint, open_note
from app.settings import Settings

KEY = base64.b64encode(b"k" * 32).decode()


def pem_private(key: Ed25519PrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def pem_public_file(tmp_path, name: str, key: Ed25519PrivateKey):
    path = tmp_path / f"{name}.pem"
    path.write_bytes(
        key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    return path


def production(tmp_path, **overrides) -> Settings:
    return Settings(
        _env_file=None, env="production", public_base_url="https://evote.example.gov.cn",
        dev_key_dir=tmp_path / "keys", pii_encryption_key=KEY, pii_index_key=KEY,
        token_hash_key=KEY, pseudonym_key=KEY, jwt_private_key=pem_private(Ed25519PrivateKey.generate()),
        sms_webhook_url="https://sms.example.test/send", sms_webhook_secret="s" * 32,
        notice_webhook_url="https://notice.example.test/send", notice_webhook_secret="s" * 32, **overrides,
    )  # fmt: skip


def test_development_generates_a_separate_log_key_once(tmp_path):
    settings = Settings(_env_file=None, env="test", dev_key_dir=tmp_path)
    key = settings.log_signing_key()
    assert settings.dev_log_key_path == tmp_path / "log_ed25519.pem"
    assert settings.dev_log_key_path.stat().st_mode & 0o777 == 0o600
    assert settings.log_signing_key().public_key() == key.public_key()
    assert settings.jwt_signing_key().public_key() != key.public_key()
    assert settings.log_origin == "evote.local/log"


def test_production_requires_an_explicit_log_key(tmp_path):
    with pytest.raises(ValidationError, match="EVOTE_LOG_PRIVATE_KEY_FILE"):
        production(tmp_path)
    assert not (tmp_path / "keys" / "log_ed25519.pem").exists()


@pytest.mark.parametrize("source", ["file", "text"])
def test_production_refuses_the_development_log_key(tmp_path, source):
    dev = Settings(_env_file=None, env="development", dev_key_dir=tmp_path / "keys")
    dev.log_signing_key()
    option = (
        {"log_private_key_file": dev.dev_log_key_path}
        if source == "file"
        else {"log_private_key": dev.dev_log_key_path.read_text()}
    )
    with pytest.raises(ValidationError, match="development key"):
        production(tmp_path, **option)


@pytest.mark.parametrize("source", ["file", "text"])
def test_production_accepts_an_explicit_log_key(tmp_path, source):
    Settings(_env_file=None, env="development", dev_key_dir=tmp_path / "keys").log_signing_key()
    key = Ed25519PrivateKey.generate()
    path = tmp_path / "log.pem"
    path.write_text(pem_private(key))
    option = {"log_private_key_file": path} if source == "file" else {"log_private_key": pem_private(key)}
    settings = production(tmp_path, log_origin="evote.example/log", **option)
    keys = LogKeys.from_settings(settings)
    assert keys.current.key_string.startswith("evote.example/log+")
    assert settings.log_signing_key().public_key() == key.public_key()


def test_a_garbage_dev_key_file_is_not_mistaken_for_the_log_key(tmp_path):
    (tmp_path / "keys").mkdir()
    (tmp_path / "keys" / "log_ed25519.pem").write_text("not a key")
    assert production(tmp_path, log_private_key=pem_private(Ed25519PrivateKey.generate()))


def test_file_and_text_together_are_refused(tmp_path):
    path = tmp_path / "log.pem"
    path.write_text(pem_private(Ed25519PrivateKey.generate()))
    with pytest.raises(ValidationError, match="only one of EVOTE_LOG_PRIVATE_KEY_FILE"):
        Settings(_env_file=None, log_private_key_file=path, log_private_key=path.read_text())


def test_retired_and_witness_keys_are_loaded_and_published(tmp_path, monkeypatch):
    retired, witness = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    witnesses = [{"name": "street-office.test", "public_key_file": str(pem_public_file(tmp_path, "witness", witness))}]
    monkeypatch.setenv("EVOTE_WITNESS_PUBLIC_KEY_FILES", json.dumps(witnesses))
    monkeypatch.setenv(
        "EVOTE_LOG_RETIRED_PUBLIC_KEY_FILES", json.dumps([str(pem_public_file(tmp_path, "old", retired))])
    )
    settings = Settings(_env_file=None, env="test", dev_key_dir=tmp_path)
    keys = LogKeys.from_settings(settings)
    assert [key.verifier.public_key for key in keys.retired] == [retired.public_key().public_bytes_raw()]
    assert keys.retired[0].name == keys.origin
    assert keys.witness("street-office.test").verifier.public_key == witness.public_key().public_bytes_raw()
    assert keys.witness("nobody") is None
    assert keys.witnesses[0].pem.startswith("-----BEGIN PUBLIC KEY-----")


@pytest.mark.parametrize(
    ("witnesses", "message"),
    [
        ([{"name": "a b", "public_key_file": "x.pem"}], "pattern"),
        ([{"name": "w", "public_key_file": "missing.pem"}], "cannot read"),
        ([{"name": "evote.local/log", "public_key_file": "w.pem"}], "unique"),
        ([{"name": "w", "public_key_file": "w.pem"}, {"name": "w", "public_key_file": "w.pem"}], "unique"),
    ],
)
def test_bad_witness_configuration_is_refused(tmp_path, monkeypatch, witnesses, message):
    pem_public_file(tmp_path, "w", Ed25519PrivateKey.generate())
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ValidationError, match=message):
        Settings(_env_file=None, env="test", dev_key_dir=tmp_path, witness_public_key_files=witnesses)


def test_a_bad_origin_is_refused(tmp_path):
    with pytest.raises(ValidationError, match="EVOTE_LOG_ORIGIN"):
        Settings(_env_file=None, env="test", dev_key_dir=tmp_path, log_origin="evote log")


def test_keys_sign_only_checkpoints_of_their_own_log():
    keys = LogKeys.create("a.test/log", Ed25519PrivateKey.generate())
    note = keys.sign(Checkpoint("a.test/log", 0, merkle.EMPTY_ROOT))
    assert open_note(note, keys.log_verifiers).signers == (keys.verifier,)
    with pytest.raises(ValueError, match="not of this log"):
        keys.sign(Checkpoint("b.test/log", 0, merkle.EMPTY_ROOT))
