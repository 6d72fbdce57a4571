"""Problems of the rules of procedure (R-PROC)."""

from __future__ import annotations

from app.errors import DomainError


class ProcedureRulesNotProposable(DomainError):
    code = "procedure.rules_not_proposable"
    status = 409
    title = "Rules of procedure version cannot be proposed"
    message_zh = "该议事规则版本已经生效或不属于本物业管理区域，不能再作为议题提交表决。"
    message_en = (
        "This rules-of-procedure version is already adopted or belongs to another estate; it cannot be proposed."
    )


class ProcedureRulesTopicInvalid(DomainError):
    code = "procedure.topic_invalid"
    status = 422
    title = "Invalid rules-of-procedure topic"
    message_zh = (
        "提交议事规则的议题须为赞成/反对/弃权议题，且仅涉及议事规则事项（北京市物业管理条例第三十四条第一款第一项）。"
    )
    message_en = (
        "A topic proposing rules of procedure must be a yes/no topic on the rules of procedure only "
        "(Beijing Regulation Art. 34(1)(1))."
    )


class RegisterPredatesRules(DomainError):
    code = "procedure.register_predates_rules"
    status = 409
    title = "Register imported under other parking rules"
    message_zh = (
        "最新的房屋登记版本对车位的计入方式（{register}）与现行议事规则（{rules}）不一致，请重新导入登记后再发布。"
    )
    message_en = (
        "The latest register version counts parking spaces as {register}, the rules of procedure in force as "
        "{rules}; import the register again before publishing."
    )
