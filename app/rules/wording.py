"""The counting rule of a topic in words, as the notice states it (R-NOTICE-1; Beijing Art. 35(4)).

Beijing Property Management Regulation Art. 35(4) requires the notice to give 「会议议题及其具体内容、时间、地点、
方式」; a counting rule binds the owners only as announced (PROCEDURE W8). The words here say exactly what
``app.rules.tally``, ``app.rules.options`` and ``app.rules.elections`` compute: the quorum against the roll totals
(R-TALLY-3, CC Art. 278 ¶2), the approval against the participants (R-TALLY-4), both in area AND in heads; an
abstention and a spoiled paper answer count as participation and never as agreement (R-TALLY-5); non-voters are
never counted (R-TALLY-8). 「以上」 includes the number itself (Civil Code Art. 1259), so it renders "at least".
"""

from __future__ import annotations

from app.rules.categories import Category
from app.rules.kinds import TopicKind
from app.rules.numeric import Threshold

_DIGITS = "零一二三四五六七八九十"
CATEGORY_ZH = {
    Category.ORDINARY: "一般事项（《民法典》第二百七十八条第二款）",
    Category.SPECIAL: "特别事项（《民法典》第二百七十八条第二款，适用更高的同意比例）",
}
KIND_ZH = {
    TopicKind.YES_NO: "同意／反对／弃权表决",
    TopicKind.SINGLE_CHOICE: "多个方案中选择一个",
    TopicKind.ELECTION: "选举",
    TopicKind.CONSULTATION: "意见征询（不形成决定）",
}
# R-TALLY-5, R-TALLY-8 (D2): one sentence for every deciding topic.
ABSTENTION_RULE_ZH = (
    "弃权计入参与表决的人数和面积，并计入同意比例的分母，不计为同意；书面选票上该议题未作选择（空白）、"
    "多选或无法辨认的，按废票计，同样计入参与表决、不计为同意；未投票的业主不计入参与表决，不适用“从众”规则。"
)
#: R-PROC-4: the rules of procedure may take blank and spoiled paper ballots out of the topic's count.
BLANK_NOT_COUNTED_RULE_ZH = (
    "弃权计入参与表决的人数和面积，并计入同意比例的分母，不计为同意；依议事规则，书面选票上该议题未作选择"
    "（空白）、多选或无法辨认的，按废票计，不计入该议题参与表决的人数和面积；未投票的业主不计入参与表决，"
    "不适用“从众”规则。"
)


def fraction_zh(threshold: Threshold) -> str:
    """``二分之一``; denominators above ten in figures (``7/12``)."""
    if threshold.den <= len(_DIGITS) - 1:
        return f"{_DIGITS[threshold.den]}分之{_DIGITS[threshold.num]}"
    return f"{threshold.num}/{threshold.den}"


def threshold_zh(threshold: Threshold) -> str:
    """``过半数`` for > 1/2, ``超过三分之二`` for another "more than", ``三分之二以上（含本数）`` for "at least"."""
    if threshold.strict:
        return "过半数" if 2 * threshold.num == threshold.den else f"超过{fraction_zh(threshold)}"
    return f"{fraction_zh(threshold)}以上（含本数）"


def quorum_zh(quorum: Threshold) -> str:
    """R-TALLY-3: against the roll's totals, both measures."""
    share = threshold_zh(quorum)
    return (
        f"参与表决：须由专有部分面积占比{share}的业主且人数占比{share}的业主参与表决"
        "（以表决权人名册的总面积、总人数计）；达不到的，不形成决定。"
    )


def approval_zh(kind: TopicKind, approval: Threshold) -> str:
    """R-TALLY-4 / R-MULTI-2 / R-ELEC-5 / R-MULTI-3: what passes, against the participants, both measures."""
    share = threshold_zh(approval)
    both = f"参与表决专有部分面积{share}的业主且参与表决人数{share}的业主"
    if kind is TopicKind.YES_NO:
        return f"通过条件：经{both}同意。"
    if kind is TopicKind.SINGLE_CHOICE:
        return (
            f"通过条件：某一方案须经{both}选择方为通过；选择其他方案和弃权的均计入分母；"
            "没有方案达到的，不形成决定，不以相对多数决定。"
        )
    if kind is TopicKind.ELECTION:
        return (
            f"当选条件：候选人须经{both}同意；符合条件的按同意人数排序，人数相同的按同意面积排序，"
            "依次确定委员和候补委员；跨席位并列的，另行表决。每张选票同意的人数不得超过应选人数，超过的，"
            "该选举议题按废票计。"
        )
    return "本议题为意见征询，可多选，统计结果仅供参考，不形成业主共同决定。"


def counting_rule_zh(
    kind: TopicKind,
    category: Category,
    quorum: Threshold,
    approval: Threshold,
    *,
    blank_counted: bool = True,
    area_first: bool = False,
) -> list[str]:
    """The lines of the notice that state one topic's counting rule (R-NOTICE-1), as the rules of procedure in
    force set it (R-PROC-4 blank ballots, R-PROC-5 election ranking)."""
    lines = [f"议题类别：{CATEGORY_ZH.get(category, category.value)}；表决方式：{KIND_ZH[kind]}"]
    lines.append(quorum_zh(quorum))
    approval_line = approval_zh(kind, approval)
    if area_first:
        approval_line = approval_line.replace(
            "按同意人数排序，人数相同的按同意面积排序", "按同意面积排序，面积相同的按同意人数排序"
        )
    lines.append(approval_line)
    if kind is not TopicKind.CONSULTATION:
        lines.append(f"弃权与废票：{ABSTENTION_RULE_ZH if blank_counted else BLANK_NOT_COUNTED_RULE_ZH}")
    return lines
