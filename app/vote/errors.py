"""Refusals of the drafting and publication API (R-LIFE, R-CAT, R-BAN, R-ROLL-4): one stable code each.

Rule violations found by the law core (``app.rules``: notice period, window, thresholds, options, election
seats, roll scope) keep their own ``rules.*`` / ``roll.*`` codes and are not wrapped here.
"""

from __future__ import annotations

from types import MappingProxyType

from app.errors import DomainError
from app.rules import labels

# --- Vote state (R-LIFE-2, R-LIFE-4) ---


class VoteFrozen(DomainError):
    code = "vote.frozen"
    status = 409
    title = "Vote is frozen"
    message_zh = "表决公告已发布（当前状态 {status}），议题、附件、范围和时间均不得再修改；如需变更，须撤销后重新公告。"
    message_en = (
        "The notice has been published (status {status}); topics, attachments, scope and window are frozen. "
        "To change anything, cancel the vote and publish a new notice."
    )
    rules = ("R-LIFE-4",)
    words = MappingProxyType({"status": labels.VOTE_STATUSES})


class TopicAddedAfterPublication(DomainError):
    code = "vote.topic_added_after_publication"
    status = 409
    title = "Topic added after publication"
    message_zh = "不得就已公示议题以外的事项进行表决：公告发布后不能再增加议题（北京市物业管理条例第三十五条）。"
    message_en = (
        "No topic may be added once the notice is published: only publicised topics can be voted on (Beijing "
        "Regulation Art. 35(5))."
    )
    rules = ("R-LIFE-4",)


class VoteAlreadyPublished(DomainError):
    code = "vote.already_published"
    status = 409
    title = "Vote already published"
    message_zh = "该表决的公告已于 {published_at} 发布，不能重复发布。"
    message_en = "The notice of this vote was already published at {published_at}."


class VoteCancelled(DomainError):
    code = "vote.cancelled"
    status = 409
    title = "Vote cancelled"
    message_zh = "该表决已撤销，不能再发布、更正或表决；如需表决，请重新起草并公告。"
    message_en = "This vote was cancelled; it cannot be published, corrected or voted on. Draft a new vote."
    rules = ("R-LIFE-4",)


class VoteNotPublished(DomainError):
    code = "vote.not_published"
    status = 409
    title = "Vote not published"
    message_zh = "该表决尚未发布公告，无需更正或撤销；草稿可直接修改。"
    message_en = "The notice of this vote is not published yet; a draft is edited directly."


class VotingAlreadyStarted(DomainError):
    code = "vote.voting_started"
    status = 409
    title = "Voting has started"
    message_zh = "表决已于 {starts_at} 开始（当前状态 {status}），不能撤销或提前结束。"
    message_en = "Voting started at {starts_at} (status {status}); the vote can no longer be cancelled or closed early."
    rules = ("R-LIFE-4", "R-LIFE-6")
    words = MappingProxyType({"status": labels.VOTE_STATUSES})


class VoteClosed(DomainError):
    code = "vote.closed"
    status = 409
    title = "Vote closed"
    message_zh = "表决已结束（当前状态 {status}），不能再发布更正公告。"
    message_en = "The vote has ended (status {status}); no erratum can be appended any more."
    words = MappingProxyType({"status": labels.VOTE_STATUSES})


class OrganiserKindNotAllowed(DomainError):
    code = "vote.organiser_kind_not_allowed"
    status = 403
    title = "Organiser kind not allowed"
    message_zh = (
        "不能以“{organiser_kind}”名义召集：只有街道办事处（乡镇人民政府）代为召集时以街道办事处名义召集，"
        "且街道办事处只能以该名义召集。"
    )
    message_en = (
        "You cannot convene as {organiser_kind}: only the street office convening in the committee's place "
        "convenes in the street office's name, and the street office convenes only in that name."
    )
    rules = ("R-LIFE-1",)
    words = MappingProxyType({"organiser_kind": labels.ORGANISER_KINDS})


# --- Publication checks (R-LIFE-2, R-ROLL-4, R-ROLL-6) ---


