"""Errors of the audit log's public endpoints, receipts and witness cosigning; each has its own code."""

from __future__ import annotations

from app.errors import DomainError

#: Seconds a client should wait before asking again for something the integrator has not produced yet.
RETRY_AFTER_SECONDS = 2


class NotYetAvailable(DomainError):
    """Base of the "come back shortly" errors: rendered with a ``Retry-After`` header."""

    abstract = True


class NoCheckpoint(NotYetAvailable):
    code = "log.no_checkpoint"
    status = 404
    title = "No checkpoint yet"
    message_zh = "审计日志尚未签署检查点，请稍后重试。"
    message_en = "The audit log has not signed a checkpoint yet; retry shortly."


class CheckpointNotFound(DomainError):
    code = "log.checkpoint_not_found"
    status = 404
    title = "No checkpoint of that size"
    message_zh = "审计日志没有大小为 {size} 的检查点。"
    message_en = "The audit log has no checkpoint of size {size}."


class EntryNotFound(DomainError):
    code = "log.entry_not_found"
    status = 404
    title = "No such log entry"
    message_zh = "审计日志中没有该记录。"
    message_en = "The audit log has no such entry."


class EntryNotIntegrated(NotYetAvailable):
    code = "log.entry_not_integrated"
    status = 404
    title = "Entry not yet in the tree"
    message_zh = "该记录尚未写入默克尔树，通常几秒内完成，请稍后重试。"
    message_en = "The entry is not in the Merkle tree yet (usually a matter of seconds); retry shortly."


class EntryNotInCheckpoint(DomainError):
    code = "log.entry_not_in_checkpoint"
    status = 422
    title = "Entry after the checkpoint"
    message_zh = "该记录的位置 {index} 不在大小为 {size} 的检查点内。"
    message_en = "The entry's leaf index {index} is not inside the checkpoint of size {size}."


class ConsistencyRangeInvalid(DomainError):
    code = "log.consistency_range_invalid"
    status = 422
    title = "Invalid consistency range"
    message_zh = "一致性证明要求 0 ≤ 起点 ≤ 终点 ≤ 当前大小 {size}。"
    message_en = "A consistency proof needs 0 ≤ first ≤ second ≤ the current size {size}."


class EntryRangeInvalid(DomainError):
    code = "log.entry_range_invalid"
    status = 422
    title = "Invalid entry range"
    message_zh = "记录范围须满足 0 ≤ 起点 < 终点 ≤ 当前大小 {size}，且每页不超过 {limit} 条。"
    message_en = "An entry range needs 0 ≤ start < end ≤ the current size {size}, at most {limit} per page."


class ReceiptNotFound(DomainError):
    """No ballot cast by the caller has this audit entry (someone else's entries look the same as none)."""

    code = "log.receipt_not_found"
    status = 404
    title = "No such receipt"
    message_zh = "没有找到您投出的、对应该记录的选票。"
    message_en = "No ballot you cast has this entry."


class CosignatureMalformed(DomainError):
    code = "log.cosignature_malformed"
    status = 422
    title = "Malformed cosigned checkpoint"
    message_zh = "提交的联署检查点格式错误：{reason}"
    message_en = "The cosigned checkpoint is malformed: {reason}"


class WitnessUnknown(DomainError):
    code = "log.witness_unknown"
    status = 403
    title = "Not a configured witness"
    message_zh = "检查点上没有任何已配置见证方的签名。"
    message_en = "The checkpoint carries no signature of a configured witness."


class WitnessSignatureInvalid(DomainError):
    code = "log.witness_signature_invalid"
    status = 422
    title = "Invalid witness signature"
    message_zh = "见证方签名无法验证。"
    message_en = "A witness signature does not verify."


class CheckpointUnknown(DomainError):
    code = "log.checkpoint_unknown"
    status = 422
    title = "Not a checkpoint of this log"
    message_zh = "该检查点不是本日志签署的检查点。"
    message_en = "The checkpoint was not signed by this log."


class WitnessInconsistent(DomainError):
    code = "log.witness_inconsistent"
    status = 409
    title = "Inconsistent with the witness's last checkpoint"
    message_zh = "该检查点与见证方 {witness} 上次联署的检查点（大小 {size}）不一致。"
    message_en = "The checkpoint is not consistent with the one witness {witness} cosigned last (size {size})."


class LogIncomplete(DomainError):
    """The stored tree has fewer leaves than a signed checkpoint covers: rows were deleted behind the service's back.

    Not something a caller can fix; the operator runs ``evote audit check``, which names the missing rows.
    """

    code = "log.incomplete"
    status = 500
    title = "The audit log is incomplete"
    message_zh = "审计日志缺少已签名检查点所涵盖的条目（检查点大小 {size}，现存 {found}）；请运维人员运行审计检查。"
    message_en = (
        "The audit log lacks entries its signed checkpoint covers (size {size}, {found} present); "
        "run evote audit check."
    )
