"""Field protection of identifiers (R-PI-2)."""

from __future__ import annotations

import os

import pytest
from cryptography.exceptions import InvalidTag

from app.security.pii import FieldCipher, mask_identifier, mask_name, normalise_identifier

CIPHER = FieldCipher(encryption_key=os.urandom(32), index_key=os.urandom(32))


def test_round_trip_and_blind_index_is_stable_and_normalised():
    protected = CIPHER.protect("owner.identifier", "11010519850606006x")
    assert CIPHER.reveal("owner.identifier", protected.ciphertext) == "11010519850606006X"
    assert protected.blind_index == CIPHER.blind_index("owner.identifier", "１１０１０５１９８５０６０６００６Ｘ")
    assert protected.last4 == "006X"
    assert b"110105" not in protected.ciphertext


def test_ciphertext_is_randomised_and_bound_to_its_field():
    first = CIPHER.protect("owner.identifier", "110105198001010016")
    second = CIPHER.protect("owner.identifier", "110105198001010016")
    assert first.ciphertext != second.ciphertext
    with pytest.raises(InvalidTag):
        CIPHER.reveal("unit.certificate_number", first.ciphertext)


def test_blind_index_differs_per_field_and_key():
    other = FieldCipher(encryption_key=os.urandom(32), index_key=os.urandom(32))
    assert CIPHER.blind_index("a", "x") != CIPHER.blind_index("b", "x")
    assert CIPHER.blind_index("a", "x") != other.blind_index("a", "x")


def test_keys_must_be_32_bytes():
    with pytest.raises(ValueError, match="32 bytes"):
        FieldCipher(encryption_key=b"short", index_key=os.urandom(32))


@pytest.mark.parametrize(
    ("name", "masked"), [("王一", "王*"), ("欧阳娜娜", "欧***"), ("北京某某商贸有限公司", "北京********"), ("", "*")]
)
def test_mask_name(name, masked):
    assert mask_name(name) == masked


def test_mask_identifier_and_normalise():
    assert mask_identifier("110105198001010016") == "**************0016"
    assert normalise_identifier(" 1101-05 ") == "110105"


def test_rotation_retired_keys_still_decrypt_and_new_values_use_the_current_key():
    old_key, new_key, index_key = os.urandom(32), os.urandom(32), os.urandom(32)
    old = FieldCipher(encryption_key=old_key, index_key=index_key)
    written = old.protect("owner.identifier", "110105198001010016")
    rotated = FieldCipher(encryption_key=new_key, index_key=index_key, retired_encryption_keys=(old_key,))
    assert rotated.reveal("owner.identifier", written.ciphertext) == "110105198001010016"
    fresh = rotated.protect("owner.identifier", "110105198001010016")
    assert fresh.ciphertext[1:9] != written.ciphertext[1:9]  # a different key id
    assert fresh.blind_index == written.blind_index  # matching survives rotation of the encryption key
    with pytest.raises(ValueError, match="unknown key"):
        FieldCipher(encryption_key=new_key, index_key=index_key).reveal("owner.identifier", written.ciphertext)


def test_garbage_is_not_a_ciphertext():
    with pytest.raises(ValueError, match="not an evote ciphertext"):
        CIPHER.reveal("owner.identifier", b"\x02" + b"x" * 40)


def test_retired_keys_come_from_settings(tmp_path):
    import base64

    from app.settings import Settings

    old_key = os.urandom(32)
    settings = Settings(dev_key_dir=tmp_path, pii_retired_encryption_keys=[base64.b64encode(old_key).decode()])
    written = FieldCipher(encryption_key=old_key, index_key=settings.key("pii_index_key")).protect("f", "x1")
    assert FieldCipher.from_settings(settings).reveal("f", written.ciphertext) == "X1"