class VoteHasNoTopics(DomainError):
    code = "vote.no_topics"
    status = 422
    title = "Vote has no topics"
    message_zh = "公告中至少须有一项表决事项。"
    message_en = "A notice must contain at least one topic."
    rules = ("R-LIFE-2",)


class ScopeTooNarrow(DomainError):
    code = "vote.scope_too_narrow"
    status = 422
    title = "Scope narrower than the matter allows"
    message_zh = (
        "议题“{topic}”涉及全体业主的事项（{matters}），必须以整个物业管理区域为投票范围；只有维修资金的筹集和使用、"
        "改建重建可限于费用分摊范围。"
    )
    message_en = (
        "Topic '{topic}' decides matters of the whole area ({matters}), so the vote must cover the whole "
        "estate; only raising or using the maintenance fund and rebuilding may be limited to the cost-bearing "
        "scope."
    )
    rules = ("R-ROLL-4",)
    words = MappingProxyType({"matters": labels.MATTERS})


class NoRegister(DomainError):
    code = "vote.no_register"
    status = 422
    title = "No property register"
    message_zh = "本小区尚未导入业主名册，无法生成表决名册快照。"
    message_en = "No property register has been imported for this estate, so no roll snapshot can be taken."
    rules = ("R-ROLL-1",)


# --- Topics (R-CAT, R-BAN, R-MULTI, R-ELEC) ---


class TopicNotAMajorityVote(DomainError):
    code = "topic.not_a_majority_vote"
    status = 422
    title = "Matter cannot be put to a vote"
    message_zh = "事项 {matters} 依法须经全体有利害关系的业主或个人同意（如民法典第二百七十九条），不能交由业主表决。"
    message_en = (
        "Matters {matters} need unanimous or individual consent by law (e.g. Civil Code Art. 279) and cannot "
        "be put to an owners' vote."
    )
    rules = ("R-BAN-3",)
    words = MappingProxyType({"matters": labels.MATTERS})


class DeclarationRequired(DomainError):
    code = "topic.declaration_required"
    status = 422
    title = "Property-management declaration required"
    message_zh = "组织者须声明该议题属于物业管理事项（物业管理条例第十九条）。"
    message_en = (
        "The organiser must declare that the topic concerns property management (Property Management Regulations "
        "Art. 19)."
    )
    rules = ("R-BAN-2",)


class TopicBundled(DomainError):
    code = "topic.bundled"
    status = 422
    title = "Several decisions bundled in one topic"
    message_zh = "一个议题只能作出一项决定：事项 {matters} 属于不同的决定，请拆分为多个议题。"
    message_en = "One topic, one decision: matters {matters} are separate decisions; put each to its own topic."
    rules = ("R-CAT-5",)
    words = MappingProxyType({"matters": labels.MATTERS})


class OptionsNotAllowed(DomainError):
    code = "topic.options_not_allowed"
    status = 422
    title = "Options not allowed for this kind"
    message_zh = "{kind}类议题不设选项；选项只用于单选和征询意见议题。"
    message_en = "A {kind} topic has no options; options belong to single-choice and consultation topics."
    rules = ("R-MULTI-1",)
    words = MappingProxyType({"kind": labels.TOPIC_KINDS})


class ElectionRequired(DomainError):
    code = "topic.election_required"
    status = 422
    title = "Election method required"
    message_zh = "选举议题须公示选举办法：选举类型、委员和候补委员名额及候选人名单。"
    message_en = (
        "An election topic needs its election method: the election type, seats, alternates and the candidate list."
    )
    rules = ("R-ELEC-1", "R-ELEC-7", "R-ELEC-10")


class ElectionNotAllowed(DomainError):
    code = "topic.election_not_allowed"
    status = 422
    title = "Election method on a non-election topic"
    message_zh = "只有选举议题可以设置选举办法，当前议题类型为{kind}。"
    message_en = "Only an election topic has an election method; this topic is {kind}."
    words = MappingProxyType({"kind": labels.TOPIC_KINDS})


