"""Errors raised by the HTTP layer itself (authentication, negotiation, pagination, infrastructure)."""

from app.errors import DomainError


class RequestInvalid(DomainError):
    code = "request.invalid"
    status = 422
    title = "Invalid request"
    message_zh = "请求内容有误，共 {count} 处。"
    message_en = "The request is invalid ({count} problem(s))."


class RouteNotFound(DomainError):
    code = "http.not_found"
    status = 404
    title = "Not found"
    message_zh = "请求的地址不存在。"
    message_en = "No such resource."


class MethodNotAllowed(DomainError):
    code = "http.method_not_allowed"
    status = 405
    title = "Method not allowed"
    message_zh = "不支持该请求方法。"
    message_en = "The method is not allowed on this resource."


class HttpError(DomainError):
    code = "http.error"
    status = 400
    title = "HTTP error"
    message_zh = "请求无法处理（状态码 {status_code}）。"
    message_en = "The request could not be processed (HTTP {status_code})."


class PayloadTooLarge(DomainError):
    code = "request.too_large"
    status = 413
    title = "Payload too large"
    message_zh = "上传内容超过 {limit} 字节上限。"
    message_en = "The upload exceeds the limit of {limit} bytes."


class DatabaseUnavailable(DomainError):
    code = "db.unavailable"
    status = 503
    title = "Service unavailable"
    message_zh = "数据库暂时不可用，请稍后重试。"
    message_en = "The database is temporarily unavailable; retry later."


class DatabaseNotMigrated(DomainError):
    """The schema is not at the revision this code was written for (``/readyz``, the CLI): run ``evote migrate``."""

    code = "db.not_migrated"
    status = 503
    title = "Database not migrated"
    message_zh = "数据库结构未升级到当前版本（现为 {current}，应为 {head}），请先运行 {command}。"
    message_en = "The database is not migrated (schema at {current}, this code needs {head}); run `{command}`."

    def __init__(self, *, current: str, head: str) -> None:
        super().__init__(current=current, head=head, command="evote migrate")


class DatabaseBusy(DomainError):
    """A statement gave up waiting for a lock or ran past the statement timeout (``db_lock_timeout_ms``,
    ``db_statement_timeout_ms``): e.g. a cast arriving while its vote is being closed. Nothing was written."""

    code = "db.busy"
    status = 503
    title = "Busy, retry shortly"
    message_zh = "该事项正在处理中，请稍后重试。"
    message_en = "The record is busy with another change; retry shortly."


class InternalError(DomainError):
    code = "internal"
    status = 500
    title = "Internal error"
    message_zh = "服务器内部错误，请联系管理员并提供请求编号。"
    message_en = "Internal server error; contact the operator with the request id."
