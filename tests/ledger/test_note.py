"""C2SP signed notes and tlog checkpoints, checked against Go's golang.org/x/mod/sumdb/note test vectors.

Why this is Go-compatible: the vectors below are copied from ``sumdb/note/note_test.go`` (TestNewVerifier,
TestNewSigner, TestSign, TestOpen). Ed25519 is deterministic, so signing the PeterNeumann text with the key
from Go's ``PRIVATE+KEY+…`` string must give Go's note byte for byte, and it does. That one comparison
pins every format rule at once (c2sp.org/signed-note):

* key ID = SHA-256(name || 0x0A || 0x01 || 32-byte public key)[:4], big-endian (also recomputed below
  with hashlib, independently of the module);
* signature line = em dash U+2014, space, name, space, base64(key ID || signature), newline;
* the note = text (ending in newline), one blank line, the signature lines;
* verifier key = name "+" 8 lowercase hex digits of the key ID "+" base64(0x01 || public key).

EnochRoot's signature (a second, independent key) is opened with our verifier; Go's malformed-note and
mangled-key cases are replayed and must be refused.
"""

from __future__ import annotations

import base64
import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.ledger import merkle
from app.ledger.errors import (
    LedgerError,
    MalformedCheckpoint,
    MalformedNote,
    MalformedVerifierKey,
    NoteSignatureInvalid,
    NoteUnverified,
)
from app.ledger.note import (
    ALG_COSIGNATURE_V1,
    MAX_COSIGNATURE_TIME,
    Checkpoint,
    NoteVerifier,
    OpenedNote,
    add_cosignature,
    add_signature,
    cosignature_message,
    key_id,
    open_note,
    parse_verifier_key,
    sign_note,
    signature_keys,
    verifier_key_string,
)
from app.ledger.signing import private_key_from_seed, public_key_bytes

# sumdb/note/note_test.go
PETER_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
PETER_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
ENOCH_VKEY = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop"
TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"
PETER_SIG = (
    "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
)
ENOCH_SIG = "— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n"
GO_SIGNED = TEXT + "\n" + PETER_SIG

# c2sp.org/tlog-checkpoint example body.
SPEC_CHECKPOINT = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"


def go_signer_seed(skey: str) -> bytes:
    """Decode Go's ``PRIVATE+KEY+name+hash+base64(0x01 || seed)`` by hand (independent of the module)."""
    prefix1, prefix2, _name, _hash, encoded = skey.split("+", 4)
    assert (prefix1, prefix2) == ("PRIVATE", "KEY")
    raw = base64.b64decode(encoded)
    assert raw[0] == 0x01
    return raw[1:]


PETER = private_key_from_seed(go_signer_seed(PETER_SKEY))
PETER_V = parse_verifier_key(PETER_VKEY)
ENOCH_V = parse_verifier_key(ENOCH_VKEY)
OTHER = private_key_from_seed(bytes(range(32)))


# --- Go compatibility ---


def test_key_id_formula_matches_an_independent_computation_and_go():
    public = public_key_bytes(PETER.public_key())
    independent = hashlib.sha256(b"PeterNeumann" + b"\n" + b"\x01" + public).digest()[:4]
    assert independent == bytes.fromhex("c74f20a3") == key_id("PeterNeumann", public)
    assert PETER_V.key_id == independent
    assert PETER_V.public_key == public


def test_verifier_key_strings_round_trip_go_keys():
    assert verifier_key_string("PeterNeumann", PETER.public_key()) == PETER_VKEY
    assert PETER_V.name == "PeterNeumann"
    assert PETER_V.key_string() == PETER_VKEY
    assert ENOCH_V.key_string() == ENOCH_VKEY
    assert ENOCH_V.key_id == bytes.fromhex("af0cfe78")
    assert NoteVerifier.from_key("PeterNeumann", PETER.public_key()) == PETER_V


def test_sign_reproduces_gos_signed_note_byte_for_byte():
    assert sign_note(TEXT, "PeterNeumann", PETER) == GO_SIGNED


def test_open_gos_note_with_one_known_and_one_unknown_signer():
    opened = open_note(TEXT + "\n" + PETER_SIG + ENOCH_SIG, [PETER_V])
    assert opened == OpenedNote(TEXT, (PETER_V,), ("EnochRoot+af0cfe78",))


