"""Typed rule violations raised by the pure rules in ``app.rules``.

Each subclass is a ``DomainError`` with a stable dotted ``code``, an HTTP status and zh/en messages whose
placeholders match, so the HTTP layer renders them without the rules knowing about HTTP (STYLE.md §8.3).
"""

from __future__ import annotations

from types import MappingProxyType

from app.errors import DomainError
from app.rules import labels


class RuleViolation(DomainError):
    """Base for every error a rule in ``app.rules`` raises; never raised itself."""

    abstract = True
    code = "rule_violation"
    status = 422
    title = "Rule violation"
    message_zh = "违反表决规则。"
    message_en = "A voting rule was violated."


# --- Voter roll: areas, owner sets, heads (app.rules.roll; R-AREA, R-HEAD, R-ROLL) ---


class AreaInvalid(RuleViolation):
    """R-NUM-1: an area must be a positive number of m² with at most two decimals (import-time check)."""

    code = "register.area_invalid"
    title = "Invalid area"
    message_zh = "面积“{text}”无效：应为大于 0 的平方米数，最多两位小数，例如 75.50。"
    message_en = 'Invalid area "{text}": expected positive m² with at most two decimals, e.g. 75.50.'


class UnitAreaNotPositive(RuleViolation):
    """R-ROLL-6: every unit in scope needs a positive voting area."""

    code = "roll.area_not_positive"
    title = "Unit without a voting area"
    message_zh = "以下专有部分没有大于 0 的表决面积：{unit_ids}。"
    message_en = "These units have no positive voting area: {unit_ids}."


class UnitWithoutOwner(RuleViolation):
    """R-ROLL-6 / R-OWN-1: every unit not held by the developer needs an owner of record."""

    code = "roll.owner_missing"
    title = "Unit without an owner of record"
    message_zh = "以下专有部分没有登记业主：{unit_ids}。"
    message_en = "These units have no owner of record: {unit_ids}."


class DeveloperMissing(RuleViolation):
    """R-HEAD-4: unsold or undelivered units count with the developer, so the developer must be known."""

    code = "roll.developer_missing"
    title = "Developer not set"
    message_zh = "以下专有部分未出售或未交付，应计入建设单位，但未指定建设单位：{unit_ids}。"
    message_en = (
        "These units are unsold or undelivered and count with the developer, but no developer is set: {unit_ids}."
    )


class DuplicateUnit(RuleViolation):
    """Unit ids are the roll's keys, so each may appear once."""

    code = "roll.duplicate_unit"
    title = "Duplicate unit"
    message_zh = "专有部分编号重复：{unit_ids}。"
    message_en = "Duplicate unit ids: {unit_ids}."


class ScopeUnknownUnit(RuleViolation):
    """R-ROLL-4: a scope may only list units of the register."""

    code = "roll.scope_unknown_unit"
    title = "Scope lists unknown units"
    message_zh = "表决范围包含登记册中不存在的专有部分：{unit_ids}。"
    message_en = "The voting scope lists units that are not in the register: {unit_ids}."


class EmptyRoll(RuleViolation):
    """R-ROLL-6 / R-NUM-5: a vote cannot open when the scope has no countable unit (zero totals)."""

    code = "roll.empty"
    title = "Empty voter roll"
    message_zh = "表决范围内没有可计入的专有部分，无法开始表决。"
    message_en = "The voting scope has no countable units, so the vote cannot open."


class UnitNotInRoll(RuleViolation):
    """A unit outside the roll (out of scope, excluded parking or unknown) has no voter group in this vote."""

    code = "roll.unit_not_in_roll"
    title = "Unit not on the roll"
    message_zh = "专有部分 {unit_id} 不在本次表决的业主名册中。"
    message_en = "Unit {unit_id} is not on this vote's roll."


# --- Committee elections (app.rules.elections; R-ELEC) ---


