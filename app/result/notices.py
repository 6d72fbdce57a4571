"""Title and body of the result notice (R-LIFE-8 / R-PUB-1).

Plain text in Chinese, as posted on the notice board; instants in Beijing time. The full, hashed result stays
``GET /votes/{id}/result``. Nothing here carries an owner's name, ID number or phone number.
"""

from __future__ import annotations

from collections.abc import Sequence

from app.notice.service import beijing_minute
from app.result.models import TopicResult
from app.vote.models import Topic, Vote

OUTCOMES_ZH = {
    "PASSED": "通过",
    "REJECTED": "未通过",
    "NO_QUORUM": "参与表决的业主人数或面积未达法定比例，未形成决定",
    "NO_DECISION": "征询意见，不形成决定",
    "DECIDED": "选举产生结果",
    "TIE_UNRESOLVED": "存在票数相同无法确定的席位",
}


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
        f"表决已于 {beijing_minute(vote.closed_at or vote.ends_at)} 结束，结果如下：\n"
        + "\n".join(lines)
        + "\n\n各议题的参与表决及同意的人数、面积与计算依据见表决结果详情；结果不含业主姓名、证件号码或电话号码。"
    )