def test_open_gos_note_with_both_signers_known():
    opened = open_note((TEXT + "\n" + PETER_SIG + ENOCH_SIG).encode(), [PETER_V, ENOCH_V])
    assert opened.text == TEXT
    assert opened.signers == (PETER_V, ENOCH_V)
    assert opened.unknown == ()


def test_a_note_without_a_trusted_signature_is_refused():
    with pytest.raises(NoteUnverified) as error:
        open_note(TEXT + "\n" + PETER_SIG + ENOCH_SIG, [])
    assert error.value.code == "ledger.note_unverified"
    assert "2 signature line(s)" in str(error.value)


def test_a_key_matching_only_the_name_or_only_the_key_id_is_unknown():
    # signed-note: "Verifiers MUST ignore signatures from unknown keys, even if they share a name or ID
    # (but not both) with a known key."
    renamed = PETER_SIG.replace("PeterNeumann", "CarmenSandiego")
    with pytest.raises(NoteUnverified):
        open_note(TEXT + "\n" + renamed, [PETER_V])
    wrong_id = PETER_SIG.replace("x08g", "xxxx")
    with pytest.raises(NoteUnverified):
        open_note(TEXT + "\n" + wrong_id, [PETER_V])


def test_an_invalid_signature_from_a_known_key_rejects_the_note():
    bad = PETER_SIG[:60] + "ABCD" + PETER_SIG[60:]
    with pytest.raises(NoteSignatureInvalid) as error:
        open_note(TEXT + "\n" + bad, [PETER_V])
    assert error.value.params == {"signer": "PeterNeumann+c74f20a3"}
    assert error.value.message("zh") == "签名文本中密钥 PeterNeumann+c74f20a3 的签名无效。"
    # ... even when another trusted key signed correctly, and even as a repeat of a good line.
    with pytest.raises(NoteSignatureInvalid):
        open_note(TEXT + "\n" + ENOCH_SIG + bad, [PETER_V, ENOCH_V])
    with pytest.raises(NoteSignatureInvalid):
        open_note(TEXT + "\n" + PETER_SIG + bad, [PETER_V])


def test_repeated_signatures_count_once():
    enoch_abcd = ENOCH_SIG[:60] + "ABCD" + ENOCH_SIG[60:]
    note = TEXT + "\n" + PETER_SIG + PETER_SIG + ENOCH_SIG + ENOCH_SIG + enoch_abcd
    assert open_note(note, [PETER_V]) == OpenedNote(TEXT, (PETER_V,), ("EnochRoot+af0cfe78",))


def test_at_most_100_signature_lines():
    assert open_note(TEXT + "\n" + PETER_SIG * 100, [PETER_V]).signers == (PETER_V,)
    for verifiers in ([PETER_V], []):
        with pytest.raises(MalformedNote, match="more than 100"):
            open_note(TEXT + "\n" + PETER_SIG * 101, verifiers)


@pytest.mark.parametrize(
    "note",
    [
        # Go's badMsgs
        TEXT,
        TEXT + "\n",
        TEXT + "\n" + PETER_SIG[:-1],
        "\x01" + TEXT + "\n" + PETER_SIG,
        b"\xff" + (TEXT + "\n" + PETER_SIG).encode(),
        TEXT
        + "\n"
        + "— Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=",
        TEXT + "\n" + PETER_SIG + "Unexpected line.\n",
        # and more
        "",
        TEXT + "\n" + PETER_SIG.replace("—", "-"),
        TEXT + "\n" + PETER_SIG.replace(" x08", "\tx08"),
        TEXT + "\n" + "— PeterNeumann\n",
        TEXT + "\n" + "— PeterNeumann \n",
        TEXT + "\n" + "— Peter+Neumann " + PETER_SIG.split(" ")[2],
        TEXT + "\n" + "— Peter\u3000Neumann " + PETER_SIG.split(" ")[2],
        TEXT + "\n" + PETER_SIG.replace("AM=", "AN="),  # non-canonical base64 (trailing bits)
        TEXT + "\n" + PETER_SIG.replace("AM=", "AM"),  # missing padding
        TEXT + "\n" + PETER_SIG.replace("/", "_"),  # base64url is not base64
        TEXT + "\n" + "— PeterNeumann x08gow==\n",  # 4 bytes: a key ID and no signature
        TEXT + "\n" + PETER_SIG + "\n",
        "\ud800" + TEXT + "\n" + PETER_SIG,
        TEXT.replace("\n", "\r\n", 1) + "\n" + PETER_SIG,
    ],
    ids=repr,
)
def test_malformed_notes_are_refused(note):
    with pytest.raises(MalformedNote):
        open_note(note, [PETER_V])


