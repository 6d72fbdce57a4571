"""Witness cosigning (issue #6 item 5): a configured witness (a street office's tool) checks that the latest
checkpoint extends the last one it cosigned, signs it with its own key and posts it; the server checks the
witness's signature, that the checkpoint is one this log signed, and that the witness never signs two
histories or goes back. ``?cosigned=1`` serves checkpoints with every stored cosignature.
"""

from __future__ import annotations

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select

from app.audit.cosigner import CosignRefused, cosign_latest
from app.audit.integrator import integrate_once
from app.audit.models import LogCheckpoint, LogCosignature
from app.cli import main as cli_main
from app.db.base import utcnow
from app.ledger import merkle
from app.ledger.note import Checkpoint, add_cosignature, open_note, parse_verifier_key, sign_note
from app.ledger.signing import private_key_to_pem
from app.ledger.witness import CheckpointInconsistent
from tests.audit.conftest import ORIGIN, WITNESS, WITNESS_KEY, append, cosigned_now

NOW = utcnow()
API = "/api/v1/log"


@pytest.fixture
def keyed_app(app, log_keys):
    app.state.log_keys = log_keys
    return app


async def integrate(session, sessionmaker, log_keys, count):
    await append(session, count)
    await integrate_once(sessionmaker, NOW, keys=log_keys)


def problem(response, status, code):
    assert response.status_code == status, response.text
    assert response.json()["code"] == code


async def test_a_witness_cosigns_and_the_cosigned_checkpoint_is_served(
    client, keyed_app, session, sessionmaker, log_keys
):
    await integrate(session, sessionmaker, log_keys, 3)
    note = (await client.get(f"{API}/checkpoint")).text
    posted = await client.post(f"{API}/witness/cosign", json={"note": cosigned_now(note, WITNESS, WITNESS_KEY)})
    assert posted.status_code == 200, posted.text
    body = posted.json()
    assert body["size"] == 3
    assert body["accepted"] == [WITNESS]
    witness = parse_verifier_key((await client.get(f"{API}/keys")).json()["witnesses"][0]["verifier_key"])
    cosigned = (await client.get(f"{API}/checkpoint", params={"cosigned": 1})).text
    assert cosigned == body["note"]
    opened = open_note(cosigned, [log_keys.verifier, witness])
    assert set(opened.signers) == {log_keys.verifier, witness}
    assert (await client.get(f"{API}/checkpoint")).text == note  # the plain note is unchanged
    document = (await client.get(f"{API}/checkpoints/3", params={"cosigned": "1", "format": "json"})).json()
    assert document["cosigned_by"] == [WITNESS]
    # Posting the same cosignature again is harmless.
    again = await client.post(f"{API}/witness/cosign", json={"note": cosigned_now(note, WITNESS, WITNESS_KEY)})
    assert again.status_code == 200
    assert await session.get(LogCosignature, (3, WITNESS)) is not None


async def test_the_witness_tool_checks_consistency_with_its_last_checkpoint(
    client, keyed_app, session, sessionmaker, log_keys, tmp_path
):
    state = tmp_path / "witness.txt"
    await integrate(session, sessionmaker, log_keys, 2)
    first = await cosign_latest(
        client, log=log_keys.verifier, witness_name=WITNESS, witness_key=WITNESS_KEY, state_file=state
    )
    assert (first.size, first.previous_size) == (2, None)
    assert state.read_text() == (await client.get(f"{API}/checkpoint")).text
    await integrate(session, sessionmaker, log_keys, 5)
    second = await cosign_latest(
        client, log=log_keys.verifier, witness_name=WITNESS, witness_key=WITNESS_KEY, state_file=state
    )
    assert (second.size, second.previous_size) == (7, 2)
    assert Checkpoint.parse(state.read_text().split("\n\n")[0] + "\n").size == 7
    sizes = (await session.scalars(select(LogCosignature.size))).all()
    assert sorted(sizes) == [2, 7]


async def test_the_witness_tool_refuses_a_log_that_forked_from_what_it_cosigned(
    client, keyed_app, session, sessionmaker, log_keys, tmp_path
):
    """The witness remembers a checkpoint of size 2 whose root differs from the log's (a fork): it refuses,
    posts nothing and keeps its state."""
    await integrate(session, sessionmaker, log_keys, 4)
    fork = log_keys.sign(Checkpoint(ORIGIN, 2, merkle.root([b"\x01" * 32, b"\x02" * 32])))
    state = tmp_path / "witness.txt"
    state.write_text(fork)
    with pytest.raises(CheckpointInconsistent, match="does not extend"):
        await cosign_latest(
            client, log=log_keys.verifier, witness_name=WITNESS, witness_key=WITNESS_KEY, state_file=state
        )
    assert state.read_text() == fork
    assert await session.get(LogCosignature, (4, WITNESS)) is None