class ElectionSeatsInvalid(RuleViolation):
    """R-ELEC-1 / Beijing Art. 39: odd member count >= 5, or 3 where the area has <= 100 households."""

    code = "rules.election_seats_invalid"
    title = "Invalid number of committee seats"
    message_zh = (
        "委员名额 {members} 不符合规定：应为不少于 5 的奇数（物业管理区域不超过 100 户的可为 "
        "3），本区域共 {households} 户。"
    )
    message_en = (
        "{members} member seats are invalid: the number must be odd and at least 5 (or 3 where the area "
        "has at most 100 households); this area has {households} households."
    )
    rules = ("R-ELEC-1",)


class ElectionAlternateSeatsInvalid(RuleViolation):
    """R-ELEC-1 / R-ELEC-7: alternates never outnumber members; a separate alternates list needs a seat."""

    code = "rules.election_alternate_seats_invalid"
    title = "Invalid number of alternate seats"
    message_zh = "候补委员名额 {alternates} 不符合规定：应在 {minimum} 至 {maximum} 之间。"
    message_en = "{alternates} alternate seats are invalid: the number must be between {minimum} and {maximum}."
    rules = ("R-ELEC-1", "R-ELEC-7")


class ElectionSeatsNotOdd(RuleViolation):
    """R-ELEC-1 / Beijing Art. 39, checked on a draft before the roll fixes the households: odd and at least 3."""

    code = "rules.election_seats_not_odd"
    title = "Invalid number of committee seats"
    message_zh = "委员名额 {members} 不符合规定：业主委员会委员人数应为单数，且不少于 3 名。"
    message_en = "{members} member seats are invalid: a committee has an odd number of at least 3 members."
    rules = ("R-ELEC-1",)


class ElectionCommitteeRequired(RuleViolation):
    """R-ELEC-10: a by-election or an alternates-only election is measured against the sitting committee."""

    code = "rules.election_committee_required"
    title = "Sitting committee needed"
    message_zh = (
        "补选或仅选举候补委员，须以本小区任期内的业主委员会记录（委员名额、在任委员和候补委员人数）为准；"
        "本小区没有任期内的业主委员会记录。"
    )
    message_en = (
        "A by-election or an alternates-only election is measured against the estate's owners' committee "
        "in term (its seats, members and alternates in office), and the estate has none on record."
    )
    rules = ("R-ELEC-10", "R-ELEC-13")


class ElectionCommitteeInvalid(RuleViolation):
    """R-ELEC-10: the sitting committee's figures must be consistent (Beijing Art. 39)."""

    code = "rules.election_committee_invalid"
    title = "Inconsistent committee figures"
    message_zh = (
        "现任业主委员会的人数不一致：委员名额 {size}、在任委员 {members}、候补委员 {alternates}；"
        "在任委员和候补委员均不得多于委员名额（北京市物业管理条例第三十九条）。"
    )
    message_en = (
        "The sitting committee's figures are inconsistent: {size} seats, {members} members in office, {alternates} "
        "alternates; neither members nor alternates may exceed the seats (Beijing Art. 39)."
    )
    rules = ("R-ELEC-10",)


class ElectionFullReelectionRequired(RuleViolation):
    """R-ELEC-11 / Beijing Art. 48: fewer than half the members left after alternates fill the vacancies."""

    code = "rules.election_full_reelection_required"
    title = "Full re-election required"
    message_zh = (
        "候补委员递补后在任委员仅 {remaining} 名，不足委员名额 {size} 的二分之一，应当重新选举业主委员会，"
        "不得补选（北京市物业管理条例第四十八条）。"
    )
    message_en = (
        "Only {remaining} of {size} members remain after alternates fill the vacancies, fewer than half: "
        "the whole committee must be re-elected, not topped up (Beijing Art. 48)."
    )
    rules = ("R-ELEC-11",)


class ElectionBySeatsInvalid(RuleViolation):
    """R-ELEC-10 / Beijing Art. 41 ¶3: a by-election fills only the vacancies the alternates do not fill."""

    code = "rules.election_by_seats_invalid"
    title = "Invalid number of by-election seats"
    message_zh = (
        "补选委员名额 {members} 不符合规定：委员空缺 {vacancies} 名，"
        "其中 {filled} 名由候补委员递补（北京市物业管理条例第四十一条第三款），可补选 1 至 {open} 名。"
    )
    message_en = (
        "{members} by-election seats are invalid: of {vacancies} vacant seats, {filled} are filled by alternates "
        "(Beijing Art. 41 ¶3), so 1 to {open} seats may be elected."
    )
    rules = ("R-ELEC-10",)