class ElectionMatterInvalid(DomainError):
    code = "topic.election_matter_invalid"
    status = 422
    title = "Election topic must decide the election only"
    message_zh = "选举议题只能对应“选举业主委员会委员”一项事项。"
    message_en = "An election topic decides the election of committee members and nothing else."
    rules = ("R-ELEC-1", "R-CAT-5")


class AttachmentUnsupported(DomainError):
    code = "topic.attachment_unsupported"
    status = 415
    title = "Unsupported attachment"
    message_zh = "附件只能是 PDF、PNG 或 JPEG 文件（按文件内容判断）。"
    message_en = "An attachment must be a PDF, PNG or JPEG file (judged by its content)."


class NotThisVotesOrganiser(DomainError):
    """R-LIFE-1 with R-SUP-1: a street office organises only the votes it convenes in the committee's place; on the
    committee's votes it supervises (correction orders, revocation), it does not edit, publish or close them."""

    code = "vote.not_organiser"
    status = 403
    title = "Not this vote's organiser"
    message_zh = "该表决由{organiser_kind}组织；街道办事处对其行使监督职责（责令改正、撤销），不代为操作。"
    message_en = (
        "This vote is organised by {organiser_kind}; the street office supervises it (correction orders,"
        " revocation) and does not act as its organiser."
    )
    rules = ("R-LIFE-1", "R-SUP-1")
    words = MappingProxyType({"organiser_kind": labels.ORGANISER_KINDS})


# --- Committee candidates (R-CAND) ---


class CandidateNotOnRoll(DomainError):
    """R-CAND-1 / Beijing Art. 39 ¶2: a candidate is an owner of the register (or an organisation owner's
    authorised person), named by a unit and the owner's position in it."""

    code = "election.candidate_not_on_roll"
    status = 422
    title = "Candidate not on the roll"
    message_zh = (
        "候选人 {candidate} 不是本物业管理区域业主名册上的业主，不得参选（北京市物业管理条例第三十九条第二款）。"
    )
    message_en = "Candidate {candidate} is not an owner on this area's register and may not stand (Beijing Art. 39 ¶2)."
    rules = ("R-CAND-1",)


class CandidateOwnerDuplicate(DomainError):
    code = "election.candidate_owner_duplicate"
    status = 422
    title = "Owner nominated twice"
    message_zh = "候选人 {candidate} 与另一名候选人是同一业主。"
    message_en = "Candidate {candidate} is the same owner as another candidate."
    rules = ("R-CAND-1",)


class NotAnElectionTopic(DomainError):
    code = "election.not_an_election_topic"
    status = 422
    title = "Not an election topic"
    message_zh = "该议题不是选举议题，没有候选人。"
    message_en = "This topic is not an election and has no candidates."
    rules = ("R-CAND",)


class CandidateUnknown(DomainError):
    code = "election.candidate_unknown"
    status = 422
    title = "No such candidate"
    message_zh = "候选人名单中没有 {candidate}。"
    message_en = "{candidate} is not on the topic's candidate lists."
    rules = ("R-CAND-7",)


class AttestationDateInvalid(DomainError):
    code = "election.attestation_date_invalid"
    status = 422
    title = "Attestation dated in the future"
    message_zh = "证明日期 {attested_on} 晚于今天。"
    message_en = "The attestation date {attested_on} is after today."
    rules = ("R-CAND-7",)


class AcknowledgmentDatesInvalid(DomainError):
    code = "election.acknowledgment_dates_invalid"
    status = 422
    title = "Acknowledgment dates invalid"
    message_zh = "报送日期 {submitted_on} 与回执日期 {acknowledged_on} 不合理：回执不得早于报送，也不得晚于今天。"
    message_en = (
        "Submission on {submitted_on} and acknowledgment on {acknowledged_on} are invalid: the acknowledgment "
        "follows the submission and is not after today."
    )
    rules = ("R-CAND-8",)