def test_the_text_may_contain_blank_lines_the_last_one_separates_the_signatures():
    text = "first\n\nsecond\n\n"
    note = sign_note(text, "PeterNeumann", PETER)
    assert note.startswith(text + "\n— PeterNeumann ")
    assert open_note(note, [PETER_V]).text == text
    assert open_note(sign_note("\n", "PeterNeumann", PETER), [PETER_V]).text == "\n"


@pytest.mark.parametrize("text", ["", "abc", "no newline", "tab\there\n", "\ud800\n", b"bytes\n"], ids=repr)
def test_sign_note_refuses_a_text_that_is_not_a_note_text(text):
    with pytest.raises(MalformedNote):
        sign_note(text, "PeterNeumann", PETER)


@pytest.mark.parametrize("name", ["", "a+b", "bad name", "new\nline", "ideographic\u3000space", "nbsp\u00a0", "c\x01"])
def test_key_names_without_spaces_plus_or_controls(name):
    with pytest.raises(ValueError, match="key name"):
        sign_note(TEXT, name, PETER)
    with pytest.raises(ValueError, match="key name"):
        verifier_key_string(name, PETER.public_key())


def test_key_id_needs_a_32_byte_key():
    with pytest.raises(ValueError, match="32"):
        key_id("PeterNeumann", b"\x00" * 31)


def test_an_ambiguous_verifier_list_is_refused_but_duplicates_are_fine():
    assert open_note(GO_SIGNED, [PETER_V, PETER_V, ENOCH_V]).signers == (PETER_V,)
    impostor = NoteVerifier("PeterNeumann", public_key_bytes(OTHER.public_key()))
    object.__setattr__(impostor, "key_id", PETER_V.key_id)  # a 32-bit key ID collision, forced
    with pytest.raises(ValueError, match="share the name and key ID"):
        open_note(GO_SIGNED, [PETER_V, impostor])


# --- Cosigning ---


def test_add_signature_keeps_existing_lines_and_appends_the_cosigner():
    cosigned = add_signature(GO_SIGNED, "witness.example/w1", OTHER)
    witness = NoteVerifier.from_key("witness.example/w1", OTHER.public_key())
    assert cosigned.startswith(GO_SIGNED)
    assert cosigned[len(GO_SIGNED) :].startswith("— witness.example/w1 ")
    assert cosigned.count("\n— ") == 2
    assert open_note(cosigned, [PETER_V, witness]).signers == (PETER_V, witness)
    assert open_note(cosigned, [witness]) == OpenedNote(TEXT, (witness,), ("PeterNeumann+c74f20a3",))


def test_add_signature_replaces_a_line_from_the_same_key():
    # Go TestSign: an existing (even bogus) signature by the same name and key ID is replaced.
    bogus = "— PeterNeumann " + base64.b64encode(bytes.fromhex("c74f20a3") + b"BADSIGN").decode() + "\n"
    assert add_signature(TEXT + "\n" + bogus, "PeterNeumann", PETER) == GO_SIGNED
    again = add_signature(GO_SIGNED, "PeterNeumann", PETER)
    assert again == GO_SIGNED


def test_add_signature_needs_a_well_formed_note():
    with pytest.raises(MalformedNote):
        add_signature(TEXT, "PeterNeumann", PETER)


# --- Verifier key strings ---