async def test_the_server_refuses_a_fork_and_a_witness_going_back(client, keyed_app, session, sessionmaker, log_keys):
    await integrate(session, sessionmaker, log_keys, 2)
    small = (await client.get(f"{API}/checkpoint")).text
    await integrate(session, sessionmaker, log_keys, 3)
    large = (await client.get(f"{API}/checkpoint")).text
    assert (
        await client.post(f"{API}/witness/cosign", json={"note": cosigned_now(large, WITNESS, WITNESS_KEY)})
    ).is_success
    # A checkpoint signed with the log's key at a stored size but over another tree: a fork.
    forked = log_keys.sign(Checkpoint(ORIGIN, 5, b"\x07" * 32))
    response = await client.post(f"{API}/witness/cosign", json={"note": cosigned_now(forked, WITNESS, WITNESS_KEY)})
    problem(response, 409, "log.witness_inconsistent")
    # Going back to an older checkpoint after cosigning a newer one.
    response = await client.post(f"{API}/witness/cosign", json={"note": cosigned_now(small, WITNESS, WITNESS_KEY)})
    problem(response, 409, "log.witness_inconsistent")
    assert await session.get(LogCosignature, (2, WITNESS)) is None


async def test_the_server_detects_stored_checkpoints_that_do_not_extend_each_other(
    client, keyed_app, session, sessionmaker, log_keys
):
    await integrate(session, sessionmaker, log_keys, 2)
    small = (await client.get(f"{API}/checkpoint")).text
    assert (
        await client.post(f"{API}/witness/cosign", json={"note": cosigned_now(small, WITNESS, WITNESS_KEY)})
    ).is_success
    await integrate(session, sessionmaker, log_keys, 3)
    # Someone rewrote the stored size-2 root after the witness cosigned it.
    stored = await session.get(LogCheckpoint, 2)
    stored.root_hash = b"\x09" * 32
    await session.commit()
    large = (await client.get(f"{API}/checkpoint")).text
    response = await client.post(f"{API}/witness/cosign", json={"note": cosigned_now(large, WITNESS, WITNESS_KEY)})
    problem(response, 409, "log.witness_inconsistent")


async def test_the_server_refuses_unknown_witnesses_bad_signatures_and_foreign_checkpoints(
    client, keyed_app, session, sessionmaker, log_keys
):
    await integrate(session, sessionmaker, log_keys, 2)
    note = (await client.get(f"{API}/checkpoint")).text
    stranger = cosigned_now(note, "stranger.test", Ed25519PrivateKey.generate())
    problem(await client.post(f"{API}/witness/cosign", json={"note": stranger}), 403, "log.witness_unknown")
    impostor = cosigned_now(note, WITNESS, Ed25519PrivateKey.generate())  # right name, wrong key
    problem(await client.post(f"{API}/witness/cosign", json={"note": impostor}), 403, "log.witness_unknown")
    cosigned = cosigned_now(note, WITNESS, WITNESS_KEY)
    body, _, signatures = cosigned.rpartition("\n\n")
    broken_line = signatures.splitlines()[-1][:-6] + "AAAAA="
    broken = body + "\n\n" + "\n".join([*signatures.splitlines()[:-1], broken_line]) + "\n"
    problem(await client.post(f"{API}/witness/cosign", json={"note": broken}), 422, "log.witness_signature_invalid")
    problem(await client.post(f"{API}/witness/cosign", json={"note": "no note"}), 422, "log.cosignature_malformed")
    # Signed by the witness but not by this log, or not a checkpoint this log stored.
    foreign = cosigned_now(
        sign_note(Checkpoint(ORIGIN, 2, b"\x05" * 32).body(), ORIGIN, Ed25519PrivateKey.generate()),
        WITNESS,
        WITNESS_KEY,
    )
    problem(await client.post(f"{API}/witness/cosign", json={"note": foreign}), 422, "log.checkpoint_unknown")
    unstored = cosigned_now(log_keys.sign(Checkpoint(ORIGIN, 99, b"\x05" * 32)), WITNESS, WITNESS_KEY)
    problem(await client.post(f"{API}/witness/cosign", json={"note": unstored}), 422, "log.checkpoint_unknown")
    not_a_checkpoint = cosigned_now(sign_note("hello\n", ORIGIN, log_keys.private_key), WITNESS, WITNESS_KEY)
    problem(
        await client.post(f"{API}/witness/cosign", json={"note": not_a_checkpoint}), 422, "log.cosignature_malformed"
    )