class CandidateListNotAcknowledged(DomainError):
    """R-CAND-8 / Beijing Art. 40 ¶2: the list as it stands was reported to the community Party organisation."""

    code = "election.candidate_list_not_acknowledged"
    status = 422
    title = "Candidate list not acknowledged by the Party organisation"
    message_zh = (
        "议题“{topic}”的候选人名单尚未报社区党组织并取得回执，或回执之后名单已变更，"
        "不得公示（北京市物业管理条例第四十条第二款）。"
    )
    message_en = (
        "The candidate list of topic '{topic}' has not been reported to and acknowledged by the community "
        "Party organisation, or it changed after the acknowledgment (Beijing Art. 40 ¶2)."
    )
    rules = ("R-CAND-8",)


class PaperBallotPlaceRequired(DomainError):
    """R-NOTICE-1 (Beijing Art. 35(4) 「地点」): a PAPER or MIXED notice says where paper ballots are received."""

    code = "vote.paper_ballot_place_required"
    status = 422
    title = "Paper-ballot place required"
    message_zh = "表决方式为 {voting_method}，公告须载明书面表决票的送达与收取地点。"
    message_en = "The voting method is {voting_method}: the notice must say where paper ballots are received."
    rules = ("R-NOTICE-1",)
    words = MappingProxyType({"voting_method": labels.VOTING_METHODS})


class PostingPhotoUnsupported(DomainError):
    """R-NOTICE-2: the posting is evidenced by a photograph (PNG or JPEG, recognised by its content)."""

    code = "vote.posting_photo_unsupported"
    status = 415
    title = "Unsupported photo type"
    message_zh = "张贴照片须为 PNG 或 JPEG 图片。"
    message_en = "The posting photo must be a PNG or JPEG image."
    rules = ("R-NOTICE-2",)


# --- Who convenes (R-CONV-1..3) ---


class MandateMissing(DomainError):
    code = "vote.mandate_missing"
    status = 422
    title = "No mandate to convene"
    message_zh = (
        "{organiser_kind} 召集的表决须先记录召集依据：委员会过半数委员签字的召集决定，或街道办事处记录的法定召集情形。"
    )
    message_en = (
        "A vote convened by {organiser_kind} needs its mandate recorded first: the committee's decision "
        "signed by more than half of its members, or the street office's recorded statutory ground."
    )
    rules = ("R-CONV-1",)
    words = MappingProxyType({"organiser_kind": labels.ORGANISER_KINDS})


class MandateDecidedLater(DomainError):
    """R-CONV-2: the decision to convene precedes the notice it convenes; a decision dated later does not exist yet."""

    code = "vote.mandate_decided_later"
    status = 422
    title = "Decision to convene dated after today"
    message_zh = "召集决定的日期 {decided_on} 晚于今天 {today}：须先作出召集决定，再发布公告。"
    message_en = (
        "The decision to convene is dated {decided_on}, after today {today}: the decision comes before the notice."
    )
    rules = ("R-CONV-2",)


class MandateMismatch(DomainError):
    code = "vote.mandate_mismatch"
    status = 422
    title = "Mandate does not fit the organiser"
    message_zh = (
        "召集依据与召集人{organiser_kind}不符：业主委员会或物管会依其同类委员会的召集决定召集，"
        "街道办事处依其记录的法定情形召集，筹备组和换届小组不记录召集依据。"
    )
    message_en = (
        "The mandate does not fit the organiser {organiser_kind}: an owners' committee or a property management "
        "committee convenes on a decision of a committee of its kind (committee_id), the street office on its "
        "recorded ground (trigger_id); "
        "preparatory and changeover groups record none."
    )
    rules = ("R-CONV-1",)
    words = MappingProxyType({"organiser_kind": labels.ORGANISER_KINDS})


class CommitteeNotInTerm(DomainError):
    code = "vote.committee_not_in_term"
    status = 422
    title = "Committee not in term"
    message_zh = "召集的委员会任期为 {starts_on} 至 {ends_on}，{today} 不在任期内，不能召集（{basis}）。"
    message_en = (
        "The convening committee's term runs from {starts_on} to {ends_on}; on {today} it is not in term and cannot "
        "convene ({basis})."
    )
    words = MappingProxyType({"basis": labels.citation})


class CommitteeNotFiled(DomainError):
    code = "vote.committee_not_filed"
    status = 422
    title = "Committee not filed"
    message_zh = "业主委员会尚未在街道办事处备案，不能召集业主大会会议（北京条例第四十三条）。"
    message_en = (
        "The owners' committee is not filed with the street office, so it cannot convene the assembly (Beijing "
        "Art. 43)."
    )
    rules = ("R-CONV-1",)


