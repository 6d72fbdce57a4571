"""Titles and bodies of the notices a vote publishes: the vote notice, an erratum, a cancellation.

Plain text in Chinese, as posted on the notice board; instants in Beijing time. The full, hashed record of a
vote stays ``GET /votes/{id}``: each body names the hash to check. Nothing here carries an owner's name, ID
number or phone number (candidates' names are part of the published notice itself, R-ELEC-2, and appear only
there).
"""

from __future__ import annotations

from app.notice.service import beijing_minute
from app.rules.categories import blank_participates
from app.vote.models import Vote

METHODS_ZH = {"ONLINE": "电子投票", "PAPER": "书面投票", "MIXED": "电子投票与书面投票相结合"}


def vote_notice_title(vote: Vote) -> str:
    return f"业主大会会议公告：{vote.title}"


def vote_notice_body(vote: Vote) -> str:
    """R-LIFE-2: the notice text, the window, the method, the topics and the notice hash."""
    topics = "\n".join(f"{number}. {topic.title}" for number, topic in enumerate(vote.topics, start=1))
    return (
        f"{vote.notice_text}\n\n"
        f"表决时间：{beijing_minute(vote.starts_at)} 至 {beijing_minute(vote.ends_at)}（北京时间）\n"
        f"表决方式：{METHODS_ZH.get(vote.voting_method.value, vote.voting_method.value)}\n"
        f"表决议题：\n{topics}\n"
        f"{_procedure_rules_lines(vote)}"
        f"公告哈希（SHA-256）：{vote.notice_hash}"
    )


def _procedure_rules_lines(vote: Vote) -> str:
    """R-PROC-3 / PROCEDURE W8: under adopted rules of procedure, the version counted under and the blank rule."""
    if vote.procedure_rules_id is None:
        return ""
    not_counted = any(not blank_participates(topic.rule) for topic in vote.topics)  # R-PROC-4
    blank = "不计入参与表决" if not_counted else "计为弃权（参与表决、不同意）"
    return f"议事规则（SHA-256）：{vote.procedure_rules_sha256}\n空白或无法辨认的纸质选票：{blank}\n"


def erratum_title(vote: Vote) -> str:
    return f"勘误公告：{vote.title}"


def erratum_body(vote: Vote, text: str, sha256: str) -> str:
    """R-LIFE-4: the erratum changes no meaning; the topics stay as published."""
    return f"{text}\n\n本勘误不改变已公示议题的内容。原公告哈希：{vote.notice_hash}\n勘误哈希（SHA-256）：{sha256}"


def cancellation_title(vote: Vote) -> str:
    return f"取消公告：{vote.title}"


def cancellation_body(vote: Vote, reason: str) -> str:
    """R-LIFE-4: a published vote withdrawn before voting opened; a change needs a new notice."""
    return (
        f"原定于 {beijing_minute(vote.starts_at)} 开始的表决已取消。\n取消原因：{reason}\n"
        f"如需表决，将重新发布公告并重新计算公示期。原公告哈希：{vote.notice_hash}"
    )
