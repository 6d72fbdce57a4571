"""The Chinese words for the codes an owner reads (the owners' app shows them beside the codes, which stay the
contract): answers (R-TALLY-1, R-TALLY-6), outcomes (R-TALLY-3/4, R-MULTI-2/3, R-ELEC-4/6), vote statuses
(R-LIFE-2..8, R-SUP-1/3), decision statuses and the bases an owner acts on (R-CAST-1..6, R-ROLL-5, R-TALLY-9).

A code without a word here is shown as the code itself (``zh``), so a new code never breaks a response; a test
checks that every code of the closed sets has its word.
"""

from __future__ import annotations

import re
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


# The codes a problem message names (``DomainError.words``): shown in Chinese in the Chinese message.
TOPIC_KINDS: Final = MappingProxyType(
    {"YES_NO": "同意/反对", "ELECTION": "选举", "SINGLE_CHOICE": "单选", "CONSULTATION": "征询意见"}
)
ORGANISER_KINDS: Final = MappingProxyType(
    {
        "OWNERS_COMMITTEE": "业主委员会",
        "PROPERTY_MANAGEMENT_COMMITTEE": "物业管理委员会",
        "PREPARATORY_GROUP": "首次业主大会会议筹备组",
        "CHANGEOVER_GROUP": "换届小组",
        "STREET_OFFICE": "街道办事处（乡镇人民政府）",
    }
)
ROLES: Final = MappingProxyType(
    {
        "ADMIN": "平台运营方",
        "STREET_OFFICE": "街道办事处",
        "COMMITTEE": "业主委员会（物管会、筹备组）",
        "OBSERVER": "居民委员会观察员",
        "AUDITOR": "审计人员",
    }
)
VOTING_METHODS: Final = MappingProxyType({"ONLINE": "电子投票", "PAPER": "书面投票", "MIXED": "电子与书面投票"})
GRANT_KINDS: Final = MappingProxyType(
    {
        "DESIGNATED_REPRESENTATIVE": "共有人指定代表",
        "LEGAL_REPRESENTATIVE": "法定代表人",
        "SEALED_AUTHORISATION": "单位盖章授权",
        "GUARDIAN": "监护",
        "PROXY": "委托代理",
    }
)
REVIEW_STATUSES: Final = MappingProxyType(
    {"PENDING": "待审核", "APPROVED": "已批准", "REJECTED": "已驳回", "REVOKED": "已撤销"}
)
PETITION_STATUSES: Final = MappingProxyType(
    {
        "OPEN": "征集签名中",
        "THRESHOLD_MET": "已达到法定条件（仍在征集）",
        "SUBMITTED": "已提交",
        "ESCALATED": "已请求街道办事处责令召开",
        "CLOSED": "已结束",
    }
)
OUTBOX_STATUSES: Final = MappingProxyType({"PENDING": "待发送", "SENT": "已发送", "DEAD": "投递失败"})
OBJECTION_DECISIONS: Final = MappingProxyType({"ACCEPTED": "予以更正", "REJECTED": "不予更正"})
WITNESS_ROLES: Final = MappingProxyType(
    {"OWNER": "业主", "RESIDENTS_COMMITTEE": "居民委员会", "STREET_OFFICE": "街道办事处"}
)
LIST_KINDS: Final = MappingProxyType(
    {"SINGLE": "候选人名单", "MEMBERS": "委员候选人名单", "ALTERNATES": "候补委员候选人名单"}
)
PLACE_KINDS: Final = MappingProxyType(
    {"district": "区", "street office": "街道办事处", "community": "社区", "estate": "小区"}
)
MATTERS: Final = MappingProxyType(
    {
        "RULES_OF_PROCEDURE": "制定和修改业主大会议事规则",
        "MANAGEMENT_COVENANT": "制定和修改管理规约",
        "ELECT_COMMITTEE": "选举业主委员会或者更换业主委员会成员",
        "SERVICE_TERMS": "确定物业服务内容、标准以及物业服务收费方案",
        "HIRE_DISMISS_PROVIDER": "选聘和解聘物业服务人",
        "FUND_RAISE": "筹集建筑物及其附属设施的维修资金",
        "FUND_USE": "使用建筑物及其附属设施的维修资金",
        "FUND_MANAGE": "管理维修资金",
        "REBUILD": "改建、重建建筑物及其附属设施",
        "COMMON_PARTS_BUSINESS_USE": "利用共有部分从事经营活动",
        "COMMON_INCOME": "共有部分收益的分配和使用",
        "CHANGE_USE_COMMON_PARTS": "改变共有部分的用途",
        "DISPOSE_COMMON_PARTS": "处分共有部分",
        "COMMITTEE_ALLOWANCE_AUDIT": "业主委员会工作经费和委员津贴的审计",
        "OVERRIDE_COMMITTEE_RESOLUTION": "改变或者撤销业主委员会的决定",
        "OTHER_MAJOR_MATTER": "有关共有和共同管理权利的其他重大事项",
        "HOME_TO_BUSINESS": "将住宅改变为经营性用房",
    }
)

_DIGITS = "〇一二三四五六七八九"


def chinese_number(number: int) -> str:
    """1 → 一, 10 → 十, 45 → 四十五, 120 → 一百二十 (article and paragraph numbers)."""
    if number < 10:
        return _DIGITS[number]
    if number < 20:
        return "十" + (_DIGITS[number % 10] if number % 10 else "")
    if number < 100:
        return _DIGITS[number // 10] + "十" + (_DIGITS[number % 10] if number % 10 else "")
    rest = number % 100
    if rest == 0:
        return _DIGITS[number // 100] + "百"
    middle = "〇" if rest < 10 else "一" if rest < 20 else ""  # 一百〇一, 一百一十, 一百二十
    return _DIGITS[number // 100] + "百" + middle + chinese_number(rest)


_ARTICLE = re.compile(r"(\d+)((?:\(\d+\))*)")
_SECTION_NUMERALS = {"一": "1", "二": "2", "三": "3", "四": "4", "五": "5", "六": "6", "七": "7", "八": "8", "九": "9"}


def _article_zh(match: re.Match[str]) -> str:
    subdivisions = re.findall(r"\((\d+)\)", match.group(2))  # kept as the code cites them: 第四十四条（八）
    return f"第{chinese_number(int(match.group(1)))}条" + "".join(f"（{chinese_number(int(n))}）" for n in subdivisions)


def citation(basis: str, language: str) -> str:
    """A legal basis as the code writes it ("Beijing Art. 35(2)", "Beijing Arts. 36, 48", "seed 003 §四.1"), worded
    for a message: the Beijing Regulation and the Chaoyang opinions (seed 003) by their Chinese names in Chinese,
    and without Chinese numerals in English."""
    parts = []
    for part in basis.split("; "):
        beijing = re.fullmatch(r"Beijing Arts?\. (.+)", part)
        seed = re.fullmatch(r"seed 003 §(\S+)", part)
        if beijing and language == "zh":
            articles = _ARTICLE.sub(_article_zh, beijing.group(1)).replace(", ", "、")
            parts.append(f"北京市物业管理条例{articles}")
        elif seed and language == "zh":
            parts.append(f"朝阳区意见{seed.group(1)}")
        elif seed:
            section = "".join(_SECTION_NUMERALS.get(char, char) for char in seed.group(1))
            parts.append(f"Chaoyang opinions §{section}")
        else:
            parts.append(part)
    return ("；" if language == "zh" else "; ").join(parts)