class MandateNotSignedByMajority(DomainError):
    code = "vote.mandate_not_signed_by_majority"
    status = 422
    title = "Decision to convene not signed by a majority"
    message_zh = (
        "召集决定须经委员会全体委员过半数签字：{seats} 席须至少 {needed} 人签字，现有在任委员签字 "
        "{signed} 人（{basis}）。"
    )
    message_en = (
        "The decision to convene needs the signatures of more than half of the members: {needed} of {seats} "
        "seats, and {signed} sitting members have signed ({basis})."
    )
    rules = ("R-CONV-2",)
    words = MappingProxyType({"basis": labels.citation})


class NotASittingMember(DomainError):
    code = "vote.not_a_sitting_member"
    status = 403
    title = "Not a sitting member"
    message_zh = "只有召集委员会的在任委员本人可以签署召集决定（不得委托他人，北京条例第四十五条）。"
    message_en = (
        "Only a sitting member of the convening committee signs the decision to convene, in person (no proxies, "
        "Beijing Art. 45)."
    )


class MandateAlreadySigned(DomainError):
    code = "vote.mandate_already_signed"
    status = 409
    title = "Already signed"
    message_zh = "您已于 {signed_at} 签署该召集决定。"
    message_en = "You signed this decision to convene at {signed_at}."


class TopicRuleNotFromRules(DomainError):
    """R-PROC-7 (PROCEDURE D14): under adopted rules of procedure a topic's thresholds come from them only."""

    code = "vote.topic_rule_not_from_rules"
    status = 409
    title = "Topic thresholds not those of the rules of procedure"
    message_zh = "议题“{topic}”自定的表决门槛与现行议事规则不一致；门槛只能由业主大会通过的议事规则规定。"
    message_en = (
        "Topic '{topic}' sets thresholds other than those of the rules of procedure in force; "
        "only the adopted rules of procedure set them."
    )


class PreparatoryGroupMissing(DomainError):
    """R-CONV-1, R-FIRST-2: a first-assembly vote is convened by the preparatory group the street office formed."""

    code = "vote.preparatory_group_missing"
    status = 422
    title = "No preparatory group on record"
    message_zh = (
        "本小区没有街道办事处记录的首次业主大会筹备组，不能以筹备组名义召集（北京条例第三十一条、第三十二条）。"
    )
    message_en = (
        "The estate has no preparatory group recorded by the street office, so no vote can be convened in its name "
        "(Beijing Arts. 31, 32)."
    )


class FirstMeetingTooLate(DomainError):
    """R-FIRST-3: the first meeting is held within 60 days of the preparatory group's forming (Art. 32)."""

    code = "vote.first_meeting_too_late"
    status = 422
    title = "First meeting past the 60-day limit"
    message_zh = (
        "筹备组于 {formed_on} 成立，首次业主大会会议应在 {due_on}（六十日内）前召开，本次表决 {starts_on} 才开始"
        "（北京条例第三十二条）。"
    )
    message_en = (
        "The preparatory group was formed on {formed_on}; the first meeting must open by {due_on} (60 days), but "
        "this vote starts on {starts_on} (Beijing Art. 32)."
    )


class FirstAssemblyAgendaIncomplete(DomainError):
    """R-FIRST-4: the first meeting adopts the covenant and the rules of procedure and elects members and
    alternates (Art. 33)."""

    code = "vote.first_assembly_agenda_incomplete"
    status = 422
    title = "First-assembly agenda incomplete"
    message_zh = (
        "首次业主大会会议的议题缺少 {missing}：首次会议应通过管理规约、业主大会议事规则（附议事规则版本），"
        "并选举业主委员会委员和候补委员（北京条例第三十三条）。"
    )
    message_en = (
        "The first meeting's agenda lacks {missing}: it adopts the covenant and the rules of procedure (with the "
        "rules version) and elects the committee's members and alternates (Beijing Art. 33)."
    )