def test_gos_mangled_verifier_keys_are_refused():
    # Go TestNewVerifier: every proper substring and every single-byte increment must fail.
    raw = PETER_VKEY.encode()
    for start in range(len(raw) + 1):
        for end in range(start + 1, len(raw) + 1):
            if (start, end) != (0, len(raw)):
                with pytest.raises(MalformedVerifierKey):
                    parse_verifier_key(raw[start:end].decode())
    for position in range(len(raw)):
        mangled = raw[:position] + bytes([raw[position] + 1]) + raw[position + 1 :]
        with pytest.raises(MalformedVerifierKey):
            parse_verifier_key(mangled.decode())


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==", "base64"),
        ("PeterNeumann+00000000+" + base64.b64encode(b"\x01" + bytes(31)).decode(), "followed by a 32-byte"),
        ("PeterNeumann+00000000+" + base64.b64encode(b"\x01" + bytes(33)).decode(), "followed by a 32-byte"),
        ("PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "followed by a 32-byte"),
        ("PeterNeumann+C74F20A3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "8 lowercase hex"),
        ("PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "does not match"),
        ("Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "key name"),
        ("PeterNeumann+c74f20a3+", "base64"),
        ("PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW=", "base64"),
        ("PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TX", "does not match"),
        ("PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10T=", "non-canonical"),
    ],
)
def test_malformed_verifier_keys(text, reason):
    with pytest.raises(MalformedVerifierKey, match=reason):
        parse_verifier_key(text)


# --- Checkpoints ---


def test_the_specs_example_checkpoint_round_trips():
    checkpoint = Checkpoint.parse(SPEC_CHECKPOINT)
    assert checkpoint.origin == "example.com/behind-the-sofa"
    assert checkpoint.size == 20852163
    assert checkpoint.root_hash == base64.b64decode("CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=")
    assert checkpoint.extensions == ()
    assert checkpoint.body() == SPEC_CHECKPOINT


def test_checkpoint_with_extension_lines():
    checkpoint = Checkpoint("evote.example/estate-1", 0, merkle.EMPTY_ROOT, ("ext one", "— ext two"))
    body = checkpoint.body()
    assert body == "evote.example/estate-1\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\next one\n— ext two\n"
    assert Checkpoint.parse(body) == checkpoint


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("example.com/log\n5\n" + base64.b64encode(bytes(32)).decode(), "end with a newline"),
        ("example.com/log\n5\n", "origin, a size and a root hash"),
        ("\n5\n" + base64.b64encode(bytes(32)).decode() + "\n", "origin must be"),
        ("o\n05\n" + base64.b64encode(bytes(32)).decode() + "\n", "decimal number"),
        ("o\n+5\n" + base64.b64encode(bytes(32)).decode() + "\n", "decimal number"),
        ("o\n 5\n" + base64.b64encode(bytes(32)).decode() + "\n", "decimal number"),
        ("o\n\u0665\n" + base64.b64encode(bytes(32)).decode() + "\n", "decimal number"),  # Arabic-Indic 5
        ("o\n1_000\n" + base64.b64encode(bytes(32)).decode() + "\n", "decimal number"),
        ("o\n" + "9" * 21 + "\n" + base64.b64encode(bytes(32)).decode() + "\n", "decimal number"),
        ("o\n18446744073709551616\n" + base64.b64encode(bytes(32)).decode() + "\n", "2\\^64 - 1"),
        ("o\n5\n" + base64.b64encode(bytes(31)).decode() + "\n", "32 bytes"),
        ("o\n5\n" + base64.b64encode(bytes(32)).decode().rstrip("=") + "\n", "base64"),
        ("o\n5\nAAAA AAA=\n", "base64"),
        ("o\n5\n\n", "base64"),
        ("o\n5\n" + base64.b64encode(bytes(32)).decode() + "\n\n", "extension line must be"),
        ("o\x01\n5\n" + base64.b64encode(bytes(32)).decode() + "\n", "origin must be"),
    ],
)
def test_malformed_checkpoints(text, reason):
    with pytest.raises(MalformedCheckpoint, match=reason):
        Checkpoint.parse(text)


def test_largest_tree_size_is_uint64_max():
    text = "o\n18446744073709551615\n" + base64.b64encode(bytes(32)).decode() + "\n"
    assert Checkpoint.parse(text).size == 2**64 - 1