class ElectionAlternatesOnlyInvalid(RuleViolation):
    """R-ELEC-10: an alternates-only election elects no member, on one list."""

    code = "rules.election_alternates_only_invalid"
    title = "Invalid alternates-only election"
    message_zh = "仅选举候补委员时，委员名额应为 0，且只设一份候选人名单；本次委员名额为 {members}。"
    message_en = (
        "An alternates-only election has no member seats and a single candidate list; {members} member seats "
        "were given."
    )
    rules = ("R-ELEC-10",)


class ElectionCandidateListEmpty(RuleViolation):
    """R-ELEC-2: every publicised candidate list names at least one candidate."""

    code = "rules.election_candidate_list_empty"
    title = "Empty candidate list"
    message_zh = "候选人名单（{list}）为空。"
    message_en = "The candidate list ({list}) is empty."
    rules = ("R-ELEC-2",)
    words = MappingProxyType({"list": labels.LIST_KINDS})


class ElectionCandidateDuplicate(RuleViolation):
    """R-ELEC-2 / R-ELEC-7: a candidate appears once, on one list only."""

    code = "rules.election_candidate_duplicate"
    title = "Duplicate candidate"
    message_zh = "候选人 {candidate} 在候选人名单中出现多次。"
    message_en = "Candidate {candidate} appears more than once on the candidate lists."
    rules = ("R-ELEC-2",)


class ElectionWriteIn(RuleViolation):
    """R-ELEC-2: only candidates on the publicised list may receive votes; no write-ins."""

    code = "rules.election_write_in"
    title = "Write-in candidate"
    message_zh = "{candidate} 不在已公示的候选人名单中，不得另选他人。"
    message_en = "{candidate} is not on the publicised candidate list; write-ins are not allowed."
    rules = ("R-ELEC-2",)


class ElectionBallotIncomplete(RuleViolation):
    """R-ELEC-3 / R-TALLY-1: an election ballot gives a choice for every listed candidate."""

    code = "rules.election_ballot_incomplete"
    title = "Election ballot incomplete"
    message_zh = "选票未对以下候选人作出选择：{candidates}。"
    message_en = "The ballot gives no choice for these candidates: {candidates}."
    rules = ("R-ELEC-3",)


class ElectionChoiceInvalid(RuleViolation):
    """R-ELEC-3: each candidate gets AGREE, OPPOSE or ABSTAIN; only a whole paper ballot can be spoiled."""

    code = "rules.election_choice_invalid"
    title = "Invalid choice for a candidate"
    message_zh = "对候选人 {candidate} 的选择 {choice} 无效：只能选择同意、反对或弃权。"
    message_en = "Choice {choice} for candidate {candidate} is invalid: use AGREE, OPPOSE or ABSTAIN."
    rules = ("R-ELEC-3",)


class ElectionApprovalLimitExceeded(RuleViolation):
    """R-ELEC-3: a ballot may AGREE with at most as many candidates as the list has seats."""

    code = "rules.election_approval_limit_exceeded"
    title = "Too many candidates approved"
    message_zh = "选票同意了 {agreed} 名候选人（{list}），超过应选名额 {limit}。"
    message_en = "The ballot agrees with {agreed} candidates ({list}), more than the {limit} seats."
    rules = ("R-ELEC-3",)
    words = MappingProxyType({"list": labels.LIST_KINDS})


# --- Committee candidates (app.rules.candidates; R-CAND) ---


class CandidateRepresentativeRequired(RuleViolation):
    """R-CAND-1 / Beijing Art. 39 ¶2: an organisation owner stands through its authorised natural person."""

    code = "rules.candidate_representative_required"
    title = "Authorised representative required"
    message_zh = "单位业主须由其授权的自然人代表参选，并提交授权书（北京市物业管理条例第三十九条第二款）。"
    message_en = (
        "An organisation owner stands through its authorised natural-person representative, with the letter "
        "of authorisation (Beijing Art. 39 ¶2)."
    )
    rules = ("R-CAND-1",)


