"""The Chinese words for the codes an owner reads (the owners' app shows them beside the codes, which stay the
contract): answers (R-TALLY-1, R-TALLY-6), outcomes (R-TALLY-3/4, R-MULTI-2/3, R-ELEC-4/6), vote statuses
(R-LIFE-2..8, R-SUP-1/3), decision statuses and the bases an owner acts on (R-CAST-1..6, R-ROLL-5, R-TALLY-9).

A code without a word here is shown as the code itself (``zh``), so a new code never breaks a response; a test
checks that every code of the closed sets has its word.
"""

from __future__ import annotations

from collections.abc import Iterable
from types import MappingProxyType
from typing import Final

ANSWERS: Final = MappingProxyType(
    {"AGREE": "同意", "OPPOSE": "反对", "ABSTAIN": "弃权", "SPOILED": "无法辨认（视为未表示同意）"}
)
OUTCOMES: Final = MappingProxyType(
    {
        "PASSED": "通过",
        "REJECTED": "未通过",
        "NO_QUORUM": "参与表决的业主人数或面积未达到法定比例",
        "NO_DECISION": "征询意见，不作决定",
        "DECIDED": "已产生选举结果",
        "TIE_UNRESOLVED": "有席位因票数相同待另行表决",
    }
)
VOTE_STATUSES: Final = MappingProxyType(
    {
        "DRAFT": "草稿",
        "PUBLISHED": "已公告，尚未开始投票",
        "OPEN": "投票中",
        "CLOSED": "投票已截止",
        "DECIDED": "已计票",
        "RESULT_PUBLISHED": "结果已公布",
        "CANCELLED": "已取消",
        "SUSPENDED": "已被街道办事处暂停",
        "REVOKED_BY_STREET_OFFICE": "决定已被撤销（街道办事处等）",
        "REVOKED_BY_COURT": "决定已被人民法院撤销",
        "TERMINATED": "已被街道办事处终止",
    }
)
DECISION_STATUSES: Final = MappingProxyType(
    {
        "IN_FORCE": "已生效",
        "PENDING": "待公布",
        "NO_DECISION": "未作出决定",
        "PARTLY_REVOKED": "部分决定已被撤销",
        "REVOKED_BY_STREET_OFFICE": "已被撤销（街道办事处等）",
        "REVOKED_BY_COURT": "已被人民法院撤销",
        "REVOKED": "全部决定已被撤销",
        "TERMINATED": "表决已终止，未作出决定",
    }
)
BALLOT_STATUSES: Final = MappingProxyType({"COUNTED": "已计入", "VOID": "无效（未计入）"})
HOME_STATES: Final = MappingProxyType({"upcoming": "即将开始", "open": "进行中", "closed": "已结束"})
BASES: Final = MappingProxyType(
    {
        "OWNER": "业主本人",
        "CO_OWNER": "共有人",
        "DESIGNATED_REPRESENTATIVE": "共有人指定的代表",
        "LEGAL_REPRESENTATIVE": "单位业主的法定代表人",
        "SEALED_AUTHORISATION": "持单位盖章授权书的代表",
        "GUARDIAN": "监护人",
        "PROXY": "委托代理人",
        "TRANSFEREE": "表决期间受让房屋的业主",
        "PAPER_ENTRY": "纸质表决票（由召集人录入）",
    }
)


def zh(table: MappingProxyType[str, str], code: str) -> str:
    """The word for ``code`` in ``table``, or the code itself when the table has none."""
    return table.get(code, code)


def answer_words(codes: Iterable[str]) -> dict[str, str]:
    """Each answer code → its word (an option id without one keeps its own label, given by the caller)."""
    return {code: zh(ANSWERS, code) for code in codes}
