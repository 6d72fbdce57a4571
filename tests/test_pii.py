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