@pytest.mark.parametrize(
    "arguments",
    [
        ("", 1, bytes(32)),
        ("o\nx", 1, bytes(32)),
        (None, 1, bytes(32)),
        ("o", -1, bytes(32)),
        ("o", True, bytes(32)),
        ("o", 2**64, bytes(32)),
        ("o", "1", bytes(32)),
        ("o", 1, bytes(33)),
        ("o", 1, "00" * 32),
        ("o", 1, bytes(32), ("",)),
        ("o", 1, bytes(32), ("a\nb",)),
    ],
    ids=repr,
)
def test_checkpoint_fields_are_validated(arguments):
    with pytest.raises(MalformedCheckpoint):
        Checkpoint(*arguments)


def test_checkpoint_parse_needs_text():
    with pytest.raises(MalformedCheckpoint):
        Checkpoint.parse(SPEC_CHECKPOINT.encode())  # type: ignore[arg-type]


def test_errors_carry_a_code_a_reason_and_are_value_errors():
    with pytest.raises(ValueError, match="decimal number") as error:
        Checkpoint.parse("o\n007\nAAAA\n")
    assert isinstance(error.value, LedgerError)
    assert error.value.code == "ledger.checkpoint_malformed"
    assert error.value.status == 422
    assert error.value.message("zh") == "检查点（树头）的格式不符合透明日志检查点规范。"
    assert str(NoteUnverified()) == "The note has no valid signature from a trusted key."


def test_a_signed_cosigned_checkpoint_proves_inclusion_end_to_end():
    leaves = [merkle.leaf_hash(f"ballot {i}".encode()) for i in range(11)]
    origin = "evote.example/estate-1"
    log_key, witness_key = private_key_from_seed(b"\x01" * 32), OTHER
    log = NoteVerifier.from_key(origin, log_key.public_key())
    witness = NoteVerifier.from_key("witness.example/w1", witness_key.public_key())

    signed = sign_note(Checkpoint(origin, len(leaves), merkle.root(leaves)).body(), origin, log_key)
    assert open_note(signed, [log]).signers == (log,)
    cosigned = add_signature(signed, witness.name, witness_key)

    opened = open_note(cosigned, [log, witness])
    assert opened.signers == (log, witness)
    checkpoint = Checkpoint.parse(opened.text)
    assert checkpoint.origin == origin
    proof = merkle.inclusion_proof(7, leaves)
    assert merkle.verify_inclusion(7, checkpoint.size, leaves[7], proof, checkpoint.root_hash)


# --- Properties ---

LINE = st.text(
    alphabet=st.characters(exclude_categories=["Cs", "Cc"], exclude_characters="\n"), min_size=1, max_size=30
)


@settings(max_examples=200, deadline=None)
@given(
    origin=LINE,
    size=st.integers(0, 2**64 - 1),
    root_hash=st.binary(min_size=32, max_size=32),
    extensions=st.lists(LINE, max_size=3),
)
def test_checkpoint_parse_inverts_body(origin, size, root_hash, extensions):
    checkpoint = Checkpoint(origin, size, root_hash, tuple(extensions))
    assert Checkpoint.parse(checkpoint.body()) == checkpoint


@settings(max_examples=100, deadline=None)
@given(lines=st.lists(st.text(alphabet=st.characters(exclude_categories=["Cs", "Cc"]), max_size=20), min_size=1))
def test_any_text_signs_and_opens(lines):
    text = "".join(f"{line}\n" for line in lines)
    assert open_note(sign_note(text, "PeterNeumann", PETER), [PETER_V]).text == text


@settings(max_examples=200, deadline=None)
@given(position=st.integers(0, 10_000), replacement=st.sampled_from(["a", "0", "\n", " ", "é", "—", "+", "="]))
def test_any_changed_character_of_a_signed_checkpoint_is_detected(position, replacement):
    signed = add_signature(sign_note(SPEC_CHECKPOINT, "PeterNeumann", PETER), "w", OTHER)
    position %= len(signed)
    changed = signed[:position] + replacement + signed[position + 1 :]
    if changed == signed:
        return
    witness = NoteVerifier.from_key("w", OTHER.public_key())
    try:
        opened = open_note(changed, [PETER_V, witness])
    except LedgerError:
        return
    # A change to a signature line's name or key ID turns it into an unknown key, which the spec says to
    # ignore; the other signature then still verifies. The text itself can never change undetected.
    assert opened.text == SPEC_CHECKPOINT
    assert len(opened.signers) == 1


# --- timestamped cosignatures (c2sp.org/tlog-cosignature, cosignature/v1) ---------------------------------------

