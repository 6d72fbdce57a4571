"""Paper ballots: their scans, their reception at the server's clock, and entering their answers at the counting.

* R-PAPER-4: a scan is uploaded and stored under the SHA-256 of its bytes; a reception or an entry names a scan
  only by a hash this vote stored, so a hash without a scan (or the all-zero placeholder) is refused.
* R-PAPER-1: a reception is recorded at ``now``; a date typed from the paper is kept as information only. It runs
  under the vote's exclusive casting lock, so no online cast of the same group races it (R-PAPER-2).
* R-PAPER-2: the group's earliest ballot by server time counts; a reception after the group's online ballot or
  after its earlier reception is a DUPLICATE, kept and logged, never counted, and it voids nothing.
* R-PAPER-3: at the counting session (``app.result.counting``) the organiser enters the answers of a RECEIVED
  reception; the ballot is cast at the reception instant, its commitment binding the scan's hash.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import service as audit_service
from app.ballot import repository
from app.ballot.errors import (
    AlreadyCast,
    GroupNotInRoll,
    PaperNotAllowed,
    ReceptionIsDuplicate,
    ReceptionNotFound,
    ScanEmptyOrTooLarge,
    ScanNotAnImage,
    ScanNotUploaded,
    ScanOfAnotherGroup,
    SheetScanRequired,
    VoteNotVotable,
)
from app.ballot.models import Ballot, BallotStatus, Channel, PaperReception, PaperScan
from app.ballot.schemas import CountedPaperEntry, PaperReceptionIn, Receipt
from app.ballot.service import ballot_rows, insert_ballot
from app.common.access import Principal
from app.ledger import ballot as ballot_document
from app.ledger import events
from app.rules.errors import PaperReceptionOutsideWindow
from app.rules.lifecycle import ENDED, RUNNING
from app.rules.paper import PaperForm, ReceptionStatus, check_reception_time, check_scan_hash, reception_status
from app.rules.publicity import check_notice_posted
from app.vote.models import Vote, VotingMethod
from app.vote.spec import marks_for_ballot

MAX_SCAN_BYTES = 20 * 1024 * 1024
PAPER_BASIS = "PAPER_ENTRY"


SCAN_SIGNATURES = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)


def scan_media_type(content: bytes) -> str:
    """The scan's type from its leading bytes (the request's label could call any file a scan)."""
    for signature, media_type in SCAN_SIGNATURES:
        if content.startswith(signature):
            return media_type
    raise ScanNotAnImage()


async def upload_scan(
    session: AsyncSession, principal: Principal, vote: Vote, content: bytes, *, now: datetime
) -> PaperScan:
    """R-PAPER-4: store the scan under the SHA-256 of its bytes (content-addressed: the same bytes, one row)."""
    if vote.voting_method is VotingMethod.ONLINE:
        raise PaperNotAllowed()
    if not content or len(content) > MAX_SCAN_BYTES:
        raise ScanEmptyOrTooLarge(max_bytes=MAX_SCAN_BYTES)
    media_type = scan_media_type(content)
    sha256 = hashlib.sha256(content).hexdigest()
    existing = await session.get(PaperScan, (vote.id, sha256))
    if existing is not None:
        return existing
    scan = PaperScan(
        vote_id=vote.id, sha256=sha256, media_type=media_type, size=len(content), content=content,
        uploaded_at=now, uploaded_by=principal.label,
    )  # fmt: skip
    session.add(scan)
    await session.flush()
    return scan


async def _ensure_scan(session: AsyncSession, vote_id: uuid.UUID, sha256: str) -> None:
    check_scan_hash(sha256)
    if await session.scalar(select(PaperScan.sha256).where(PaperScan.vote_id == vote_id, PaperScan.sha256 == sha256)):
        return
    raise ScanNotUploaded()


async def receive(
    session: AsyncSession, principal: Principal, vote: Vote, body: PaperReceptionIn, *, now: datetime
) -> PaperReception:
    """R-PAPER-1, R-PAPER-2: record a paper ballot's arrival now; the caller holds the vote's exclusive lock."""
    if vote.voting_method is VotingMethod.ONLINE:
        raise PaperNotAllowed()
    if vote.status in RUNNING:
        check_notice_posted(vote.posted_at)  # R-NOTICE-3: a vote whose notice was never posted never opened
        check_reception_time(vote.starts_at, vote.ends_at, now)
    elif vote.status in ENDED:
        raise PaperReceptionOutsideWindow(starts_at=vote.starts_at.isoformat(), ends_at=vote.ends_at.isoformat())
    else:
        raise VoteNotVotable(status=vote.status.value)
    await _ensure_scan(session, vote.id, body.scan_sha256)
    group_row = await repository.roll_group(session, vote.id, body.group_id)
    if group_row is None:
        raise GroupNotInRoll()
    other_group = await session.scalar(
        select(PaperReception.id).where(
            PaperReception.vote_id == vote.id,
            PaperReception.scan_sha256 == body.scan_sha256,
            PaperReception.group_id != group_row.group_id,
        )
    )
    if other_group is not None:
        raise ScanOfAnotherGroup()  # R-PAPER-4: one scan, one paper
    earlier = await repository.group_ballot_times(session, vote.id, group_row.group_id)
    status = reception_status(now, (at for at, _ in earlier))
    earlier_entry = min(earlier)[1] if earlier else None
    reception_id = uuid.uuid4()
    entry = await audit_service.append(
        session,
        events.paper_received(
            reception_id=reception_id,
            group_member=ballot_document.group_member(group_row.pseudonym, group_row.group_id),
            group=group_row.pseudonym,
            form=body.form.value,
            scan_sha256=body.scan_sha256,
            received_at=now.isoformat(),
            status=status.value,
            earlier_entry_id=earlier_entry if status is ReceptionStatus.DUPLICATE else None,
        ),
        estate_id=vote.estate_id,
        vote_id=vote.id,
        at=now,
    )
    reception = PaperReception(
        id=reception_id, vote_id=vote.id, group_id=group_row.group_id, form=body.form, scan_sha256=body.scan_sha256,
        received_at=now, date_on_paper=body.date_on_paper.isoformat() if body.date_on_paper else None,
        status=status, recorded_by=principal.label, audit_entry_id=entry.id,
    )  # fmt: skip
    session.add(reception)
    await session.flush()
    return reception


async def enter_counted(
    session: AsyncSession, principal: Principal, vote: Vote, body: CountedPaperEntry, *, now: datetime
) -> Receipt:
    """R-PAPER-3: the answers of a RECEIVED paper ballot, cast at its reception instant with its scan's hash."""
    reception = await session.get(PaperReception, body.reception_id)
    if reception is None or reception.vote_id != vote.id:
        raise ReceptionNotFound()
    if reception.status is ReceptionStatus.DUPLICATE:
        raise ReceptionIsDuplicate()
    if reception.status is ReceptionStatus.COUNTED:
        raise AlreadyCast()
    scan = body.scan_sha256 or (reception.scan_sha256 if reception.form is PaperForm.SHEET else None)
    if scan is None:
        raise SheetScanRequired()
    await _ensure_scan(session, vote.id, scan)
    group_row = await repository.roll_group(session, vote.id, reception.group_id)
    if group_row is None:  # the roll is frozen: a reception names a group of it
        raise GroupNotInRoll()
    marks = marks_for_ballot(vote.topics, body.answers, allow_spoiled=True)
    rows = ballot_rows(
        vote.id, vote.estate_id, group_row, body.answers, marks, now=now, basis=PAPER_BASIS, grant_id=None,
        grant="", channel=Channel.PAPER, account_id=None, entered_by=principal.label, scan_sha256=scan,
        cast_at=reception.received_at,
    )  # fmt: skip
    receipt = await insert_ballot(session, rows)
    if receipt is None:  # R-PAPER-2: unreachable while online casts after a reception are refused
        raise AlreadyCast()
    reception.status = ReceptionStatus.COUNTED
    reception.ballot_id = receipt.ballot_id
    await session.flush()
    return receipt


async def receptions(session: AsyncSession, vote_id: uuid.UUID) -> list[PaperReception]:
    rows = await session.scalars(
        select(PaperReception)
        .where(PaperReception.vote_id == vote_id)
        .order_by(PaperReception.received_at, PaperReception.id)
    )
    return list(rows)


async def counted_paper_ballots(session: AsyncSession, vote_id: uuid.UUID) -> int:
    rows = await session.scalars(
        select(Ballot.id).where(
            Ballot.vote_id == vote_id, Ballot.channel == Channel.PAPER, Ballot.status == BallotStatus.COUNTED
        )
    )
    return len(rows.all())
