from app.errors import DomainError


class NotVerified(DomainError):
    code = "ballot.not_verified"
    status = 403
    title = "Identity not verified"
    message_zh = "投票前须完成业主实名身份认证（R-CAST-1）。"
    message_en = "Identity verification is required before voting (R-CAST-1)."


class VoteNotVotable(DomainError):
    code = "ballot.vote_not_votable"
    status = 409
    title = "Vote is not open for ballots"
    message_zh = "该表决当前状态为 {status}，不接受投票。"
    message_en = "The vote is {status} and does not accept ballots."


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
    message_zh = "公告未说明可采用书面投票，不能录入纸质选票（R-TALLY-9）。"
    message_en = "The notice did not announce paper voting; paper ballots cannot be entered (R-TALLY-9)."


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
    message_zh = "该户（投票组）已经投票，每户只能投一次且投票后不能更改（R-TALLY-7、R-CAST-2）。"
    message_en = (
        "This voter group has already voted; a group votes once and a ballot cannot be changed (R-TALLY-7, R-CAST-2)."
    )


class IdempotencyKeyReused(DomainError):
    code = "ballot.idempotency_key_reused"
    status = 422
    title = "Idempotency-Key reused for a different request"
    message_zh = "Idempotency-Key 已用于另一份不同的选票。"
    message_en = "The Idempotency-Key was already used for a different ballot."