SPEC_BODY = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
WITNESS_NAME = "witness.example.com/w1"


def _witness() -> NoteVerifier:
    return NoteVerifier.from_key(WITNESS_NAME, OTHER.public_key(), ALG_COSIGNATURE_V1)


def test_the_cosigned_message_and_key_follow_the_spec():
    assert cosignature_message(SPEC_BODY, 1679315147) == (
        b"cosignature/v1\ntime 1679315147\n" + SPEC_BODY.encode()
    )  # the spec's example message
    witness = _witness()
    raw = public_key_bytes(OTHER.public_key())
    assert witness.key_id == hashlib.sha256(WITNESS_NAME.encode() + b"\n\x04" + raw).digest()[:4]
    assert witness.key_id != NoteVerifier(WITNESS_NAME, raw).key_id
    assert witness.key_string().split("+", 2)[2] == base64.b64encode(b"\x04" + raw).decode()
    assert parse_verifier_key(witness.key_string()) == witness
    assert witness.is_cosigner
    assert not PETER_V.is_cosigner
    with pytest.raises(ValueError, match="signature type"):
        key_id(WITNESS_NAME, raw, 0x02)
    for bad in (-1, MAX_COSIGNATURE_TIME + 1, True, "1"):
        with pytest.raises(ValueError, match="cosignature time"):
            cosignature_message(SPEC_BODY, bad)  # type: ignore[arg-type]


def test_a_cosignature_is_timestamped_and_verified_with_its_time():
    signed = sign_note(SPEC_BODY, "log.example", OTHER)
    cosigned = add_cosignature(signed, WITNESS_NAME, OTHER, timestamp=1679315147)
    line = cosigned.splitlines()[-1]
    raw = base64.b64decode(line.split(" ")[2])
    assert raw[:4] == _witness().key_id
    assert int.from_bytes(raw[4:12], "big") == 1679315147
    assert len(raw) == 4 + 8 + 64
    opened = open_note(cosigned, [_witness()])
    assert opened.signers == (_witness(),)
    assert opened.cosigned_at == ((_witness(), 1679315147),)
    log_id = key_id("log.example", public_key_bytes(OTHER.public_key())).hex()
    assert signature_keys(cosigned) == (f"log.example+{log_id}", f"{WITNESS_NAME}+{_witness().key_id.hex()}")
    # Re-cosigning replaces the witness's line; the plain key of the same Ed25519 key does not verify it.
    again = add_cosignature(cosigned, WITNESS_NAME, OTHER, timestamp=1679315150)
    assert again.count(f"— {WITNESS_NAME} ") == 1
    assert open_note(again, [_witness()]).cosigned_at == ((_witness(), 1679315150),)
    with pytest.raises(NoteUnverified):
        open_note(again, [NoteVerifier.from_key(WITNESS_NAME, OTHER.public_key())])


def _with_line(note: str, raw: bytes) -> str:
    text = note[: note.rfind("\n\n") + 2]
    return f"{text}— {WITNESS_NAME} {base64.b64encode(raw).decode()}\n"


def test_a_changed_time_body_or_length_breaks_the_cosignature():
    cosigned = add_cosignature(sign_note(SPEC_BODY, "log.example", OTHER), WITNESS_NAME, OTHER, timestamp=1679315147)
    raw = base64.b64decode(cosigned.splitlines()[-1].split(" ")[2])
    later = raw[:4] + (1679315148).to_bytes(8, "big") + raw[12:]
    huge = raw[:4] + (MAX_COSIGNATURE_TIME + 1).to_bytes(8, "big") + raw[12:]
    for broken in (later, huge, raw[:-1]):
        with pytest.raises(NoteSignatureInvalid):
            open_note(_with_line(cosigned, broken), [_witness()])
    with pytest.raises(NoteSignatureInvalid):
        open_note(cosigned.replace("20852163", "20852164"), [_witness()])
    # Two lines of one cosigner: both verified, the later time reported.
    second = add_cosignature(sign_note(SPEC_BODY, "log.example", OTHER), WITNESS_NAME, OTHER, timestamp=1679315200)
    both = cosigned + second.splitlines()[-1] + "\n"
    assert open_note(both, [_witness()]).cosigned_at == ((_witness(), 1679315200),)