class CandidateRepresentativeNotAllowed(RuleViolation):
    """R-CAND-1 / Beijing Art. 39 ¶2: a natural-person owner stands in person."""

    code = "rules.candidate_representative_not_allowed"
    title = "Representative not allowed"
    message_zh = "自然人业主应本人参选，不得由他人代表（北京市物业管理条例第三十九条第二款）。"
    message_en = "A natural-person owner stands in person, not through a representative (Beijing Art. 39 ¶2)."
    rules = ("R-CAND-1",)


class EligibilitySourceNotAccepted(RuleViolation):
    """R-CAND-3..6: a condition is attested only by the source able to know it."""

    code = "rules.eligibility_source_not_accepted"
    title = "Attesting source not accepted"
    message_zh = "该项任职条件（{criterion}）须由规定的机构或记录出具证明。"
    message_en = "This condition ({criterion}) must be attested by the source the rule names."


class CandidateFeeArrears(RuleViolation):
    """R-CAND-3 / seed 003 §二.5: an owner who does not pay the property fee on time and in full may not serve."""

    code = "rules.candidate_fee_arrears"
    title = "Candidate in arrears of property fees"
    message_zh = "候选人 {candidate} 经物业服务企业证明未按时足额交纳物业费，不得担任业主委员会委员（朝阳区意见二.5）。"
    message_en = (
        "Candidate {candidate} is attested by the property service company as not paying the property fee "
        "on time and in full, and may not serve on the committee (Chaoyang opinions §2.5)."
    )
    rules = ("R-CAND-3",)


class CandidateFundArrears(RuleViolation):
    """R-CAND-4 / seed 003 §二.5: an owner in arrears of the special maintenance fund may not serve."""

    code = "rules.candidate_fund_arrears"
    title = "Candidate in arrears of the maintenance fund"
    message_zh = "候选人 {candidate} 经证明欠缴专项维修资金，不得担任业主委员会委员（朝阳区意见二.5）。"
    message_en = (
        "Candidate {candidate} is attested as owing the special maintenance fund, and may not serve on the "
        "committee (Chaoyang opinions §2.5)."
    )
    rules = ("R-CAND-4",)


class CandidateIllegalConstruction(RuleViolation):
    """R-CAND-5 / seed 003 §二.5: an owner with illegal construction may not serve."""

    code = "rules.candidate_illegal_construction"
    title = "Candidate with illegal construction"
    message_zh = "候选人 {candidate} 经街道办事处证明存在违法建设，不得担任业主委员会委员（朝阳区意见二.5）。"
    message_en = (
        "Candidate {candidate} is attested by the street office as having illegal construction, and may "
        "not serve on the committee (Chaoyang opinions §2.5)."
    )
    rules = ("R-CAND-5",)


class CandidateConditionsUnmet(RuleViolation):
    """R-CAND-6 / Beijing Art. 39 ¶3: the conditions of a member are not met."""

    code = "rules.candidate_conditions_unmet"
    title = "Candidate does not meet the Art. 39 conditions"
    message_zh = "候选人 {candidate} 不符合业主委员会委员的任职条件（北京市物业管理条例第三十九条第三款）。"
    message_en = "Candidate {candidate} does not meet the conditions of a committee member (Beijing Art. 39 ¶3)."
    rules = ("R-CAND-6",)


class CandidateNotAttested(RuleViolation):
    """R-CAND-7: every condition is attested before the notice is published."""

    code = "rules.candidate_not_attested"
    title = "Candidate eligibility not attested"
    message_zh = "候选人 {candidate} 的任职条件尚未全部取得证明，不得公示（缺：{criteria}）。"
    message_en = (
        "Candidate {candidate} has conditions not yet attested, so the list cannot be publicised (missing: {criteria})."
    )
    rules = ("R-CAND-7",)


# --- Notice, voting window and publication (app.rules.publicity; R-LIFE) ---


class NaiveDatetime(RuleViolation):
    """Every instant carries a time zone; the rules count days in Asia/Shanghai (ruff DTZ, R-LIFE-3)."""

    code = "rules.naive_datetime"
    title = "Time without a time zone"
    message_zh = "时间 {field} 缺少时区。"
    message_en = "The time {field} has no time zone."


