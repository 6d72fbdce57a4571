"""Titles and bodies of the notices other domains publish (vote notice, erratum, cancellation, result).

Plain text in Chinese, as posted on the notice board; instants in Beijing time. The full, hashed record of a
vote stays ``GET /votes/{id}`` and its result ``GET /votes/{id}/result``: each body names the hash to check.
Nothing here carries an owner's name, ID number or phone number (candidates' names are part of the published
notice itself, R-ELEC-2, and appear only there).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from app.result.models import TopicResult
from app.vote.models import Topic, Vote

SHANGHAI = ZoneInfo("Asia/Shanghai")
OUTCOMES_ZH = {
    "PASSED": "通过",
    "REJECTED": "未通过",
    "NO_QUORUM": "参与表决的业主人数或面积未达法定比例，未形成决定",
    "NO_DECISION": "征询意见，不形成决定",
    "DECIDED": "选举产生结果",
    "TIE_UNRESOLVED": "存在票数相同无法确定的席位",
}
METHODS_ZH = {"ONLINE": "电子投票", "PAPER": "书面投票", "MIXED": "电子投票与书面投票相结合"}


def _beijing(instant: datetime | None) -> str:
    return "—" if instant is None else instant.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")


def vote_notice_title(vote: Vote) -> str:
    return f"业主大会会议公告：{vote.title}"


def vote_notice_body(vote: Vote) -> str:
    """R-LIFE-2: the notice text, the window, the method, the topics and the notice hash."""
    topics = "\n".join(f"{number}. {topic.title}" for number, topic in enumerate(vote.topics, start=1))
    return (
        f"{vote.notice_text}\n\n"
        f"表决时间：{_beijing(vote.starts_at)} 至 {_beijing(vote.ends_at)}（北京时间）\n"
        f"表决方式：{METHODS_ZH.get(vote.voting_method.value, vote.voting_method.value)}\n"
        f"表决议题：\n{topics}\n"
        f"公告哈希（SHA-256）：{vote.notice_hash}"
    )


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
        f"原定于 {_beijing(vote.starts_at)} 开始的表决已取消。\n取消原因：{reason}\n"
        f"如需表决，将重新发布公告并重新计算公示期。原公告哈希：{vote.notice_hash}"
    )


def result_title(vote: Vote) -> str:
    return f"表决结果公告：{vote.title}"


def result_body(vote: Vote, topics: Sequence[Topic], results: Sequence[TopicResult]) -> str:
    """R-LIFE-8 / R-PUB-1: the outcome of every topic; the evidence is in the published result."""
    titles = {topic.id: (topic.position, topic.title) for topic in topics}
    ordered = sorted(results, key=lambda row: titles.get(row.topic_id, (len(titles), ""))[0])
    lines = [
        f"{number}. {titles.get(row.topic_id, (0, '议题'))[1]}：{OUTCOMES_ZH.get(row.outcome, row.outcome)}"
        for number, row in enumerate(ordered, start=1)
    ]
    return (
        f"表决已于 {_beijing(vote.closed_at or vote.ends_at)} 结束，结果如下：\n"
        + "\n".join(lines)
        + "\n\n各议题的参与表决及同意的人数、面积与计算依据见表决结果详情；结果不含业主姓名、证件号码或电话号码。"
    )