async def test_without_configured_witnesses_nobody_can_cosign(client, app, session, sessionmaker):
    await append(session, 1)
    await integrate_once(sessionmaker, NOW, keys=app.state.log_keys)
    note = (await client.get(f"{API}/checkpoint")).text
    cosigned = cosigned_now(note, WITNESS, WITNESS_KEY)
    problem(await client.post(f"{API}/witness/cosign", json={"note": cosigned}), 403, "log.witness_unknown")


async def test_the_witness_tool_reports_a_refusal(client, app, session, sessionmaker, tmp_path):
    await append(session, 1)
    await integrate_once(sessionmaker, NOW, keys=app.state.log_keys)
    with pytest.raises(CosignRefused) as refused:
        await cosign_latest(
            client, log=app.state.log_keys.verifier, witness_name=WITNESS, witness_key=WITNESS_KEY,
            state_file=tmp_path / "w.txt",
        )  # fmt: skip
    assert (refused.value.status, refused.value.code) == (403, "log.witness_unknown")


def test_the_cli_runs_the_witness_tool(tmp_path, monkeypatch, capsys):
    """``evote log cosign`` wires the same tool to an HTTP client; the server here is a stub."""
    log_key = Ed25519PrivateKey.generate()
    from app.ledger.note import NoteVerifier

    log = NoteVerifier.from_key(ORIGIN, log_key.public_key())
    note = sign_note(Checkpoint(ORIGIN, 1, merkle.leaf_hash(b"x")).body(), ORIGIN, log_key)
    posted = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/v1/log/checkpoint":
            return httpx.Response(200, text=note)
        if request.url.path == "/api/v1/log/consistency":
            return httpx.Response(200, json={"first": 1, "second": 1, "proof": []})
        if request.url.path == "/api/v1/log/witness/cosign" and len(posted) == 0:
            posted.append(request.content)
            return httpx.Response(200, json={"size": 1, "accepted": [WITNESS], "note": note})
        return httpx.Response(403, json={"code": "log.witness_unknown", "detail": "no"})

    real_client = httpx.AsyncClient
    monkeypatch.setattr(
        httpx, "AsyncClient", lambda **kwargs: real_client(transport=httpx.MockTransport(handler), **kwargs)
    )
    key_file = tmp_path / "witness.pem"
    key_file.write_bytes(private_key_to_pem(WITNESS_KEY))
    args = [
        "log", "cosign", "--url", "http://evote.test", "--witness-name", WITNESS, "--witness-key", str(key_file),
        "--log-key", log.key_string(), "--state", str(tmp_path / "state.txt"),
    ]  # fmt: skip
    assert cli_main(args) == 0
    assert '"size": 1' in capsys.readouterr().out
    assert len(posted) == 1
    assert cli_main(args) == 3  # the stub refuses the second time
    forked = sign_note(Checkpoint(ORIGIN, 1, merkle.leaf_hash(b"y")).body(), ORIGIN, log_key)
    (tmp_path / "state.txt").write_text(forked)
    assert cli_main(args) == 2  # the witness's own check refuses a fork (a LedgerError)


async def test_the_server_refuses_a_cosignature_dated_in_the_future_or_before_the_checkpoint(
    client, keyed_app, session, sessionmaker, log_keys
):
    await integrate(session, sessionmaker, log_keys, 2)
    note = (await client.get(f"{API}/checkpoint")).text
    for timestamp in (int(NOW.timestamp()) + 3600, int(NOW.timestamp()) - 3600):
        dated = add_cosignature(note, WITNESS, WITNESS_KEY, timestamp=timestamp)
        response = await client.post(f"{API}/witness/cosign", json={"note": dated})
        problem(response, 422, "log.cosignature_malformed")
        assert str(timestamp) in response.json()["detail"]
    assert await session.get(LogCosignature, (2, WITNESS)) is None