class NoticePeriodTooShort(RuleViolation):
    """R-LIFE-3 / Beijing Art. 35(4): voting starts at 00:00 Shanghai on publication date + 16 or later."""

    code = "rules.notice_period_too_short"
    title = "Notice period too short"
    message_zh = "公告于 {published_date} 发布，投票最早可于 {earliest_start} 开始，不得于 {starts_at} 开始。"
    message_en = (
        "The notice was published on {published_date}, so voting may start at {earliest_start} at the earliest,"
        " not {starts_at}."
    )
    rules = ("R-LIFE-3",)


class VotingWindowMinimumInvalid(RuleViolation):
    """R-LIFE-5: a community may require a longer window, never one shorter than 7 days."""

    code = "rules.voting_window_minimum_invalid"
    title = "Minimum voting window too short"
    message_zh = "投票期最短天数 {min_days} 无效：不得少于 {floor} 天。"
    message_en = "A minimum voting window of {min_days} days is invalid: it may not be below {floor} days."
    rules = ("R-LIFE-5",)


class VotingWindowInverted(RuleViolation):
    """R-LIFE-5: the voting window ends after it starts."""

    code = "rules.voting_window_inverted"
    title = "Voting window ends before it starts"
    message_zh = "投票截止时间 {ends_at} 不晚于开始时间 {starts_at}。"
    message_en = "The voting window ends at {ends_at}, which is not after its start {starts_at}."
    rules = ("R-LIFE-5",)


class TransitionNotAllowed(RuleViolation):
    """A vote's status may only move along the transition table (``app.rules.lifecycle.TRANSITIONS``)."""

    code = "vote.transition_not_allowed"
    status = 409
    title = "Vote status change not allowed"
    message_zh = "表决当前状态为 {status}，不能变更为 {to}。"
    message_en = "The vote's status is {status}; it cannot change to {to}."
    words = MappingProxyType({"status": labels.VOTE_STATUSES, "to": labels.VOTE_STATUSES})


class VotingWindowTooShort(RuleViolation):
    """R-LIFE-5: the voting window lasts at least ``min_days`` whole days (7 by default)."""

    code = "rules.voting_window_too_short"
    title = "Voting window too short"
    message_zh = "投票期 {starts_at} 至 {ends_at} 不足 {min_days} 天。"
    message_en = "The voting window {starts_at} to {ends_at} is shorter than {min_days} days."
    rules = ("R-LIFE-5",)


class VotingNotStarted(RuleViolation):
    """R-LIFE-5 / R-BAN-1: no ballot before the publicised start (the end of the notice period at the earliest)."""

    code = "ballot.vote_not_open"
    status = 409
    title = "Voting has not started"
    message_zh = "表决尚未开始，将于 {starts_at}开始。"
    message_en = "Voting has not started; it opens at {starts_at}."


class VotingEnded(RuleViolation):
    """R-LIFE-5 / R-LIFE-8: no ballot at or after the publicised end; the decision is made at that instant."""

    code = "ballot.vote_closed"
    status = 409
    title = "Voting has ended"
    message_zh = "表决已于 {ends_at} 截止，不再接受投票。"
    message_en = "Voting ended at {ends_at}; no more ballots are accepted."


class VotingEarlyClose(RuleViolation):
    """R-LIFE-6: the publicised window never closes early."""

    code = "rules.voting_early_close"
    title = "Early close not allowed"
    message_zh = "不得提前结束投票：已公示的截止时间为 {ends_at}，不得改为 {new_ends_at}。"
    message_en = "Voting may not close early: the publicised end {ends_at} cannot become {new_ends_at}."
    rules = ("R-LIFE-6",)


class VotingExtensionAfterClose(RuleViolation):
    """R-LIFE-6 / R-LIFE-8: the decision is made at the close instant, so a closed vote cannot be extended."""

    code = "rules.voting_extension_after_close"
    title = "Vote already closed"
    message_zh = "投票已于 {ends_at} 截止，不得再延长。"
    message_en = "Voting closed at {ends_at} and can no longer be extended."
    rules = ("R-LIFE-6",)


