"""A register version imported while a vote of the estate is published or open is flagged to the street office.

The vote's roll was frozen at publication (R-ROLL-1) and the new version never changes it (R-ROLL-3); only the
R-ROLL-5 transfers read the newest version. Still, a register changed in the middle of a vote is what a
supervisor wants to look at (R-SUP-1): each such vote gets an organisers' notice, which the street office reads,
naming the versions so the difference can be read at ``GET /estates/{id}/register/diff``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.notice import service as notice_service
from app.notice.models import Audience, NoticeKind
from app.register import service as register_service
from app.register.models import RegisterVersion
from app.rules.lifecycle import IN_PROGRESS, effective_status
from app.vote.models import Vote

"""Effective states in which a vote's frozen roll is in use."""


async def flag_votes_running(session: AsyncSession, version: RegisterVersion, now: datetime) -> list[Vote]:
    """Publish an organisers' notice for every published, open or suspended vote of the version's estate."""
    votes = await session.scalars(
        select(Vote)
        .where(
            Vote.estate_id == version.estate_id,
            Vote.status.in_(IN_PROGRESS),
        )
        .order_by(Vote.published_at)
    )
    flagged: list[Vote] = []
    for vote in votes:
        status = effective_status(
            vote.status, starts_at=vote.starts_at, ends_at=vote.ends_at, now=now, posted=vote.posted_at is not None
        )
        if status not in IN_PROGRESS:
            continue
        await notice_service.publish_notice(
            session,
            estate_id=version.estate_id,
            vote_id=vote.id,
            kind=NoticeKind.REGISTER_CHANGE,
            title=f"表决期间业主名册变更：{vote.title}",
            body=(
                f"表决“{vote.title}”已公告或正在进行，期间导入了业主名册第 {version.number} 版"
                f"（导入人：{version.imported_by}）。本次表决的名册已于公告时固定，不随新版本变化；"
                "仅全部房屋在表决期间过户的表决组由新业主投票（R-ROLL-5）。"
                "请街道办事处核对名册差异。"
            ),
            now=now,
            audience=Audience.ORGANISERS.value,
        )
        flagged.append(vote)
    return flagged


register_service.listen_for_new_versions(flag_votes_running)
