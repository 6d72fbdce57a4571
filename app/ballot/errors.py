from types import MappingProxyType

from app.errors import DomainError
from app.rules import labels


class NotVerified(DomainError):
    code = "ballot.not_verified"
    status = 403
    title = "Identity not verified"
    message_zh = "投票前须完成业主实名身份认证。"
    message_en = "Identity verification is required before voting."
    rules = ("R-CAST-1",)


class VoteNotVotable(DomainError):
    code = "ballot.vote_not_votable"
    status = 409
    title = "Vote is not open for ballots"
    message_zh = "该表决当前状态为 {status}，不接受投票。"
    message_en = "The vote is {status} and does not accept ballots."
    words = MappingProxyType({"status": labels.VOTE_STATUSES})


class OnlineNotAllowed(DomainError):
    code = "ballot.online_not_allowed"
    status = 409
    title = "Paper voting only"
    message_zh = "本次表决仅采用书面形式，不接受网上投票。"
    message_en = "This vote is held on paper only; online ballots are not accepted."


class PaperNotAllowed(DomainError):
    code = "ballot.paper_not_allowed"
    status = 409
    title = "Paper ballots not announced"
    message_zh = "公告未说明可采用书面投票，不能录入纸质选票。"
    message_en = "The notice did not announce paper voting; paper ballots cannot be entered."
    rules = ("R-TALLY-9",)


class GroupNotInRoll(DomainError):
    code = "ballot.group_not_in_roll"
    status = 404
    title = "Voter group not in this vote's roll"
    message_zh = "本次表决的名册中没有该投票组。"
    message_en = "The voter group is not in this vote's roll."


class AlreadyCast(DomainError):
    code = "ballot.already_cast"
    status = 409
    title = "This voter group has already voted"
    message_zh = "该户（投票组）已经投票，每户只能投一次且投票后不能更改。"
    message_en = "This voter group has already voted; a group votes once and a ballot cannot be changed."
    rules = ("R-TALLY-7", "R-CAST-2")


class IdempotencyKeyReused(DomainError):
    code = "ballot.idempotency_key_reused"
    status = 422
    title = "Idempotency-Key reused for a different request"
    message_zh = "该幂等键已用于另一份不同的选票。"
    message_en = "The Idempotency-Key was already used for a different ballot."


class BallotVoided(DomainError):
    """The caster asks whether a ballot was counted that was voided: it is not in the counted set."""

    code = "ballot.voided"
    status = 409
    title = "Ballot voided, not counted"
    message_zh = "该选票已作废（例如同一投票组较早的书面选票优先），不在计票集合中。"
    message_en = "This ballot was voided (for example by the group's earlier paper ballot); it was not counted."
    rules = ("R-TALLY-9",)


class VoteNotYetClosed(DomainError):
    code = "ballot.vote_not_closed"
    status = 409
    title = "Vote not closed yet"
    message_zh = "表决尚未关闭：计票集合在关闭时签署，请在表决关闭后再查询您的选票是否计入。"
    message_en = "The vote has not closed yet: the counted set is signed at the close; ask again after it."


class CountedSetNotLogged(DomainError):
    """A vote closed before the close logged its counted set (append-only: its entry stays as it is)."""

    code = "ballot.counted_set_not_logged"
    status = 404
    title = "No counted set logged"
    message_zh = "该表决关闭时未记录计票集合，无法提供计票证明。"
    message_en = "This vote's close logged no counted set, so there is no counted proof."


class ScanOfAnotherGroup(DomainError):
    """R-PAPER-4: one scan is one physical paper; the scan of one group's reception cannot evidence another's."""

    code = "ballot.scan_of_another_group"
    status = 409
    title = "Scan already evidences another group's paper ballot"
    message_zh = "该扫描件已作为另一表决组纸质选票的证据登记，一份扫描件只能对应一张纸质选票。"
    message_en = "This scan already evidences another group's paper ballot; one scan is one paper."


class ScanNotUploaded(DomainError):
    """R-PAPER-4: a scan is named by the hash of bytes this vote stored; a hash alone proves no scan."""

    code = "ballot.scan_not_uploaded"
    status = 422
    title = "Scan not uploaded"
    message_zh = "该哈希没有对应的已上传扫描件：请先上传纸质选票的扫描件。"
    message_en = "No uploaded scan has this hash: upload the paper ballot's scan first."
    rules = ("R-PAPER-4",)


class ScanEmptyOrTooLarge(DomainError):
    code = "ballot.scan_size_invalid"
    status = 422
    title = "Scan empty or too large"
    message_zh = "扫描件不能为空，且不得超过 {max_bytes} 字节。"
    message_en = "A scan must not be empty and must not exceed {max_bytes} bytes."


class ScanNotAnImage(DomainError):
    """R-PAPER-4: a scan evidences a signed paper: a PDF, JPEG or PNG file, judged by its bytes, not its label."""

    code = "ballot.scan_type_unsupported"
    status = 415
    title = "Scan is not a PDF, JPEG or PNG file"
    message_zh = "扫描件须为 PDF、JPEG 或 PNG 文件（按文件内容判断）。"
    message_en = "A scan must be a PDF, JPEG or PNG file (judged by its content)."


class ReceptionNotFound(DomainError):
    """R-PAPER-3: answers are entered only for a paper ballot whose reception was recorded before the close."""

    code = "counting.reception_not_found"
    status = 404
    title = "No such paper ballot reception"
    message_zh = "没有该纸质选票的送达登记：只有在表决截止前登记送达的纸质选票才能在计票时录入。"
    message_en = (
        "No such paper ballot reception: only paper ballots recorded as received before the close are entered "
        "at the counting."
    )
    rules = ("R-PAPER-3",)


class ReceptionIsDuplicate(DomainError):
    """R-PAPER-2: a duplicate is kept on record, never counted."""

    code = "counting.reception_duplicate"
    status = 409
    title = "Duplicate paper ballot"
    message_zh = "该纸质选票送达时，该投票组已有更早的选票，按规定作为重复选票留存，不计入。"
    message_en = (
        "When this paper ballot arrived the group already had an earlier ballot: it is kept as a duplicate "
        "and not counted."
    )
    rules = ("R-PAPER-2",)


class SheetScanRequired(DomainError):
    code = "counting.sheet_scan_required"
    status = 422
    title = "Scan of the opened ballot required"
    message_zh = "密封信封在计票时拆封：请上传并提供信封内选票的扫描件哈希。"
    message_en = "A sealed envelope is opened at the counting: upload the ballot sheet inside and give its scan hash."
    rules = ("R-PAPER-4",)