class VotingExtensionNotInNotice(RuleViolation):
    """R-LIFE-6: an extension needs an extension rule stated in the original notice."""

    code = "rules.voting_extension_not_in_notice"
    title = "Extension not provided for in the notice"
    message_zh = "公告未规定延长规则，不得延长投票期；未通过的事项须重新公告表决。"
    message_en = (
        "The notice states no extension rule, so the voting window cannot be extended; a failed vote must "
        "be noticed again."
    )
    rules = ("R-LIFE-6",)


class VotingExtensionConditionUnmet(RuleViolation):
    """R-LIFE-6: the notice allows an extension only when its stated condition holds."""

    code = "rules.voting_extension_condition_unmet"
    title = "Extension condition not met"
    message_zh = "公告规定的延长条件（{condition}）不成立，不得延长投票期。"
    message_en = "The extension condition stated in the notice ({condition}) does not hold."
    rules = ("R-LIFE-6",)


class VotingExtensionTooMany(RuleViolation):
    """R-LIFE-6: no more extensions than the notice's maximum number of times."""

    code = "rules.voting_extension_too_many"
    title = "Too many extensions"
    message_zh = "公告规定最多延长 {max_times} 次，已达上限。"
    message_en = "The notice allows at most {max_times} extensions, and that limit is reached."
    rules = ("R-LIFE-6",)


class VotingExtensionTooLong(RuleViolation):
    """R-LIFE-6: each extension is at most the notice's maximum number of days."""

    code = "rules.voting_extension_too_long"
    title = "Extension too long"
    message_zh = "公告规定每次最多延长 {max_days} 天，不得由 {ends_at} 延至 {new_ends_at}。"
    message_en = "The notice allows at most {max_days} days per extension, so {ends_at} cannot move to {new_ends_at}."
    rules = ("R-LIFE-6",)


# --- Topic categories, counting rules and option topics (app.rules.categories / options; R-CAT, R-MULTI) ---


class TopicWithoutMatter(RuleViolation):
    """R-CAT-1: a topic's category comes from the matters it decides, so it must name at least one."""

    code = "rules.topic_without_matter"
    title = "Topic names no matter"
    message_zh = "表决事项必须至少对应一项法定事项（民法典第二百七十八条、北京市物业管理条例第三十四条）。"
    message_en = "A topic must name at least one matter (Civil Code Art. 278, Beijing Regulation Art. 34)."


class NotAMajorityVote(RuleViolation):
    """R-CAT-1 / R-BAN-3: matters needing unanimity or individual consent (CC 279) cannot be put to a vote."""

    code = "rules.not_a_majority_vote"
    title = "Matter cannot be put to a vote"
    message_zh = "该事项依法须经全体有利害关系的业主或个人同意（如民法典第二百七十九条），不能交由业主大会表决。"
    message_en = (
        "By law this matter needs unanimous or individual consent (e.g. Civil Code Art. 279), "
        "so it cannot be put to an owners' vote."
    )


class ThresholdTooLoose(RuleViolation):
    """R-CAT-4 / R-BAN-4: community rules may only be stricter than CC 278 ¶2, which is mandatory law."""

    code = "rules.threshold_too_loose"
    title = "Threshold looser than the law"
    message_zh = (
        "{measure} 门槛 {configured} 低于民法典第二百七十八条规定的 {minimum}，而议事规则只能规定更严格的门槛。"
    )
    message_en = (
        "The {measure} threshold {configured} is looser than the {minimum} of Civil Code Art. 278; "
        "rules of procedure may only be stricter."
    )


class InvalidOptions(RuleViolation):
    """R-MULTI-1: a choice among alternatives needs at least two distinct, named options."""

    code = "rules.invalid_options"
    title = "Invalid option list"
    message_zh = (
        "选项列表无效（{options}）：至少需要两个互不相同的非空选项编号，且不得使用表示弃权、"
        "无法辨认的保留字作为选项编号。"
    )
    message_en = (
        "Invalid option list ({options}): at least two distinct, non-empty option ids are needed, "
        "and reserved words such as ABSTAIN or SPOILED cannot be used."
    )


class UnknownOption(RuleViolation):
    """R-MULTI-1: an answer may only name one of the topic's options."""

    code = "rules.unknown_option"
    title = "Unknown option"
    message_zh = "选项 {option} 不属于该表决事项。"
    message_en = "Option {option} is not one of this topic's options."


