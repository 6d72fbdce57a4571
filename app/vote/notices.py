"""Titles and bodies of the notices a vote publishes: the vote notice, an erratum, a cancellation.

Plain text in Chinese, as posted on the notice board; instants in Beijing time. The full, hashed record of a
vote stays ``GET /votes/{id}``: each body names the hash to check. Nothing here carries an owner's name, ID
number or phone number (candidates' names are part of the published notice itself, R-ELEC-2, and appear only
there).
"""

from __future__ import annotations

from app.notice.service import beijing_minute
from app.rules.categories import Category, blank_participates
from app.rules.kinds import TopicKind
from app.rules.numeric import Threshold
from app.rules.wording import counting_rule_zh
from app.vote.models import Topic, Vote, VotingMethod, ordered_attachments

METHODS_ZH = {"ONLINE": "电子投票", "PAPER": "书面投票", "MIXED": "电子投票与书面投票相结合"}
# R-NOTICE-1: where owners read the vote (its roll totals and hash, topics and attachments), the roll itself and
# where they object to it: the routes of R-ROLL-7 (``app.objection``, "the roll open to owners").
VOTE_PATH = "/api/v1/votes/{vote_id}"
ROLL_PATH = "/api/v1/votes/{vote_id}/roll"
OBJECTIONS_PATH = "/api/v1/votes/{vote_id}/roll/objections"


def vote_notice_title(vote: Vote) -> str:
    return f"业主大会会议公告：{vote.title}"


def _topic_statement(number: int, topic: Topic) -> str:
    """R-NOTICE-1: the topic's full text, its attachments by name and SHA-256, its options or candidates, and its
    counting rule in words (``app.rules.wording``)."""
    lines = [f"{number}. {topic.title}", f"议题内容：{topic.text}"]
    for attachment in ordered_attachments(topic.attachments):
        lines.append(f"附件：{attachment.filename}（{attachment.size} 字节，SHA-256：{attachment.sha256}）")
    if topic.options:
        lines.append("选项：" + "；".join(f"{option['id']}. {option['label']}" for option in topic.options))
    if topic.election:
        election = topic.election
        names = "、".join(candidate["name"] for candidate in election.get("candidates") or [])
        seats = f"应选委员 {election.get('member_seats')} 名、候补委员 {election.get('alternate_seats')} 名"
        lines.append(f"{seats}；候选人：{names}")
        alternates = election.get("alternate_candidates")
        if alternates:
            lines.append("候补委员候选人：" + "、".join(candidate["name"] for candidate in alternates))
    rule = topic.rule
    lines.extend(
        counting_rule_zh(
            TopicKind(topic.kind),
            Category(topic.category),
            Threshold.from_dict(rule["quorum"]),
            Threshold.from_dict(rule["approval"]),
            blank_counted=blank_participates(rule),  # R-PROC-4
            area_first=(topic.election or {}).get("ranking") == "AREA_THEN_HEADS",  # R-PROC-5
        )
    )
    return "\n".join(lines)


def notice_statement(vote: Vote) -> str:
    """R-NOTICE-1 (Beijing Art. 35(4) 「会议议题及其具体内容、时间、地点、方式」): everything the notice says, in the
    words posted on site and pushed to owners. The notice document (``app.vote.documents``) contains it, so the
    notice hash signed in ``vote.published`` covers these words; only the hash line is added to the body."""
    method = METHODS_ZH.get(vote.voting_method.value, vote.voting_method.value)
    lines = [
        vote.notice_text,
        "",
        # The notice as published: a resumption's extension (R-SUP-5) is announced by its own notice and never
        # rewrites this one, whose hash ``vote.published`` signed (``app.vote.documents.notice_end``).
        f"表决时间：{beijing_minute(vote.starts_at)} 至 {beijing_minute(vote.notice_ends_at or vote.ends_at)}"
        "（北京时间，不含结束时刻）",
        f"表决方式：{method}",
    ]
    if vote.voting_method is not VotingMethod.PAPER:
        lines.append("电子投票地点：evote 业主表决系统（经实名核验的业主或其代理人登录后投票）")
    if vote.voting_method is not VotingMethod.ONLINE:
        lines.append(f"书面表决票送达与收取地点：{vote.paper_ballot_place or '—'}")
        lines.append("书面表决票以送达上述地点的时间为准，须在表决结束前送达。")
    lines.append(f"代理投票：{'允许，须经组织者核准的书面授权' if vote.proxies_allowed else '本次表决不接受代理投票'}")
    lines.append(
        f"表决权人名册：本小区业主经实名核验后可登录 evote 在 {ROLL_PATH.format(vote_id=vote.id)} 查阅"
        f"（各表决组、房屋及专有部分面积，业主姓名部分隐去），名册总人数、总面积及名册哈希见 "
        f"{VOTE_PATH.format(vote_id=vote.id)}"
        + (f"；另可在 {vote.roll_inspection_place} 查阅" if vote.roll_inspection_place else "")
        + f"；对名册有异议的，请在表决开始前通过 {OBJECTIONS_PATH.format(vote_id=vote.id)} 向组织者提出。"
    )
    lines.extend(_procedure_rules_lines(vote))
    lines.append("表决议题：")
    lines.extend(_topic_statement(number, topic) for number, topic in enumerate(vote.topics, start=1))
    return "\n".join(lines)


def _procedure_rules_lines(vote: Vote) -> list[str]:
    """R-PROC-3: under adopted rules of procedure, the version the vote is counted under (each topic's rule below
    follows it)."""
    if vote.procedure_rules_id is None:
        return []
    return [f"议事规则：本次表决适用业主大会通过的议事规则（SHA-256：{vote.procedure_rules_sha256}）"]


def vote_notice_body(vote: Vote) -> str:
    """R-LIFE-2, R-NOTICE-1: the statement (``notice_statement``) and the notice hash that covers it."""
    return f"{notice_statement(vote)}\n公告哈希（SHA-256）：{vote.notice_hash}"


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