class InvalidOptionAnswer(RuleViolation):
    """R-MULTI-1 / R-MULTI-3: one option or ABSTAIN (SPOILED on paper); several only in a consultation."""

    code = "rules.invalid_option_answer"
    title = "Invalid answer on an option topic"
    message_zh = "答案 {answer} 无效：应选择一个选项或弃权；只有征询意见可以多选。"
    message_en = "Invalid answer {answer}: pick one option or abstain; only a consultation allows several options."


class ResumptionExtensionTooShort(RuleViolation):
    """R-SUP-5: a resumption gives the owners back at least the time the suspension took from them."""

    code = "rules.resumption_extension_too_short"
    status = 422
    title = "Extension shorter than the suspension"
    message_zh = (
        "恢复表决时新的投票截止时间 {ends_at} 早于最早可定的截止时间 {minimum}：投票期限须至少延长暂停的时间"
        "（{suspended_seconds} 秒）。"
    )
    message_en = (
        "The new end {ends_at} is earlier than {minimum}: a resumption must extend the window by at least the "
        "suspended time ({suspended_seconds} seconds)."
    )


# --- Paper ballots and their counting (app.rules.paper; R-PAPER) ---


class PaperReceptionOutsideWindow(RuleViolation):
    """R-PAPER-1: a paper ballot's reception is recorded at the server's clock, inside the voting window."""

    code = "ballot.paper_reception_outside_window"
    status = 409
    title = "Paper ballot received outside the voting window"
    message_zh = "纸质选票只能在表决期间（{starts_at} 至 {ends_at}）送达登记；表决截止后送达的选票不予登记。"
    message_en = (
        "A paper ballot is recorded as received only within the voting window ({starts_at} to {ends_at});"
        " one arriving after the close is refused."
    )
    rules = ("R-PAPER-1",)


class CountingBeforeClose(RuleViolation):
    """R-PAPER-3: the counting session is held after the close."""

    code = "counting.before_close"
    status = 409
    title = "Counting session before the close"
    message_zh = "计票会议须在表决截止（{ends_at}）之后召开。"
    message_en = "The counting session is held after the close ({ends_at})."
    rules = ("R-PAPER-3",)


class WitnessesIncomplete(RuleViolation):
    """R-PAPER-3: an owner and the residents' committee or the street office witness the counting."""

    code = "counting.witnesses_incomplete"
    title = "Witnesses incomplete"
    message_zh = "监票人须至少包括一名本物业管理区域业主，以及居民委员会或街道办事处。"
    message_en = (
        "The witnesses must include at least one owner of the estate and the residents' committee or the street office."
    )
    rules = ("R-PAPER-3",)


class ScanHashInvalid(RuleViolation):
    """R-PAPER-4: a scan is named by the SHA-256 of stored bytes; the all-zero hash names none."""

    code = "ballot.scan_hash_invalid"
    title = "Invalid scan hash"
    message_zh = "扫描件哈希无效：须为已上传扫描件的 SHA-256，全零哈希不予接受。"
    message_en = "Invalid scan hash: it must be the SHA-256 of an uploaded scan; the all-zero hash is refused."
    rules = ("R-PAPER-4",)


class PostingInFuture(RuleViolation):
    """R-NOTICE-2: the stated posting time is a fact already past when it is recorded."""

    code = "rules.posting_in_future"
    title = "Posting time in the future"
    message_zh = "张贴时间 {posted_at} 晚于记录时间 {now}，不能记录尚未发生的张贴。"
    message_en = "The posting time {posted_at} is after the recording time {now}; a posting is recorded once done."
    rules = ("R-NOTICE-2",)


class PostingBeforePublication(RuleViolation):
    """R-NOTICE-2: the notice posted on site is the published one, so it cannot be posted before publication."""

    code = "rules.posting_before_publication"
    title = "Posting before publication"
    message_zh = "张贴时间 {posted_at} 早于公告发布时间 {published_at}，张贴的必须是已发布的公告。"
    message_en = (
        "The posting time {posted_at} is before the notice was published at {published_at}; only the published "
        "notice can be posted."
    )
    rules = ("R-NOTICE-2",)


class PostingTooLateForWindow(RuleViolation):
    """R-LIFE-3 with R-NOTICE-3 (Beijing Art. 35(4)): the 15 clear days run from the later of publication and posting;
    a posting that leaves fewer before the announced start cannot make the announced window lawful."""

    code = "rules.posting_too_late"
    title = "Posted too late for the announced window"
    message_zh = (
        "公告于 {posted_date} 在物业管理区域内张贴，投票最早可于 {earliest_start} "
        "开始，公告的开始时间 {starts_at} 不足十五日公示期。请撤销本次表决并以新的表决时间重新发布公告。"
    )
    message_en = (
        "The notice was posted on site on {posted_date}, so voting may start at {earliest_start} at the "
        "earliest; the announced start {starts_at} leaves less than 15 clear days. Cancel the vote and publish "
        "a new notice with a new window."
    )
    rules = ("R-LIFE-3", "R-NOTICE-3")


class NoticeNotPosted(RuleViolation):
    """R-NOTICE-2 (Beijing Art. 35(4) 「在物业管理区域内显著位置公示」): no posting recorded, the vote does not open."""

    code = "ballot.notice_not_posted"
    status = 409
    title = "Notice not posted on site"
    message_zh = "公告尚未记录在物业管理区域内显著位置张贴，表决不能开始。"
    message_en = "No on-site posting of the notice is recorded, so voting cannot open."
    rules = ("R-NOTICE-3",)


# --- Rules of procedure (app.rules.procedure; R-PROC) ---


class ProcedureRulesInvalid(RuleViolation):
    """R-PROC-1: a proposed rules-of-procedure document must be one the law allows."""

    code = "rules.procedure_rules_invalid"
    title = "Invalid rules of procedure"
    message_zh = "议事规则的“{field}”项无效（{reason}）。"
    message_en = 'Invalid rules of procedure: field "{field}" ({reason}).'


class DelegationForbidden(RuleViolation):
    """R-PROC-8: Beijing Art. 44 (last ¶): the assembly may not authorise the committee to decide Art. 34 matters."""

    code = "rules.delegation_forbidden"
    title = "Art. 34 matter delegated to the committee"
    message_zh = (
        "业主大会不得授权业主委员会决定《北京市物业管理条例》第三十四条第一款规定的事项（第四十四条），"
        "这些事项只能由业主共同决定：{matters}。"
    )
    message_en = (
        "The assembly may not authorise the committee to decide a matter of Beijing Regulation Art. 34(1) "
        "(Art. 44); only the owners can decide it: {matters}."
    )
    words = MappingProxyType({"matters": labels.MATTERS})


class DelegationUnknown(RuleViolation):
    """R-PROC-8: only the listed committee powers (e.g. organising a tender, Beijing Art. 64) can be delegated."""

    code = "rules.delegation_unknown"
    title = "Unknown delegated power"
    message_zh = "无法识别授权业主委员会的事项：{items}。"
    message_en = "Unknown power delegated to the committee: {items}."


# --- Committee disclosure (app.rules.disclosure; R-DISC) ---


class DisclosurePeriodNotEnded(RuleViolation):
    """R-DISC-1: a half-year's fee publication reports the standing at the half-year's end."""

    code = "rules.disclosure_period_not_ended"
    title = "Half-year not ended"
    message_zh = "{period} 尚未结束（截至 {last_day}），不能公示该半年的委员、候补委员交纳物业费情况。"
    message_en = (
        "The half-year {period} has not ended (it runs to {last_day}), so its publication of the members' "
        "fee payments cannot be made yet."
    )
    rules = ("R-DISC-1",)


class DisclosureYearInFuture(RuleViolation):
    """R-DISC-4, R-DISC-5: a yearly report or evaluation is of a year that has begun."""

    code = "rules.disclosure_year_in_future"
    title = "Year not begun"
    message_zh = "{year} 年尚未开始，不能记录该年度的报告或评价。"
    message_en = "The year {year} has not begun, so no report or evaluation of it can be recorded."
    rules = ("R-DISC-4", "R-DISC-5")
